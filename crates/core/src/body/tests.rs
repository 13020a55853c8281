//! Tests of the body queue: reads, takes, marks, waiting and transforms.

use super::*;
use crate::error::{codes, network};

fn read_all(q: &BodyQueue) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 3];
    while let Read::Bytes(n) = q.read_into(&mut buf) {
        out.extend_from_slice(&buf[..n]);
    }
    out
}

#[test]
fn reads_coalesce_chunks_and_split_large_ones() {
    let q = BodyQueue::new(100);
    q.push(Bytes::from_static(b"ab"));
    q.push(Bytes::from_static(b"cdefg"));
    assert_eq!(q.available(), 7);
    assert_eq!(read_all(&q), b"abcdefg");
    assert!(matches!(q.read_into(&mut [0; 4]), Read::Pending));
}

#[test]
fn end_is_reported_only_after_the_data() {
    let q = BodyQueue::new(100);
    q.push(Bytes::from_static(b"xy"));
    q.finish(Ok(()));
    assert_eq!(read_all(&q), b"xy");
    assert!(matches!(q.read_into(&mut [0; 4]), Read::End));
}

#[test]
fn a_whole_body_is_taken_at_once_only_after_its_clean_end() {
    let q = BodyQueue::new(100);
    let mut out = Vec::new();
    q.push(Bytes::from_static(b"ab"));
    assert!(!q.take_whole(&mut out), "not ended yet");
    assert!(out.is_empty());
    q.push(Bytes::from_static(b"cde"));
    q.finish(Ok(()));
    assert!(q.take_whole(&mut out));
    assert_eq!(out, b"abcde");
    assert_eq!(q.taken(), 5);
    assert!(matches!(q.read_into(&mut [0; 4]), Read::End));

    let failed = BodyQueue::new(100);
    failed.push(Bytes::from_static(b"ab"));
    failed.finish(Err(network(codes::ECONNRESET, "reset")));
    assert!(
        !failed.take_whole(&mut out),
        "a failed body is read as usual"
    );
    let cancelled = BodyQueue::new(100);
    cancelled.finish(Ok(()));
    cancelled.cancel();
    assert!(
        !cancelled.take_whole(&mut out),
        "a cancelled body is no whole body"
    );
}

#[test]
fn an_error_is_reported_to_every_later_read() {
    let q = BodyQueue::new(100);
    q.finish(Err(network(codes::ECONNRESET, "reset")));
    for _ in 0..2 {
        match q.read_into(&mut [0; 4]) {
            Read::Failed(e) => assert_eq!(e.code(), "ECONNRESET"),
            other => panic!("expected failure, got {other:?}"),
        }
    }
}

#[test]
fn chunks_are_taken_whole_and_a_finished_queue_refuses_more() {
    let q = BodyQueue::new(4);
    assert!(q.push(Bytes::from_static(b"abc")));
    assert!(q.has_space());
    assert!(q.push(Bytes::from_static(b"de")));
    assert!(!q.has_space());
    q.finish(Ok(()));
    assert!(!q.push(Bytes::from_static(b"late")));
    assert!(matches!(q.take_chunk(), Take::Chunk(c) if c == "abc"));
    assert!(matches!(q.take_chunk(), Take::Chunk(c) if c == "de"));
    assert!(matches!(q.take_chunk(), Take::End));
}

#[test]
fn the_read_ahead_grows_from_the_initial_mark_at_the_first_read() {
    let q = BodyQueue::with_initial_mark(2, 8);
    q.push(Bytes::from_static(b"ab"));
    assert!(!q.has_space(), "an unread body stops at the initial mark");
    assert!(matches!(q.read_into(&mut [0u8; 1]), Read::Bytes(1)));
    assert!(q.has_space());
    q.push(Bytes::from_static(b"cdefghi"));
    assert!(!q.has_space());
}

#[test]
fn a_cancelled_queue_refuses_pushes() {
    let q = BodyQueue::new(4);
    q.cancel();
    assert!(!q.push(Bytes::from_static(b"x")));
    assert!(!q.has_space());
}

