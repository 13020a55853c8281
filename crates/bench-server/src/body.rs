//! Response bodies produced on demand.
//!
//! hyper polls a body only when its write buffer has room, so generating each
//! frame inside `poll_frame` gives backpressure for free: memory stays bounded
//! no matter how large the response is or how slowly the client reads.

use std::convert::Infallible;
use std::future::Future;
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
    /// One small event every `every`, `left` more to go (the fan-in
    /// workload: many streams, each mostly idle).
    Tick(Box<Tick>),
}

/// The state of a `/sse-tick` stream.
pub struct Tick {
    /// Events still to send.
    pub left: u64,
    /// The gap between events.
    pub every: std::time::Duration,
    /// The next event's number.
    pub next: u64,
    /// Fires when the next event is due (`None` before the first one,
    /// which goes out at once so the client sees the stream open).
    pub timer: Option<Pin<Box<tokio::time::Sleep>>>,
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
        cx: &mut Context<'_>,
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
            ResBody::Tick(tick) => {
                if tick.left == 0 {
                    None
                } else {
                    if let Some(timer) = tick.timer.as_mut() {
                        if timer.as_mut().poll(cx).is_pending() {
                            return Poll::Pending;
                        }
                        // A stream polled late (the client was slow to
                        // read) skips the ticks it missed rather than
                        // sending them in a burst: the rate stays 1/every.
                        let now = tokio::time::Instant::now();
                        let next = timer.deadline() + tick.every;
                        let due = if next < now { now + tick.every } else { next };
                        timer.as_mut().reset(due);
                    } else {
                        let due = tokio::time::Instant::now() + tick.every;
                        tick.timer = Some(Box::pin(tokio::time::sleep_until(due)));
                    }
                    tick.left -= 1;
                    tick.next += 1;
                    Some(Bytes::from(format!(
                        "event: tick\ndata: {{\"n\":{}}}\n\n",
                        tick.next
                    )))
                }
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
            ResBody::Tick(tick) => tick.left == 0,
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
