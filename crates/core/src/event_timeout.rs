//! `eventTimeout`: the longest time an event stream may go without an event.
//!
//! `readTimeout` resets on any byte, so a stream that sends only
//! `: keep-alive` comments never trips it. This watchdog counts dispatched
//! events instead: the SSE parser (which runs where the body arrives)
//! ticks an [`EventClock`] whenever a batch holds an event, and one tokio
//! timer per stream compares the clock with the limit. No JS timer is
//! involved, and the timer wakes at most once per limit, not per event.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::body::BodyQueue;
use crate::error::{self, codes};

/// When the last event was dispatched, shared by the parser that ticks it
/// and the watchdog that reads it. Lock-free: a tick is one clock read and
/// one store.
#[derive(Debug)]
pub struct EventClock {
    /// The moment the stream's events started being counted.
    origin: Instant,
    /// Milliseconds from `origin` to the last event.
    last_ms: AtomicU64,
}

impl EventClock {
    /// A clock whose last event is now (the limit runs from the start).
    pub fn new() -> Arc<Self> {
        Arc::new(EventClock {
            origin: Instant::now(),
            last_ms: AtomicU64::new(0),
        })
    }

    /// An event was dispatched now.
    pub fn tick(&self) {
        let ms = u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, Ordering::Relaxed);
    }

    /// When the last event was dispatched (to the millisecond).
    fn last(&self) -> Instant {
        self.origin + Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }
}

/// Watches `clock`: when no event came for `limit`, fails `body` with a
/// timeout (`ERR_FF_EVENT_TIMEOUT`; what is already buffered is still
/// read first) and cancels the exchange, which drops the connection. Ends
/// quietly when the exchange is cancelled or the body ended first.
pub(crate) async fn watch(
    clock: Arc<EventClock>,
    limit: Duration,
    body: Arc<BodyQueue>,
    cancel: CancellationToken,
) {
    // Bounded: each turn sleeps until the limit after the last event,
    // and returns once that passed without a newer one.
    loop {
        let deadline = clock.last() + limit;
        tokio::select! {
            biased;
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep_until(deadline) => {}
        }
        if body.is_closed() {
            return;
        }
        if !body.has_space() {
            // The queue is full: the pump waits for the consumer, and
            // no event can be parsed until it reads. That stall is the
            // consumer's, not the server's.
            clock.tick();
            continue;
        }
        if clock.last() + limit <= Instant::now() {
            body.finish(Err(error::timeout(
                codes::EVENT_TIMEOUT,
                "no event within eventTimeout",
            )));
            cancel.cancel();
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::Read;
    use bytes::Bytes;

    /// The limit every test watches with.
    const LIMIT: Duration = Duration::from_millis(500);

    /// A body queue with the high-water mark `mark` and its connection's
    /// cancellation token.
    fn stream(mark: usize) -> (Arc<BodyQueue>, CancellationToken) {
        (Arc::new(BodyQueue::new(mark)), CancellationToken::new())
    }

    /// The watchdog over `body` with [`LIMIT`].
    fn watch_with_limit(
        clock: Arc<EventClock>,
        body: &Arc<BodyQueue>,
        cancel: &CancellationToken,
    ) -> impl std::future::Future<Output = ()> {
        watch(clock, LIMIT, body.clone(), cancel.clone())
    }

    #[tokio::test(start_paused = true)]
    async fn a_quiet_stream_fails_with_the_event_timeout_after_its_buffered_data() {
        let (body, cancel) = stream(100);
        body.push(Bytes::from_static(b"kept"));
        watch_with_limit(EventClock::new(), &body, &cancel).await;
        assert!(cancel.is_cancelled(), "the connection is dropped");
        let mut buf = [0u8; 8];
        assert!(matches!(body.read_into(&mut buf), Read::Bytes(4)));
        match body.read_into(&mut buf) {
            Read::Failed(e) => assert_eq!(e.code(), codes::EVENT_TIMEOUT),
            other => panic!("expected the timeout, got {other:?}"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn each_event_pushes_the_deadline_back() {
        let (body, cancel) = stream(100);
        let clock = EventClock::new();
        let start = Instant::now();
        let watchdog = tokio::spawn(watch_with_limit(clock.clone(), &body, &cancel));
        for _ in 0..5 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            clock.tick();
        }
        assert!(!cancel.is_cancelled(), "steady events never time out");
        watchdog.await.unwrap();
        // The last event was at 1500 ms: the limit ran out at 2000 ms (the
        // timer wheel may round up to its next tick).
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(2000), "{elapsed:?}");
        assert!(elapsed < Duration::from_millis(2100), "{elapsed:?}");
        assert!(cancel.is_cancelled());
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_ended_stops_the_watchdog_without_failing_it() {
        let (body, cancel) = stream(100);
        body.finish(Ok(()));
        watch_with_limit(EventClock::new(), &body, &cancel).await;
        assert!(!cancel.is_cancelled());
        assert!(matches!(body.read_into(&mut [0u8; 4]), Read::End));
    }

    #[tokio::test(start_paused = true)]
    async fn a_consumer_that_lags_behind_is_not_a_stalled_stream() {
        let (body, cancel) = stream(4);
        body.push(Bytes::from_static(b"full"));
        let watchdog = tokio::spawn(watch_with_limit(EventClock::new(), &body, &cancel));
        tokio::time::sleep(Duration::from_millis(2000)).await;
        assert!(!cancel.is_cancelled(), "a full queue waits for its reader");
        let mut buf = [0u8; 4];
        assert!(matches!(body.read_into(&mut buf), Read::Bytes(4)));
        watchdog.await.unwrap();
        assert!(cancel.is_cancelled(), "once read, the limit runs again");
    }
}
