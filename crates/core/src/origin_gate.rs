//! The first request to an https origin goes alone.
//!
//! Whether an origin speaks HTTP/2 is known only once a TLS handshake has
//! negotiated it by ALPN. Until then, hyper-util opens one connection per
//! concurrent request, so a cold burst of 50 requests becomes 50 handshakes
//! whose connections are then mostly dropped. Browsers wait for the first
//! connection instead; so does this gate: the first request to an origin
//! proceeds, the others wait until its response head arrives (or it fails),
//! and then all reuse what the pool learned. After that the origin is
//! known and nobody waits.
//!
//! The wait is capped ([`MAX_WAIT`]): a first request whose answer is slow
//! (a long poll, say) must not hold up every other request to its origin.
//! Past the cap the others go ahead and may open connections of their own,
//! which is what they would have done without the gate.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

/// Per-origin state, for one client.
#[derive(Default)]
pub(crate) struct OriginGate {
    origins: Mutex<HashMap<String, Probe>>,
}

enum Probe {
    /// The first request is under way; waiters watch for it to finish.
    Running(watch::Receiver<bool>),
    /// A request to this origin has completed its head: the pool knows.
    Known,
}

/// What a request should do before sending.
pub(crate) enum Turn {
    /// Go ahead; nothing to report.
    Go,
    /// Go ahead first; report through the guard when the head arrived.
    First(FirstGuard),
    /// Wait for the first request to finish, then go.
    Wait(watch::Receiver<bool>),
}

/// Held by the first request to an origin. `done()` marks the origin known;
/// dropping it without (the request failed) lets the next request probe.
pub(crate) struct FirstGuard {
    gate: Arc<OriginGate>,
    origin: String,
    tx: watch::Sender<bool>,
    succeeded: bool,
}

impl OriginGate {
    pub(crate) fn turn(self: &Arc<Self>, origin: &str) -> Turn {
        let mut origins = self.origins.lock().unwrap_or_else(|p| p.into_inner());
        match origins.get(origin) {
            Some(Probe::Known) => Turn::Go,
            Some(Probe::Running(rx)) => Turn::Wait(rx.clone()),
            None => {
                let (tx, rx) = watch::channel(false);
                origins.insert(origin.to_string(), Probe::Running(rx));
                Turn::First(FirstGuard {
                    gate: self.clone(),
                    origin: origin.to_string(),
                    tx,
                    succeeded: false,
                })
            }
        }
    }

    fn finish(&self, origin: &str, succeeded: bool) {
        let mut origins = self.origins.lock().unwrap_or_else(|p| p.into_inner());
        if succeeded {
            origins.insert(origin.to_string(), Probe::Known);
        } else {
            origins.remove(origin);
        }
    }
}

impl FirstGuard {
    /// The first request got its response head.
    pub(crate) fn done(mut self) {
        self.succeeded = true;
    }
}

impl Drop for FirstGuard {
    fn drop(&mut self) {
        self.gate.finish(&self.origin, self.succeeded);
        let _ = self.tx.send(true);
    }
}

/// The longest a request waits for the first request to its origin.
pub(crate) const MAX_WAIT: Duration = Duration::from_secs(1);

/// Waits until the first request finished (either way), at most
/// [`MAX_WAIT`].
pub(crate) async fn wait(mut rx: watch::Receiver<bool>) {
    // An error means the guard is gone: finished as well.
    let _ = tokio::time::timeout(MAX_WAIT, rx.wait_for(|finished| *finished)).await;
}