#[tokio::test]
async fn producer_waits_at_the_high_water_mark_until_a_read() {
    let q = std::sync::Arc::new(BodyQueue::new(4));
    q.push(Bytes::from_static(b"1234"));
    let waiting = tokio::spawn({
        let q = q.clone();
        async move { q.wait_for_space().await }
    });
    tokio::task::yield_now().await;
    assert!(!waiting.is_finished());
    let mut buf = [0u8; 2];
    assert!(matches!(q.read_into(&mut buf), Read::Bytes(2)));
    assert!(waiting.await.unwrap());
}

#[tokio::test]
async fn cancel_releases_a_waiting_producer_and_drops_data() {
    let q = std::sync::Arc::new(BodyQueue::new(1));
    q.push(Bytes::from_static(b"xx"));
    let waiting = tokio::spawn({
        let q = q.clone();
        async move { q.wait_for_space().await }
    });
    q.cancel();
    assert!(!waiting.await.unwrap());
    assert_eq!(q.available(), 0);
    assert!(matches!(q.read_into(&mut [0; 1]), Read::End));
}

#[tokio::test]
async fn readable_resolves_when_data_arrives() {
    let q = std::sync::Arc::new(BodyQueue::new(16));
    let reader = tokio::spawn({
        let q = q.clone();
        async move { q.readable().await }
    });
    tokio::task::yield_now().await;
    assert!(!reader.is_finished());
    q.push(Bytes::from_static(b"z"));
    reader.await.unwrap();
    assert_eq!(q.available(), 1);
}

/// Upper-cases each chunk and marks the end: enough to see order and
/// where each output came from.
struct Upper;

impl ChunkTransform for Upper {
    fn chunk(&mut self, input: &[u8]) -> Bytes {
        Bytes::from(input.to_ascii_uppercase())
    }
    fn end(&mut self) -> Bytes {
        Bytes::from_static(b"|END")
    }
}

#[test]
fn a_transform_rewrites_queued_and_later_chunks_and_adds_its_end() {
    let q = BodyQueue::new(1024);
    q.push(Bytes::from_static(b"ab"));
    q.push(Bytes::from_static(b"cd"));
    q.set_transform(Box::new(Upper));
    q.push(Bytes::from_static(b"ef"));
    q.finish(Ok(()));
    assert_eq!(read_all(&q), b"ABCDEF|END");
}

#[test]
fn a_transform_set_after_a_complete_body_still_ends_it() {
    let q = BodyQueue::new(1024);
    q.push(Bytes::from_static(b"x"));
    q.finish(Ok(()));
    q.set_transform(Box::new(Upper));
    assert_eq!(read_all(&q), b"X|END");
}

#[test]
fn a_failed_body_gets_no_transform_end() {
    let q = BodyQueue::new(1024);
    q.set_transform(Box::new(Upper));
    q.push(Bytes::from_static(b"x"));
    q.finish(Err(network(codes::INCOMPLETE_BODY, "cut")));
    assert!(matches!(q.take_chunk(), Take::Chunk(c) if c == "X"));
    assert!(matches!(q.take_chunk(), Take::Failed(_)));
}

#[tokio::test]
async fn a_producer_that_found_the_queue_full_resumes_at_half_the_mark() {
    let q = std::sync::Arc::new(BodyQueue::new(8));
    for _ in 0..4 {
        q.push(Bytes::from_static(b"ab"));
    }
    let waiting = tokio::spawn({
        let q = q.clone();
        async move { q.wait_for_space().await }
    });
    tokio::task::yield_now().await;
    // Below the mark but above half: one chunk of room is not enough to
    // wake the producer, which would then refill one chunk per wake-up.
    assert!(matches!(q.take_chunk(), Take::Chunk(_)));
    tokio::task::yield_now().await;
    assert!(!waiting.is_finished());
    assert!(matches!(q.take_chunk(), Take::Chunk(_)));
    assert!(waiting.await.unwrap());
    // A producer that did not have to wait goes on below the mark.
    assert!(q.wait_for_space().await);
}

