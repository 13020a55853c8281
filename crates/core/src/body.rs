//! A bounded byte queue between JS and the network, used both ways.
//!
//! Response bodies: a task reads the network into the queue and JS drains
//! it synchronously (DESIGN §3), awaiting [`BodyQueue::readable`] only when
//! nothing is buffered. Uploads: JS pushes chunks synchronously, awaiting
//! [`BodyQueue::wait_for_space`] only when the queue is full, and hyper takes
//! whole chunks with [`BodyQueue::take_chunk`]. Either way the bound is the
//! backpressure: memory stays flat whatever the slower side does.
//!
//! This file holds the queue's types and the state both sides share; the
//! producer's methods are in `produce.rs`, the consumer's in `consume.rs`.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

use bytes::Bytes;
use tokio::sync::Notify;

use crate::error::Error;

mod consume;
mod produce;
mod waiters;
use waiters::{Waiter, Waiters};

/// Bytes buffered before the producer stops reading from the network.
pub const DEFAULT_HIGH_WATER_MARK: usize = 1024 * 1024;

/// The outcome of one synchronous read.
#[derive(Debug)]
pub enum Read {
    /// This many bytes were copied into the caller's buffer.
    Bytes(usize),
    /// Nothing is buffered yet; await [`BodyQueue::readable`].
    Pending,
    /// The body is complete and fully read.
    End,
    /// The body failed; every later read reports the same error.
    Failed(Error),
}

/// The outcome of taking one whole chunk (uploads hand chunks to hyper
/// without copying them again).
#[derive(Debug)]
pub enum Take {
    /// The oldest buffered chunk.
    Chunk(Bytes),
    /// Nothing is buffered yet; await [`BodyQueue::readable`].
    Pending,
    /// The producer finished and everything was taken.
    End,
    /// The producer failed; every later take reports the same error.
    Failed(Error),
}

/// Rewrites a body's chunks as they arrive, on the producer's thread: the
/// SSE parser turns bytes into event batches there, so that the JS thread
/// only takes finished events.
pub trait ChunkTransform: Send {
    /// The output for one input chunk (empty when it completes nothing).
    fn chunk(&mut self, input: &[u8]) -> Bytes;
    /// The output at the end of a complete body.
    fn end(&mut self) -> Bytes;
}

/// A single-producer, single-consumer byte queue with a high-water mark.
pub struct BodyQueue {
    /// Chunks, counters and the terminal state, behind one short-held lock.
    state: Mutex<State>,
    /// The transform in force, if any. The producer holds this lock for a
    /// whole push (the transform runs outside the state lock, so the
    /// consumer is never blocked by it); lock order: this, then `state`.
    transform: Mutex<Option<Box<dyn ChunkTransform>>>,
    /// Wakes the consumer when data or the end arrives.
    data_ready: Notify,
    /// Wakes the producer when the consumer made room or cancelled.
    space_ready: Notify,
    /// The producer waits while at least this many bytes are buffered,
    /// once the consumer has started reading.
    high_water_mark: usize,
    /// The mark before the consumer's first read. A body nobody reads (left
    /// for the garbage collector, say) then holds little memory, while one
    /// being read gets the full read-ahead.
    initial_mark: usize,
}

#[derive(Default)]
struct State {
    /// Chunks in arrival order; the first may be partly consumed.
    chunks: VecDeque<Bytes>,
    /// Sum of the chunks' remaining lengths.
    buffered: usize,
    /// Set once by the producer: `Ok` for a complete body.
    end: Option<Result<(), Error>>,
    /// Set by the consumer: nobody will read, so the producer stops.
    cancelled: bool,
    /// Set by the consumer's first read or take.
    reading: bool,
    /// Bytes the consumer has taken in all (progress reports read it: for
    /// an upload, what the connection took; for a response, what JS got).
    taken: u64,
    /// Set when a read or take reported the clean end to the consumer.
    reached_end: bool,
    /// Producers waiting for room through callbacks (see
    /// [`BodyQueue::when_space`]).
    space_waiters: Waiters,
    /// Consumers waiting for data through callbacks (see
    /// [`BodyQueue::when_readable`]).
    data_waiters: Waiters,
}

impl State {
    /// True once the body ended (cleanly or not) or the consumer cancelled:
    /// the queue takes no more data.
    fn is_closed(&self) -> bool {
        self.end.is_some() || self.cancelled
    }

    /// True when a read would not return [`Read::Pending`].
    fn is_readable(&self) -> bool {
        self.buffered > 0 || self.is_closed()
    }
}

impl BodyQueue {
    /// A queue that pauses the producer at `high_water_mark` bytes.
    pub fn new(high_water_mark: usize) -> Self {
        BodyQueue::with_initial_mark(high_water_mark, high_water_mark)
    }

    /// A queue that pauses the producer at `initial_mark` bytes until the
    /// consumer first reads, and at `high_water_mark` bytes after.
    pub fn with_initial_mark(initial_mark: usize, high_water_mark: usize) -> Self {
        BodyQueue {
            state: Mutex::new(State::default()),
            transform: Mutex::new(None),
            data_ready: Notify::new(),
            space_ready: Notify::new(),
            high_water_mark: high_water_mark.max(1),
            initial_mark: initial_mark.clamp(1, high_water_mark.max(1)),
        }
    }

    /// The mark in force for `state`.
    fn mark(&self, state: &State) -> usize {
        if state.reading {
            self.high_water_mark
        } else {
            self.initial_mark
        }
    }

    /// Where a producer that waited on a full queue resumes.
    fn resume_mark(&self, state: &State) -> usize {
        self.mark(state) / 2
    }

    /// The producers waiting for room, taken out of `state` when the queue
    /// has drained to its resume mark (none otherwise), to be fired once
    /// the lock is released.
    fn space_waiters_to_wake(&self, state: &mut State) -> Waiters {
        if state.buffered <= self.resume_mark(state) {
            state.space_waiters.take()
        } else {
            Waiters::default()
        }
    }

    /// Runs `wake` with `ready`'s answer when it has one now, outside the
    /// lock; otherwise queues it on the waiters `list` picks, to be fired
    /// by whoever changes the answer.
    fn wake_or_wait(
        &self,
        wake: Box<dyn FnOnce(bool) + Send>,
        ready: impl FnOnce(&Self, &State) -> Option<bool>,
        list: impl FnOnce(&mut State) -> &mut Waiters,
    ) {
        let waiter = Waiter(Some(wake));
        let mut state = self.lock();
        match ready(self, &state) {
            Some(open) => {
                drop(state);
                waiter.fire(open);
            }
            None => list(&mut state).add(waiter),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the state half
        // updated (every critical section is a few assignments), so a
        // poisoned lock is still consistent.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Bytes the consumer has taken so far, in all.
    pub fn taken(&self) -> u64 {
        self.lock().taken
    }

    /// True once the consumer was told of the clean end (it took it all).
    pub fn drained(&self) -> bool {
        self.lock().reached_end
    }

    /// True when the body will never be taken whole: it failed, or the
    /// consumer cancelled before it reached the end.
    pub fn abandoned(&self) -> bool {
        let state = self.lock();
        !state.reached_end && (state.cancelled || matches!(state.end, Some(Err(_))))
    }

    /// True once the body ended (cleanly or not) or the consumer cancelled.
    pub fn is_closed(&self) -> bool {
        self.lock().is_closed()
    }
}

impl std::fmt::Debug for BodyQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BodyQueue")
            .field("available", &self.available())
            .finish()
    }
}

#[cfg(test)]
mod tests;
