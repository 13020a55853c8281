//! Sending a request: the hops of a redirect chain (Fetch §4.4), the
//! headers and referrer of each hop, and the retry of a 421 on a new
//! connection (§4.6 step 16), down to the response head.

use http::header::{HeaderMap, HeaderValue, RANGE};
use url::Url;

use crate::client::Client;
use crate::connect_observe::{self, ConnectReporter};
use crate::decode;
use crate::error::{self, Error, Phase};
use crate::exchange::{RequestSpec, ResponseHead};
use crate::observe::{BodySent, Observer, RedirectHop, SentHead};
use crate::origin_gate::{self, Turn};
use crate::redirect::{next_step, Hop, Step};
use crate::referrer::{self, ReferrerPolicy};
use crate::request_headers::AddedHeaders;
use crate::upload::{self, RequestBody, SettleOnDrop};

/// Sends the request and follows redirects per the request's mode.
///
/// With an `observer`, each hop waits for its observers' release, each
/// redirect is reported before it is followed, and bodies tell when they
/// were sent whole; it is dropped on return, so that only the bodies hyper
/// still sends keep its part (see `observe`).
pub(crate) async fn send_following_redirects(
    client: &Client,
    spec: RequestSpec,
    mut observer: Option<Observer>,
) -> Result<(decode::Body, ResponseHead), Error> {
    let http = client.http(spec.connect_timeout, false)?;
    let options = client.options();
    let max_redirects = options.max_redirects;
    let decompress = spec.decompress.unwrap_or(options.decompress);
    let added = added_headers(client, &spec);
    // Fetch §4.1 "main fetch" step 7: the empty policy becomes the default.
    let mut policy = spec.referrer_policy.unwrap_or_default();
    let mut referrer = spec.referrer;
    let mut hop = Hop {
        method: spec.method,
        url: spec.url,
        headers: spec.headers,
        body: spec.body,
    };
    // However sending ends, a restartable body's producer stops waiting
    // for another attempt.
    let _settle = SettleOnDrop(match &hop.body {
        Some(RequestBody::Stream(stream)) => Some(stream.clone()),
        _ => None,
    });
    let mut redirects = 0;
    let mut attempts = 0;
    // The redirect being followed, for observers.
    let mut redirect: Option<FollowedRedirect> = None;
    loop {
        // Main fetch step 8 runs again for every redirect: the referrer is
        // determined against this hop's URL from what the last hop kept.
        referrer = referrer.and_then(|r| referrer::determine(&r, policy, &hop.url));
        let has_bytes = hop.body.as_ref().is_some_and(RequestBody::has_bytes);
        let mut headers = added.for_hop(&hop.headers, referrer.as_ref(), &hop.method, has_bytes);
        if let Some(observer) = observer.as_mut() {
            if let Some(followed) = redirect.take() {
                observer.redirecting(RedirectHop {
                    status: followed.status,
                    status_text: followed.status_text,
                    headers: followed.headers,
                    body_sent: followed.body_sent,
                    method: hop.method.clone(),
                    url: hop.url.clone(),
                    request_headers: with_client_defaults(client, &headers),
                    has_body: has_bytes,
                    sent: followed.sent,
                });
            }
            for (name, value) in &observer.released().await? {
                headers.append(name.clone(), value.clone());
            }
            observer.body_sent.reset();
        }
        let can_replay = hop.body.as_ref().is_none_or(RequestBody::can_replay);
        let mut new_connection = false;
        let response = loop {
            let http = if new_connection {
                client.http(spec.connect_timeout, true)?
            } else {
                http.clone()
            };
            let request = with_body(
                http.request(hop.method.clone(), hop.url.clone())
                    .headers(headers.clone()),
                hop.body.as_ref(),
                attempts,
                observer.as_ref().map(|o| &o.body_sent),
            )?;
            attempts += 1;
            let reporter = observer.as_ref().map(Observer::connect_reporter);
            let response = if new_connection {
                send(request, reporter).await?
            } else {
                send_gated(client, &hop.url, request, reporter).await?
            };
            // §4.6 step 16: a 421 Misdirected Request is sent once more on
            // a new connection when the body is null or has a source.
            if response.status() == http::StatusCode::MISDIRECTED_REQUEST
                && !new_connection
                && can_replay
            {
                new_connection = true;
                // Unread, the answer's connection is closed, not pooled.
                drop(response);
                continue;
            }
            break response;
        };
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get(http::header::LOCATION)
            .map(|v| v.as_bytes().to_vec());
        // Before next_step rewrites `hop` into the next one.
        let sent = observer
            .as_ref()
            .map(|_| sent_head(client, &hop, &headers, &response));
        match next_step(
            &mut hop,
            spec.redirect,
            status,
            location.as_deref(),
            redirects,
            max_redirects,
            can_replay,
        )? {
            Step::Deliver => {
                let head = ResponseHead {
                    status,
                    status_text: status_text(&response),
                    headers: response.headers().clone(),
                    url: response.url().to_string(),
                    redirected: redirects > 0,
                    body_sent: observer.as_ref().map(|o| o.body_sent.is_sent()),
                    sent,
                };
                let codings = if decompress {
                    decode::Coding::of(response.headers())
                } else {
                    None
                };
                return Ok((decode::Body::new(response, codings), head));
            }
            Step::Follow => {
                redirects += 1;
                // §4.4 "HTTP-redirect fetch": "set request's referrer
                // policy on redirect" from the response's Referrer-Policy.
                if let Some(next) = ReferrerPolicy::from_response(response.headers()) {
                    policy = next;
                }
                if let (Some(observer), Some(sent)) = (&observer, sent) {
                    redirect = Some(FollowedRedirect {
                        status,
                        status_text: status_text(&response),
                        headers: response.headers().clone(),
                        body_sent: observer.body_sent.is_sent(),
                        sent,
                    });
                }
                // Dropping the unread body closes that connection rather
                // than draining an unbounded body; redirect bodies are tiny
                // and rare enough that pooling them is not worth the risk.
                drop(response);
            }
        }
    }
}

