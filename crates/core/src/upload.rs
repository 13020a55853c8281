//! Streaming request bodies: a [`BodyQueue`] that JS fills and hyper
//! drains, exposed to reqwest as a body stream, one queue per attempt.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::stream;
use tokio::sync::Notify;

use crate::body::{BodyQueue, Take};
use crate::error::{self, Error, UploadFailed};

/// A request body: known up front, or streamed while it is sent.
#[derive(Clone, Debug)]
pub enum RequestBody {
    /// All bytes known: sent with Content-Length and replayable on 307/308.
    Bytes(Bytes),
    /// Produced while sent (chunked on HTTP/1.1, unless a Content-Length
    /// header says its size); replayed only when its source can be read
    /// again (see [`StreamBody::restartable`]).
    Stream(Arc<StreamBody>),
}

impl RequestBody {
    /// Whether hyper writes a body (and its length) at all: an empty byte
    /// body goes out like no body, so `Content-Length: 0` is ours to add.
    pub fn has_bytes(&self) -> bool {
        match self {
            RequestBody::Bytes(bytes) => !bytes.is_empty(),
            RequestBody::Stream(_) => true,
        }
    }

    /// A streamed body sent once from `queue`, never replayed.
    pub fn stream(queue: Arc<BodyQueue>) -> Self {
        RequestBody::Stream(Arc::new(StreamBody::once(queue)))
    }

    /// True when the body can be sent again after a redirect.
    pub fn can_replay(&self) -> bool {
        match self {
            RequestBody::Bytes(_) => true,
            RequestBody::Stream(body) => body.is_restartable(),
        }
    }
}

/// The queues of a streamed body, one per attempt to send it.
///
/// A body whose producer can start over (JS re-reads a Blob) is
/// restartable: for each redirect it follows keeping the body (307/308, or
/// 301/302 of a method other than POST), the core opens a fresh queue
/// ([`StreamBody::restart`]) and the producer, told by
/// [`StreamBody::next_attempt`], fills that one from the start. Attempts are
/// numbered so that a producer still feeding an old attempt is refused
/// rather than mixing its bytes into the new one.
pub struct StreamBody {
    /// The read-ahead of each fresh queue; `None` when the body is sent once.
    restart_mark: Option<usize>,
    attempts: Mutex<Attempts>,
    /// Wakes [`StreamBody::next_attempt`] on a restart or when settled.
    changed: Notify,
}

struct Attempts {
    /// The attempt being sent, from 0.
    number: u32,
    queue: Arc<BodyQueue>,
    /// No further attempt will start: the request has its response or
    /// failed.
    settled: bool,
}

impl StreamBody {
    /// A body sent once from `queue`.
    pub fn once(queue: Arc<BodyQueue>) -> Self {
        StreamBody::with_queue(queue, None)
    }

    /// A body whose producer can start over, in queues pausing it at
    /// `high_water_mark` bytes.
    pub fn restartable(high_water_mark: usize) -> Self {
        StreamBody::with_queue(
            Arc::new(BodyQueue::new(high_water_mark)),
            Some(high_water_mark),
        )
    }

