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

use std::cell::RefCell;
use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::{Function, Result, Status, Uint32ArraySlice};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Env;
use napi_derive::napi;

/// Wakes the JS thread's drain loop; called with no arguments. Weak (it does
/// not keep the event loop alive) until JS holds it.
type Wake = ThreadsafeFunction<(), (), (), Status, false, true>;

/// The queue of one JS thread.
pub struct ReadyQueue {
    /// `[token, value]` pairs in completion order.
    entries: Mutex<Vec<u32>>,
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
}

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
        wake,
    });
    Ok(QUEUES.with_borrow_mut(|queues| {
        queues.push(queue);
        (queues.len() - 1) as u32
    }))
}

/// Moves completed `[token, value]` pairs into `out` (oldest first) and
/// returns how many numbers it wrote; fewer than `out.length` means the
/// queue is now empty.
#[napi]
pub fn drain_ready(queue: u32, mut out: Uint32ArraySlice) -> Result<u32> {
    let queue = ReadyQueue::get(queue)?;
    // SAFETY: a synchronous call on the JS thread: no JS runs (and touches
    // the view) until it returns, and the slice does not outlive the call.
    let out = unsafe { out.as_mut() };
    let mut entries = queue.entries.lock().unwrap_or_else(|p| p.into_inner());
    // Whole pairs only.
    let n = entries.len().min(out.len() & !1);
    out[..n].copy_from_slice(&entries[..n]);
    entries.drain(..n);
    Ok(n as u32)
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
