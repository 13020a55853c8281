//! `NativeClient`: a core client (settings and pools) as a JS class.

use std::sync::Arc;

use ferrofetch_core::{BodyQueue, Client, ClientOptions, RequestBody, RequestSpec};
use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::convert;
use crate::exchange::NativeExchange;

/// Bytes of a streamed request body buffered before `push` reports full.
const UPLOAD_HIGH_WATER_MARK: usize = 1024 * 1024;

/// Client settings from JS; every field optional.
#[napi(object)]
pub struct NativeClientOptions {
    /// Default connect timeout in ms (0: none).
    pub connect_timeout: Option<f64>,
    /// Idle pooled connections are closed after this many ms.
    pub pool_idle_timeout: Option<f64>,
    /// Idle connections kept per host.
    pub pool_max_idle_per_host: Option<u32>,
    /// Redirects followed before failing.
    pub max_redirects: Option<u32>,
    /// User-Agent sent when a request has none.
    pub user_agent: Option<String>,
}

/// A client with its own connection pools.
#[napi]
pub struct NativeClient {
    inner: Client,
}

#[napi]
impl NativeClient {
    /// A client from options (validated by the JS layer).
    #[napi(constructor)]
    pub fn new(options: Option<NativeClientOptions>) -> Self {
        let mut core = ClientOptions::default();
        if let Some(o) = options {
            if o.connect_timeout.is_some() {
                core.connect_timeout = convert::millis(o.connect_timeout);
            }
            if o.pool_idle_timeout.is_some() {
                core.pool_idle_timeout = convert::millis(o.pool_idle_timeout);
            }
            if let Some(n) = o.pool_max_idle_per_host {
                core.pool_max_idle_per_host = n as usize;
            }
            if let Some(n) = o.max_redirects {
                core.max_redirects = n;
            }
            if let Some(ua) = o.user_agent {
                core.user_agent = ua;
            }
        }
        NativeClient {
            inner: Client::new(core),
        }
    }

    /// Starts a request and returns its handle at once. Positional
    /// arguments keep this hot call cheap (no object property lookups).
    #[napi]
    #[allow(clippy::too_many_arguments)]
    pub fn start(
        &self,
        method: String,
        url: String,
        headers: Vec<String>,
        body: Option<&[u8]>,
        stream_body: bool,
        redirect: String,
        timeout_ms: Option<f64>,
        connect_timeout_ms: Option<f64>,
        read_timeout_ms: Option<f64>,
    ) -> Result<NativeExchange> {
        let method = http::Method::from_bytes(method.as_bytes())
            .map_err(|_| convert::invalid(format!("invalid method {method:?}")))?;
        let url = url::Url::parse(&url)
            .map_err(|e| convert::invalid(format!("invalid URL {url:?}: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(convert::invalid(format!(
                "unsupported URL scheme {:?}",
                url.scheme()
            )));
        }
        // A streamed body gets a queue JS fills with push(); a known one is
        // copied out of the JS buffer here: nothing borrowed from JS may
        // reach the task.
        let upload = stream_body.then(|| Arc::new(BodyQueue::new(UPLOAD_HIGH_WATER_MARK)));
        let body = match (&upload, body) {
            (Some(queue), _) => Some(RequestBody::Stream(queue.clone())),
            (None, Some(bytes)) => Some(RequestBody::Bytes(bytes::Bytes::copy_from_slice(bytes))),
            (None, None) => None,
        };
        let spec = RequestSpec {
            method,
            url,
            headers: convert::headers(headers)?,
            body,
            redirect: convert::redirect_mode(&redirect)?,
            timeout: convert::millis(timeout_ms),
            connect_timeout: convert::millis(connect_timeout_ms),
            read_timeout: convert::millis(read_timeout_ms),
        };
        let (exchange, task) = self.inner.start(spec);
        napi::bindgen_prelude::spawn(task);
        Ok(NativeExchange::new(exchange, upload))
    }

    /// Closes the pools; later requests fail with ERR_FF_CLIENT_CLOSED.
    #[napi]
    pub fn close(&self) {
        self.inner.close();
    }

    /// True once closed.
    #[napi(getter)]
    pub fn closed(&self) -> bool {
        self.inner.is_closed()
    }
}
