//! The callbacks that wait on either side of a [`BodyQueue`](super::BodyQueue)
//! for a producer or consumer that cannot await a Rust future (a JS promise).

/// The callbacks waiting on one side of the queue: usually one, but every
/// caller gets its own wake-up (a single slot whose newcomer woke the one
/// before would let two waiters wake each other forever).
#[derive(Default)]
pub(super) struct Waiters(Vec<Waiter>);

impl Waiters {
    pub(super) fn add(&mut self, waiter: Waiter) {
        self.0.push(waiter);
    }

    /// Takes every waiter, to be fired once the lock is released.
    pub(super) fn take(&mut self) -> Waiters {
        Waiters(std::mem::take(&mut self.0))
    }

    pub(super) fn fire(self, open: bool) {
        for waiter in self.0 {
            waiter.fire(open);
        }
    }
}

/// A waiting side's callback, run once: with `true` when what it waits for
/// happened, `false` when it never will. Dropped unrun (the queue is gone),
/// it runs with `false`: a JS promise behind it must never be left
/// pending, which would also keep Node's event loop alive.
pub(super) struct Waiter(pub(super) Option<Box<dyn FnOnce(bool) + Send>>);

impl Waiter {
    pub(super) fn fire(mut self, open: bool) {
        if let Some(wake) = self.0.take() {
            wake(open);
        }
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        if let Some(wake) = self.0.take() {
            wake(false);
        }
    }
}
