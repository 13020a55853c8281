//! The core against real servers on 127.0.0.1: raw TCP servers that answer
//! exactly the bytes each test needs, so misbehaviour is easy to stage.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ferrofetch_core::{
    codes, BodyQueue, Client, ClientOptions, Exchange, Kind, Read, RedirectMode, RequestBody,
    RequestSpec, Take,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod common;
use common::{first_report, read_head, serve};

fn start(client: &Client, spec: RequestSpec) -> Arc<Exchange> {
    let (exchange, task) = client.start(spec);
    tokio::spawn(task);
    exchange
}

fn get(url: &str) -> RequestSpec {
    RequestSpec::get(url.parse().unwrap())
}

/// Reads the whole body, waiting when nothing is buffered.
async fn read_to_end(exchange: &Exchange) -> Result<Vec<u8>, ferrofetch_core::Error> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 8192];
    loop {
        match exchange.read_into(&mut buf) {
            Read::Bytes(n) => out.extend_from_slice(&buf[..n]),
            Read::Pending => exchange.body().readable().await,
            Read::End => return Ok(out),
            Read::Failed(e) => return Err(e),
        }
    }
}

#[tokio::test]
async fn a_response_streams_through_the_queue() {
    let url = serve(|mut s| async move {
        let head = read_head(&mut s).await;
        assert!(head.starts_with("GET /path HTTP/1.1\r\n"));
        s.write_all(b"HTTP/1.1 201 Made It\r\nx-a: 1\r\ncontent-length: 5\r\n\r\nhello")
            .await
            .unwrap();
    })
    .await;
    let client = Client::new(ClientOptions::default()).unwrap();
    let ex = start(&client, get(&format!("{url}/path")));
    let head = ex.head().await.unwrap();
    assert_eq!(head.status, 201);
    assert_eq!(head.status_text, "Made It");
    assert_eq!(head.headers.get("x-a").unwrap(), "1");
    assert!(!head.redirected);
    assert_eq!(read_to_end(&ex).await.unwrap(), b"hello");
}

#[tokio::test]
async fn redirects_are_followed_and_reported() {
    let url = serve(|mut s| async move {
        let head = read_head(&mut s).await;
        let reply: &[u8] = if head.starts_with("POST /a ") {
            b"HTTP/1.1 303 See Other\r\nlocation: /b\r\ncontent-length: 0\r\n\r\n"
        } else if head.starts_with("GET /b ") {
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"
        } else {
            b"HTTP/1.1 500 Unexpected\r\ncontent-length: 0\r\n\r\n"
        };
        s.write_all(reply).await.unwrap();
    })
    .await;
    let client = Client::new(ClientOptions::default()).unwrap();
    let mut spec = get(&format!("{url}/a"));
    spec.method = http::Method::POST;
    spec.body = Some(RequestBody::Bytes(bytes::Bytes::from_static(b"payload")));
    let ex = start(&client, spec);
    let head = ex.head().await.unwrap();
    assert_eq!(head.status, 200);
    assert!(head.redirected);
    assert_eq!(head.url, format!("{url}/b"));
    assert_eq!(read_to_end(&ex).await.unwrap(), b"ok");

    let mut manual = get(&format!("{url}/a"));
    manual.method = http::Method::POST;
    manual.redirect = RedirectMode::Manual;
    let ex = start(&client, manual);
    assert_eq!(ex.head().await.unwrap().status, 303);
}

#[tokio::test]
async fn the_reader_stops_at_the_high_water_mark() {
    let written = Arc::new(AtomicUsize::new(0));
    let counter = written.clone();
    let url = serve(move |mut s| {
        let counter = counter.clone();
        async move {
            read_head(&mut s).await;
            s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 1073741824\r\n\r\n")
                .await
                .unwrap();
            let chunk = vec![b'x'; 64 * 1024];
            while s.write_all(&chunk).await.is_ok() {
                counter.fetch_add(chunk.len(), Ordering::SeqCst);
            }
        }
    })
    .await;
    let options = ClientOptions {
        body_high_water_mark: 256 * 1024,
        ..ClientOptions::default()
    };
    let client = Client::new(options).unwrap();
    let ex = start(&client, get(&url));
    ex.head().await.unwrap();
    // Let the writer run until it stalls (bounded).
    let mut last = usize::MAX;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now = written.load(Ordering::SeqCst);
        if now == last {
            break;
        }
        last = now;
    }
    assert!(ex.body().available() <= 256 * 1024 + 64 * 1024);
    assert!(
        written.load(Ordering::SeqCst) < 32 * 1024 * 1024,
        "the server kept writing with nobody reading"
    );
}

