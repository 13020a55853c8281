//! The napi binding of ferrofetch: conversions between JS values and the
//! Rust core, and nothing else. JS values never enter a tokio task: every
//! argument is turned into owned Rust data before the request starts.
#![deny(clippy::all)]

mod client;
mod convert;
mod exchange;

pub use client::NativeClient;
pub use exchange::NativeExchange;

use napi_derive::napi;

/// Panics on purpose when the process runs with `FERROFETCH_TEST_PANIC=1`,
/// so a test can prove a panic in the binding becomes a JS error. Without
/// the variable it does nothing.
#[napi(catch_unwind)]
pub fn test_panic() {
    if std::env::var_os("FERROFETCH_TEST_PANIC").is_some_and(|v| v == "1") {
        panic!("deliberate panic for a test");
    }
}
