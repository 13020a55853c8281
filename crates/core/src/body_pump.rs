//! The body pump: what the request task does once the head is in. It
//! takes what already arrived before the head is handed over, then reads
//! the rest into the [`BodyQueue`] under the read and whole-request
//! deadlines.

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::body::BodyQueue;
use crate::decode;
use crate::error::{self, codes, Error};

/// Scheduler turns [`prefetch_body`] gives the connection task.
const PREFETCH_TURNS: usize = 2;
/// Bytes [`prefetch_body`] takes at most before handing over the head.
const PREFETCH_BYTES: usize = 64 * 1024;

/// Takes what the connection already has of the body before the head is
/// handed over, so a small response whose body came with its head is read
/// by JS with synchronous calls only (one crossing fewer per request).
///
/// No timer is involved: hyper's connection task needs a scheduler turn to
/// hand over bytes it has already read, so this yields at most
/// [`PREFETCH_TURNS`] times and stops at the first chunk that is not
/// there yet. A body that streams slowly is not waited for. Returns true
/// when the whole body arrived (or failed: the error is in the queue).
pub(crate) async fn prefetch_body(response: &mut decode::Body, body: &BodyQueue) -> bool {
    use futures_util::FutureExt;
    let mut taken = 0;
    let mut turns = 0;
    while taken < PREFETCH_BYTES {
        // `chunk()` is cancel-safe: a poll that returns Pending takes
        // nothing, so dropping it loses no data.
        match response.chunk().now_or_never() {
            Some(Ok(Some(chunk))) => {
                taken += chunk.len();
                body.push(chunk);
            }
            Some(Ok(None)) => {
                body.finish(Ok(()));
                return true;
            }
            Some(Err(e)) => {
                body.finish(Err(e));
                return true;
            }
            None if turns < PREFETCH_TURNS => {
                turns += 1;
                tokio::task::yield_now().await;
            }
            None => break,
        }
    }
    false
}

/// `fut`, failed with `ERR_FF_TIMEOUT` if `deadline` passes first.
///
/// The timer is boxed, here and in [`next_chunk`]: an async fn has room
/// for its largest state, and an open stream without a deadline would
/// otherwise carry two unused timers (~0.3 KB) in its task for as long as
/// it is open. With a deadline, that is one small allocation per wait.
pub(crate) async fn with_deadline<T>(
    deadline: Option<Instant>,
    fut: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    match deadline {
        None => fut.await,
        Some(at) => Box::pin(tokio::time::timeout_at(at, fut))
            .await
            .unwrap_or_else(|_| Err(error::timeout(codes::TIMEOUT, "the request timed out"))),
    }
}

/// Reads the body into the queue until it ends, fails, times out, or the
/// consumer goes away. Returning drops the response, which closes the
/// connection if the body was not read to the end.
pub(crate) async fn pump_body(
    mut response: decode::Body,
    body: &BodyQueue,
    cancel: &CancellationToken,
    read_timeout: Option<Duration>,
    deadline: Option<Instant>,
) {
    loop {
        // The whole-request deadline also runs while a slow consumer
        // keeps the queue full.
        let has_space = tokio::select! {
            biased;
            _ = cancel.cancelled() => Ok(false),
            r = with_deadline(deadline, async { Ok(body.wait_for_space().await) }) => r,
        };
        match has_space {
            Ok(true) => {}
            Ok(false) => {
                body.finish(Err(error::aborted()));
                return;
            }
            Err(e) => {
                body.finish(Err(e));
                return;
            }
        }
        let next = tokio::select! {
            biased;
            _ = cancel.cancelled() => Err(error::aborted()),
            r = with_deadline(deadline, next_chunk(&mut response, read_timeout)) => r,
        };
        match next {
            Ok(Some(chunk)) => {
                body.push(chunk);
            }
            Ok(None) => {
                body.finish(Ok(()));
                return;
            }
            Err(e) => {
                body.finish(Err(e));
                return;
            }
        }
    }
}

async fn next_chunk(
    response: &mut decode::Body,
    read_timeout: Option<Duration>,
) -> Result<Option<Bytes>, Error> {
    let chunk = response.chunk();
    let result = match read_timeout {
        None => chunk.await,
        Some(limit) => match Box::pin(tokio::time::timeout(limit, chunk)).await {
            Ok(r) => r,
            Err(_) => {
                return Err(error::timeout(
                    codes::READ_TIMEOUT,
                    "no body data within readTimeout",
                ))
            }
        },
    };
    result
}
