//! A deliberate panic for tests that prove a panic inside a request task
//! becomes a JS error instead of killing the process. It is inert unless the
//! process was started with `FERROFETCH_TEST_PANIC=1`, so a header alone can
//! never crash a production process.

use std::sync::OnceLock;

use http::HeaderMap;

/// The request header that asks for the panic (when enabled).
pub const PANIC_HEADER: &str = "x-ferrofetch-test-panic";

fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("FERROFETCH_TEST_PANIC").is_some_and(|v| v == "1"))
}

/// Panics when enabled and the request carries [`PANIC_HEADER`].
pub(crate) fn maybe_panic(headers: &HeaderMap) {
    if headers.contains_key(PANIC_HEADER) && enabled() {
        panic!("deliberate panic requested by {PANIC_HEADER}");
    }
}
