//! One request in flight: the task that sends it, follows redirects, and
//! pumps the response body into a [`BodyQueue`], and the handle the binding
//! uses to observe and cancel it.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use http::header::HeaderMap;
use http::Method;
use tokio::sync::oneshot;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::body::{BodyQueue, Read};
use crate::body_pump::{prefetch_body, pump_body, with_deadline};
use crate::client::Client;
use crate::decode;
use crate::error::{self, Error};
use crate::head_slot::{HeadCallback, HeadSender, HeadSlot};
use crate::observe::{self, Observation, Observed, Observer, SentHead};
use crate::redirect::RedirectMode;
use crate::referrer::ReferrerPolicy;
use crate::request_headers::{CacheMode, RequestMode};
use crate::send::send_following_redirects;
use crate::upload::{RequestBody, StreamBody};

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
    /// Record what observers of the request are told (see `observe`):
    /// only when someone subscribes, so that nobody else pays for it.
    pub observe: bool,
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
            observe: false,
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
    /// For an observed request: whether its body was sent whole before
    /// this head arrived (a server may answer before it has read it all).
    pub body_sent: Option<bool>,
    /// For an observed request: the head its last hop was sent with.
    pub sent: Option<SentHead>,
}

/// The binding's view of a request in flight.
pub struct Exchange {
    /// Where the task hands over the head (see [`Exchange::when_head`]).
    head: Arc<HeadSlot>,
    /// The response body, filled by the task.
    body: Arc<BodyQueue>,
    /// The streamed request body, when the request has one.
    upload: Option<Arc<StreamBody>>,
    /// Cancelled by [`Exchange::abort`] or when the handle is dropped.
    cancel: CancellationToken,
    /// What an observed request tells its observers (boxed: most requests
    /// have none, and an open stream should not carry its room).
    observation: Option<Box<Observation>>,
}

impl Exchange {
    /// Waits for the final response head (after redirects). Only the first
    /// call (of this or [`Exchange::when_head`]) gets it; later calls fail.
    pub async fn head(&self) -> Result<ResponseHead, Error> {
        let (tx, rx) = oneshot::channel();
        self.when_head(Box::new(move |result| {
            let _ = tx.send(result);
        }));
        // The slot always runs its waiter (HeadSender delivers an error
        // when the task dies): a closed channel cannot happen, but is no
        // reason to panic.
        rx.await
            .unwrap_or_else(|_| Err(error::internal("the request task ended unexpectedly")))
    }

    /// Runs `callback` with the final response head (or the failure before
    /// it) on the thread of the task that received it, with no task or
    /// wake-up of its own; at once when the head is already in. Only the
    /// first call (of this or [`Exchange::head`]) gets it; later ones get
    /// an invalid-argument error.
    pub fn when_head(&self, callback: HeadCallback) {
        self.head.when_head(callback);
    }

    /// For an observed request: waits until its body was sent whole (true),
    /// or can no longer be (false); `None` when the request is not observed.
    pub async fn body_sent(&self) -> Option<bool> {
        match &self.observation {
            Some(observation) => Some(observation.body_sent().await),
            None => None,
        }
    }

    /// For an observed request: whether its body was sent whole by now;
    /// `None` when the request is not observed.
    pub fn body_sent_now(&self) -> Option<bool> {
        self.observation.as_ref().map(|o| o.body_sent_now())
    }

    /// For an observed request: what it reports next, in order: a
    /// redirect it is about to follow (which waits until
    /// [`Exchange::release_hop`]) or a connection attempt; `None` once it is
    /// sent (everything it reported was taken before its head is), or when
    /// the request is not observed.
    pub async fn next_observed(&self) -> Option<Observed> {
        self.observation.as_ref()?.next().await
    }

