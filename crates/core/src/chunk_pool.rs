//! Reusable buffers for the copies of streamed request-body chunks.
//!
//! Each chunk JS pushes is copied (the caller may reuse its buffer at
//! once). A fresh allocation per chunk costs more than the copy: the
//! allocator hands back memory it returned to the kernel, and every page
//! faults in again (about three page faults per 64 KiB chunk, measured).
//! Buffers come back here when hyper has written and dropped them.

use std::sync::{Arc, Mutex};

use bytes::Bytes;

/// Chunks smaller than this are allocated exactly and never pooled: they
/// fault few pages, and a pooled buffer must not hold much more memory than
/// the chunk it carries (the queue's bound counts chunk bytes).
const MIN_POOLED: usize = 4 * 1024;

/// A bounded free list of chunk buffers, shared by a producer and the
/// consumer that drops its chunks.
pub struct ChunkPool {
    free: Mutex<Free>,
    /// Bytes of capacity the free list keeps at most.
    max_bytes: usize,
}

#[derive(Default)]
struct Free {
    buffers: Vec<Vec<u8>>,
    bytes: usize,
    /// Set by [`ChunkPool::close`]: buffers coming back are freed.
    closed: bool,
}

impl ChunkPool {
    /// A pool keeping at most `max_bytes` of free buffers.
    pub fn new(max_bytes: usize) -> Arc<Self> {
        Arc::new(ChunkPool {
            free: Mutex::new(Free::default()),
            max_bytes,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Free> {
        // A free list is consistent whatever panicked while it was held.
        self.free.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A copy of `data` in a pooled buffer when one fits: its capacity at
    /// least `data.len()` and at most twice that.
    pub fn copy(self: &Arc<Self>, data: &[u8]) -> Bytes {
        if data.len() < MIN_POOLED {
            return Bytes::copy_from_slice(data);
        }
        let reused = {
            let mut free = self.lock();
            let fits = free
                .buffers
                .last()
                .is_some_and(|b| (data.len()..=2 * data.len()).contains(&b.capacity()));
            if fits {
                let buf = free.buffers.pop().expect("checked above");
                free.bytes -= buf.capacity();
                Some(buf)
            } else {
                None
            }
        };
        let mut buf = reused.unwrap_or_else(|| Vec::with_capacity(data.len()));
        buf.extend_from_slice(data);
        Bytes::from_owner(Pooled {
            buf,
            pool: self.clone(),
        })
    }

    fn give_back(&self, mut buf: Vec<u8>) {
        let capacity = buf.capacity();
        if capacity < MIN_POOLED {
            return;
        }
        let mut free = self.lock();
        if !free.closed && free.bytes + capacity <= self.max_bytes {
            buf.clear();
            free.bytes += capacity;
            free.buffers.push(buf);
        }
    }

    /// Frees the pooled buffers, and every buffer that comes back later:
    /// for when the producer will copy no more chunks (the body ended or
    /// failed). Otherwise they would stay until the pool itself is dropped,
    /// which for an upload means until its JS object is garbage-collected.
    /// A copy made after closing is still correct, only not pooled.
    pub fn close(&self) {
        let buffers = {
            let mut free = self.lock();
            free.closed = true;
            free.bytes = 0;
            std::mem::take(&mut free.buffers)
        };
        drop(buffers);
    }

    /// Bytes of capacity in the free list (for tests).
    #[cfg(test)]
    fn free_bytes(&self) -> usize {
        self.lock().bytes
    }
}

/// A chunk's buffer on its way through hyper; back to the pool on drop.
struct Pooled {
    buf: Vec<u8>,
    pool: Arc<ChunkPool>,
}

impl AsRef<[u8]> for Pooled {
    fn as_ref(&self) -> &[u8] {
        &self.buf
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        self.pool.give_back(std::mem::take(&mut self.buf));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_chunk_buffer_is_reused_for_the_next_copy() {
        let pool = ChunkPool::new(1 << 20);
        let first = pool.copy(&[1u8; 8192]);
        let address = first.as_ptr();
        drop(first);
        assert_eq!(pool.free_bytes(), 8192);
        let second = pool.copy(&[2u8; 8000]);
        assert_eq!(second.as_ptr(), address, "the buffer was not reused");
        assert!(second.iter().all(|&b| b == 2));
        assert_eq!(second.len(), 8000);
        assert_eq!(pool.free_bytes(), 0);
    }

    #[test]
    fn a_buffer_much_larger_than_the_chunk_is_not_used_for_it() {
        let pool = ChunkPool::new(1 << 20);
        drop(pool.copy(&[0u8; 64 * 1024]));
        let small = pool.copy(&[3u8; 5000]);
        assert_eq!(small.len(), 5000);
        assert_eq!(
            pool.free_bytes(),
            64 * 1024,
            "the large buffer stayed pooled"
        );
    }

    #[test]
    fn the_free_list_is_bounded_and_small_chunks_are_not_pooled() {
        let pool = ChunkPool::new(20 * 1024);
        let chunks: Vec<Bytes> = (0..4).map(|_| pool.copy(&[0u8; 8192])).collect();
        drop(chunks);
        assert_eq!(pool.free_bytes(), 16 * 1024);
        drop(pool.copy(&[0u8; 100]));
        assert_eq!(pool.free_bytes(), 16 * 1024);
    }

    #[test]
    fn slices_of_a_chunk_keep_its_buffer_until_the_last_is_dropped() {
        let pool = ChunkPool::new(1 << 20);
        let chunk = pool.copy(&[7u8; 8192]);
        let tail = chunk.slice(4096..);
        drop(chunk);
        assert_eq!(pool.free_bytes(), 0);
        assert!(tail.iter().all(|&b| b == 7));
        drop(tail);
        assert_eq!(pool.free_bytes(), 8192);
    }

    #[test]
    fn a_closed_pool_frees_its_buffers_and_those_that_come_back() {
        let pool = ChunkPool::new(1 << 20);
        drop(pool.copy(&[0u8; 8192]));
        let in_flight = pool.copy(&[1u8; 8192]);
        assert_eq!(pool.free_bytes(), 0, "the free buffer was reused");
        drop(pool.copy(&[0u8; 8192]));
        assert_eq!(pool.free_bytes(), 8192);
        pool.close();
        assert_eq!(pool.free_bytes(), 0);
        drop(in_flight);
        assert_eq!(pool.free_bytes(), 0, "a buffer coming back was pooled");
        let late = pool.copy(&[5u8; 8192]);
        assert!(late.iter().all(|&b| b == 5));
        drop(late);
        assert_eq!(pool.free_bytes(), 0);
    }
}
