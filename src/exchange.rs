//! `NativeExchange`: one request in flight, as a JS class. The body is read
//! with synchronous calls; only `readable()` awaits (DESIGN §3).

use std::sync::Arc;

use ferrofetch_core::{Exchange, Read};
use napi::bindgen_prelude::Uint8ArraySlice;
use napi_derive::napi;

use crate::convert::{NativeError, NativeHead};

/// `readInto` results other than a byte count.
const NOTHING_YET: i32 = 0;
const END: i32 = -1;
const FAILED: i32 = -2;

/// A request in flight.
#[napi]
pub struct NativeExchange {
    inner: Arc<Exchange>,
}

impl NativeExchange {
    pub fn new(inner: Arc<Exchange>) -> Self {
        NativeExchange { inner }
    }
}

#[napi]
impl NativeExchange {
    /// Resolves with the final response head, or with `{ error }`: failures
    /// resolve rather than reject so JS gets the error as data and builds
    /// the right class itself.
    #[napi]
    pub async fn head(&self) -> NativeHead {
        match self.inner.head().await {
            Ok(head) => head.into(),
            Err(e) => NativeHead::failed(&e),
        }
    }

    /// Bytes readable now without waiting.
    #[napi]
    pub fn available(&self) -> u32 {
        u32::try_from(self.inner.body().available()).unwrap_or(u32::MAX)
    }

    /// Copies buffered body bytes into `view`. Returns the count (> 0),
    /// 0 when nothing is buffered yet, -1 at the end, -2 on failure (then
    /// `bodyError()` says why).
    #[napi]
    pub fn read_into(&self, mut view: Uint8ArraySlice) -> i32 {
        // SAFETY: this is a synchronous call on the JS thread, so no JS code
        // runs (and touches the view) until it returns, and the slice does
        // not outlive the call.
        let buf = unsafe { view.as_mut() };
        match self.inner.read_into(buf) {
            Read::Bytes(n) => i32::try_from(n).unwrap_or(i32::MAX),
            Read::Pending => NOTHING_YET,
            Read::End => END,
            Read::Failed(_) => FAILED,
        }
    }

    /// Resolves when `readInto` would not return 0.
    #[napi]
    pub async fn readable(&self) {
        self.inner.body().readable().await;
    }

    /// Why the body failed, after `readInto` returned -2.
    #[napi]
    pub fn body_error(&self) -> Option<NativeError> {
        match self.inner.read_into(&mut []) {
            Read::Failed(e) => Some((&e).into()),
            _ => None,
        }
    }

    /// Aborts the request and closes its connection.
    #[napi]
    pub fn abort(&self) {
        self.inner.abort();
    }

    /// The consumer cancelled the body: stop reading and close the
    /// connection.
    #[napi]
    pub fn cancel(&self) {
        self.inner.cancel_body();
    }
}
