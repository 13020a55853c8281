//! An observed request (`RequestSpec::observe`) against a real server on
//! 127.0.0.1: each hop waits for its observers' release, each redirect is
//! reported before it is followed, and the head tells whether the body
//! was sent whole.

use ferrofetch_core::{Client, ClientOptions, RequestBody, RequestSpec};
use http::{HeaderMap, HeaderValue};
use tokio::io::AsyncWriteExt;

mod common;
use common::{read_head, serve};

/// Redirects `/a` to `/b` (303), which answers with the `x-hop` it got.
async fn redirecting_server() -> String {
    serve(|mut s| async move {
        loop {
            let head = read_head(&mut s).await;
            if head.is_empty() {
                return;
            }
            let hop = head
                .lines()
                .find_map(|l| l.strip_prefix("x-hop: "))
                .unwrap_or("none")
                .to_string();
            let reply = if head.starts_with("POST /a ") {
                format!("HTTP/1.1 303 See Other\r\nlocation: /b\r\nx-got: {hop}\r\ncontent-length: 0\r\n\r\n")
            } else {
                format!("HTTP/1.1 200 OK\r\nx-got: {hop}\r\ncontent-length: 0\r\n\r\n")
            };
            // The POST's 7-byte body follows its head.
            if head.starts_with("POST ") {
                let mut body = [0u8; 7];
                tokio::io::AsyncReadExt::read_exact(&mut s, &mut body)
                    .await
                    .unwrap();
            }
            s.write_all(reply.as_bytes()).await.unwrap();
        }
    })
    .await
}

fn hop_header(value: &'static str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("x-hop", HeaderValue::from_static(value));
    headers
}

#[tokio::test]
async fn each_hop_waits_for_its_release_and_gets_only_its_headers() {
    let url = redirecting_server().await;
    let client = Client::new(ClientOptions::default()).unwrap();
    let mut spec = RequestSpec::get(format!("{url}/a").parse().unwrap());
    spec.method = http::Method::POST;
    spec.body = Some(RequestBody::Bytes(bytes::Bytes::from_static(b"payload")));
    spec.observe = true;
    let (exchange, task) = client.start(spec);
    tokio::spawn(task);
    exchange.release_hop(hop_header("first"));
    let hop = exchange.next_redirect().await.expect("the redirect");
    assert_eq!(hop.status, 303);
    // The release's headers went with the first hop.
    assert_eq!(hop.headers["x-got"], "first");
    assert!(hop.body_sent);
    assert_eq!(hop.method, http::Method::GET);
    assert_eq!(hop.url.as_str(), format!("{url}/b"));
    assert!(!hop.has_body);
    // The next hop lists what the core sends it with, not the first
    // hop's added header.
    assert!(hop.request_headers.contains_key("user-agent"));
    assert!(!hop.request_headers.contains_key("x-hop"));
    exchange.release_hop(hop_header("second"));
    assert!(exchange.next_redirect().await.is_none());
    let head = exchange.head().await.unwrap();
    assert_eq!(head.status, 200);
    // The second hop got its own header, not the first one's too.
    assert_eq!(head.headers["x-got"], "second");
    assert_eq!(head.body_sent, Some(false));
}

#[tokio::test]
async fn an_unobserved_request_neither_waits_nor_reports() {
    let url = redirecting_server().await;
    let client = Client::new(ClientOptions::default()).unwrap();
    let mut spec = RequestSpec::get(format!("{url}/a").parse().unwrap());
    spec.method = http::Method::POST;
    spec.body = Some(RequestBody::Bytes(bytes::Bytes::from_static(b"payload")));
    let (exchange, task) = client.start(spec);
    tokio::spawn(task);
    let head = exchange.head().await.unwrap();
    assert_eq!(head.status, 200);
    assert_eq!(head.body_sent, None);
    assert!(exchange.next_redirect().await.is_none());
    assert_eq!(exchange.body_sent().await, None);
}