/// A `when_space` or `when_readable` callback and its outcome, once it ran.
fn space_probe() -> (
    Box<dyn FnOnce(bool) + Send>,
    std::sync::mpsc::Receiver<bool>,
) {
    let (tx, rx) = std::sync::mpsc::channel();
    (Box::new(move |open| tx.send(open).unwrap()), rx)
}

#[test]
fn a_space_callback_runs_once_the_queue_drained_to_half() {
    let q = BodyQueue::new(8);
    for _ in 0..4 {
        q.push(Bytes::from_static(b"ab"));
    }
    let (wake, outcome) = space_probe();
    q.when_space(wake);
    assert!(matches!(q.take_chunk(), Take::Chunk(_)));
    assert!(outcome.try_recv().is_err(), "woken above half the mark");
    assert!(matches!(q.read_into(&mut [0u8; 2]), Read::Bytes(2)));
    assert_eq!(outcome.try_recv(), Ok(true));
    // With room already, a callback runs at once.
    let (wake, outcome) = space_probe();
    q.when_space(wake);
    assert_eq!(outcome.try_recv(), Ok(true));
}

#[test]
fn a_space_callback_learns_the_queue_closed_or_dropped() {
    let q = BodyQueue::new(2);
    q.push(Bytes::from_static(b"xy"));
    let (wake, outcome) = space_probe();
    q.when_space(wake);
    q.cancel();
    assert_eq!(outcome.try_recv(), Ok(false));
    let (wake, outcome) = space_probe();
    q.when_space(wake);
    assert_eq!(
        outcome.try_recv(),
        Ok(false),
        "a cancelled queue takes no data"
    );

    // Dropped with a waiter: it still runs, so no JS promise is left
    // pending (which would keep Node's event loop alive).
    let q = BodyQueue::new(2);
    q.push(Bytes::from_static(b"xy"));
    let (wake, outcome) = space_probe();
    q.when_space(wake);
    drop(q);
    assert_eq!(outcome.try_recv(), Ok(false));
}

#[test]
fn a_data_callback_runs_when_data_or_the_end_arrives() {
    let q = BodyQueue::new(16);
    let (wake, outcome) = space_probe();
    q.when_readable(wake);
    assert!(outcome.try_recv().is_err());
    q.push(Bytes::from_static(b"z"));
    assert_eq!(outcome.try_recv(), Ok(true));
    // Data already buffered: at once.
    let (wake, outcome) = space_probe();
    q.when_readable(wake);
    assert_eq!(outcome.try_recv(), Ok(true));
    assert!(matches!(q.read_into(&mut [0u8; 4]), Read::Bytes(1)));
    for end in [
        (|q: &BodyQueue| q.finish(Ok(()))) as fn(&BodyQueue),
        |q| q.finish(Err(network(codes::ECONNRESET, "reset"))),
        |q| q.cancel(),
    ] {
        let q = BodyQueue::new(16);
        let (wake, outcome) = space_probe();
        q.when_readable(wake);
        end(&q);
        assert_eq!(outcome.try_recv(), Ok(true));
    }
    let q = BodyQueue::new(16);
    let (wake, outcome) = space_probe();
    q.when_readable(wake);
    drop(q);
    assert_eq!(outcome.try_recv(), Ok(false));
}

#[test]
fn every_waiting_callback_gets_its_own_wake_up() {
    let q = BodyQueue::new(16);
    let (first, first_outcome) = space_probe();
    let (second, second_outcome) = space_probe();
    q.when_readable(first);
    q.when_readable(second);
    assert!(
        first_outcome.try_recv().is_err(),
        "a newcomer woke the first"
    );
    q.push(Bytes::from_static(b"z"));
    assert_eq!(first_outcome.try_recv(), Ok(true));
    assert_eq!(second_outcome.try_recv(), Ok(true));
}