#[tokio::test]
async fn abort_closes_the_connection_and_fails_reads() {
    let (closed_tx, closed_rx) = first_report::<()>();
    let url = serve(move |mut s| {
        let closed_tx = closed_tx.clone();
        async move {
            read_head(&mut s).await;
            s.write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nfirst\r\n")
                .await
                .unwrap();
            // Wait for the client to go away: a read returns 0 (EOF) or fails.
            let mut buf = [0u8; 16];
            let _ = tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf)).await;
            closed_tx.send(());
        }
    })
    .await;
    let client = Client::new(ClientOptions::default()).unwrap();
    let ex = start(&client, get(&url));
    ex.head().await.unwrap();
    ex.body().readable().await;
    ex.abort();
    match ex.read_into(&mut [0u8; 16]) {
        Read::Failed(e) => assert!(e.is_aborted()),
        other => panic!("expected an abort, got {other:?}"),
    }
    tokio::time::timeout(Duration::from_secs(5), closed_rx)
        .await
        .expect("the server saw the connection close")
        .unwrap();
}

#[tokio::test]
async fn read_timeout_fails_a_silent_body() {
    let url = serve(|mut s| async move {
        read_head(&mut s).await;
        s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nab")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_secs(10)).await;
    })
    .await;
    let client = Client::new(ClientOptions::default()).unwrap();
    let mut spec = get(&url);
    spec.read_timeout = Some(Duration::from_millis(150));
    let ex = start(&client, spec);
    ex.head().await.unwrap();
    let err = read_to_end(&ex).await.unwrap_err();
    assert_eq!(err.kind(), Kind::Timeout);
    assert_eq!(err.code(), codes::READ_TIMEOUT);
}

#[tokio::test]
async fn timeout_covers_the_wait_for_the_head() {
    let url = serve(|mut s| async move {
        read_head(&mut s).await;
        tokio::time::sleep(Duration::from_secs(10)).await;
    })
    .await;
    let client = Client::new(ClientOptions::default()).unwrap();
    let mut spec = get(&url);
    spec.timeout = Some(Duration::from_millis(150));
    let err = start(&client, spec).head().await.unwrap_err();
    assert_eq!(err.code(), codes::TIMEOUT);
}

#[tokio::test]
async fn refused_and_truncated_map_to_stable_codes() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let client = Client::new(ClientOptions::default()).unwrap();
    let err = start(&client, get(&format!("http://127.0.0.1:{port}/")))
        .head()
        .await
        .unwrap_err();
    assert_eq!(err.code(), codes::ECONNREFUSED);

    let url = serve(|mut s| async move {
        read_head(&mut s).await;
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nshort")
            .await;
    })
    .await;
    let ex = start(&client, get(&url));
    ex.head().await.unwrap();
    assert_eq!(
        read_to_end(&ex).await.unwrap_err().code(),
        codes::INCOMPLETE_BODY
    );
}

#[tokio::test]
async fn a_closed_client_refuses_new_requests() {
    let client = Client::new(ClientOptions::default()).unwrap();
    client.close();
    let err = start(&client, get("http://127.0.0.1:9/"))
        .head()
        .await
        .unwrap_err();
    assert_eq!(err.code(), codes::CLIENT_CLOSED);
}

#[tokio::test]
async fn a_request_that_fails_before_sending_releases_its_upload_producer() {
    let client = Client::new(ClientOptions::default()).unwrap();
    client.close();
    let queue = Arc::new(BodyQueue::new(4));
    // Fill the queue so that the producer waits for room.
    assert!(queue.push(bytes::Bytes::from_static(b"full")));
    assert!(!queue.has_space());
    let producer = tokio::spawn({
        let queue = queue.clone();
        async move { queue.wait_for_space().await }
    });
    let ex = start(&client, upload_spec("http://127.0.0.1:9/", &queue));
    let err = ex.head().await.unwrap_err();
    assert_eq!(err.code(), codes::CLIENT_CLOSED);
    // Nothing will ever drain the queue: the waiting producer is told to
    // stop, and the body reads as failed, never as a clean end.
    let room = tokio::time::timeout(Duration::from_secs(5), producer)
        .await
        .expect("the producer was left waiting")
        .unwrap();
    assert!(!room);
    assert!(matches!(queue.take_chunk(), Take::Failed(_)));
}

