//! One request in flight: the task that sends it, follows redirects, and
//! pumps the response body into a [`BodyQueue`], and the handle the binding
//! uses to observe and cancel it.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderMap, HeaderValue, RANGE};
use http::Method;
use tokio::sync::oneshot;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::body::{BodyQueue, Read};
use crate::client::Client;
use crate::decode;
use crate::error::{self, codes, Error, Phase};
use crate::origin_gate::{self, Turn};
use crate::redirect::{next_step, Hop, RedirectMode, Step};
use crate::referrer::{self, ReferrerPolicy};
use crate::request_headers::{AddedHeaders, CacheMode, RequestMode};
use crate::upload::{self, RequestBody, SettleOnDrop, StreamBody};

/// Everything needed to send a request, as owned Rust data.
#[derive(Debug, Clone)]
pub struct RequestSpec {
    /// The request method.
    pub method: Method,
    /// The request URL (http or https).
    pub url: Url,
    /// The request headers, in the order they are sent.
    pub headers: HeaderMap,
    /// The request body, if any.
    pub body: Option<RequestBody>,
    /// What to do with redirects.
    pub redirect: RedirectMode,
    /// Limit for the whole exchange, from start to the body's last byte.
    pub timeout: Option<Duration>,
    /// Limit for establishing a connection; `None` uses the client's.
    pub connect_timeout: Option<Duration>,
    /// Longest silence allowed between two body chunks.
    pub read_timeout: Option<Duration>,
    /// Decode compressed bodies; `None` uses the client's setting.
    pub decompress: Option<bool>,
    /// The referrer URL (`RequestInit.referrer`), or `None` for no referrer
    /// ("client" and "no-referrer" alike: Node has no client to take one from).
    pub referrer: Option<Url>,
    /// The referrer policy; `None` is the empty policy, which becomes
    /// Fetch's default.
    pub referrer_policy: Option<ReferrerPolicy>,
    /// The request's mode, sent as `Sec-Fetch-Mode`.
    pub mode: RequestMode,
    /// The request's cache mode, which decides the cache headers sent.
    pub cache: CacheMode,
}

impl RequestSpec {
    /// A GET of `url` with no headers, body or limits.
    pub fn get(url: Url) -> Self {
        RequestSpec {
            method: Method::GET,
            url,
            headers: HeaderMap::new(),
            body: None,
            redirect: RedirectMode::Follow,
            timeout: None,
            connect_timeout: None,
            read_timeout: None,
            decompress: None,
            referrer: None,
            referrer_policy: None,
            mode: RequestMode::Cors,
            cache: CacheMode::Default,
        }
    }
}

/// The status line and headers of the final response.
#[derive(Debug, Clone)]
pub struct ResponseHead {
    /// The status code.
    pub status: u16,
    /// The reason phrase as sent (HTTP/1) or the canonical one (HTTP/2).
    pub status_text: String,
    /// The headers in the order received (names lower-case).
    pub headers: HeaderMap,
    /// The URL of the final response, after redirects.
    pub url: String,
    /// True when at least one redirect was followed.
    pub redirected: bool,
}

/// The binding's view of a request in flight.
pub struct Exchange {
    /// Taken by the first call to [`Exchange::head`].
    head: Mutex<Option<oneshot::Receiver<Result<ResponseHead, Error>>>>,
    /// The response body, filled by the task.
    body: Arc<BodyQueue>,
    /// The streamed request body, when the request has one.
    upload: Option<Arc<StreamBody>>,
    /// Cancelled by [`Exchange::abort`] or when the handle is dropped.
    cancel: CancellationToken,
}

impl Exchange {
    /// Waits for the final response head (after redirects). Only the first
    /// call gets it; later calls fail.
    pub async fn head(&self) -> Result<ResponseHead, Error> {
        let rx = self
            .head
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .ok_or_else(|| error::invalid_arg("the response head was already taken"))?;
        match rx.await {
            Ok(result) => result,
            // The task ended without answering: it panicked.
            Err(_) => Err(error::internal("the request task ended unexpectedly")),
        }
    }

    /// The response body queue (see [`BodyQueue`]).
    pub fn body(&self) -> &BodyQueue {
        &self.body
    }

    /// Synchronous read from the body; see [`BodyQueue::read_into`].
    pub fn read_into(&self, buf: &mut [u8]) -> Read {
        self.body.read_into(buf)
    }

    /// Aborts the request: the task drops the connection, the head (if not
    /// yet delivered) and later body reads fail with `ERR_FF_ABORTED`.
    pub fn abort(&self) {
        // Fail a streamed request body first: hyper must see an error,
        // never a clean end, or it would send the terminating chunk and the
        // server would take a partial upload for a whole one.
        if let Some(upload) = &self.upload {
            upload.fail(error::aborted());
        }
        self.body.finish(Err(error::aborted()));
        self.body.cancel();
        self.cancel.cancel();
    }

    /// Stops reading the body (the consumer is gone): the connection is
    /// dropped, not drained.
    pub fn cancel_body(&self) {
        self.body.cancel();
        self.cancel.cancel();
    }
}

impl Drop for Exchange {
    fn drop(&mut self) {
        // Nobody can observe the request any more: stop it.
        self.cancel.cancel();
    }
}

/// Marks the body failed if the task is dropped or unwinds before it
/// finished it, so a consumer never waits forever on a dead task.
struct FinishOnDrop(Arc<BodyQueue>);

impl Drop for FinishOnDrop {
    fn drop(&mut self) {
        self.0
            .finish(Err(error::internal("the request task ended unexpectedly")));
    }
}

