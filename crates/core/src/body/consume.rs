//! The consumer's side of the body queue: reading, taking chunks, waiting
//! for data, and cancelling.

use std::sync::MutexGuard;

use bytes::Buf;

use super::{BodyQueue, Read, State, Take};
use crate::error::Error;

impl BodyQueue {
    /// Bytes that a read would return now without waiting.
    pub fn available(&self) -> usize {
        self.lock().buffered
    }

    /// Copies as much buffered data as fits into `buf`.
    pub fn read_into(&self, buf: &mut [u8]) -> Read {
        let mut state = self.lock();
        if state.buffered == 0 {
            return match settled(&mut state) {
                None => Read::Pending,
                Some(Ok(())) => Read::End,
                Some(Err(e)) => Read::Failed(e),
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

    /// Takes the whole body at once when it has already ended cleanly with
    /// all of it still buffered: appends it to `out` and returns true (the
    /// consumer has then reached the end). Otherwise takes nothing and
    /// returns false, and the consumer reads as usual. A small response
    /// read whole (`text()`) usually has all of it here by the time its
    /// head is handed over: one take instead of a read per chunk and one
    /// more for the end.
    pub fn take_whole(&self, out: &mut Vec<u8>) -> bool {
        let mut state = self.lock();
        if !matches!(state.end, Some(Ok(()))) || state.cancelled {
            return false;
        }
        let taken = state.buffered;
        out.reserve(taken);
        while let Some(chunk) = state.chunks.pop_front() {
            out.extend_from_slice(&chunk);
        }
        state.reached_end = true;
        self.consumed(state, taken);
        true
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
            return match settled(&mut state) {
                None => Take::Pending,
                Some(Ok(())) => Take::End,
                Some(Err(e)) => Take::Failed(e),
            };
        };
        self.consumed(state, chunk.len());
        Take::Chunk(chunk)
    }

    /// Resolves when a read would not return [`Read::Pending`].
    pub async fn readable(&self) {
        loop {
            let notified = self.data_ready.notified();
            if self.lock().is_readable() {
                return;
            }
            notified.await;
        }
    }

    /// Like [`BodyQueue::readable`], for a consumer that cannot await a Rust
    /// future (a JS promise): `wake` runs once, on the producer's thread,
    /// when a read would not return [`Read::Pending`] (at once if that is
    /// already so). As with [`BodyQueue::when_space`], this skips a task
    /// hop between the network and JS.
    pub fn when_readable(&self, wake: Box<dyn FnOnce(bool) + Send>) {
        self.wake_or_wait(
            wake,
            |_, state| state.is_readable().then_some(true),
            |state| &mut state.data_waiters,
        );
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

    /// Records that the consumer took `taken` bytes, and wakes a producer
    /// waiting for space when the queue has drained to its resume mark
    /// (or the first read raised the mark).
    fn consumed(&self, mut state: MutexGuard<'_, State>, taken: usize) {
        let before = state.buffered;
        let before_resume = self.resume_mark(&state);
        let first_read = !state.reading;
        state.reading = true;
        state.buffered -= taken;
        state.taken += taken as u64;
        let resume = self.resume_mark(&state);
        let wake = state.buffered <= resume && (before > before_resume || first_read);
        let waiters = self.space_waiters_to_wake(&mut state);
        drop(state);
        if wake {
            self.space_ready.notify_one();
        }
        waiters.fire(true);
    }
}

/// What a read or take reports when nothing is buffered: `None` while the
/// body may still bring data, else how it ended (a cancelled queue reads as
/// ended). Records that the consumer reached a clean end.
fn settled(state: &mut State) -> Option<Result<(), Error>> {
    // A cancelled queue dropped what it held: that is no end.
    if matches!(state.end, Some(Ok(()))) && !state.cancelled {
        state.reached_end = true;
    }
    match &state.end {
        None if state.cancelled => Some(Ok(())),
        None => None,
        Some(end) => Some(end.clone()),
    }
}
