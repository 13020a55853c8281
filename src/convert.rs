//! JS-shaped arguments to core types, and core results to JS-shaped objects.

use std::time::Duration;

use ferrofetch_core::{
    append_combined, CacheMode, Error, Kind, RedirectHop, RedirectMode, ReferrerPolicy,
    RequestMode, ResponseHead,
};
use http::{HeaderMap, HeaderName, HeaderValue};
use napi::bindgen_prelude::*;
use napi_derive::napi;

/// An error as plain data: JS builds the right error class from `kind` and
/// exposes `code` (messages are not API).
#[napi(object)]
pub struct NativeError {
    /// "network", "timeout", "aborted", "invalid" or "internal".
    pub kind: String,
    /// The stable code, e.g. ECONNREFUSED or ERR_FF_READ_TIMEOUT.
    pub code: String,
    /// A description for people.
    pub message: String,
}

impl From<&Error> for NativeError {
    fn from(e: &Error) -> Self {
        let kind = match e.kind() {
            Kind::Network => "network",
            Kind::Timeout => "timeout",
            Kind::Aborted => "aborted",
            Kind::InvalidArgument => "invalid",
            Kind::Internal => "internal",
        };
        NativeError {
            kind: kind.to_string(),
            code: e.code().to_string(),
            message: e.message().to_string(),
        }
    }
}

/// The final response head, or the error that ended the request before it.
#[napi(object)]
pub struct NativeHead {
    /// Set when the request failed; the other fields are then empty.
    pub error: Option<NativeError>,
    /// The status code.
    pub status: u32,
    /// The reason phrase.
    pub status_text: String,
    /// Flat `[name, value, name, value, ...]`, names lower-case, values
    /// isomorphic-decoded.
    pub headers: Vec<String>,
    /// The final URL.
    pub url: String,
    /// True when a redirect was followed.
    pub redirected: bool,
    /// Set for an observed request only: whether its body was sent whole
    /// before this head arrived.
    pub body_sent: Option<bool>,
    /// Set for an observed request only: the head its last hop was sent
    /// with.
    pub sent: Option<crate::observe::NativeSentHead>,
}

impl NativeHead {
    pub fn failed(e: &Error) -> Self {
        NativeHead {
            error: Some(e.into()),
            status: 0,
            status_text: String::new(),
            headers: Vec::new(),
            url: String::new(),
            redirected: false,
            body_sent: None,
            sent: None,
        }
    }
}

/// A response head as `takeHead` hands it to JS: a plain one (a final
/// head without an observer) as one string, anything else (a failure, an
/// observed request's head) as a `NativeHead`.
///
/// One string costs one allocation on the JS thread where the object cost
/// eight property sets and a string per header (the small-request profile:
/// ~4 µs a head). Its lines, split by JS (lib/response.js headFromNative):
/// `name`, `value` for each header in order, then the status text, the
/// URL, `1` or `0` for redirected, and the status. No line can hold a
/// '\n': header values and reason phrases from hyper never do (they are
/// checked anyway, and a head with one goes as the object), nor does a
/// serialized URL.
pub enum HeadForJs {
    /// The lines, joined by '\n'; header values isomorphic-decoded.
    Text(String),
    /// The head as an object (boxed: the rare case should not size the
    /// common one).
    Object(Box<NativeHead>),
}

impl HeadForJs {
    pub fn new(head: std::result::Result<ResponseHead, Error>) -> Self {
        match head {
            Ok(head) if head.sent.is_none() && head.body_sent.is_none() => match head_text(&head) {
                Some(text) => HeadForJs::Text(text),
                None => HeadForJs::Object(Box::new(head.into())),
            },
            Ok(head) => HeadForJs::Object(Box::new(head.into())),
            Err(e) => HeadForJs::Object(Box::new(NativeHead::failed(&e))),
        }
    }
}

