//! The one error type of the core: a kind the binding maps to a JS error
//! class, a stable code users can match on, and a message that is not API.

use std::fmt;
use std::sync::Arc;

/// An error from a request: while connecting, waiting for the response head,
/// following redirects, or streaming the body.
///
/// Cheap to clone, because a body error is reported to every read after it.
#[derive(Clone)]
pub struct Error {
    inner: Arc<Inner>,
}

struct Inner {
    kind: Kind,
    code: &'static str,
    message: String,
}

/// What went wrong, coarse enough for the binding to pick a JS error class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The network or the peer failed: refused, reset, DNS, TLS, a malformed
    /// response, a truncated body. JS: `TypeError('fetch failed')`.
    Network,
    /// One of the request's own time limits ran out. JS: `TimeoutError`.
    Timeout,
    /// The caller aborted the request. JS: the signal's reason.
    Aborted,
    /// The request could not be built from what the caller gave.
    /// JS: `TypeError` (the JS layer validates first, so this is a backstop).
    InvalidArgument,
    /// A bug in ferrofetch (a panic inside a task). JS: `Error`.
    Internal,
}

/// The stable codes, as documented in the README. Messages are not API;
/// these are.
pub mod codes {
    /// The peer refused the connection.
    pub const ECONNREFUSED: &str = "ECONNREFUSED";
    /// The host name did not resolve.
    pub const ENOTFOUND: &str = "ENOTFOUND";
    /// The peer reset the connection.
    pub const ECONNRESET: &str = "ECONNRESET";
    /// Connecting failed for another reason (unreachable network, ...).
    pub const CONNECT: &str = "ERR_FF_CONNECT";
    /// The TLS handshake or certificate verification failed.
    pub const TLS: &str = "ERR_FF_TLS";
    /// The peer sent something that is not HTTP (bad status line, bad
    /// chunk size, a header block over the limit, ...).
    pub const PROTOCOL: &str = "ERR_FF_PROTOCOL";
    /// The connection ended before the body was complete.
    pub const INCOMPLETE_BODY: &str = "ERR_FF_INCOMPLETE_BODY";
    /// A redirect arrived and the request's redirect mode is `error`.
    pub const UNEXPECTED_REDIRECT: &str = "ERR_FF_UNEXPECTED_REDIRECT";
    /// More redirects than the limit (20 by default).
    pub const TOO_MANY_REDIRECTS: &str = "ERR_FF_TOO_MANY_REDIRECTS";
    /// A redirect's `Location` is not a valid http(s) URL.
    pub const BAD_REDIRECT: &str = "ERR_FF_BAD_REDIRECT";
    /// A compressed body could not be decoded.
    pub const DECODE: &str = "ERR_FF_DECODE";
    /// The whole-request `timeout` ran out.
    pub const TIMEOUT: &str = "ERR_FF_TIMEOUT";
    /// The `connectTimeout` ran out while connecting.
    pub const CONNECT_TIMEOUT: &str = "ERR_FF_CONNECT_TIMEOUT";
    /// The body was silent for longer than `readTimeout`.
    pub const READ_TIMEOUT: &str = "ERR_FF_READ_TIMEOUT";
    /// An event stream went longer than `eventTimeout` without an event.
    pub const EVENT_TIMEOUT: &str = "ERR_FF_EVENT_TIMEOUT";
    /// The request was aborted by its caller.
    pub const ABORTED: &str = "ERR_FF_ABORTED";
    /// An argument could not be turned into a request.
    pub const INVALID_ARG: &str = "ERR_FF_INVALID_ARG";
    /// The client was closed before the request started.
    pub const CLIENT_CLOSED: &str = "ERR_FF_CLIENT_CLOSED";
    /// A network failure with no more specific code.
    pub const NETWORK: &str = "ERR_FF_NETWORK";
    /// The producer of a streamed request body failed or was aborted.
    pub const UPLOAD_FAILED: &str = "ERR_FF_UPLOAD_FAILED";
    /// A bug inside ferrofetch: a task panicked.
    pub const INTERNAL: &str = "ERR_FF_INTERNAL";
}

