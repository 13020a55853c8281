//! What the core records of a request for its observers (undici's
//! diagnostics_channel events, published by the JS layer), and only when the
//! request asks for it ([`RequestSpec::observe`](crate::RequestSpec)): a
//! request nobody observes pays nothing.
//!
//! Recorded so far: the moment the request body's last byte was handed to
//! the connection (undici's `undici:request:bodySent`).

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http_body::{Body, Frame, SizeHint};
use tokio::sync::watch;

/// Tells whether the request body was sent whole. Shared by the request
/// task (while it sends) and the bodies it hands to hyper; once all of them
/// are gone without the body's end being taken, it never will be.
#[derive(Clone)]
pub(crate) struct BodySent(Arc<watch::Sender<bool>>);

/// The observer's side of [`BodySent`].
pub(crate) struct BodySentWaiter(watch::Receiver<bool>);

impl BodySent {
    pub(crate) fn new() -> (BodySent, BodySentWaiter) {
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

    /// `body` (one attempt's) reporting its end here.
    pub(crate) fn track(&self, body: reqwest::Body) -> reqwest::Body {
        reqwest::Body::wrap(Tracked {
            inner: body,
            sent: self.clone(),
        })
    }
}

impl BodySentWaiter {
    /// Waits until the body was sent whole (true), or can no longer be
    /// (false: the request ended before, or hyper gave the body up).
    pub(crate) async fn wait(&self) -> bool {
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
