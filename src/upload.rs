//! `NativeUpload`: one attempt at sending a streamed request body, as a JS
//! class. JS pushes chunks synchronously and waits (`watchWritable`) only when
//! the queue is full (DESIGN §3).

use std::sync::Arc;

use ferrofetch_core::{BodyQueue, ChunkPool, Error};
use napi::bindgen_prelude::{Result, Uint8ArraySlice};
use napi_derive::napi;

use crate::ready_queue::ReadyQueue;

/// `push` results.
const ROOM_LEFT: i32 = 1;
const NOW_FULL: i32 = 0;
const REFUSED: i32 = -1;

/// The queue of one attempt. A restartable body (a Blob) gets a new
/// attempt for each redirect the core follows keeping the body (307/308,
/// or 301/302 of a method other than POST); an old attempt's queue then
/// refuses pushes, so its producer stops.
#[napi]
pub struct NativeUpload {
    queue: Arc<BodyQueue>,
    /// Buffers for the chunk copies, reused once hyper has sent them.
    pool: Arc<ChunkPool>,
}

/// Bytes of a streamed request body buffered before `push` reports full.
/// The producer is woken at half of it, and what is left must outlast that
/// wake-up (tens of microseconds here). 512 KiB measured ~8% slower than
/// 1 MiB in an earlier session (8 rounds, twice, A/B), for ~0.7 MB less
/// peak RSS; it is 512 KiB again because a 1 GiB upload on Node 24 peaked
/// at 79.2-80.0 MB with 1 MiB, on the 80 MB bound (V8's young generation
/// grows with the larger live heap the JS layer now has).
pub const UPLOAD_HIGH_WATER_MARK: usize = 512 * 1024;

/// Free chunk buffers an upload keeps for reuse at most: what a full queue
/// holds, so a steady producer allocates nothing.
const POOLED_BYTES: usize = UPLOAD_HIGH_WATER_MARK;

impl NativeUpload {
    pub fn new(queue: Arc<BodyQueue>) -> Self {
        NativeUpload {
            queue,
            pool: ChunkPool::new(POOLED_BYTES),
        }
    }
}

#[napi]
impl NativeUpload {
    /// Queues a chunk (copied: the caller may reuse its buffer at once).
    /// Returns 1 when more may be pushed at once, 0 when the queue is now
    /// full (wait with `watchWritable`), -1 when this attempt no longer takes data
    /// (the request ended, failed, was redirected, or the server stopped
    /// reading).
    #[napi]
    pub fn push(&self, chunk: Uint8ArraySlice) -> i32 {
        if !self.queue.push(self.pool.copy(&chunk)) {
            self.pool.close();
            return REFUSED;
        }
        if self.queue.has_space() {
            ROOM_LEFT
        } else {
            NOW_FULL
        }
    }

    /// Completes the wait `token` on ready-queue `queue` with 1 when it has
    /// room again, 0 when it no longer takes data. Pushed from the thread
    /// that frees the room (see `BodyQueue::when_space`), not from a task
    /// polled when it yields.
    #[napi]
    pub fn watch_writable(&self, queue: u32, token: u32) -> Result<()> {
        let queue = ReadyQueue::get(queue)?;
        self.queue.when_space(queue.waker(token));
        Ok(())
    }

    /// Ends the body (the final chunk is sent).
    #[napi]
    pub fn end_upload(&self) {
        self.queue.finish(Ok(()));
        // No more copies: the chunks still in flight are freed once sent,
        // not kept until this object is garbage-collected.
        self.pool.close();
    }

    /// Fails the body: the connection is dropped without ending it, and the
    /// request fails.
    #[napi]
    pub fn fail_upload(&self, message: String) {
        self.queue.finish(Err(Error::upload_failed(message)));
        self.pool.close();
    }
}