impl Error {
    pub(crate) fn new(kind: Kind, code: &'static str, message: impl Into<String>) -> Self {
        Error {
            inner: Arc::new(Inner {
                kind,
                code,
                message: message.into(),
            }),
        }
    }

    /// The error that fails a streamed request body whose producer failed.
    pub fn upload_failed(message: impl Into<String>) -> Self {
        Error::new(Kind::Network, codes::UPLOAD_FAILED, message)
    }

    /// The coarse kind, which picks the JS error class.
    pub fn kind(&self) -> Kind {
        self.inner.kind
    }

    /// The stable code (see [`codes`]).
    pub fn code(&self) -> &'static str {
        self.inner.code
    }

    /// A human-readable description. Not API: match on [`Error::code`].
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// True for any of the request's time limits.
    pub fn is_timeout(&self) -> bool {
        self.inner.kind == Kind::Timeout
    }

    /// True when the caller aborted the request.
    pub fn is_aborted(&self) -> bool {
        self.inner.kind == Kind::Aborted
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.inner.kind)
            .field("code", &self.inner.code)
            .field("message", &self.inner.message)
            .finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.inner.message, self.inner.code)
    }
}

impl std::error::Error for Error {}

pub(crate) fn aborted() -> Error {
    Error::new(Kind::Aborted, codes::ABORTED, "the request was aborted")
}

pub(crate) fn invalid_arg(message: impl Into<String>) -> Error {
    Error::new(Kind::InvalidArgument, codes::INVALID_ARG, message)
}

pub(crate) fn timeout(code: &'static str, message: &str) -> Error {
    Error::new(Kind::Timeout, code, message)
}

pub(crate) fn network(code: &'static str, message: impl Into<String>) -> Error {
    Error::new(Kind::Network, code, message)
}

pub(crate) fn internal(message: impl Into<String>) -> Error {
    Error::new(Kind::Internal, codes::INTERNAL, message)
}

/// The error a failed producer puts into the body stream.
#[derive(Debug)]
pub(crate) struct UploadFailed(pub(crate) Error);

impl std::fmt::Display for UploadFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the request body failed: {}", self.0.message())
    }
}

impl std::error::Error for UploadFailed {}

/// Phase of the exchange an error from reqwest happened in; it decides the
/// fallback code when nothing in the error chain is more specific.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Head,
    Body,
}

/// Turns a reqwest error into ours by walking its source chain for the most
/// specific cause: a DNS failure, an `io::Error` kind, a hyper parse error.
pub(crate) fn from_reqwest(err: reqwest::Error, phase: Phase) -> Error {
    // A failed upload carries the producer's own error: report that one.
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(&err);
    while let Some(e) = next {
        if let Some(failed) = e.downcast_ref::<UploadFailed>() {
            return failed.0.clone();
        }
        next = e.source();
    }
    let message = describe_chain(&err);
    if err.is_connect() && err.is_timeout() {
        return timeout(codes::CONNECT_TIMEOUT, "connecting timed out");
    }
    // reqwest tags every failure of its resolver (getaddrinfo, or the
    // lookup before a SOCKS handshake) with its own DNS error type.
    if err.is_dns() {
        return network(codes::ENOTFOUND, message);
    }
    // The transport's own failure (reset, truncation) wins over "decode":
    // reqwest reports every body error through its decoder as a decode
    // error, also for bodies that were not compressed.
    if let Some(code) = code_from_chain(&err) {
        return network(code, message);
    }
    if err.is_decode() {
        return network(codes::DECODE, message);
    }
    if err.is_connect() {
        return network(codes::CONNECT, message);
    }
    let code = match phase {
        Phase::Head => codes::NETWORK,
        Phase::Body => codes::INCOMPLETE_BODY,
    };
    network(code, message)
}

