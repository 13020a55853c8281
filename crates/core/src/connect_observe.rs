//! Connection attempts of an observed request, for undici's client
//! channels (`undici:client:beforeConnect`, `connected`, `connectError`).
//!
//! reqwest makes connections inside its pool, out of sight of the request
//! that asked for one, and the connector's request type hides its URI. What
//! makes the moment observable: hyper-util's pool calls the connector
//! lazily, *while the request's own future is polled* (in the request's
//! task), so a task-local set around an observed send tells the connector
//! layer whom to report to. A request served by a pooled connection calls no
//! connector and so reports nothing, as undici publishes nothing then.
//!
//! The layer is on every client; a connection made for a request nobody
//! observes finds no task-local and costs one lookup of it.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::Extensions;
use hyper_util::client::legacy::connect::{Connection, HttpInfo};
use tokio::sync::mpsc;
use tower_layer::Layer;
use tower_service::Service;

use crate::error::{self, Error};

/// What a connection attempt tells its request's observers.
#[derive(Debug, Clone)]
pub enum ConnectEvent {
    /// A new connection is being made (undici's `beforeConnect`): the
    /// request found no idle one in the pool.
    Connecting,
    /// It was made (undici's `connected`), TLS included.
    Connected {
        /// The peer's address, when the connection knows it (TCP).
        remote: Option<SocketAddr>,
        /// Our end's address.
        local: Option<SocketAddr>,
        /// ALPN chose HTTP/2.
        http2: bool,
    },
    /// It failed (undici's `connectError`).
    Failed(Error),
}

/// Where the connector reports. Weak, so that a connection that outlives
/// its request's sending (hyper-util finishes a connect in the background
/// when an idle connection won the race) never keeps the observers'
/// channel open.
#[derive(Clone)]
pub(crate) struct ConnectReporter(mpsc::WeakUnboundedSender<crate::observe::Observed>);

impl ConnectReporter {
    pub(crate) fn new(to: &mpsc::UnboundedSender<crate::observe::Observed>) -> Self {
        ConnectReporter(to.downgrade())
    }

    fn report(&self, event: ConnectEvent) {
        if let Some(tx) = self.0.upgrade() {
            // An error means the observers are gone: nobody to tell.
            let _ = tx.send(crate::observe::Observed::Connect(event));
        }
    }
}

tokio::task_local! {
    /// The reporter of the observed request whose future is being polled.
    static REPORTER: ConnectReporter;
}

/// Runs `send` (an observed hop's send) with its connection attempts
/// reported to `reporter`.
pub(crate) async fn reporting<F: Future>(reporter: ConnectReporter, send: F) -> F::Output {
    REPORTER.scope(reporter, send).await
}

/// The connector layer every client gets (see the module).
#[derive(Clone, Copy, Default)]
pub(crate) struct ObserveConnects;

impl<S> Layer<S> for ObserveConnects {
    type Service = ObservedConnector<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ObservedConnector(inner)
    }
}

/// The connector service, reporting to the observed request being polled.
#[derive(Clone)]
pub(crate) struct ObservedConnector<S>(S);

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, R> Service<R> for ObservedConnector<S>
where
    S: Service<R>,
    S::Response: Connection + Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = Box<dyn std::error::Error + Send + Sync>;
    type Future = BoxFuture<Result<S::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: R) -> Self::Future {
        // Read now, in the request's task: the returned future may be
        // finished in another (see ConnectReporter).
        let reporter = REPORTER.try_with(ConnectReporter::clone).ok();
        let connecting = self.0.call(request);
        let Some(reporter) = reporter else {
            return Box::pin(async move { connecting.await.map_err(Into::into) });
        };
        reporter.report(ConnectEvent::Connecting);
        Box::pin(async move {
            // Dropped before it ends (the connect timeout, an abort): no
            // outcome is reported; the request's own error says why.
            match connecting.await {
                Ok(connection) => {
                    reporter.report(connected(&connection));
                    Ok(connection)
                }
                Err(e) => {
                    let e: Self::Error = e.into();
                    reporter.report(ConnectEvent::Failed(error::from_connect(&*e)));
                    Err(e)
                }
            }
        })
    }
}

fn connected(connection: &impl Connection) -> ConnectEvent {
    let connected = connection.connected();
    let mut extras = Extensions::new();
    connected.get_extras(&mut extras);
    let info = extras.get::<HttpInfo>();
    ConnectEvent::Connected {
        remote: info.map(HttpInfo::remote_addr),
        local: info.map(HttpInfo::local_addr),
        http2: connected.is_negotiated_h2(),
    }
}