pub(crate) fn start(
    client: Client,
    spec: RequestSpec,
) -> (Arc<Exchange>, impl Future<Output = ()> + Send + 'static) {
    let (head_tx, head_rx) = oneshot::channel();
    let options = client.options();
    let body = Arc::new(BodyQueue::with_initial_mark(
        options.body_initial_read_ahead,
        options.body_high_water_mark,
    ));
    let cancel = CancellationToken::new();
    let upload = match &spec.body {
        Some(RequestBody::Stream(stream)) => Some(stream.clone()),
        _ => None,
    };
    let exchange = Arc::new(Exchange {
        head: Mutex::new(Some(head_rx)),
        body: body.clone(),
        upload: upload.clone(),
        cancel: cancel.clone(),
    });
    let task = run(client, spec, head_tx, body, upload, cancel);
    (exchange, task)
}

async fn run(
    client: Client,
    spec: RequestSpec,
    head_tx: oneshot::Sender<Result<ResponseHead, Error>>,
    body: Arc<BodyQueue>,
    upload: Option<Arc<StreamBody>>,
    cancel: CancellationToken,
) {
    let guard = FinishOnDrop(body.clone());
    crate::test_hooks::maybe_panic(&spec.headers);
    let deadline = spec.timeout.map(|t| Instant::now() + t);
    let read_timeout = spec.read_timeout;
    let sent = tokio::select! {
        biased;
        _ = cancel.cancelled() => Err(error::aborted()),
        // Boxed: sending is the largest state of this task by far (~4 KiB
        // of reqwest and hyper futures), and is over once the head is in;
        // unboxed, every open stream would carry it until its body ends.
        r = with_deadline(deadline, Box::pin(send_following_redirects(&client, spec))) => r,
    };
    let (response, head) = match sent {
        Ok(pair) => pair,
        Err(e) => {
            // A request that failed before hyper took its streamed body
            // (say, its client was closed) never will: tell the producer
            // to stop rather than let it wait for room forever.
            if let Some(stream) = upload {
                stream.fail(e.clone());
            }
            body.finish(Err(e.clone()));
            let _ = head_tx.send(Err(e));
            return;
        }
    };
    let mut response = response;
    let ended = prefetch_body(&mut response, &body).await;
    if head_tx.send(Ok(head)).is_err() {
        // The exchange handle is gone: nobody wants the body.
        return;
    }
    if !ended {
        pump_body(response, &body, &cancel, read_timeout, deadline).await;
    }
    drop(guard);
}

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
async fn prefetch_body(response: &mut decode::Body, body: &BodyQueue) -> bool {
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

async fn with_deadline<T>(
    deadline: Option<Instant>,
    fut: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    match deadline {
        None => fut.await,
        Some(at) => tokio::time::timeout_at(at, fut)
            .await
            .unwrap_or_else(|_| Err(error::timeout(codes::TIMEOUT, "the request timed out"))),
    }
}

/// Sends the request and follows redirects per the request's mode.
async fn send_following_redirects(
    client: &Client,
    spec: RequestSpec,
) -> Result<(decode::Body, ResponseHead), Error> {
    let http = client.http(spec.connect_timeout, false)?;
    let options = client.options();
    let max_redirects = options.max_redirects;
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
    let added = AddedHeaders {
        client_defaults: &options.default_headers,
        mode: spec.mode,
        cache: spec.cache,
        user_agent: &options.user_agent,
        accept_encoding,
    };
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
    loop {
        // Main fetch step 8 runs again for every redirect: the referrer is
        // determined against this hop's URL from what the last hop kept.
        referrer = referrer.and_then(|r| referrer::determine(&r, policy, &hop.url));
        let headers = added.for_hop(
            &hop.headers,
            referrer.as_ref(),
            &hop.method,
            hop.body.is_some(),
        );
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
            )?;
            attempts += 1;
            let response = if new_connection {
                send(request).await?
            } else {
                send_gated(client, &hop.url, request).await?
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
                // Dropping the unread body closes that connection rather
                // than draining an unbounded body; redirect bodies are tiny
                // and rare enough that pooling them is not worth the risk.
                drop(response);
            }
        }
    }
}

/// Attaches the body for attempt number `attempt` of the whole request
/// (redirects and 421 retries included): a streamed body's first attempt
/// sends the queue JS is filling; a later one (only a replayable body gets
/// one) starts its producer over.
fn with_body(
    request: reqwest::RequestBuilder,
    body: Option<&RequestBody>,
    attempt: u32,
) -> Result<reqwest::RequestBuilder, Error> {
    Ok(match body {
        None => request,
        Some(RequestBody::Bytes(bytes)) => request.body(bytes.clone()),
        Some(RequestBody::Stream(stream)) => {
            let queue = if attempt == 0 {
                stream.current()
            } else {
                stream
                    .restart()
                    .ok_or_else(|| error::internal("a streamed body could not start over"))?
            };
            request.body(upload::into_reqwest_body(queue))
        }
    })
}

/// Sends, letting the first request to an https origin go alone so that a
/// cold burst shares the HTTP/2 connection ALPN sets up (see origin_gate).
async fn send_gated(
    client: &Client,
    url: &Url,
    request: reqwest::RequestBuilder,
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
    let response = send(request).await?;
    if let Some(guard) = guard {
        guard.done();
    }
    Ok(response)
}

async fn send(request: reqwest::RequestBuilder) -> Result<reqwest::Response, Error> {
    request
        .send()
        .await
        .map_err(|e| error::from_reqwest(e, Phase::Head))
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

/// Reads the body into the queue until it ends, fails, times out, or the
/// consumer goes away. Returning drops the response, which closes the
/// connection if the body was not read to the end.
async fn pump_body(
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
        Some(limit) => match tokio::time::timeout(limit, chunk).await {
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