/// Turns the connector's failure into ours (for observers of the attempt;
/// the request's own error comes through reqwest, see [`from_reqwest`]).
pub(crate) fn from_connect(err: &(dyn std::error::Error + 'static)) -> Error {
    // The connector's own connect timeout fails it with a TimedOut
    // io::Error: the request fails with ERR_FF_CONNECT_TIMEOUT then.
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = next {
        let timed_out = e
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut);
        if timed_out {
            return timeout(codes::CONNECT_TIMEOUT, "connecting timed out");
        }
        next = e.source();
    }
    let code = code_from_chain(err).unwrap_or(codes::CONNECT);
    network(code, describe_chain(err))
}

fn code_from_chain(err: &(dyn std::error::Error + 'static)) -> Option<&'static str> {
    // A TLS failure anywhere in the chain is the cause, whatever wraps it.
    if is_tls(err) {
        return Some(codes::TLS);
    }
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if let Some(code) = code_from_io(io) {
                return Some(code);
            }
            // `io::Error::source` skips the error it wraps and returns that
            // one's source, so an io::Error inside an io::Error (reqwest's
            // connector wraps rustls's InvalidData that way) would be lost:
            // look inside explicitly.
            if let Some(code) = io.get_ref().and_then(|inner| code_from_chain(inner)) {
                return Some(code);
            }
        }
        if let Some(h) = e.downcast_ref::<hyper::Error>() {
            if h.is_incomplete_message() {
                return Some(codes::INCOMPLETE_BODY);
            }
            // hyper reports a malformed body framing (a bad chunk size, say)
            // as an InvalidInput or InvalidData io::Error inside its own
            // error; the same kinds from a decoder, outside any hyper error,
            // mean a corrupt compressed body instead.
            let framing = std::error::Error::source(h)
                .and_then(|s| s.downcast_ref::<std::io::Error>())
                .is_some_and(|io| {
                    matches!(
                        io.kind(),
                        std::io::ErrorKind::InvalidData | std::io::ErrorKind::InvalidInput
                    )
                });
            if framing {
                return Some(codes::PROTOCOL);
            }
            if h.is_parse() || h.is_parse_status() {
                return Some(codes::PROTOCOL);
            }
        }
        if e.downcast_ref::<rustls::Error>().is_some() {
            return Some(codes::TLS);
        }
        next = e.source();
    }
    None
}

/// True when a rustls error is in the chain, also inside io::Errors
/// (whose `source()` skips the error they wrap).
fn is_tls(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = next {
        if e.is::<rustls::Error>() {
            return true;
        }
        if let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            if is_tls(inner) {
                return true;
            }
        }
        next = e.source();
    }
    false
}

fn code_from_io(io: &std::io::Error) -> Option<&'static str> {
    use std::io::ErrorKind;
    match io.kind() {
        ErrorKind::ConnectionRefused => Some(codes::ECONNREFUSED),
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe => {
            Some(codes::ECONNRESET)
        }
        ErrorKind::UnexpectedEof => Some(codes::INCOMPLETE_BODY),
        ErrorKind::InvalidData if io.get_ref().is_some_and(|e| e.is::<rustls::Error>()) => {
            Some(codes::TLS)
        }
        _ => None,
    }
}

/// "a: b: c" from an error and its sources, skipping repeats: reqwest's own
/// Display omits the cause, which is what users need to see.
fn describe_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = String::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        if !out.contains(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
        next = e.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_kinds_map_to_node_codes() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert_eq!(code_from_io(&refused), Some(codes::ECONNREFUSED));
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert_eq!(code_from_io(&reset), Some(codes::ECONNRESET));
        let other = std::io::Error::other("x");
        assert_eq!(code_from_io(&other), None);
    }

    #[test]
    fn a_rustls_error_inside_nested_io_errors_is_tls() {
        // As reqwest's connector reports a rejected certificate.
        let rustls = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let inner = std::io::Error::new(std::io::ErrorKind::InvalidData, rustls);
        let outer = std::io::Error::other(inner);
        assert_eq!(code_from_chain(&outer), Some(codes::TLS));
    }

    #[test]
    fn clones_share_code_and_message() {
        let e = network(codes::ECONNRESET, "reset");
        let c = e.clone();
        assert_eq!(c.code(), "ECONNRESET");
        assert_eq!(c.message(), "reset");
        assert_eq!(c.kind(), Kind::Network);
    }
}