/// Reads a chunked request body to its end; returns the bytes and whether
/// the terminating zero-length chunk arrived.
async fn read_chunked(socket: &mut TcpStream) -> (Vec<u8>, bool) {
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if raw.ends_with(b"0\r\n\r\n") {
            return (raw, true);
        }
        match tokio::time::timeout(Duration::from_secs(5), socket.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => raw.extend_from_slice(&buf[..n]),
            _ => return (raw, false),
        }
    }
}

/// A server that reads one chunked request body and reports whether its
/// terminating chunk arrived.
async fn chunked_body_server() -> (String, tokio::sync::oneshot::Receiver<bool>) {
    let (done_tx, done_rx) = first_report::<bool>();
    let url = serve(move |mut s| {
        let done_tx = done_tx.clone();
        async move {
            read_head(&mut s).await;
            let (_, complete) = read_chunked(&mut s).await;
            done_tx.send(complete);
        }
    })
    .await;
    (url, done_rx)
}

/// Starts a streamed upload to a [`chunked_body_server`] and pushes part of
/// the body, leaving it open; returns the exchange, its body queue, the
/// client (which must outlive the exchange) and the server's report.
async fn start_partial_upload() -> (
    Arc<Exchange>,
    Arc<BodyQueue>,
    Client,
    tokio::sync::oneshot::Receiver<bool>,
) {
    let (url, done_rx) = chunked_body_server().await;
    let client = Client::new(ClientOptions::default()).unwrap();
    let queue = Arc::new(BodyQueue::new(1024));
    let ex = start(&client, upload_spec(&url, &queue));
    queue.push(bytes::Bytes::from_static(b"partial"));
    // Let the first chunk reach the server before the test ends the body.
    tokio::time::sleep(Duration::from_millis(50)).await;
    (ex, queue, client, done_rx)
}

async fn assert_body_not_ended(done_rx: tokio::sync::oneshot::Receiver<bool>) {
    let complete = tokio::time::timeout(Duration::from_secs(5), done_rx)
        .await
        .unwrap()
        .unwrap();
    assert!(!complete, "the server saw a terminating chunk");
}

fn upload_spec(url: &str, queue: &Arc<BodyQueue>) -> RequestSpec {
    let mut spec = get(url);
    spec.method = http::Method::POST;
    spec.body = Some(RequestBody::stream(queue.clone()));
    spec
}

#[tokio::test]
async fn a_streamed_body_is_sent_chunked_as_it_is_pushed() {
    let (first_tx, first_rx) = first_report::<Vec<u8>>();
    let url = serve(move |mut s| {
        let first_tx = first_tx.clone();
        async move {
            let head = read_head(&mut s).await;
            assert!(head
                .to_ascii_lowercase()
                .contains("transfer-encoding: chunked"));
            let mut buf = [0u8; 64];
            let n = s.read(&mut buf).await.unwrap();
            first_tx.send(buf[..n].to_vec());
            let (rest, complete) = read_chunked(&mut s).await;
            assert!(complete);
            assert!(String::from_utf8_lossy(&rest).contains("second"));
            s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                .await
                .unwrap();
        }
    })
    .await;
    let client = Client::new(ClientOptions::default()).unwrap();
    let queue = Arc::new(BodyQueue::new(1024));
    let ex = start(&client, upload_spec(&url, &queue));
    assert!(queue.push(bytes::Bytes::from_static(b"first")));
    // The server sees the first chunk while the body is still open.
    let first = tokio::time::timeout(Duration::from_secs(5), first_rx)
        .await
        .unwrap()
        .unwrap();
    assert!(String::from_utf8_lossy(&first).contains("first"));
    assert!(queue.push(bytes::Bytes::from_static(b"second")));
    queue.finish(Ok(()));
    assert_eq!(ex.head().await.unwrap().status, 200);
}

