//! One crossing for many (DESIGN §3): the completions of every exchange of
//! a JS thread (a response head, a body or event batch that became
//! readable, upload credit) go through one ready-queue, and one wake-up of
//! that thread drains it all (lib/ready.js).
//!
//! A wait is a token that JS picked. The thread that completes it (usually
//! the tokio worker) appends `[token, value]` to the queue; only a push that
//! finds the queue empty calls the threadsafe function, so however many
//! exchanges complete before the JS thread runs, it wakes once and settles
//! them all in that turn. A napi promise per wait, as before, cost a
//! threadsafe function (a libuv handle created, woken and closed) per wait.
//!
//! The queue holds at most one entry per registered wait, and each waiter
//! (a body reader, an events iterator, an upload pump, a pending head) has
//! at most one wait registered at a time, so it is bounded by the number of
//! waiters; the per-exchange body queues keep their own bounds.
//!
//! The threadsafe function is weak: it keeps the process alive only while
//! JS holds it (`holdReady(true)`), which lib/ready.js does while at least
//! one wait a user's promise depends on is pending. A background watch (a
//! body stream arming a wait so a mid-body failure errors it at once) does
//! not keep the process alive (DESIGN §3).
//!
//! Event streams carry their payload through the drain: a wait armed by
//! `readEvents` is an event wait, and when it completes while JS marked its
//! token wanted (a consumer awaits that stream's next event), `drainReady`
//! takes the stream's batch itself, hands the batches of every such stream
//! over in one string, and arms the stream's next wait under the same
//! token. A wake then costs one crossing for all streams, where it cost one
//! or two per stream. A stream whose consumer is not waiting is not read:
//! its wait just completes, its batches stay in its own bounded queue
//! (backpressure), and its next read arms a wait again.

use std::cell::RefCell;
use std::sync::{Arc, Mutex, Weak};

use ferrofetch_core::Exchange;
use napi::bindgen_prelude::{Function, Result, Status, Uint32ArraySlice, Uint8ArraySlice};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, JsString};

use crate::sse::{take_event_text, utf16_len, with_event_scratch, EVENT_BYTES_PER_CALL};
use napi_derive::napi;

/// Wakes the JS thread's drain loop; called with no arguments. Weak (it does
/// not keep the event loop alive) until JS holds it.
type Wake = ThreadsafeFunction<(), (), (), Status, false, true>;

/// The queue of one JS thread.
pub struct ReadyQueue {
    /// `[token, value]` pairs in completion order.
    entries: Mutex<Vec<u32>>,
    /// The exchanges of the event waits armed, by token (see the module
    /// notes); touched on the JS thread only, so never contended. Weak: a
    /// pending wait does not keep an exchange JS dropped.
    event_waits: Mutex<Vec<Option<Weak<Exchange>>>>,
    /// Runs lib/ready.js's drain on the JS thread.
    wake: Wake,
}

thread_local! {
    /// The queues of the JS thread this runs on (the main thread or a
    /// worker's), by id: one per loaded copy of lib/ready.js, since each
    /// copy keeps its own table of tokens.
    static QUEUES: RefCell<Vec<Arc<ReadyQueue>>> = const { RefCell::new(Vec::new()) };
}

impl ReadyQueue {
    /// The calling JS thread's queue `id` (from `installReadyQueue`).
    pub fn get(id: u32) -> Result<Arc<ReadyQueue>> {
        QUEUES
            .with_borrow(|queues| queues.get(id as usize).cloned())
            .ok_or_else(|| napi::Error::new(Status::InvalidArg, "no such ready-queue"))
    }

    /// Completes the wait `token` with `value`, from any thread.
    pub fn push(&self, token: u32, value: u32) {
        let was_empty = {
            // A panic cannot leave a half-pushed pair: extend is the only
            // mutation.
            let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
            let was_empty = entries.is_empty();
            entries.extend([token, value]);
            was_empty
        };
        // Only the push that made the queue non-empty wakes: a drain that
        // has not run yet takes the later entries too. After the JS thread
        // is gone (a terminated worker) this fails quietly; nobody waits.
        if was_empty {
            self.wake.call((), ThreadsafeFunctionCallMode::NonBlocking);
        }
    }

    /// A callback for the core's waiters (`BodyQueue::when_readable` and
    /// `when_space`): completes `token` with 1 when what it waits for
    /// happened, 0 when it never will.
    pub fn waker(self: Arc<Self>, token: u32) -> Box<dyn FnOnce(bool) + Send> {
        Box::new(move |open| self.push(token, u32::from(open)))
    }

    /// Arms the event wait `token` on `exchange` (after `startEvents`): it
    /// completes as `BodyQueue::when_readable` does, and the drain may then
    /// take the batch itself. Call on the JS thread.
    pub fn arm_events(self: &Arc<Self>, exchange: &Arc<Exchange>, token: u32) {
        {
            let mut waits = self.event_waits.lock().unwrap_or_else(|p| p.into_inner());
            let at = token as usize;
            if waits.len() <= at {
                waits.resize(at + 1, None);
            }
            waits[at] = Some(Arc::downgrade(exchange));
        }
        // Registered first: this may complete at once (a push, drained later).
        exchange.body().when_readable(Arc::clone(self).waker(token));
    }

