//! What the core records of a request for its observers (undici's
//! diagnostics_channel events, published by the JS layer), and only when the
//! request asks for it ([`RequestSpec::observe`](crate::RequestSpec)): a
//! request nobody observes pays nothing.
//!
//! Recorded: the moment the request body's last byte was handed to the
//! connection (undici's `undici:request:bodySent`), and each redirect before
//! it is followed. undici publishes every hop as a request of its own, whose
//! `create` subscribers may add headers to (a `traceparent` per hop), so an
//! observed request waits before each hop until its observers release it
//! with the headers they added to that hop alone. Connection attempts made
//! while a hop is sent are reported too (see `connect_observe`), in order
//! with the redirects, through the same channel.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{HeaderMap, Method};
use http_body::{Body, Frame, SizeHint};
use tokio::sync::{mpsc, watch, Mutex};
use url::Url;

use crate::connect_observe::{ConnectEvent, ConnectReporter};
use crate::error::{self, Error};

/// What an observed request reports, in the order it happens.
#[derive(Debug, Clone)]
pub enum Observed {
    /// A redirect about to be followed; the request waits for its release.
    /// (Boxed: connection events, far more common, stay small.)
    Redirect(Box<RedirectHop>),
    /// A connection attempt made while a hop was sent.
    Connect(ConnectEvent),
}

/// The head a hop was sent with, as it went on the wire, and the
/// connection it went over (for undici's `undici:client:sendHeaders`).
#[derive(Debug, Clone)]
pub struct SentHead {
    /// The request line and header lines, each ended by CRLF (HTTP/1.1's
    /// form also for HTTP/2, whose head is not text), without the blank
    /// line that ends the head.
    pub text: String,
    /// The peer's address, when the connection knows it.
    pub remote: Option<std::net::SocketAddr>,
    /// Our end's address.
    pub local: Option<std::net::SocketAddr>,
}

/// A redirect an observed request is about to follow: the response that
/// asked for it, and the next hop as it will be sent.
#[derive(Debug, Clone)]
pub struct RedirectHop {
    /// The redirect's status code.
    pub status: u16,
    /// Its reason phrase.
    pub status_text: String,
    /// Its headers.
    pub headers: HeaderMap,
    /// Whether this hop's request body (if any) was sent whole before the
    /// redirect came.
    pub body_sent: bool,
    /// The next hop's method.
    pub method: Method,
    /// The next hop's URL.
    pub url: Url,
    /// The headers the next hop is sent with (the redirect steps' rewrite of
    /// the request's own, then what the core adds), before any an observer
    /// adds.
    pub request_headers: HeaderMap,
    /// Whether the next hop has a request body.
    pub has_body: bool,
    /// The head the redirected hop was sent with.
    pub sent: SentHead,
}

/// The request task's side of an observed request.
pub(crate) struct Observer {
    /// Learns when a body was sent whole.
    pub body_sent: BodySent,
    /// Redirects about to be followed and connection attempts, to the
    /// observers. Unbounded: a redirect waits for its release anyway, and a
    /// request makes a connection or two per hop at most.
    hops: mpsc::UnboundedSender<Observed>,
    /// The observers' release of each hop, with the headers they added.
    release: mpsc::UnboundedReceiver<HeaderMap>,
}

/// The [`Exchange`](crate::Exchange)'s side of an observed request.
pub(crate) struct Observation {
    body_sent: BodySentWaiter,
    hops: Mutex<mpsc::UnboundedReceiver<Observed>>,
    release: mpsc::UnboundedSender<HeaderMap>,
}

/// The two sides of one observed request.
pub(crate) fn observe() -> (Observer, Observation) {
    let (body_sent, waiter) = BodySent::new();
    let (hops_tx, hops_rx) = mpsc::unbounded_channel();
    let (release_tx, release_rx) = mpsc::unbounded_channel();
    (
        Observer {
            body_sent,
            hops: hops_tx,
            release: release_rx,
        },
        Observation {
            body_sent: waiter,
            hops: Mutex::new(hops_rx),
            release: release_tx,
        },
    )
}

impl Observer {
    /// Waits until the observers release the next hop (the first one
    /// included), and returns the headers they added to it.
    pub(crate) async fn released(&mut self) -> Result<HeaderMap, Error> {
        // None: the exchange handle is gone, and nobody wants the response.
        self.release.recv().await.ok_or_else(error::aborted)
    }

