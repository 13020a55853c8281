//! `NativeClient`: a core client (settings and pools) as a JS class.

use std::sync::Arc;

use ferrofetch_core::{
    BodyQueue, Client, ClientOptions, HttpVersion, ProxySetting, RequestBody, RequestSpec,
    StreamBody, TlsOptions,
};
use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;

use crate::convert;
use crate::exchange::NativeExchange;
use crate::upload::UPLOAD_HIGH_WATER_MARK;

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
    /// Decode compressed bodies (default true).
    pub decompress: Option<bool>,
    /// "auto", "http1" or "http2" (prior knowledge, also over cleartext).
    pub http: Option<String>,
    /// Every request through this proxy URL.
    pub proxy_url: Option<String>,
    /// Never use a proxy (not even from the environment).
    pub no_proxy: Option<bool>,
    /// Extra trusted CA certificates, PEM.
    pub ca: Option<Vec<String>>,
    /// Client certificate chain, PEM.
    pub cert: Option<String>,
    /// Client private key, PEM.
    pub key: Option<String>,
    /// Accept any server certificate (development only).
    pub dangerously_accept_invalid_certificates: Option<bool>,
    /// Flat `[name, value, ...]` sent with every request unless it sets them.
    pub default_headers: Option<Vec<String>>,
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
    pub fn new(options: Option<NativeClientOptions>) -> Result<Self> {
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
            if let Some(on) = o.decompress {
                core.decompress = on;
            }
            core.http = match o.http.as_deref() {
                None | Some("auto") => HttpVersion::Auto,
                Some("http1") => HttpVersion::Http1Only,
                Some("http2") => HttpVersion::Http2PriorKnowledge,
                Some(other) => return Err(convert::invalid(format!("invalid http {other:?}"))),
            };
            core.proxy = match (o.no_proxy, o.proxy_url) {
                (Some(true), _) => ProxySetting::Disabled,
                (_, Some(url)) => ProxySetting::Url(url),
                _ => ProxySetting::FromEnv,
            };
            core.tls = TlsOptions {
                ca: o
                    .ca
                    .unwrap_or_default()
                    .into_iter()
                    .map(String::into_bytes)
                    .collect(),
                identity: match (o.cert, o.key) {
                    (Some(cert), Some(key)) => Some((cert.into_bytes(), key.into_bytes())),
                    (None, None) => None,
                    _ => return Err(convert::invalid("cert and key go together")),
                },
                dangerously_accept_invalid_certs: o
                    .dangerously_accept_invalid_certificates
                    .unwrap_or(false),
            };
            if let Some(flat) = o.default_headers {
                core.default_headers = convert::headers(flat)?;
            }
        }
        let inner = Client::new(core).map_err(convert::core_error)?;
        Ok(NativeClient { inner })
    }

    /// Starts a request and returns its handle at once. Positional
    /// arguments keep this hot call cheap (no object property lookups).
    #[napi]
    #[allow(clippy::too_many_arguments)]
    pub fn start(
        &self,
        env: Env,
        method: String,
        url: String,
        headers: Vec<String>,
        body: Option<&[u8]>,
        stream_body: Option<String>,
        redirect: String,
        timeout_ms: Option<f64>,
        connect_timeout_ms: Option<f64>,
        read_timeout_ms: Option<f64>,
        decompress: Option<bool>,
        referrer: Option<String>,
        referrer_policy: Option<String>,
        mode: Option<String>,
        cache: Option<String>,
        observe: Option<bool>,
    ) -> Result<NativeExchange> {
        let (spec, upload) = request_spec(RequestArgs {
            method,
            url,
            headers,
            body,
            stream_body,
            redirect,
            timeout_ms,
            connect_timeout_ms,
            read_timeout_ms,
            decompress,
            referrer,
            referrer_policy,
            mode,
            cache,
            observe,
        })?;
        let (exchange, task) = self.inner.start(spec);
        napi::bindgen_prelude::spawn(task);
        env.adjust_external_memory(crate::exchange::EXTERNAL_COST)?;
        Ok(NativeExchange::new(exchange, upload))
    }

    /// The headers the core adds to the first hop of the request these
    /// arguments (as for `start`) describe, flat `[name, value, ...]`:
    /// asked only when someone observes requests (undici's
    /// diagnostics_channel), so that `request.headers` lists them as Node's
    /// fetch does. Converts exactly as `start` does; sends nothing.
    #[napi]
    #[allow(clippy::too_many_arguments)]
    pub fn first_hop_additions(
        &self,
        method: String,
        url: String,
        headers: Vec<String>,
        has_body: bool,
        decompress: Option<bool>,
        referrer: Option<String>,
        referrer_policy: Option<String>,
        mode: Option<String>,
        cache: Option<String>,
    ) -> Result<Vec<String>> {
        // Any non-empty body stands for the request's: only whether it has
        // bytes decides a header (`Content-Length: 0`).
        let (spec, _) = request_spec(RequestArgs {
            method,
            url,
            headers,
            body: has_body.then_some(&b"x"[..]),
            stream_body: None,
            redirect: "follow".to_string(),
            timeout_ms: None,
            connect_timeout_ms: None,
            read_timeout_ms: None,
            decompress,
            referrer,
            referrer_policy,
            mode,
            cache,
            observe: None,
        })?;
        let additions = self.inner.first_hop_additions(&spec);
        let mut flat = Vec::with_capacity(additions.len() * 2);
        for (name, value) in &additions {
            flat.push(name.as_str().to_string());
            flat.push(convert::latin1_string(value.as_bytes()));
        }
        Ok(flat)
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

/// `start`'s arguments, as JS passed them.
struct RequestArgs<'a> {
    method: String,
    url: String,
    headers: Vec<String>,
    body: Option<&'a [u8]>,
    stream_body: Option<String>,
    redirect: String,
    timeout_ms: Option<f64>,
    connect_timeout_ms: Option<f64>,
    read_timeout_ms: Option<f64>,
    decompress: Option<bool>,
    referrer: Option<String>,
    referrer_policy: Option<String>,
    mode: Option<String>,
    cache: Option<String>,
    /// Someone observes the request (undici's diagnostics_channel).
    observe: Option<bool>,
}

