//! The producer's side of the body queue: waiting for room, pushing
//! chunks (through the transform in force) and ending the body.

use std::collections::VecDeque;
use std::sync::MutexGuard;

use bytes::Bytes;

use super::waiters::Waiters;
use super::{BodyQueue, ChunkTransform};
use crate::error::Error;

impl BodyQueue {
    /// Waits until there is room for more data. Returns false when the
    /// consumer cancelled, which tells the producer to stop reading.
    ///
    /// A producer that found the queue full waits until it has drained to
    /// half the mark, not just below it: it then refills many chunks per
    /// wake-up instead of ping-ponging one chunk per cross-thread wake.
    pub async fn wait_for_space(&self) -> bool {
        let mut waited = false;
        loop {
            let notified = self.space_ready.notified();
            {
                let state = self.lock();
                if state.cancelled {
                    return false;
                }
                let room = if waited {
                    state.buffered <= self.resume_mark(&state)
                } else {
                    state.buffered < self.mark(&state)
                };
                if room {
                    return true;
                }
            }
            waited = true;
            notified.await;
        }
    }

    /// Like [`BodyQueue::wait_for_space`], for a producer that cannot await
    /// a Rust future (a JS promise): `wake` runs once, on whichever thread
    /// frees the room or closes the queue, with `true` when the producer
    /// may push again and `false` when the queue no longer takes data. It
    /// runs at once when that is already so.
    ///
    /// Waking from the consumer's thread, rather than from a task the
    /// runtime polls when the consumer yields, keeps the producer's wake-up
    /// latency short: a busy connection task may run for a long while
    /// before it yields.
    pub fn when_space(&self, wake: Box<dyn FnOnce(bool) + Send>) {
        self.wake_or_wait(
            wake,
            |queue, state| {
                if state.is_closed() {
                    Some(false)
                } else {
                    (state.buffered <= queue.resume_mark(state)).then_some(true)
                }
            },
            |state| &mut state.space_waiters,
        );
    }

    fn lock_transform(&self) -> MutexGuard<'_, Option<Box<dyn ChunkTransform>>> {
        // A transform that panicked mid-chunk is still a consistent value
        // to its owner (the SSE parser fails closed); keep going.
        self.transform.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends a chunk (empty ones are dropped), through the transform when
    /// one is set. Returns false when the queue no longer takes data: the
    /// consumer cancelled or the producer already finished.
    pub fn push(&self, chunk: Bytes) -> bool {
        let mut transform = self.lock_transform();
        match transform.as_mut() {
            None => self.push_raw(chunk),
            Some(t) => {
                if !self.is_open() {
                    return false;
                }
                let output = t.chunk(&chunk);
                self.push_raw(output)
            }
        }
    }

    fn is_open(&self) -> bool {
        !self.lock().is_closed()
    }

    /// Sets the transform for the rest of the body. Chunks already queued
    /// are rewritten now, in order (and the end, if the body already came
    /// whole), so the consumer sees only transformed output from here on.
    /// Call it before the first read.
    pub fn set_transform(&self, mut transform: Box<dyn ChunkTransform>) {
        let mut slot = self.lock_transform();
        let mut state = self.lock();
        let mut output = VecDeque::new();
        let mut buffered = 0;
        let ended = matches!(state.end, Some(Ok(())));
        let tail = ended.then(|| transform.end());
        let arrived = std::mem::take(&mut state.chunks);
        for chunk in arrived.iter().map(|c| transform.chunk(c)).chain(tail) {
            if !chunk.is_empty() {
                buffered += chunk.len();
                output.push_back(chunk);
            }
        }
        state.chunks = output;
        state.buffered = buffered;
        let space = self.space_waiters_to_wake(&mut state);
        let data = if state.is_readable() {
            state.data_waiters.take()
        } else {
            Waiters::default()
        };
        drop(state);
        space.fire(true);
        data.fire(true);
        *slot = Some(transform);
        drop(slot);
        // The amount buffered changed either way: let both sides look again.
        self.space_ready.notify_one();
        self.data_ready.notify_one();
    }

    fn push_raw(&self, chunk: Bytes) -> bool {
        let waiters = {
            let mut state = self.lock();
            if state.is_closed() {
                return false;
            }
            if chunk.is_empty() {
                return true;
            }
            state.buffered += chunk.len();
            state.chunks.push_back(chunk);
            state.data_waiters.take()
        };
        self.data_ready.notify_one();
        waiters.fire(true);
        true
    }

    /// True while the queue is below its high-water mark and still open:
    /// a synchronous producer may push again without waiting.
    pub fn has_space(&self) -> bool {
        let state = self.lock();
        !state.is_closed() && state.buffered < self.mark(&state)
    }

    /// Ends the body: `Ok` when complete, `Err` when it failed. Only the
    /// first call counts.
    pub fn finish(&self, result: Result<(), Error>) {
        let mut transform = self.lock_transform();
        if let (Some(t), Ok(())) = (transform.as_mut(), &result) {
            if self.is_open() {
                let tail = t.end();
                self.push_raw(tail);
            }
        }
        drop(transform);
        let waiters = {
            let mut state = self.lock();
            if state.end.is_some() {
                return;
            }
            state.end = Some(result);
            state.data_waiters.take()
        };
        self.data_ready.notify_one();
        waiters.fire(true);
    }
}