    /// Tells the observers about a redirect about to be followed.
    pub(crate) fn redirecting(&self, hop: RedirectHop) {
        // An error means the exchange handle is gone: `released` then ends
        // the request.
        let _ = self.hops.send(Observed::Redirect(Box::new(hop)));
    }

    /// Where connection attempts made while a hop is sent are reported.
    pub(crate) fn connect_reporter(&self) -> ConnectReporter {
        ConnectReporter::new(&self.hops)
    }
}

impl Observation {
    /// See [`BodySentWaiter::wait`].
    pub(crate) async fn body_sent(&self) -> bool {
        self.body_sent.wait().await
    }

    /// Whether the body was sent whole by now (no wait).
    pub(crate) fn body_sent_now(&self) -> bool {
        self.body_sent.now()
    }

    /// What the request reports next (a redirect about to be followed, a
    /// connection attempt), or `None` once it is sent (its final head, or
    /// its failure, is then on its way, after everything reported).
    pub(crate) async fn next(&self) -> Option<Observed> {
        self.hops.lock().await.recv().await
    }

    /// Lets the next hop go, with `added` (the headers its observers added)
    /// after its own.
    pub(crate) fn release(&self, added: HeaderMap) {
        // An error means the request is over: nothing waits for this.
        let _ = self.release.send(added);
    }
}

/// Tells whether the request body was sent whole. Shared by the request
/// task (while it sends) and the bodies it hands to hyper; once all of them
/// are gone without the body's end being taken, it never will be.
#[derive(Clone)]
pub(crate) struct BodySent(Arc<watch::Sender<bool>>);

/// The observer's side of [`BodySent`].
struct BodySentWaiter(watch::Receiver<bool>);

impl BodySent {
    fn new() -> (BodySent, BodySentWaiter) {
        let (tx, rx) = watch::channel(false);
        (BodySent(Arc::new(tx)), BodySentWaiter(rx))
    }

    /// True once the last byte of some attempt's body was taken by hyper.
    pub(crate) fn is_sent(&self) -> bool {
        *self.0.borrow()
    }

    fn mark_sent(&self) {
        self.0.send_replace(true);
    }

    /// A new attempt starts: its body has not been sent yet.
    pub(crate) fn reset(&self) {
        self.0.send_replace(false);
    }

    /// `body` (one attempt's) reporting its end here.
    pub(crate) fn track(&self, body: reqwest::Body) -> reqwest::Body {
        reqwest::Body::wrap(Tracked {
            inner: body,
            sent: self.clone(),
        })
    }
}

impl BodySentWaiter {
    /// Whether the body was sent whole by now.
    fn now(&self) -> bool {
        *self.0.borrow()
    }

    /// Waits until the body was sent whole (true), or can no longer be
    /// (false: the request ended before, or hyper gave the body up).
    async fn wait(&self) -> bool {
        let mut rx = self.0.clone();
        // `wait_for` fails once every sender is gone without a `true`.
        let sent = rx.wait_for(|sent| *sent).await.is_ok();
        sent
    }
}

/// A request body that marks [`BodySent`] when hyper takes its last frame:
/// the moment undici publishes `bodySent` (after the last write to the
/// socket, which buffers it just the same).
struct Tracked {
    inner: reqwest::Body,
    sent: BodySent,
}

impl Body for Tracked {
    type Data = bytes::Bytes;
    type Error = reqwest::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            // A body of known length ends with its last frame: hyper need
            // not poll again.
            Poll::Ready(Some(Ok(_))) if self.inner.is_end_stream() => self.sent.mark_sent(),
            Poll::Ready(None) => self.sent.mark_sent(),
            _ => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        // Kept exact, so a body of known length still goes with its
        // Content-Length.
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn a_body_read_to_its_end_is_sent_and_keeps_its_length() {
        let (sent, waiter) = BodySent::new();
        let body = sent.track(reqwest::Body::from("hello"));
        assert_eq!(body.size_hint().exact(), Some(5));
        assert!(!sent.is_sent());
        let bytes = body.collect().await.unwrap().to_bytes();
        assert_eq!(&bytes[..], b"hello");
        assert!(sent.is_sent());
        drop(sent);
        assert!(waiter.wait().await);
    }

    #[tokio::test]
    async fn a_body_dropped_before_its_end_was_not_sent() {
        let (sent, waiter) = BodySent::new();
        let body = sent.track(reqwest::Body::from("hello"));
        drop(body);
        assert!(!sent.is_sent());
        drop(sent);
        assert!(!waiter.wait().await);
    }
}