/// `head` as the lines of `HeadForJs::Text`, or `None` when a line would
/// hold a '\n'.
fn head_text(head: &ResponseHead) -> Option<String> {
    let headers = &head.headers;
    let mut text = String::with_capacity(64 + headers.len() * 40);
    for (name, value) in headers.iter() {
        let value = value.as_bytes();
        if value.contains(&b'\n') {
            return None;
        }
        text.push_str(name.as_str());
        text.push('\n');
        push_latin1(&mut text, value);
        text.push('\n');
    }
    if head.status_text.contains('\n') || head.url.contains('\n') {
        return None;
    }
    text.push_str(&head.status_text);
    text.push('\n');
    text.push_str(&head.url);
    text.push_str(if head.redirected { "\n1\n" } else { "\n0\n" });
    text.push_str(&head.status.to_string());
    Some(text)
}

/// Appends `bytes` isomorphic-decoded (each byte the code point of its
/// value), as `latin1_string` does.
fn push_latin1(text: &mut String, bytes: &[u8]) {
    if bytes.is_ascii() {
        // Valid UTF-8 already: one copy, as in `latin1_string`.
        text.push_str(&String::from_utf8_lossy(bytes));
    } else {
        text.extend(bytes.iter().map(|&b| b as char));
    }
}

/// Flat `[name, value, ...]`, names lower-case, values isomorphic-decoded.
fn flat_headers(map: &HeaderMap) -> Vec<String> {
    let mut headers = Vec::with_capacity(map.len() * 2);
    for (name, value) in map.iter() {
        headers.push(name.as_str().to_string());
        headers.push(latin1_string(value.as_bytes()));
    }
    headers
}

/// A redirect an observed request is about to follow (see
/// `NativeExchange.nextObserved`).
#[napi(object)]
pub struct NativeRedirect {
    /// The redirect's status code.
    pub status: u32,
    /// Its reason phrase.
    pub status_text: String,
    /// Its headers, flat.
    pub headers: Vec<String>,
    /// Whether the hop's request body was sent whole before it came.
    pub body_sent: bool,
    /// The next hop's method.
    pub method: String,
    /// The next hop's URL.
    pub url: String,
    /// The headers the next hop is sent with, flat.
    pub request_headers: Vec<String>,
    /// Whether the next hop has a request body.
    pub has_body: bool,
    /// The head the redirected hop was sent with.
    pub sent: crate::observe::NativeSentHead,
}

impl From<RedirectHop> for NativeRedirect {
    fn from(hop: RedirectHop) -> Self {
        NativeRedirect {
            status: u32::from(hop.status),
            status_text: hop.status_text,
            headers: flat_headers(&hop.headers),
            body_sent: hop.body_sent,
            method: hop.method.to_string(),
            url: hop.url.to_string(),
            request_headers: flat_headers(&hop.request_headers),
            has_body: hop.has_body,
            sent: hop.sent.into(),
        }
    }
}

impl From<ResponseHead> for NativeHead {
    fn from(head: ResponseHead) -> Self {
        let headers = flat_headers(&head.headers);
        NativeHead {
            error: None,
            status: u32::from(head.status),
            status_text: head.status_text,
            headers,
            url: head.url,
            redirected: head.redirected,
            body_sent: head.body_sent,
            sent: head.sent.map(Into::into),
        }
    }
}

pub fn invalid(message: impl Into<String>) -> napi::Error {
    napi::Error::new(Status::InvalidArg, message.into())
}

pub fn core_error(e: Error) -> napi::Error {
    invalid(e.message().to_string())
}

/// Flat `[name, value, ...]` from JS into a header map, in order, the
/// values of a repeated name combined into one field (Fetch's header list).
pub fn headers(flat: Vec<String>) -> Result<HeaderMap> {
    if !flat.len().is_multiple_of(2) {
        return Err(invalid("headers must be a flat list of name/value pairs"));
    }
    let mut map = HeaderMap::with_capacity(flat.len() / 2);
    for pair in flat.chunks_exact(2) {
        let (name, value) = header_pair(&pair[0], &pair[1])?;
        append_combined(&mut map, name, value);
    }
    Ok(map)
}

