//! A bounded byte queue between JS and the network, used both ways.
//!
//! Response bodies: a task reads the network into the queue and JS drains
//! it synchronously (DESIGN §3), awaiting [`BodyQueue::readable`] only when
//! nothing is buffered. Uploads: JS pushes chunks synchronously, awaiting
//! [`BodyQueue::wait_for_space`] only when the queue is full, and hyper takes
//! whole chunks with [`BodyQueue::take_chunk`]. Either way the bound is the
//! backpressure: memory stays flat whatever the slower side does.

use std::collections::VecDeque;
use std::sync::Mutex;

use bytes::{Buf, Bytes};
use tokio::sync::Notify;

use crate::error::Error;

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

    /// Records that the consumer took `taken` bytes, and wakes a producer
    /// waiting for space when the queue has drained to its resume mark
    /// (or the first read raised the mark).
    fn consumed(&self, mut state: std::sync::MutexGuard<'_, State>, taken: usize) {
        let before = state.buffered;
        let before_resume = self.resume_mark(&state);
        let first_read = !state.reading;
        state.reading = true;
        state.buffered -= taken;
        state.taken += taken as u64;
        let resume = self.resume_mark(&state);
        let wake = state.buffered <= resume && (before > before_resume || first_read);
        let waiters = if state.buffered <= resume {
            state.space_waiters.take()
        } else {
            Waiters::default()
        };
        drop(state);
        if wake {
            self.space_ready.notify_one();
        }
        waiters.fire(true);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the state half
        // updated (every critical section is a few assignments), so a
        // poisoned lock is still consistent.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    // ----- producer side -----

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
        let waiter = Waiter(Some(wake));
        let mut state = self.lock();
        if state.cancelled || state.end.is_some() {
            drop(state);
            return waiter.fire(false);
        }
        if state.buffered <= self.resume_mark(&state) {
            drop(state);
            return waiter.fire(true);
        }
        state.space_waiters.add(waiter);
    }

    /// Like [`BodyQueue::readable`], for a consumer that cannot await a Rust
    /// future (a JS promise): `wake` runs once, on the producer's thread,
    /// when a read would not return [`Read::Pending`] (at once if that is
    /// already so). As with [`BodyQueue::when_space`], this skips a task
    /// hop between the network and JS.
    pub fn when_readable(&self, wake: Box<dyn FnOnce(bool) + Send>) {
        let waiter = Waiter(Some(wake));
        let mut state = self.lock();
        if state.buffered > 0 || state.end.is_some() || state.cancelled {
            drop(state);
            return waiter.fire(true);
        }
        state.data_waiters.add(waiter);
    }

    fn lock_transform(&self) -> std::sync::MutexGuard<'_, Option<Box<dyn ChunkTransform>>> {
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
        let state = self.lock();
        !state.cancelled && state.end.is_none()
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
        let space = if buffered <= self.resume_mark(&state) {
            state.space_waiters.take()
        } else {
            Waiters::default()
        };
        let data = if buffered > 0 || state.end.is_some() {
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
            if state.cancelled || state.end.is_some() {
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
        !state.cancelled && state.end.is_none() && state.buffered < self.mark(&state)
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
        let state = self.lock();
        state.end.is_some() || state.cancelled
    }

    // ----- consumer side -----

    /// Bytes that a read would return now without waiting.
    pub fn available(&self) -> usize {
        self.lock().buffered
    }

    /// Copies as much buffered data as fits into `buf`.
    pub fn read_into(&self, buf: &mut [u8]) -> Read {
        let mut state = self.lock();
        if state.buffered == 0 {
            // A cancelled queue dropped what it held: that is no end.
            if matches!(state.end, Some(Ok(()))) && !state.cancelled {
                state.reached_end = true;
            }
            return match &state.end {
                None if state.cancelled => Read::End,
                None => Read::Pending,
                Some(Ok(())) => Read::End,
                Some(Err(e)) => Read::Failed(e.clone()),
            };
        }
        let mut written = 0;
        while written < buf.len() {
            let Some(front) = state.chunks.front_mut() else {
                break;
            };
            let n = front.len().min(buf.len() - written);
            buf[written..written + n].copy_from_slice(&front[..n]);
            front.advance(n);
            if front.is_empty() {
                state.chunks.pop_front();
            }
            written += n;
        }
        self.consumed(state, written);
        Read::Bytes(written)
    }

    /// Takes the oldest chunk whole.
    pub fn take_chunk(&self) -> Take {
        self.take_chunk_at_most(usize::MAX)
    }

    /// Takes the oldest chunk, or its first `max` bytes when it is longer
    /// (a zero-copy split; the rest stays first in line). An upload hands
    /// hyper bounded pieces so that [`BodyQueue::taken`] follows what the
    /// connection really took: one huge chunk would count as sent the
    /// moment hyper started on it.
    pub fn take_chunk_at_most(&self, max: usize) -> Take {
        let mut state = self.lock();
        let max = max.max(1);
        if let Some(front) = state.chunks.front_mut() {
            if front.len() > max {
                let piece = front.split_to(max);
                self.consumed(state, piece.len());
                return Take::Chunk(piece);
            }
        }
        let Some(chunk) = state.chunks.pop_front() else {
            // A cancelled queue dropped what it held: that is no end.
            if matches!(state.end, Some(Ok(()))) && !state.cancelled {
                state.reached_end = true;
            }
            return match &state.end {
                None if state.cancelled => Take::End,
                None => Take::Pending,
                Some(Ok(())) => Take::End,
                Some(Err(e)) => Take::Failed(e.clone()),
            };
        };
        self.consumed(state, chunk.len());
        Take::Chunk(chunk)
    }

    /// Resolves when a read would not return [`Read::Pending`].
    pub async fn readable(&self) {
        loop {
            let notified = self.data_ready.notified();
            {
                let state = self.lock();
                if state.buffered > 0 || state.end.is_some() || state.cancelled {
                    return;
                }
            }
            notified.await;
        }
    }

    /// Fails the body now, whatever the producer did, and drops what is
    /// buffered: the consumer's next take or read reports `error`. Unlike
    /// [`BodyQueue::finish`], this also overrides a clean end that the
    /// consumer has not reached yet: dropping the data it still had to take
    /// and then reporting the end would pass a cut-short body off as whole
    /// (hyper would send the final chunk). A body already taken to its last
    /// byte stays complete.
    pub fn abort(&self, error: Error) {
        {
            let mut state = self.lock();
            let taken_whole = matches!(state.end, Some(Ok(()))) && state.buffered == 0;
            if !taken_whole && !matches!(state.end, Some(Err(_))) {
                state.end = Some(Err(error));
            }
        }
        self.cancel();
    }

    /// The consumer will not read any more: drop what is buffered and let
    /// the producer stop (which closes the connection).
    pub fn cancel(&self) {
        let waiters = {
            let mut state = self.lock();
            state.cancelled = true;
            state.chunks.clear();
            state.buffered = 0;
            (state.space_waiters.take(), state.data_waiters.take())
        };
        waiters.0.fire(false);
        waiters.1.fire(true);
        self.space_ready.notify_one();
        self.data_ready.notify_one();
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
