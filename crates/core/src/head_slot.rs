//! The response head's hand-over from the request task to whoever waits for
//! it: a callback run on the task's own thread the moment the head is in
//! (the binding's ready-queue push), or an async wait built on that.
//!
//! Before, the binding spawned a second task per request that awaited a
//! oneshot for the head: one more task spawned from the JS thread (which
//! may unpark a second worker) and one more scheduler wake-up per request,
//! on the small-request path where those are most of the cost (issue 15).

use std::sync::{Arc, Mutex};

use crate::error::{self, Error};
use crate::exchange::ResponseHead;

/// What a head waiter runs once, with the head or the failure before it.
pub type HeadCallback = Box<dyn FnOnce(Result<ResponseHead, Error>) + Send>;

enum State {
    /// Not in yet; the waiter, once one registered.
    Waiting(Option<HeadCallback>),
    /// In, nobody has taken it yet. Boxed: rare (the binding registers
    /// its waiter right after the start), and it keeps the slot small.
    Ready(Box<Result<ResponseHead, Error>>),
    /// Handed to a waiter.
    Taken,
}

/// Shared by the exchange handle (which registers the waiter) and the
/// request task (which delivers).
pub(crate) struct HeadSlot(Mutex<State>);

impl HeadSlot {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(HeadSlot(Mutex::new(State::Waiting(None))))
    }

    /// Runs `callback` with the head: at once if it is in, else from the
    /// request task when it arrives. Only one waiter gets it; a later one
    /// gets an invalid-argument error.
    pub(crate) fn when_head(&self, callback: HeadCallback) {
        let ready = {
            let mut state = self.0.lock().unwrap_or_else(|p| p.into_inner());
            match std::mem::replace(&mut *state, State::Taken) {
                State::Waiting(None) => {
                    *state = State::Waiting(Some(callback));
                    return;
                }
                State::Ready(result) => *result,
                earlier @ State::Waiting(Some(_)) => {
                    *state = earlier;
                    Err(error::invalid_arg("the response head was already taken"))
                }
                State::Taken => Err(error::invalid_arg("the response head was already taken")),
            }
        };
        // Outside the lock: the callback may take other locks.
        callback(ready);
    }

    fn deliver(&self, result: Result<ResponseHead, Error>) {
        let waiter = {
            let mut state = self.0.lock().unwrap_or_else(|p| p.into_inner());
            match std::mem::replace(&mut *state, State::Taken) {
                State::Waiting(Some(callback)) => callback,
                State::Waiting(None) => {
                    *state = State::Ready(Box::new(result));
                    return;
                }
                // Delivered once only (HeadSender is consumed by send).
                done => {
                    *state = done;
                    return;
                }
            }
        };
        waiter(result);
    }
}

/// The request task's side: delivers the head once. Dropped unsent (the
/// task panicked or was dropped), it delivers an internal error, so that a
/// waiter (a JS promise behind it) is never left pending.
pub(crate) struct HeadSender(Option<Arc<HeadSlot>>);

impl HeadSender {
    pub(crate) fn new(slot: Arc<HeadSlot>) -> Self {
        HeadSender(Some(slot))
    }

    /// Hands over the head (from the request task's thread).
    pub(crate) fn send(mut self, result: Result<ResponseHead, Error>) {
        if let Some(slot) = self.0.take() {
            slot.deliver(result);
        }
    }
}

impl Drop for HeadSender {
    fn drop(&mut self) {
        if let Some(slot) = self.0.take() {
            slot.deliver(Err(error::internal("the request task ended unexpectedly")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn head(status: u16) -> ResponseHead {
        ResponseHead {
            status,
            status_text: String::new(),
            headers: http::HeaderMap::new(),
            url: String::new(),
            redirected: false,
            body_sent: None,
            sent: None,
        }
    }

    fn waiter() -> (HeadCallback, mpsc::Receiver<Result<ResponseHead, Error>>) {
        let (tx, rx) = mpsc::channel();
        (Box::new(move |r| tx.send(r).unwrap()), rx)
    }

    #[test]
    fn a_waiter_registered_first_runs_on_delivery() {
        let slot = HeadSlot::new();
        let (callback, rx) = waiter();
        slot.when_head(callback);
        assert!(rx.try_recv().is_err());
        HeadSender::new(slot.clone()).send(Ok(head(201)));
        assert_eq!(rx.try_recv().unwrap().unwrap().status, 201);
    }

    #[test]
    fn a_waiter_registered_after_delivery_runs_at_once() {
        let slot = HeadSlot::new();
        HeadSender::new(slot.clone()).send(Ok(head(204)));
        let (callback, rx) = waiter();
        slot.when_head(callback);
        assert_eq!(rx.try_recv().unwrap().unwrap().status, 204);
    }

    #[test]
    fn a_second_waiter_gets_an_invalid_argument_error() {
        let slot = HeadSlot::new();
        let (first, first_rx) = waiter();
        slot.when_head(first);
        let (second, second_rx) = waiter();
        slot.when_head(second);
        let err = second_rx.try_recv().unwrap().unwrap_err();
        assert_eq!(err.code(), crate::codes::INVALID_ARG);
        // The first waiter still gets the head.
        HeadSender::new(slot.clone()).send(Ok(head(200)));
        assert_eq!(first_rx.try_recv().unwrap().unwrap().status, 200);
    }

    #[test]
    fn a_sender_dropped_unsent_delivers_an_internal_error() {
        let slot = HeadSlot::new();
        let (callback, rx) = waiter();
        slot.when_head(callback);
        drop(HeadSender::new(slot.clone()));
        let err = rx.try_recv().unwrap().unwrap_err();
        assert_eq!(err.code(), crate::codes::INTERNAL);
    }
}