/// A redirect an observed request follows, as its next hop reports it.
struct FollowedRedirect {
    status: u16,
    status_text: String,
    headers: HeaderMap,
    /// Whether the hop's body was sent whole before the redirect came.
    body_sent: bool,
    sent: SentHead,
}

/// The head `hop` went on the wire with, given the `headers` the core gave
/// reqwest for it and the `response` it got (whose connection it went
/// over): the request line, those headers, the client's defaults reqwest
/// adds where they are absent, then what hyper adds at the end of an
/// HTTP/1.1 head, `host` and the body's framing.
fn sent_head(
    client: &Client,
    hop: &Hop<RequestBody>,
    headers: &HeaderMap,
    response: &reqwest::Response,
) -> SentHead {
    use std::fmt::Write;
    let http2 = response.version() == http::Version::HTTP_2;
    let mut text = String::new();
    let path = match hop.url.query() {
        Some(query) => format!("{}?{query}", hop.url.path()),
        None => hop.url.path().to_string(),
    };
    let version = if http2 { "HTTP/2" } else { "HTTP/1.1" };
    let _ = write!(text, "{} {path} {version}\r\n", hop.method);
    let listed = with_client_defaults(client, headers);
    for (name, value) in &listed {
        let _ = write!(
            text,
            "{name}: {}\r\n",
            String::from_utf8_lossy(value.as_bytes())
        );
    }
    if !http2 {
        if !listed.contains_key(http::header::HOST) {
            let host = hop.url.host_str().unwrap_or("");
            let _ = match hop.url.port() {
                Some(port) => write!(text, "host: {host}:{port}\r\n"),
                None => write!(text, "host: {host}\r\n"),
            };
        }
        let framed = listed.contains_key(http::header::CONTENT_LENGTH)
            || listed.contains_key(http::header::TRANSFER_ENCODING);
        match &hop.body {
            Some(RequestBody::Bytes(bytes)) if !framed && !bytes.is_empty() => {
                let _ = write!(text, "content-length: {}\r\n", bytes.len());
            }
            Some(RequestBody::Stream(_)) if !framed => {
                text.push_str("transfer-encoding: chunked\r\n")
            }
            _ => {}
        }
    }
    let info = response
        .extensions()
        .get::<hyper_util::client::legacy::connect::HttpInfo>();
    SentHead {
        text,
        remote: info.map(|i| i.remote_addr()),
        local: info.map(|i| i.local_addr()),
    }
}

/// The headers fetch adds to every hop of `spec` (see [`AddedHeaders`]).
fn added_headers<'a>(client: &'a Client, spec: &RequestSpec) -> AddedHeaders<'a> {
    let options = client.options();
    let decompress = spec.decompress.unwrap_or(options.decompress);
    // Fetch §4.6 "HTTP-network-or-cache fetch" step 8.18: a range request
    // asks for the bytes as stored; otherwise we offer what we decode.
    let accept_encoding = if spec.headers.contains_key(RANGE) {
        Some(HeaderValue::from_static("identity"))
    } else if decompress {
        Some(HeaderValue::from_static(decode::ACCEPT_ENCODING))
    } else {
        None
    };
    AddedHeaders {
        client_defaults: &options.default_headers,
        mode: spec.mode,
        cache: spec.cache,
        user_agent: &options.user_agent,
        accept_encoding,
    }
}

