//! `NativeExchange`: one request in flight, as a JS class. The body is read
//! with synchronous calls; only the ready-queue waits (`watchReadable`,
//! `watchHead`, see `ready_queue`) complete later (DESIGN §3).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use ferrofetch_core::{EventClock, Exchange, Read, StreamBody};
use napi::bindgen_prelude::{Either, ObjectFinalize, Result, Status, Uint8ArraySlice};
use napi::{Env, JsString};
use napi_derive::napi;

use crate::convert::{HeadForJs, NativeError, NativeHead};
use crate::observe::NativeObserved;
use crate::ready_queue::ReadyQueue;
use crate::sse::EVENT_BYTES_PER_CALL;
use crate::upload::NativeUpload;

/// `readInto` results other than a byte count.
const NOTHING_YET: i32 = 0;
const END: i32 = -1;
const FAILED: i32 = -2;

/// Native memory a request in flight may hold beyond what V8 sees: the
/// body's initial read-ahead plus connection buffers. Reported to V8 so that
/// responses dropped unread are collected (and their connections closed)
/// as promptly as JS objects of that size would be. Given back as soon as
/// the body is over (read to its end, failed, cancelled or aborted), when
/// nothing is held any more: else every small request read whole would
/// still count 96 KiB until collected, and V8 ran a full mark-compact about
/// every 700 of them for memory that was long freed (small-c64 profile).
pub const EXTERNAL_COST: i64 = 96 * 1024;

/// A request in flight.
#[napi(custom_finalize)]
pub struct NativeExchange {
    inner: Arc<Exchange>,
    /// The streamed request body, when the request has one.
    upload: Option<Arc<StreamBody>>,
    /// `startEvents` ran: the body queue holds parsed event batches.
    events: AtomicBool,
    /// The response head once `watchHead`'s wait completed, until
    /// `takeHead` takes it.
    head: Arc<Mutex<Option<HeadForJs>>>,
    /// `EXTERNAL_COST` is still reported to V8 for this exchange (see
    /// `release_external`).
    external: AtomicBool,
}

impl NativeExchange {
    pub fn new(inner: Arc<Exchange>, upload: Option<Arc<StreamBody>>) -> Self {
        NativeExchange {
            inner,
            upload,
            events: AtomicBool::new(false),
            head: Arc::new(Mutex::new(None)),
            external: AtomicBool::new(true),
        }
    }

    /// Gives `EXTERNAL_COST` back to V8 once, when the body is over.
    fn release_external(&self, env: &Env) {
        if self.external.swap(false, Ordering::Relaxed) {
            // Only fails for a bad env, and then nothing can be done.
            let _ = env.adjust_external_memory(-EXTERNAL_COST);
        }
    }

    fn upload(&self) -> Result<&StreamBody> {
        self.upload.as_deref().ok_or_else(|| {
            napi::Error::new(Status::InvalidArg, "this request has no streamed body")
        })
    }
}

impl ObjectFinalize for NativeExchange {
    fn finalize(self, env: Env) -> Result<()> {
        self.release_external(&env);
        Ok(())
    }
}

#[napi]
impl NativeExchange {
    /// Completes the wait `token` on ready-queue `queue` (see `ready_queue`) once the
    /// final response head, or the failure before it, is known; `takeHead`
    /// then returns it.
    #[napi]
    pub fn watch_head(&self, queue: u32, token: u32) -> Result<()> {
        let queue = ReadyQueue::get(queue)?;
        let slot = Arc::clone(&self.head);
        // Runs on the request task's thread as the head comes in: no task
        // of its own, so no extra spawn or scheduler wake-up per request.
        // Runs there too: the head's string is built off the JS thread.
        self.inner.when_head(Box::new(move |head| {
            let head = HeadForJs::new(head);
            *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(head);
            queue.push(token, 1);
        }));
        Ok(())
    }