/// `RequestInit.referrer` as JS resolved it: a URL, or `None` for none.
pub fn referrer(url: Option<String>) -> Result<Option<url::Url>> {
    url.map(|url| {
        url::Url::parse(&url).map_err(|e| invalid(format!("invalid referrer {url:?}: {e}")))
    })
    .transpose()
}

/// `RequestInit.referrerPolicy`: the empty string (or none) is `None`.
pub fn referrer_policy(policy: Option<String>) -> Result<Option<ReferrerPolicy>> {
    match policy.as_deref() {
        None | Some("") => Ok(None),
        Some(token) => ReferrerPolicy::parse(token)
            .map(Some)
            .ok_or_else(|| invalid(format!("invalid referrer policy {token:?}"))),
    }
}

/// `RequestInit.mode`; none is Fetch's default, "cors".
pub fn request_mode(mode: Option<String>) -> Result<RequestMode> {
    match mode.as_deref() {
        None => Ok(RequestMode::default()),
        Some(name) => RequestMode::parse(name)
            .ok_or_else(|| invalid(format!("invalid request mode {name:?}"))),
    }
}

pub fn redirect_mode(mode: &str) -> Result<RedirectMode> {
    match mode {
        "follow" => Ok(RedirectMode::Follow),
        "manual" => Ok(RedirectMode::Manual),
        "error" => Ok(RedirectMode::Error),
        other => Err(invalid(format!("invalid redirect mode {other:?}"))),
    }
}

/// Longest time limit in ms that is kept as a limit (about 31 years).
/// Beyond it a limit could never be seen to run out, while turning it into
/// a `Duration` or adding it to an `Instant` would panic (1e300 ms, say).
const MAX_LIMIT_MS: f64 = 1e12;

/// Milliseconds from JS into a duration; 0 or less, and more than
/// [`MAX_LIMIT_MS`], mean "no limit" (the JS layer rejects negative and
/// non-finite values before they get here).
pub fn millis(ms: Option<f64>) -> Option<Duration> {
    match ms {
        Some(ms) if ms.is_finite() && ms > 0.0 && ms <= MAX_LIMIT_MS => {
            Some(Duration::from_secs_f64(ms / 1000.0))
        }
        _ => None,
    }
}

/// `RequestInit.cache`; none is "default".
pub fn cache_mode(mode: Option<String>) -> Result<CacheMode> {
    match mode.as_deref() {
        None => Ok(CacheMode::default()),
        Some(name) => {
            CacheMode::parse(name).ok_or_else(|| invalid(format!("invalid cache mode {name:?}")))
        }
    }
}

/// Converts a header name and a Latin-1 value (as JS strings carry them)
/// into typed header parts. The JS layer validated them already; this is
/// the backstop that keeps anything invalid from reaching the wire.
fn header_pair(name: &str, value: &str) -> Result<(HeaderName, HeaderValue)> {
    let name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| invalid(format!("invalid header name {name:?}")))?;
    let bytes = latin1_bytes(value)
        .ok_or_else(|| invalid(format!("header value of {name} is not a ByteString")))?;
    let value = HeaderValue::from_bytes(&bytes)
        .map_err(|_| invalid(format!("invalid value for header {name}")))?;
    Ok((name, value))
}

/// A header value's bytes as a JS string: each byte one code unit (the
/// "isomorphic decode" of the Fetch standard).
pub(crate) fn latin1_string(bytes: &[u8]) -> String {
    if bytes.is_ascii() {
        // Valid UTF-8 already; the common case costs one copy.
        return String::from_utf8_lossy(bytes).into_owned();
    }
    bytes.iter().map(|&b| b as char).collect()
}

fn latin1_bytes(value: &str) -> Option<Vec<u8>> {
    if value.is_ascii() {
        return Some(value.as_bytes().to_vec());
    }
    value
        .chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect()
}