/// The headers the first hop of `spec` gets besides its own, in the order
/// they are added: fetch's (as [`send_following_redirects`] adds them, the
/// referrer included), then the client's defaults it does not set. For
/// observers, who see them in `request.headers` as in Node's fetch.
pub(crate) fn first_hop_additions(client: &Client, spec: &RequestSpec) -> HeaderMap {
    let policy = spec.referrer_policy.unwrap_or_default();
    let referrer = spec
        .referrer
        .as_ref()
        .and_then(|r| referrer::determine(r, policy, &spec.url));
    let has_bytes = spec.body.as_ref().is_some_and(RequestBody::has_bytes);
    let hop = added_headers(client, spec).for_hop(
        &spec.headers,
        referrer.as_ref(),
        &spec.method,
        has_bytes,
    );
    let mut additions = HeaderMap::new();
    for (name, value) in &with_client_defaults(client, &hop) {
        let own = spec.headers.get_all(name).iter().any(|v| v == value);
        if !own {
            additions.append(name.clone(), value.clone());
        }
    }
    additions
}

/// A hop's headers as observers list them: the core's, then the client's
/// defaults the hop does not set (reqwest adds those).
fn with_client_defaults(client: &Client, headers: &HeaderMap) -> HeaderMap {
    let mut listed = headers.clone();
    for (name, value) in &client.options().default_headers {
        if !headers.contains_key(name) {
            listed.append(name.clone(), value.clone());
        }
    }
    listed
}

/// Attaches the body for attempt number `attempt` of the whole request
/// (redirects and 421 retries included): a streamed body's first attempt
/// sends the queue JS is filling; a later one (only a replayable body gets
/// one) starts its producer over. With `body_sent`, the body reports when
/// it was sent whole.
fn with_body(
    request: reqwest::RequestBuilder,
    body: Option<&RequestBody>,
    attempt: u32,
    body_sent: Option<&BodySent>,
) -> Result<reqwest::RequestBuilder, Error> {
    let body = match body {
        None => return Ok(request),
        Some(RequestBody::Bytes(bytes)) => reqwest::Body::from(bytes.clone()),
        Some(RequestBody::Stream(stream)) => {
            let queue = if attempt == 0 {
                stream.current()
            } else {
                stream
                    .restart()
                    .ok_or_else(|| error::internal("a streamed body could not start over"))?
            };
            upload::into_reqwest_body(queue)
        }
    };
    Ok(request.body(match body_sent {
        None => body,
        Some(sent) => sent.track(body),
    }))
}

/// Sends, letting the first request to an https origin go alone so that a
/// cold burst shares the HTTP/2 connection ALPN sets up (see origin_gate).
async fn send_gated(
    client: &Client,
    url: &Url,
    request: reqwest::RequestBuilder,
    reporter: Option<ConnectReporter>,
) -> Result<reqwest::Response, Error> {
    let turn = match client.origin_gate() {
        Some(gate) if url.scheme() == "https" => gate.turn(&url.origin().ascii_serialization()),
        _ => Turn::Go,
    };
    let guard = match turn {
        Turn::Go => None,
        Turn::First(guard) => Some(guard),
        Turn::Wait(rx) => {
            origin_gate::wait(rx).await;
            None
        }
    };
    let response = send(request, reporter).await?;
    if let Some(guard) = guard {
        guard.done();
    }
    Ok(response)
}

/// Sends; with a `reporter` (an observed request), the connection attempts
/// made meanwhile are reported to it.
async fn send(
    request: reqwest::RequestBuilder,
    reporter: Option<ConnectReporter>,
) -> Result<reqwest::Response, Error> {
    let sent = match reporter {
        None => request.send().await,
        Some(reporter) => connect_observe::reporting(reporter, request.send()).await,
    };
    sent.map_err(|e| error::from_reqwest(e, Phase::Head))
}

fn status_text(response: &reqwest::Response) -> String {
    // hyper keeps the wire's reason phrase only when it differs from the
    // canonical one; otherwise the canonical one is what was sent.
    match response.extensions().get::<hyper::ext::ReasonPhrase>() {
        Some(reason) => String::from_utf8_lossy(reason.as_bytes()).into_owned(),
        None => response
            .status()
            .canonical_reason()
            .unwrap_or("")
            .to_string(),
    }
}
