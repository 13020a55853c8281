//! Response bodies produced on demand.
//!
//! hyper polls a body only when its write buffer has room, so generating each
//! frame inside `poll_frame` gives backpressure for free: memory stays bounded
//! no matter how large the response is or how slowly the client reads.

use std::convert::Infallible;
use std::io::Write;
use std::pin::Pin;
use std::sync::LazyLock;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};

/// Largest frame `/bytes` will send; larger `chunk` values are clamped to it.
pub const MAX_CHUNK: usize = 1 << 20;

/// Size of one generated `/sse` frame.
const SSE_FRAME: usize = 64 * 1024;

/// One buffer shared by every `/bytes` response. It is leaked once so frames
/// are `Bytes::from_static` slices: no allocation and no refcount per frame.
static PAYLOAD: LazyLock<&'static [u8]> = LazyLock::new(|| {
    let buf: Vec<u8> = (0..MAX_CHUNK).map(|i| (i % 251) as u8).collect();
    Box::leak(buf.into_boxed_slice())
});

/// Every response body the server sends. An enum (rather than a boxed trait
/// object) keeps the hot `/small` path free of extra allocations.
pub enum ResBody {
    /// A complete body held in memory (`None` once sent).
    Full(Option<Bytes>),
    /// `remaining` bytes of the shared payload, in frames of `chunk` bytes.
    Payload { remaining: u64, chunk: usize },
    /// Server-sent events numbered `next..total`.
    Sse { next: u64, total: u64 },
    /// One SSE comment, then an open stream that never produces more data.
    Idle { sent: bool },
}

impl ResBody {
    pub fn full(data: impl Into<Bytes>) -> Self {
        ResBody::Full(Some(data.into()))
    }

    pub fn payload(size: u64, chunk: usize) -> Self {
        ResBody::Payload {
            remaining: size,
            chunk: chunk.clamp(1, MAX_CHUNK),
        }
    }
}

impl Body for ResBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let data = match self.get_mut() {
            ResBody::Full(data) => data.take(),
            ResBody::Payload { remaining, chunk } => {
                if *remaining == 0 {
                    None
                } else {
                    let n = (*remaining).min(*chunk as u64) as usize;
                    *remaining -= n as u64;
                    Some(Bytes::from_static(&PAYLOAD[..n]))
                }
            }
            ResBody::Sse { next, total } => (*next < *total).then(|| sse_batch(next, *total)),
            ResBody::Idle { sent } => {
                if *sent {
                    // Never woken: the stream stays open until the peer leaves.
                    return Poll::Pending;
                }
                *sent = true;
                Some(Bytes::from_static(b": hi\n\n"))
            }
        };
        Poll::Ready(data.map(|d| Ok(Frame::data(d))))
    }

    fn is_end_stream(&self) -> bool {
        match self {
            ResBody::Full(data) => data.is_none(),
            ResBody::Payload { remaining, .. } => *remaining == 0,
            ResBody::Sse { next, total } => next >= total,
            ResBody::Idle { .. } => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ResBody::Full(data) => {
                SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64))
            }
            ResBody::Payload { remaining, .. } => SizeHint::with_exact(*remaining),
            _ => SizeHint::default(),
        }
    }
}

/// Writes events starting at `*next` until about `SSE_FRAME` bytes are
/// buffered or `total` is reached. Each event is about 100 bytes with a
/// two-line `data` field, so parsers must join lines.
fn sse_batch(next: &mut u64, total: u64) -> Bytes {
    let mut buf = Vec::with_capacity(SSE_FRAME + 256);
    while *next < total && buf.len() < SSE_FRAME {
        let n = *next;
        // Writing into a Vec cannot fail.
        let _ = write!(
            buf,
            "id: {n}\nevent: tick\ndata: {{\"n\":{n},\"text\":\"lorem ipsum dolor sit amet, consectetur\"}}\ndata: second line\n\n"
        );
        *next += 1;
    }
    Bytes::from(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_batch_is_bounded_and_complete() {
        let mut next = 0;
        let first = sse_batch(&mut next, 10_000);
        assert!(first.len() < SSE_FRAME + 256);
        assert!(first.ends_with(b"\n\n"));
        let events = first.windows(2).filter(|w| w == b"\n\n").count() as u64;
        assert_eq!(events, next);
        let one = std::str::from_utf8(&first[..first.iter().position(|&b| b == b'\n').unwrap()]);
        assert_eq!(one.unwrap(), "id: 0");
    }
}