#[test]
fn an_abort_after_a_clean_finish_fails_a_body_not_taken_whole() {
    let q = BodyQueue::new(100);
    q.push(Bytes::from_static(b"abc"));
    q.push(Bytes::from_static(b"def"));
    q.finish(Ok(()));
    assert!(matches!(q.take_chunk(), Take::Chunk(c) if c == "abc"));
    q.abort(network(codes::ECONNRESET, "aborted"));
    // "def" is dropped: the consumer must not see the end as if complete.
    for _ in 0..2 {
        match q.take_chunk() {
            Take::Failed(e) => assert_eq!(e.code(), "ECONNRESET"),
            other => panic!("expected failure, got {other:?}"),
        }
    }
}

#[test]
fn an_abort_before_the_end_fails_the_body_and_refuses_pushes() {
    let q = BodyQueue::new(100);
    q.push(Bytes::from_static(b"abc"));
    q.abort(network(codes::ECONNRESET, "aborted"));
    assert!(!q.push(Bytes::from_static(b"late")));
    q.finish(Ok(()));
    assert!(matches!(q.take_chunk(), Take::Failed(_)));
}

#[test]
fn an_abort_keeps_a_body_taken_whole_complete() {
    let q = BodyQueue::new(100);
    q.push(Bytes::from_static(b"abc"));
    q.finish(Ok(()));
    assert!(matches!(q.take_chunk(), Take::Chunk(_)));
    q.abort(network(codes::ECONNRESET, "aborted"));
    assert!(matches!(q.take_chunk(), Take::End));
}

#[test]
fn an_abort_keeps_the_first_failure() {
    let q = BodyQueue::new(100);
    q.finish(Err(network(codes::ECONNRESET, "first")));
    q.abort(network(codes::ECONNREFUSED, "second"));
    match q.take_chunk() {
        Take::Failed(e) => assert_eq!(e.code(), "ECONNRESET"),
        other => panic!("expected failure, got {other:?}"),
    }
}

#[test]
fn taken_counts_every_byte_the_consumer_took_and_drained_needs_the_clean_end() {
    let q = BodyQueue::new(100);
    q.push(Bytes::from_static(b"abcdef"));
    let mut buf = [0u8; 4];
    assert!(matches!(q.read_into(&mut buf), Read::Bytes(4)));
    assert_eq!(q.taken(), 4);
    assert!(matches!(q.take_chunk(), Take::Chunk(c) if &c[..] == b"ef"));
    assert_eq!(q.taken(), 6);
    assert!(!q.is_closed());
    q.finish(Ok(()));
    assert!(q.is_closed());
    assert!(!q.drained(), "the consumer has not seen the end yet");
    assert!(matches!(q.take_chunk(), Take::End));
    assert!(q.drained());
    q.cancel();
    assert!(!q.abandoned(), "cancelling after the end abandons nothing");
}

#[test]
fn a_failed_or_cancelled_body_is_abandoned_not_drained() {
    let q = BodyQueue::new(100);
    q.finish(Err(network(codes::ECONNRESET, "reset")));
    assert!(q.is_closed());
    assert!(q.abandoned());
    assert!(matches!(q.take_chunk(), Take::Failed(_)));
    assert!(!q.drained());
    let cut = BodyQueue::new(100);
    cut.push(Bytes::from_static(b"left"));
    cut.finish(Ok(()));
    cut.cancel();
    assert!(cut.abandoned(), "its last bytes were never taken");
    assert!(matches!(cut.take_chunk(), Take::End));
    assert!(!cut.drained());
}

#[test]
fn a_long_chunk_is_taken_in_pieces_of_at_most_the_limit() {
    let q = BodyQueue::new(100);
    q.push(Bytes::from_static(b"abcdefg"));
    q.push(Bytes::from_static(b"hi"));
    q.finish(Ok(()));
    let mut pieces = Vec::new();
    while let Take::Chunk(c) = q.take_chunk_at_most(3) {
        pieces.push(c);
        assert_eq!(
            q.taken(),
            pieces.iter().map(|p| p.len() as u64).sum::<u64>()
        );
    }
    assert_eq!(pieces, [&b"abc"[..], b"def", b"g", b"hi"]);
    assert!(q.drained());
}