    /// The exchange of event wait `token`, which has completed: taken, so
    /// that a reused token never finds it.
    fn take_event_wait(&self, token: u32) -> Option<Weak<Exchange>> {
        let mut waits = self.event_waits.lock().unwrap_or_else(|p| p.into_inner());
        waits.get_mut(token as usize).and_then(Option::take)
    }
}

/// `drainReady` states beyond 0 and 1 (a wait's own value): the event
/// wait's batch text follows, and the next wait is armed under the same
/// token, or (the batch ended the stream) is not.
const DELIVERED_REARMED: u32 = 2;
const DELIVERED: u32 = 3;

/// Batch text handed over per `drainReady` call at most; the rest waits for
/// the next round of the same drain.
const DRAIN_TEXT_BYTES: usize = 1024 * 1024;

/// Installs a ready-queue on this JS thread and returns its id; `drain`
/// is called (with no arguments) after completions arrive and should call
/// `drainReady(id, ...)`.
#[napi]
pub fn install_ready_queue(drain: Function<(), ()>) -> Result<u32> {
    let wake: Wake = drain
        .build_threadsafe_function()
        .callee_handled::<false>()
        .weak::<true>()
        .build()?;
    let queue = Arc::new(ReadyQueue {
        entries: Mutex::new(Vec::new()),
        event_waits: Mutex::new(Vec::new()),
        wake,
    });
    Ok(QUEUES.with_borrow_mut(|queues| {
        queues.push(queue);
        (queues.len() - 1) as u32
    }))
}

/// Moves completed waits into `out`, oldest first, and returns the batch
/// text of the event waits among them. `out[0]` is how many numbers follow
/// `out[1]`, which is 1 when the queue may hold more (call again) and 0
/// when it is empty; from `out[2]`, a triple per wait: token, state (0 or 1:
/// the wait's value; 2 or 3: an event wait's batch was taken, see
/// DELIVERED_REARMED) and the length of that batch in the returned string
/// (UTF-16 units, the batches in the order of their triples). An event
/// wait's batch is taken only when `wanting[token]` is not 0.
#[napi]
pub fn drain_ready<'env>(
    env: &'env Env,
    queue: u32,
    mut out: Uint32ArraySlice,
    wanting: Uint8ArraySlice,
) -> Result<JsString<'env>> {
    let queue = ReadyQueue::get(queue)?;
    // SAFETY: a synchronous call on the JS thread: no JS runs (and touches
    // the views) until it returns, and the slices do not outlive the call.
    let out = unsafe { out.as_mut() };
    let wanting: &[u8] = wanting.as_ref();
    if out.len() < 5 {
        return Err(napi::Error::new(
            Status::InvalidArg,
            "drainReady: out is too short",
        ));
    }
    let room = (out.len() - 2) / 3;
    // Taken out first: arming a next wait may push to the queue at once.
    let taken: Vec<u32> = {
        let mut entries = queue.entries.lock().unwrap_or_else(|p| p.into_inner());
        let n = (entries.len() / 2).min(room) * 2;
        entries.drain(..n).collect()
    };
    let mut more = taken.len() == room * 2;
    let mut written = 0;
    with_event_scratch(|text| {
        for (at, pair) in taken.chunks_exact(2).enumerate() {
            let (token, value) = (pair[0], pair[1]);
            let wanted = wanting.get(token as usize).is_some_and(|&w| w != 0);
            if wanted && text.len() >= DRAIN_TEXT_BYTES {
                // Over the budget: this wait and the ones after it go back
                // to the front, in order, for the next round.
                let mut entries = queue.entries.lock().unwrap_or_else(|p| p.into_inner());
                entries.splice(0..0, taken[at * 2..].iter().copied());
                more = true;
                break;
            }
            let exchange = queue
                .take_event_wait(token)
                .filter(|_| wanted)
                .and_then(|w| w.upgrade());
            let (state, units) = match exchange {
                Some(exchange) => {
                    let start = text.len();
                    let ended =
                        take_event_text(exchange.body(), text, start + EVENT_BYTES_PER_CALL);
                    // A wait that completed with 0 will never see data:
                    // JS reads again rather than wait on it.
                    let state = if ended || value == 0 {
                        DELIVERED
                    } else {
                        queue.arm_events(&exchange, token);
                        DELIVERED_REARMED
                    };
                    (state, utf16_len(&text[start..]) as u32)
                }
                None => (value, 0),
            };
            out[2 + written..2 + written + 3].copy_from_slice(&[token, state, units]);
            written += 3;
        }
        out[0] = written as u32;
        out[1] = u32::from(more);
        crate::sse::batch_string(env, text)
    })
}

/// Lets the ready-queue keep the process alive (`true`: a user's promise
/// waits on it) or not (`false`: only background watches are pending).
#[napi]
pub fn hold_ready(env: Env, queue: u32, hold: bool) -> Result<()> {
    let queue = ReadyQueue::get(queue)?;
    // SAFETY: called on the JS thread that owns the threadsafe function,
    // as Node-API requires for (un)ref; both only flip the libuv handle's
    // ref flag, so repeating either is harmless.
    let status = unsafe {
        if hold {
            napi::sys::napi_ref_threadsafe_function(env.raw(), queue.wake.raw())
        } else {
            napi::sys::napi_unref_threadsafe_function(env.raw(), queue.wake.raw())
        }
    };
    if status == napi::sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::new(
            Status::GenericFailure,
            "could not (un)ref the ready-queue",
        ))
    }
}