#[tokio::test]
async fn a_failed_producer_never_ends_the_body_cleanly() {
    let (ex, queue, _client, done_rx) = start_partial_upload().await;
    queue.finish(Err(ferrofetch_core::Error::upload_failed("source broke")));
    let err = ex.head().await.unwrap_err();
    assert_eq!(err.code(), codes::UPLOAD_FAILED);
    assert_body_not_ended(done_rx).await;
}

#[tokio::test]
async fn an_early_answer_releases_the_producer() {
    let url = serve(|mut s| async move {
        read_head(&mut s).await;
        let _ = s
            .write_all(b"HTTP/1.1 413 Too Large\r\nconnection: close\r\ncontent-length: 0\r\n\r\n")
            .await;
        // Close without reading the body.
    })
    .await;
    let client = Client::new(ClientOptions::default()).unwrap();
    let queue = Arc::new(BodyQueue::new(64 * 1024));
    let ex = start(&client, upload_spec(&url, &queue));
    let producer = tokio::spawn({
        let queue = queue.clone();
        async move {
            // Bounded: stops when the queue refuses data.
            for _ in 0..100_000 {
                if !queue.push(bytes::Bytes::from(vec![0u8; 16 * 1024])) {
                    return true;
                }
                if !queue.wait_for_space().await {
                    return true;
                }
            }
            false
        }
    });
    let outcome = ex.head().await;
    assert!(matches!(&outcome, Ok(h) if h.status == 413) || outcome.is_err());
    let stopped = tokio::time::timeout(Duration::from_secs(5), producer)
        .await
        .expect("the producer was released")
        .unwrap();
    assert!(stopped);
}

#[tokio::test]
async fn aborting_mid_upload_never_ends_the_body_cleanly() {
    let (ex, queue, _client, done_rx) = start_partial_upload().await;
    ex.abort();
    assert!(ex.head().await.unwrap_err().is_aborted());
    assert!(!queue.push(bytes::Bytes::from_static(b"more")));
    assert_body_not_ended(done_rx).await;
}

/// reqwest sets TCP_USER_TIMEOUT to 30 s unless told otherwise, and Linux
/// counts a zero window against it: a live server that reads nothing for
/// half a minute (backpressure) would have its upload cut. Node's fetch
/// waits, and so must we; dead peers are still found by keepalive.
#[tokio::test]
async fn an_upload_outlasts_a_server_that_stops_reading_for_35_seconds() {
    let url = serve(|mut s| async move {
        read_head(&mut s).await;
        tokio::time::sleep(Duration::from_secs(35)).await;
        let (raw, complete) = read_chunked(&mut s).await;
        let reply = format!("{complete} {}", raw.len());
        let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", reply.len());
        s.write_all(format!("{head}{reply}").as_bytes())
            .await
            .unwrap();
    })
    .await;
    let client = Client::new(ClientOptions::default()).unwrap();
    let queue = Arc::new(BodyQueue::new(512 * 1024));
    let ex = start(&client, upload_spec(&url, &queue));
    // Far more than the socket buffers hold, so the window closes.
    const CHUNKS: usize = 256;
    let producer = tokio::spawn({
        let queue = queue.clone();
        async move {
            let chunk = bytes::Bytes::from(vec![b'u'; 64 * 1024]);
            for _ in 0..CHUNKS {
                if !queue.push(chunk.clone()) {
                    return false;
                }
                if !queue.has_space() && !queue.wait_for_space().await {
                    return false;
                }
            }
            queue.finish(Ok(()));
            true
        }
    });
    let head = tokio::time::timeout(Duration::from_secs(50), ex.head())
        .await
        .expect("no answer within 50 s")
        .expect("the upload failed");
    assert_eq!(head.status, 200);
    assert!(producer.await.unwrap(), "the body stopped taking data");
    let reply = String::from_utf8(read_to_end(&ex).await.unwrap()).unwrap();
    let (complete, raw_len) = reply.split_once(' ').unwrap();
    assert_eq!(complete, "true");
    assert!(raw_len.parse::<usize>().unwrap() > CHUNKS * 64 * 1024);
}
