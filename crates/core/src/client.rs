//! A client: settings plus connection pools, shared by every request made
//! through it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use crate::body::DEFAULT_HIGH_WATER_MARK;
use crate::error::{codes, network, Error};
use crate::exchange::{self, Exchange, RequestSpec};

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
    /// Bytes of a response body read ahead of the consumer.
    pub body_high_water_mark: usize,
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
    /// reqwest fixes the connect timeout per client, and `connectTimeout`
    /// is a per-request option, so each distinct value gets its own
    /// reqwest client (and pool), made on first use. Almost every program
    /// uses one or two values.
    by_connect_timeout: Mutex<HashMap<Option<Duration>, reqwest::Client>>,
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
    /// A client with the given settings. Connections are made lazily.
    pub fn new(options: ClientOptions) -> Client {
        install_crypto_provider();
        Client {
            inner: Arc::new(Inner {
                options,
                by_connect_timeout: Mutex::new(HashMap::new()),
                closed: AtomicBool::new(false),
            }),
        }
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

    fn lock_clients(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<Option<Duration>, reqwest::Client>> {
        self.inner
            .by_connect_timeout
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// The reqwest client for a connect timeout (the request's own, or the
    /// client's default).
    pub(crate) fn http(&self, connect_timeout: Option<Duration>) -> Result<reqwest::Client, Error> {
        if self.is_closed() {
            return Err(network(codes::CLIENT_CLOSED, "the client is closed"));
        }
        let timeout = connect_timeout.or(self.inner.options.connect_timeout);
        let mut clients = self.lock_clients();
        if let Some(client) = clients.get(&timeout) {
            return Ok(client.clone());
        }
        let options = &self.inner.options;
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(options.pool_idle_timeout)
            .pool_max_idle_per_host(options.pool_max_idle_per_host)
            .user_agent(options.user_agent.clone())
            .tcp_nodelay(true);
        if let Some(t) = timeout {
            builder = builder.connect_timeout(t);
        }
        let client = builder
            .build()
            .map_err(|e| network(codes::NETWORK, format!("could not build the client: {e}")))?;
        clients.insert(timeout, client.clone());
        Ok(client)
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