    /// For an observed request: lets its next hop (the first one too) be
    /// sent, with `added` after its own headers. Every hop of an observed
    /// request waits for this.
    pub fn release_hop(&self, added: HeaderMap) {
        if let Some(observation) = &self.observation {
            observation.release(added);
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

    /// The whole body at once, when it already ended cleanly; see
    /// [`BodyQueue::take_whole`].
    pub fn take_whole_body(&self, out: &mut Vec<u8>) -> bool {
        self.body.take_whole(out)
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

    /// The watchdog of `eventTimeout` (see [`EventClock`]): the future,
    /// to be spawned, fails the body with `ERR_FF_EVENT_TIMEOUT` and drops
    /// the connection once `limit` passed without a tick of `clock`.
    ///
    /// [`EventClock`]: crate::EventClock
    pub fn watch_events(
        &self,
        clock: Arc<crate::EventClock>,
        limit: Duration,
    ) -> impl Future<Output = ()> + Send + 'static {
        crate::event_timeout::watch(clock, limit, self.body.clone(), self.cancel.clone())
    }

    /// Bytes of the streamed request body the connection has taken, in
    /// the attempt being sent (0 without a streamed body).
    pub fn uploaded(&self) -> u64 {
        self.upload.as_ref().map_or(0, |u| u.current().taken())
    }

    /// Where the streamed request body's attempt in force stands: 1 once
    /// the connection took all of it, -1 once it never will (failed,
    /// cancelled, or no streamed body), 0 while it is being sent.
    pub fn upload_state(&self) -> i32 {
        match &self.upload {
            None => -1,
            Some(upload) => {
                let queue = upload.current();
                if queue.drained() {
                    1
                } else if queue.abandoned() {
                    -1
                } else {
                    0
                }
            }
        }
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
    let head = HeadSlot::new();
    let head_tx = HeadSender::new(head.clone());
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
    let (observer, observation) = match spec.observe {
        true => {
            let (observer, observation) = observe::observe();
            (Some(observer), Some(Box::new(observation)))
        }
        false => (None, None),
    };
    let exchange = Arc::new(Exchange {
        head,
        body: body.clone(),
        upload: upload.clone(),
        cancel: cancel.clone(),
        observation,
    });
    let (timeout, read_timeout) = (spec.timeout, spec.read_timeout);
    let send = Box::new(SendPhase {
        client,
        spec,
        observer,
    });
    let task = run(send, timeout, read_timeout, head_tx, body, upload, cancel);
    (exchange, task)
}

/// What the sending phase owns. Boxed as `run`'s argument: an async fn
/// keeps room for every argument for as long as it runs, and the client,
/// the spec and the observer are of no use once the head is in (as
/// arguments, every open stream's task carried them). Measured by
/// examples/idle.rs: the task of an open response went from 2,080 to
/// 1,296 bytes (1,008 with body_pump's boxed timers).
struct SendPhase {
    client: Client,
    spec: RequestSpec,
    observer: Option<Observer>,
}

/// Sends the request, following redirects: its final response and head.
async fn send_phase(send: Box<SendPhase>) -> Result<(decode::Body, ResponseHead), Error> {
    // Out of its box at once, which is freed here (not when `run` ends).
    let SendPhase {
        client,
        spec,
        observer,
    } = *send;
    crate::test_hooks::maybe_panic(&spec.headers);
    send_following_redirects(&client, spec, observer).await
}

async fn run(
    send: Box<SendPhase>,
    timeout: Option<Duration>,
    read_timeout: Option<Duration>,
    head_tx: HeadSender,
    body: Arc<BodyQueue>,
    upload: Option<Arc<StreamBody>>,
    cancel: CancellationToken,
) {
    let guard = FinishOnDrop(body.clone());
    let deadline = timeout.map(|t| Instant::now() + t);
    let sent = tokio::select! {
        biased;
        _ = cancel.cancelled() => Err(error::aborted()),
        // Boxed (on the task's thread, when it first runs): sending is
        // the largest state of this task by far (~4 KiB of reqwest and
        // hyper futures), and is over once the head is in; unboxed, every
        // open stream would carry it until its body ends.
        r = with_deadline(deadline, Box::pin(send_phase(send))) => r,
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
            head_tx.send(Err(e));
            return;
        }
    };
    let mut response = response;
    let ended = prefetch_body(&mut response, &body).await;
    head_tx.send(Ok(head));
    // A dropped handle cancels: then nobody wants the body (pump_body
    // would stop at once too).
    if !ended && !cancel.is_cancelled() {
        pump_body(response, &body, &cancel, read_timeout, deadline).await;
    }
    drop(guard);
}