/// The core's request from `start`'s arguments, and its streamed body's
/// queues when it has one.
fn request_spec(args: RequestArgs<'_>) -> Result<(RequestSpec, Option<Arc<StreamBody>>)> {
    let method = http::Method::from_bytes(args.method.as_bytes())
        .map_err(|_| convert::invalid(format!("invalid method {:?}", args.method)))?;
    let url = url::Url::parse(&args.url)
        .map_err(|e| convert::invalid(format!("invalid URL {:?}: {e}", args.url)))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(convert::invalid(format!(
            "unsupported URL scheme {:?}",
            url.scheme()
        )));
    }
    // A streamed body gets queues JS fills with push(): "once" for a
    // source read once, "restartable" for one JS can read again from
    // its start (a Blob), so it can follow a redirect that keeps it.
    // A known body is copied out of the JS buffer here: nothing
    // borrowed from JS may reach the task.
    let upload = match args.stream_body.as_deref() {
        None => None,
        Some("once") => Some(StreamBody::once(Arc::new(BodyQueue::new(
            UPLOAD_HIGH_WATER_MARK,
        )))),
        Some("restartable") => Some(StreamBody::restartable(UPLOAD_HIGH_WATER_MARK)),
        Some(other) => {
            return Err(convert::invalid(format!(
                "unknown streamed body kind {other:?}"
            )))
        }
    }
    .map(Arc::new);
    let body = match (&upload, args.body) {
        (Some(stream), _) => Some(RequestBody::Stream(stream.clone())),
        (None, Some(bytes)) => Some(RequestBody::Bytes(bytes::Bytes::copy_from_slice(bytes))),
        (None, None) => None,
    };
    let spec = RequestSpec {
        method,
        url,
        headers: convert::headers(args.headers)?,
        body,
        redirect: convert::redirect_mode(&args.redirect)?,
        timeout: convert::millis(args.timeout_ms),
        connect_timeout: convert::millis(args.connect_timeout_ms),
        read_timeout: convert::millis(args.read_timeout_ms),
        decompress: args.decompress,
        referrer: convert::referrer(args.referrer)?,
        referrer_policy: convert::referrer_policy(args.referrer_policy)?,
        mode: convert::request_mode(args.mode)?,
        cache: convert::cache_mode(args.cache)?,
        observe: args.observe.unwrap_or(false),
    };
    Ok((spec, upload))
}
