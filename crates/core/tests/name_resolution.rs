//! Failures to resolve a host name, which no server can stage: `.invalid`
//! never resolves (RFC 6761 §6.4), so the lookup fails without any traffic
//! beyond the local resolver.

use ferrofetch_core::{codes, Client, ClientOptions, Kind, RequestSpec};

#[tokio::test]
async fn an_unresolvable_host_is_enotfound() {
    let client = Client::new(ClientOptions::default()).unwrap();
    let (exchange, task) = client.start(RequestSpec::get(
        "http://ferrofetch-test.invalid/".parse().unwrap(),
    ));
    tokio::spawn(task);
    let err = exchange.head().await.unwrap_err();
    assert_eq!(err.code(), codes::ENOTFOUND);
    assert_eq!(err.kind(), Kind::Network);
}