    /// The head `watchHead` waited for: a plain head as one string (see
    /// `HeadForJs`), else the object, or `{ error }`: failures come as data
    /// so JS builds the right class itself. Null before the wait completed
    /// and after the first call.
    #[napi]
    pub fn take_head<'env>(
        &self,
        env: &'env Env,
    ) -> Result<Option<Either<JsString<'env>, NativeHead>>> {
        let head = self.head.lock().unwrap_or_else(|p| p.into_inner()).take();
        Ok(match head {
            None => None,
            Some(HeadForJs::Text(text)) => {
                Some(Either::A(crate::sse::batch_string(env, text.as_bytes())?))
            }
            Some(HeadForJs::Object(head)) => Some(Either::B(*head)),
        })
    }

    /// For a request started with `observe`: resolves true once its body
    /// was sent whole, false once it can no longer be (the request ended
    /// first); null when the request is not observed.
    #[napi]
    pub async fn body_sent(&self) -> Option<bool> {
        self.inner.body_sent().await
    }

    /// For a request started with `observe`: whether its body was sent
    /// whole by now (no wait); null when the request is not observed.
    #[napi]
    pub fn body_sent_now(&self) -> Option<bool> {
        self.inner.body_sent_now()
    }

    /// For a request started with `observe`: resolves with what it reports
    /// next, in order (a redirect it is about to follow, which waits for
    /// `releaseHop`, or a connection attempt), or null once it is sent.
    #[napi]
    pub async fn next_observed(&self) -> Option<NativeObserved> {
        self.inner.next_observed().await.map(NativeObserved::from)
    }

    /// For a request started with `observe`: lets its next hop (the first
    /// one too) be sent, with `added` (flat, validated by JS) after its
    /// own headers.
    #[napi]
    pub fn release_hop(&self, added: Vec<String>) -> Result<()> {
        let added = crate::convert::headers(added)?;
        self.inner.release_hop(added);
        Ok(())
    }

    /// Bytes readable now without waiting.
    #[napi]
    pub fn available(&self) -> u32 {
        u32::try_from(self.inner.body().available()).unwrap_or(u32::MAX)
    }

    /// Copies buffered body bytes into `view`. Returns the count (> 0),
    /// 0 when nothing is buffered yet, -1 at the end, -2 on failure (then
    /// `bodyError()` says why).
    #[napi]
    pub fn read_into(&self, env: Env, mut view: Uint8ArraySlice) -> i32 {
        // SAFETY: this is a synchronous call on the JS thread, so no JS code
        // runs (and touches the view) until it returns, and the slice does
        // not outlive the call.
        let buf = unsafe { view.as_mut() };
        match self.inner.read_into(buf) {
            Read::Bytes(n) => i32::try_from(n).unwrap_or(i32::MAX),
            Read::Pending => NOTHING_YET,
            Read::End => {
                self.release_external(&env);
                END
            }
            Read::Failed(_) => {
                self.release_external(&env);
                FAILED
            }
        }
    }

    /// The whole body UTF-8-decoded (Encoding §4.1 "UTF-8 decode": one
    /// leading BOM dropped, each invalid sequence one U+FFFD, as
    /// `TextDecoder` does), when it already ended cleanly; null otherwise,
    /// and nothing is taken (JS then reads it as usual). `text()` of a
    /// small response: one crossing, and no ArrayBuffer made only to be
    /// decoded.
    #[napi]
    pub fn take_text<'env>(&self, env: &'env Env) -> Result<Option<JsString<'env>>> {
        let mut bytes = Vec::new();
        if !self.inner.take_whole_body(&mut bytes) {
            return Ok(None);
        }
        self.release_external(env);
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        if bytes.is_ascii() {
            return env.create_string_latin1(bytes).map(Some);
        }
        // Rust replaces "maximal subparts" of invalid sequences, the
        // practice the Encoding Standard's decoder follows too.
        env.create_string(String::from_utf8_lossy(bytes)).map(Some)
    }

    /// Completes the wait `token` on ready-queue `queue` when `readInto` (or
    /// `readEvents`) would not return nothing. Pushed from the thread that
    /// delivers the data (see `BodyQueue::when_readable`), not from a task
    /// the runtime polls later.
    #[napi]
    pub fn watch_readable(&self, queue: u32, token: u32) -> Result<()> {
        let queue = ReadyQueue::get(queue)?;
        self.inner.body().when_readable(queue.waker(token));
        Ok(())
    }

    /// Why the body failed, after `readInto` returned -2.
    #[napi]
    pub fn body_error(&self) -> Option<NativeError> {
        match self.inner.read_into(&mut []) {
            Read::Failed(e) => Some((&e).into()),
            _ => None,
        }
    }

    /// The upload of attempt `attempt` of the streamed request body (0 is
    /// the first), or null when that attempt is no longer the one being
    /// sent.
    #[napi]
    pub fn upload_attempt(&self, attempt: u32) -> Result<Option<NativeUpload>> {
        Ok(self.upload()?.attempt(attempt).map(NativeUpload::new))
    }

    /// Resolves with the number of the attempt after `after` once the core
    /// starts one (it followed a redirect keeping a restartable body, which
    /// JS then sends again from its start), or null once no attempt will
    /// follow.
    #[napi]
    pub async fn next_upload_attempt(&self, after: u32) -> Result<Option<u32>> {
        Ok(self.upload()?.next_attempt(after).await)
    }

    /// Starts parsing the response body as Server-Sent Events (HTML 9.2).
    /// The parser runs where the body arrives, on the tokio thread (see
    /// `sse::EventTransform`), also over what was already buffered.
    ///
    /// With `eventTimeout` (ms), a watchdog task fails the body with
    /// `ERR_FF_EVENT_TIMEOUT` and drops the connection when no event came
    /// for that long; the parser ticks its clock (no JS timer per stream).
    #[napi]
    pub fn start_events(
        &self,
        max_size: Option<f64>,
        last_event_id: Option<String>,
        event_timeout: Option<f64>,
    ) {
        let limit = crate::convert::millis(event_timeout);
        let clock = limit.map(|_| EventClock::new());
        let transform =
            crate::sse::EventTransform::new(max_size, last_event_id.as_deref(), clock.clone());
        self.inner.body().set_transform(Box::new(transform));
        self.events.store(true, Ordering::Release);
        if let (Some(clock), Some(limit)) = (clock, limit) {
            napi::bindgen_prelude::spawn(self.inner.watch_events(clock, limit));
        }
    }

    /// Bytes of the streamed request body the connection has taken, for
    /// `onUploadProgress` (counted where hyper takes them, not where JS
    /// pushes them: a server that stops reading stops the count).
    #[napi]
    pub fn uploaded_bytes(&self) -> f64 {
        self.inner.uploaded() as f64
    }

    /// 1 once the connection took the whole streamed request body, -1 once
    /// it never will, 0 while it is being sent.
    #[napi]
    pub fn upload_state(&self) -> i32 {
        self.inner.upload_state()
    }

    /// The events parsed so far, as one string of text-batch items (see
    /// `ferrofetch_sse::batch`). An empty string means nothing more for
    /// now: with `queue` and `token` given, the wait `token` on that
    /// ready-queue is then already armed as an event wait: when it
    /// completes, `drainReady` hands over the stream's batch itself if JS
    /// marked the token wanted, and arms the next wait under the same
    /// token (see `ready_queue`); without them, call `watchReadable`. The body's
    /// end or failure is the last item (`z`, or `f`: then `bodyError()`
    /// says why), so JS never has to ask. A line or event over the size
    /// limit ends a batch with an `x` item, after the events parsed before
    /// it.
    #[napi]
    pub fn read_events<'env>(
        &self,
        env: &'env Env,
        queue: Option<u32>,
        token: Option<u32>,
    ) -> Result<JsString<'env>> {
        if !self.events.load(Ordering::Acquire) {
            return Err(napi::Error::new(
                Status::InvalidArg,
                "startEvents() was not called",
            ));
        }
        // Looked up first: a bad id fails before anything is taken.
        let wait = match (queue, token) {
            (Some(queue), Some(token)) => Some((ReadyQueue::get(queue)?, token)),
            _ => None,
        };
        crate::sse::with_event_scratch(|text| {
            crate::sse::take_event_text(self.inner.body(), text, EVENT_BYTES_PER_CALL);
            if text.is_empty() {
                if let Some((queue, token)) = wait {
                    // Fires at once if data came in since the take; the
                    // drain then takes the batch itself (ready_queue).
                    queue.arm_events(&self.inner, token);
                }
            }
            crate::sse::batch_string(env, text)
        })
    }

    /// Aborts the request and closes its connection.
    #[napi]
    pub fn abort(&self, env: Env) {
        self.inner.abort();
        self.release_external(&env);
    }

    /// The consumer cancelled the body: stop reading and close the
    /// connection.
    #[napi]
    pub fn cancel(&self, env: Env) {
        self.inner.cancel_body();
        self.release_external(&env);
    }
}
