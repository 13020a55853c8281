//! An observed request (`RequestSpec::observe`) against a real server on
//! 127.0.0.1: each hop waits for its observers' release, each redirect is
//! reported before it is followed, connection attempts are reported in
//! order with them, and the head tells whether the body was sent whole and
//! how its head went on the wire.

use std::sync::Arc;

use ferrofetch_core::{
    codes, Client, ClientOptions, ConnectEvent, Exchange, Observed, RedirectHop, RequestBody,
    RequestSpec,
};
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

/// The next redirect the exchange reports, after the connection events
/// before it (returned too); `None` once the request is sent.
async fn next_redirect(exchange: &Arc<Exchange>) -> (Vec<ConnectEvent>, Option<RedirectHop>) {
    let mut connects = Vec::new();
    // Bounded: a hop makes a connection or two.
    for _ in 0..16 {
        match exchange.next_observed().await {
            Some(Observed::Connect(event)) => connects.push(event),
            Some(Observed::Redirect(hop)) => return (connects, Some(*hop)),
            None => return (connects, None),
        }
    }
    panic!("too many connection events");
}

/// Starts `spec` observed, releases its first hop with `added`, and returns
/// its exchange.
fn start_observed(client: &Client, mut spec: RequestSpec, added: HeaderMap) -> Arc<Exchange> {
    spec.observe = true;
    let (exchange, task) = client.start(spec);
    tokio::spawn(task);
    exchange.release_hop(added);
    exchange
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
    let exchange = start_observed(&client, spec, hop_header("first"));
    let (connects, hop) = next_redirect(&exchange).await;
    let hop = hop.expect("the redirect");
    // The first hop made the connection; the second reuses it.
    assert!(matches!(
        connects.as_slice(),
        [ConnectEvent::Connecting, ConnectEvent::Connected { .. }]
    ));
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
    let (connects, hop) = next_redirect(&exchange).await;
    assert!(connects.is_empty() && hop.is_none());
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
    assert!(head.sent.is_none());
    assert!(exchange.next_observed().await.is_none());
    assert_eq!(exchange.body_sent().await, None);
}

#[tokio::test]
async fn a_new_connection_reports_its_addresses_and_a_pooled_one_nothing() {
    let url = serve(|mut s| async move {
        loop {
            if read_head(&mut s).await.is_empty() {
                return;
            }
            let reply = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
            s.write_all(reply).await.unwrap();
        }
    })
    .await;
    let client = Client::new(ClientOptions::default()).unwrap();
    let mut local_ports = Vec::new();
    for round in 0..2 {
        let spec = RequestSpec::get(url.parse().unwrap());
        let exchange = start_observed(&client, spec, HeaderMap::new());
        let (connects, hop) = next_redirect(&exchange).await;
        assert!(hop.is_none());
        let head = exchange.head().await.unwrap();
        let sent = head.sent.expect("an observed head tells how it was sent");
        let local = sent.local.expect("the local address").port();
        local_ports.push(local);
        if round == 0 {
            let [ConnectEvent::Connecting, ConnectEvent::Connected {
                remote,
                local: connected_local,
                http2,
            }] = connects.as_slice()
            else {
                panic!("expected connecting, connected: {connects:?}");
            };
            assert_eq!(
                remote.map(|a| a.to_string()),
                url.strip_prefix("http://").map(String::from)
            );
            assert_eq!(connected_local.map(|a| a.port()), Some(local));
            assert!(!http2);
        } else {
            assert!(connects.is_empty(), "a pooled connection connects nothing");
        }
        // Drained to its end, so that the connection goes back to the pool.
        drop(exchange);
    }
    assert_eq!(local_ports[0], local_ports[1]);
}

#[tokio::test]
async fn a_refused_connection_reports_connecting_then_its_failure() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::new(ClientOptions::default()).unwrap();
    let spec = RequestSpec::get(format!("http://{addr}/").parse().unwrap());
    let exchange = start_observed(&client, spec, HeaderMap::new());
    let (connects, hop) = next_redirect(&exchange).await;
    assert!(hop.is_none());
    let [ConnectEvent::Connecting, ConnectEvent::Failed(e)] = connects.as_slice() else {
        panic!("expected connecting, failed: {connects:?}");
    };
    assert_eq!(e.code(), codes::ECONNREFUSED);
    assert_eq!(
        exchange.head().await.unwrap_err().code(),
        codes::ECONNREFUSED
    );
}

#[tokio::test]
async fn the_sent_head_is_the_head_the_server_read() {
    let (heads_tx, mut heads_rx) = tokio::sync::mpsc::unbounded_channel();
    let url = serve(move |mut s| {
        let heads = heads_tx.clone();
        async move {
            let head = read_head(&mut s).await;
            let mut body = [0u8; 7];
            tokio::io::AsyncReadExt::read_exact(&mut s, &mut body)
                .await
                .unwrap();
            heads.send(head).unwrap();
            let reply = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
            s.write_all(reply).await.unwrap();
        }
    })
    .await;
    let client = Client::new(ClientOptions::default()).unwrap();
    let mut spec = RequestSpec::get(format!("{url}/p?q=1").parse().unwrap());
    spec.method = http::Method::POST;
    spec.headers = hop_header("mine");
    spec.body = Some(RequestBody::Bytes(bytes::Bytes::from_static(b"payload")));
    let exchange = start_observed(&client, spec, hop_header("added"));
    let head = exchange.head().await.unwrap();
    let read = heads_rx.recv().await.unwrap();
    let sent = head.sent.unwrap().text;
    // The server's head ends with the blank line; the reported one does not.
    assert_eq!(format!("{sent}\r\n"), read);
    assert!(sent.starts_with("POST /p?q=1 HTTP/1.1\r\nx-hop: mine\r\nx-hop: added\r\n"));
}
