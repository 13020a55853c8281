//! A client: settings plus connection pools, shared by every request made
//! through it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use http::HeaderMap;

use crate::body::DEFAULT_HIGH_WATER_MARK;
use crate::config::{self, HttpVersion, ProxySetting, Settings, Tls, TlsOptions, Variant};
use crate::error::{codes, invalid_arg, network, Error};
use crate::exchange::{self, Exchange, RequestSpec};
use crate::origin_gate::OriginGate;

/// Settings of a [`Client`]. `Default` gives the settings of the default
/// client behind the top-level `fetch`.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// Time allowed to establish a connection (TCP and TLS), unless a
    /// request sets its own. `None`: no limit beyond the OS's.
    pub connect_timeout: Option<Duration>,
    /// How long an idle pooled connection is kept.
    pub pool_idle_timeout: Option<Duration>,
    /// Idle connections kept per host.
    pub pool_max_idle_per_host: usize,
    /// Redirects followed before the request fails (Fetch: 20).
    pub max_redirects: u32,
    /// `User-Agent` sent when the request has none.
    pub user_agent: String,
    /// Bytes of a response body read ahead of the consumer once it reads.
    pub body_high_water_mark: usize,
    /// Bytes read ahead of a body nobody has read yet: bodies left unread
    /// (for the garbage collector to find) stay small.
    pub body_initial_read_ahead: usize,
    /// Send `Accept-Encoding` and decode gzip, deflate, br and zstd bodies
    /// as they stream; requests may opt out one by one.
    pub decompress: bool,
    /// Headers every request carries unless it sets them itself.
    pub default_headers: HeaderMap,
    /// HTTP version policy.
    pub http: HttpVersion,
    /// Proxy policy.
    pub proxy: ProxySetting,
    /// TLS settings.
    pub tls: TlsOptions,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: None,
            pool_idle_timeout: Some(Duration::from_secs(30)),
            pool_max_idle_per_host: usize::MAX,
            max_redirects: 20,
            user_agent: concat!("ferrofetch/", env!("CARGO_PKG_VERSION")).to_string(),
            body_high_water_mark: DEFAULT_HIGH_WATER_MARK,
            body_initial_read_ahead: 64 * 1024,
            decompress: true,
            default_headers: HeaderMap::new(),
            http: HttpVersion::Auto,
            proxy: ProxySetting::FromEnv,
            tls: TlsOptions::default(),
        }
    }
}

/// A handle to a client; clones share the same pools.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    options: ClientOptions,
    /// TLS material parsed (and so validated) when the client was made.
    tls: Tls,
    /// reqwest fixes the connect timeout per client, and it is a
    /// per-request option here, so each distinct value gets its own reqwest
    /// client (and pool), made on first use. Almost every program uses one
    /// or two.
    variants: Mutex<HashMap<Variant, reqwest::Client>>,
    /// Lets the first request to an https origin go alone (see the module).
    gate: Arc<OriginGate>,
    closed: AtomicBool,
}

fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Another library in the process may have installed one already;
        // either provider serves us.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl Client {
    /// A client with the given settings. Connections are made lazily;
    /// TLS material and the proxy URL are checked now.
    pub fn new(options: ClientOptions) -> Result<Client, Error> {
        install_crypto_provider();
        let tls = Tls::parse(&options.tls)?;
        if let ProxySetting::Url(url) = &options.proxy {
            reqwest::Proxy::all(url.as_str())
                .map_err(|e| invalid_arg(format!("invalid proxy URL {url:?}: {e}")))?;
        }
        Ok(Client {
            inner: Arc::new(Inner {
                options,
                tls,
                variants: Mutex::new(HashMap::new()),
                gate: Arc::new(OriginGate::default()),
                closed: AtomicBool::new(false),
            }),
        })
    }

    /// The settings this client was made with.
    pub fn options(&self) -> &ClientOptions {
        &self.inner.options
    }

    /// Closes the client's pools. Requests in flight finish; new ones fail
    /// with `ERR_FF_CLIENT_CLOSED`.
    pub fn close(&self) {
        self.inner.closed.store(true, Ordering::SeqCst);
        self.lock_clients().clear();
    }

    /// True once [`Client::close`] was called.
    pub fn is_closed(&self) -> bool {
        self.inner.closed.load(Ordering::SeqCst)
    }

    fn lock_clients(&self) -> std::sync::MutexGuard<'_, HashMap<Variant, reqwest::Client>> {
        self.inner
            .variants
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// The reqwest client for a request's connect timeout (its own, or
    /// the client's default); with `fresh_connection`, one that pools
    /// nothing, so each request goes over a new connection.
    pub(crate) fn http(
        &self,
        connect_timeout: Option<Duration>,
        fresh_connection: bool,
    ) -> Result<reqwest::Client, Error> {
        if self.is_closed() {
            return Err(network(codes::CLIENT_CLOSED, "the client is closed"));
        }
        let options = &self.inner.options;
        let variant = Variant {
            connect_timeout: connect_timeout.or(options.connect_timeout),
            fresh_connection,
        };
        let mut clients = self.lock_clients();
        if let Some(client) = clients.get(&variant) {
            return Ok(client.clone());
        }
        let settings = Settings {
            pool_idle_timeout: options.pool_idle_timeout,
            pool_max_idle_per_host: options.pool_max_idle_per_host,
            user_agent: &options.user_agent,
            default_headers: &options.default_headers,
            http: options.http,
            proxy: &options.proxy,
            tls: &self.inner.tls,
        };
        let client = config::build(&settings, variant)?;
        clients.insert(variant, client.clone());
        Ok(client)
    }

    /// The gate for first requests to https origins, when the client may
    /// negotiate HTTP/2 (with HTTP/1 only, or h2 by prior knowledge, the
    /// pool needs no help).
    pub(crate) fn origin_gate(&self) -> Option<&Arc<OriginGate>> {
        (self.inner.options.http == HttpVersion::Auto).then_some(&self.inner.gate)
    }

    /// The headers the core adds to the first hop of `spec` besides the
    /// request's own (`Accept`, `User-Agent`, `Accept-Encoding`, ... and the
    /// client's defaults), in order: what observers list in
    /// `request.headers`, as Node's fetch lists them.
    pub fn first_hop_additions(&self, spec: &RequestSpec) -> HeaderMap {
        crate::send::first_hop_additions(self, spec)
    }

    /// Starts a request. Returns the [`Exchange`] to observe it and the
    /// future that performs it, which the caller spawns on a tokio runtime
    /// (the core does not pick the runtime).
    pub fn start(
        &self,
        spec: RequestSpec,
    ) -> (
        Arc<Exchange>,
        impl std::future::Future<Output = ()> + Send + 'static,
    ) {
        exchange::start(self.clone(), spec)
    }
}