    fn with_queue(queue: Arc<BodyQueue>, restart_mark: Option<usize>) -> Self {
        StreamBody {
            restart_mark,
            attempts: Mutex::new(Attempts {
                number: 0,
                queue,
                settled: false,
            }),
            changed: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Attempts> {
        // Every critical section is a few assignments: a poisoned lock
        // still holds a consistent value.
        self.attempts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// True when the producer can start over for a redirect.
    pub fn is_restartable(&self) -> bool {
        self.restart_mark.is_some()
    }

    /// The queue of attempt `number`, while it is the one being sent.
    pub fn attempt(&self, number: u32) -> Option<Arc<BodyQueue>> {
        let attempts = self.lock();
        (attempts.number == number).then(|| attempts.queue.clone())
    }

    /// The queue of the attempt being sent.
    pub fn current(&self) -> Arc<BodyQueue> {
        self.lock().queue.clone()
    }

    /// Resolves with the number of the next attempt after `after`, or
    /// `None` once no further attempt will start.
    pub async fn next_attempt(&self, after: u32) -> Option<u32> {
        loop {
            let changed = self.changed.notified();
            {
                let attempts = self.lock();
                if attempts.number > after {
                    return Some(attempts.number);
                }
                if attempts.settled {
                    return None;
                }
            }
            changed.await;
        }
    }

    /// Starts the next attempt: the old queue is failed and cancelled (its
    /// producer stops) and a fresh one takes its place. `None` when the
    /// body cannot start over or no attempt may start any more.
    pub(crate) fn restart(&self) -> Option<Arc<BodyQueue>> {
        let mark = self.restart_mark?;
        let old = {
            let mut attempts = self.lock();
            if attempts.settled {
                return None;
            }
            attempts.number += 1;
            std::mem::replace(&mut attempts.queue, Arc::new(BodyQueue::new(mark)))
        };
        // Should hyper still hold the old body, it sees an error, never a
        // clean end (see `BodyQueue::abort`).
        old.abort(error::internal("superseded by the next attempt"));
        self.changed.notify_waiters();
        Some(self.current())
    }

    /// No attempt will start after the current one.
    pub(crate) fn settle(&self) {
        self.lock().settled = true;
        self.changed.notify_waiters();
    }

    /// Fails the attempt being sent and starts no other: hyper sees an
    /// error, never a clean end, and a producer waiting for room is let go.
    pub fn fail(&self, error: Error) {
        let queue = {
            let mut attempts = self.lock();
            attempts.settled = true;
            attempts.queue.clone()
        };
        queue.abort(error);
        self.changed.notify_waiters();
    }
}

impl std::fmt::Debug for StreamBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let attempts = self.lock();
        f.debug_struct("StreamBody")
            .field("restartable", &self.is_restartable())
            .field("attempt", &attempts.number)
            .field("settled", &attempts.settled)
            .finish()
    }
}

/// Settles a streamed body when the sending of its request is over, however
/// it ends (a response, an error, or the task dropped by an abort).
pub(crate) struct SettleOnDrop(pub(crate) Option<Arc<StreamBody>>);

impl Drop for SettleOnDrop {
    fn drop(&mut self) {
        if let Some(body) = &self.0 {
            body.settle();
        }
    }
}

/// Cancels the queue when hyper drops the body (it finished early, the
/// server answered early, or the request failed), which tells the JS
/// producer to stop instead of filling a queue nobody drains.
struct ConsumerGuard(Arc<BodyQueue>);

impl Drop for ConsumerGuard {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

/// The largest piece of a queued chunk handed to hyper at once: hyper
/// buffers what it takes, so upload progress (bytes taken) runs ahead of
/// the socket by at most about this much plus hyper's own buffer.
const MAX_PIECE: usize = 256 * 1024;

/// The queue as a reqwest body. A producer failure becomes a body error,
/// so hyper abandons the connection rather than ending the chunked body
/// cleanly: the server never mistakes a failed upload for a complete one.
pub(crate) fn into_reqwest_body(queue: Arc<BodyQueue>) -> reqwest::Body {
    let chunks = stream::unfold(ConsumerGuard(queue), |guard| async move {
        loop {
            match guard.0.take_chunk_at_most(MAX_PIECE) {
                Take::Chunk(chunk) => return Some((Ok(chunk), guard)),
                Take::Pending => guard.0.readable().await,
                Take::End => return None,
                Take::Failed(e) => return Some((Err(UploadFailed(e)), guard)),
            }
        }
    });
    reqwest::Body::wrap_stream(chunks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_restart_supersedes_the_old_attempt_and_wakes_the_producer() {
        let body = Arc::new(StreamBody::restartable(16));
        let first = body.attempt(0).expect("attempt 0 is current");
        assert!(first.push(Bytes::from_static(b"half")));
        let waiter = tokio::spawn({
            let body = body.clone();
            async move { body.next_attempt(0).await }
        });
        let second = body.restart().expect("restartable");
        assert_eq!(waiter.await.unwrap(), Some(1));
        // The old attempt refuses data and reads as failed, never as a
        // clean end; the new one starts empty.
        assert!(!first.push(Bytes::from_static(b"late")));
        assert!(matches!(first.take_chunk(), Take::Failed(_)));
        assert!(body.attempt(0).is_none());
        assert!(Arc::ptr_eq(&body.attempt(1).unwrap(), &second));
        assert_eq!(second.available(), 0);
    }

    #[tokio::test]
    async fn settling_ends_the_wait_for_attempts() {
        let body = Arc::new(StreamBody::restartable(16));
        let waiter = tokio::spawn({
            let body = body.clone();
            async move { body.next_attempt(0).await }
        });
        tokio::task::yield_now().await;
        body.settle();
        assert_eq!(waiter.await.unwrap(), None);
        assert!(body.restart().is_none(), "no attempt starts once settled");
        assert_eq!(body.next_attempt(0).await, None);
    }

    #[test]
    fn a_body_sent_once_cannot_restart() {
        let queue = Arc::new(BodyQueue::new(16));
        let body = StreamBody::once(queue.clone());
        assert!(!RequestBody::Stream(Arc::new(StreamBody::once(queue.clone()))).can_replay());
        assert!(body.restart().is_none());
        assert!(Arc::ptr_eq(&body.current(), &queue));
    }

    #[test]
    fn failing_stops_the_current_attempt() {
        let body = StreamBody::restartable(16);
        let queue = body.current();
        body.fail(error::aborted());
        assert!(matches!(queue.take_chunk(), Take::Failed(e) if e.is_aborted()));
        assert!(body.restart().is_none());
    }

    #[test]
    fn failing_after_the_producer_finished_never_ends_the_body_cleanly() {
        // An abort after JS closed the body, while hyper still had chunks to
        // take: the chunks are dropped, so the end must read as a failure.
        let queue = Arc::new(BodyQueue::new(16));
        let body = StreamBody::once(queue.clone());
        assert!(queue.push(Bytes::from_static(b"unsent")));
        queue.finish(Ok(()));
        body.fail(error::aborted());
        assert!(matches!(queue.take_chunk(), Take::Failed(e) if e.is_aborted()));
    }
}
