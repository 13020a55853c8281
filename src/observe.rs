//! What an observed request reports (undici's diagnostics_channel events,
//! published by the JS layer), as JS-shaped objects.

use std::net::SocketAddr;

use ferrofetch_core::{ConnectEvent, Observed, SentHead};
use napi_derive::napi;

use crate::convert::{NativeError, NativeRedirect};

/// The addresses of a connection, as a net.Socket names them.
#[napi(object)]
pub struct NativeSocket {
    /// The peer's IP address.
    pub remote_address: Option<String>,
    /// The peer's port.
    pub remote_port: Option<u32>,
    /// Our end's IP address.
    pub local_address: Option<String>,
    /// Our end's port.
    pub local_port: Option<u32>,
}

impl NativeSocket {
    fn new(remote: Option<SocketAddr>, local: Option<SocketAddr>) -> Self {
        NativeSocket {
            remote_address: remote.map(|a| a.ip().to_string()),
            remote_port: remote.map(|a| u32::from(a.port())),
            local_address: local.map(|a| a.ip().to_string()),
            local_port: local.map(|a| u32::from(a.port())),
        }
    }
}

/// The head a hop was sent with (see `SentHead`).
#[napi(object)]
pub struct NativeSentHead {
    /// The request line and header lines, each ended by CRLF.
    pub text: String,
    /// The connection it went over.
    pub socket: NativeSocket,
}

impl From<SentHead> for NativeSentHead {
    fn from(sent: SentHead) -> Self {
        NativeSentHead {
            text: sent.text,
            socket: NativeSocket::new(sent.remote, sent.local),
        }
    }
}

/// A connection attempt of an observed request (see `ConnectEvent`).
#[napi(object)]
pub struct NativeConnect {
    /// "connecting", "connected" or "failed".
    pub state: String,
    /// Once connected: its addresses.
    pub socket: Option<NativeSocket>,
    /// Once connected: whether ALPN chose HTTP/2.
    pub http2: bool,
    /// Once failed: why.
    pub error: Option<NativeError>,
}

/// What an observed request reports next: one of the two is set.
#[napi(object)]
pub struct NativeObserved {
    /// A redirect about to be followed (released with `releaseHop`).
    pub redirect: Option<NativeRedirect>,
    /// A connection attempt.
    pub connect: Option<NativeConnect>,
}

impl From<Observed> for NativeObserved {
    fn from(observed: Observed) -> Self {
        match observed {
            Observed::Redirect(hop) => NativeObserved {
                redirect: Some((*hop).into()),
                connect: None,
            },
            Observed::Connect(event) => NativeObserved {
                redirect: None,
                connect: Some(event.into()),
            },
        }
    }
}

impl From<ConnectEvent> for NativeConnect {
    fn from(event: ConnectEvent) -> Self {
        match event {
            ConnectEvent::Connecting => NativeConnect {
                state: "connecting".to_string(),
                socket: None,
                http2: false,
                error: None,
            },
            ConnectEvent::Connected {
                remote,
                local,
                http2,
            } => NativeConnect {
                state: "connected".to_string(),
                socket: Some(NativeSocket::new(remote, local)),
                http2,
                error: None,
            },
            ConnectEvent::Failed(e) => NativeConnect {
                state: "failed".to_string(),
                socket: None,
                http2: false,
                error: Some((&e).into()),
            },
        }
    }
}
