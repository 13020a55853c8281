//! The napi binding of ferrofetch: conversions between JS values and the
//! Rust core, and nothing else. JS values never enter a tokio task: every
//! argument is turned into owned Rust data before the request starts.
#![deny(clippy::all)]

mod client;
mod convert;
mod exchange;
mod observe;
mod ready_queue;
mod sse;
mod upload;

pub use client::NativeClient;
pub use exchange::NativeExchange;
pub use ready_queue::{drain_ready, hold_ready, install_ready_queue};
pub use sse::{sse_batch_tags, NativeSseParser};
pub use upload::NativeUpload;

use napi_derive::napi;

/// Panics on purpose when the process runs with `FERROFETCH_TEST_PANIC=1`,
/// so a test can prove a panic in the binding becomes a JS error. Without
/// the variable it does nothing.
///
/// Internal, not API: index.js does not export it and index.d.ts does not
/// declare it. It is in every build, not behind a Cargo feature, because the
/// JS suite tests the addon users get (the release build); the process
/// variable, shared with the core's `test_hooks`, is the gate, and
/// __test__/errors.spec.mjs checks that both hooks are inert without it.
#[napi(catch_unwind)]
pub fn test_panic() {
    if std::env::var_os("FERROFETCH_TEST_PANIC").is_some_and(|v| v == "1") {
        panic!("deliberate panic for a test");
    }
}

/// One tokio worker thread by default: every hop of a request (the request
/// future, hyper's connection task, the body pump) then runs on the same
/// thread, and cross-thread wake-ups, which dominate small-request latency,
/// are avoided. `FERROFETCH_WORKER_THREADS` overrides it.
#[napi_derive::module_init]
fn init() {
    let workers = std::env::var("FERROFETCH_WORKER_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name("ferrofetch")
        .enable_all()
        .build()
        .expect("ferrofetch: could not start the tokio runtime");
    napi::bindgen_prelude::create_custom_tokio_runtime(runtime);
}
