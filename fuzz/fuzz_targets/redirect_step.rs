//! The redirect step (`ferrofetch_core::next_step`, Fetch §4.4
//! "HTTP-redirect fetch") against an untrusted `Location` header and every
//! request shape: it must never panic and must never rewrite a request into
//! one that leaks credentials, replays a consumed body or ignores the limit.
//!
//! Input layout: `[base, method, status, flags, headers, so_far, max, location...]`.
//! - `base % 8` picks the current URL from `BASES`.
//! - `method % 8` picks the method from `METHODS`.
//! - `status` becomes `300 + status % 10` (300..=309: redirect and
//!   non-redirect 3xx statuses).
//! - `flags`: bits 0-1 the redirect mode (0 and 3 follow, 1 manual,
//!   2 error); bit 2 the request has a body (never for GET and HEAD, which
//!   the JS layer rejects); bit 3 the body cannot be replayed (`can_replay`
//!   false); bit 4 the response has no `Location`; bit 5 the credential
//!   headers carry two values each.
//! - `headers`, one bit per header present: 0 Authorization, 1 Cookie,
//!   2 Proxy-Authorization, 3 Host, 4 Content-Type, 5 Content-Length,
//!   6 Content-Encoding + Content-Language + Content-Location, 7 X-Custom.
//! - `so_far % 25` redirects already followed, `max % 25` the limit.
//! - the rest is the `Location` value, any bytes.
//!
//! Checks, whatever the input:
//! - an error has a non-empty code (one of the three redirect codes), kind
//!   `Network`, and leaves the request untouched; so does `Deliver`;
//! - `Follow` only for a redirect status with a `Location` in mode follow,
//!   below the limit, to an http(s) URL with a host;
//! - a body that cannot be replayed never follows anything but a 303;
//! - 301/302 + POST and 303 + anything but GET/HEAD become a GET without
//!   body or body headers; otherwise method, body and body headers stay;
//! - crossing origins removes Authorization, Cookie, Proxy-Authorization and
//!   Host (every value) and never carries the old URL's password along;
//!   staying keeps them; other headers are never touched;
//! - the old URL's fragment survives when the new one has none.
//!
//! It also checks the redirect-mode rules of Fetch §4.3 "HTTP fetch" (what
//! undici does): mode manual hands over every redirect status as is, mode
//! error fails on every redirect status, whether or not `Location` is
//! present or valid. (This check found three bugs, fixed in redirect.rs.)
#![no_main]

use ferrofetch_core::{
    codes, is_redirect_status, next_step, Hop, Kind, RedirectMode, Step, BODY_HEADERS,
    CREDENTIAL_HEADERS,
};
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::Method;
use libfuzzer_sys::fuzz_target;
use url::Url;

const BASES: [&str; 8] = [
    "http://a.test/",
    "https://a.test/dir/page?q=1#frag",
    "http://a.test:8080/x/y",
    "https://user:s3cret@a.test/p",
    "http://[::1]:3000/p/q?x#f",
    "http://127.0.0.1/a/b/c",
    "https://xn--bcher-kva.example/",
    "http://user@a.test:81/",
];

fn method(byte: u8) -> Method {
    match byte % 8 {
        0 => Method::GET,
        1 => Method::HEAD,
        2 => Method::POST,
        3 => Method::PUT,
        4 => Method::DELETE,
        5 => Method::OPTIONS,
        // Fetch normalizes only the six methods above; `patch` stays as is.
        6 => Method::from_bytes(b"patch").unwrap(),
        _ => Method::from_bytes(b"PROPFIND").unwrap(),
    }
}

fn headers(bits: u8, twice: bool) -> HeaderMap {
    let mut map = HeaderMap::new();
    let mut add = |on: bool, name: HeaderName, value: &'static str, repeat: bool| {
        if on {
            map.append(name.clone(), HeaderValue::from_static(value));
            if repeat {
                map.append(name, HeaderValue::from_static(value));
            }
        }
    };
    add(bits & 0x01 != 0, header::AUTHORIZATION, "Bearer t", twice);
    add(bits & 0x02 != 0, header::COOKIE, "a=b", twice);
    add(
        bits & 0x04 != 0,
        header::PROXY_AUTHORIZATION,
        "Basic eDp5",
        twice,
    );
    add(bits & 0x08 != 0, header::HOST, "a.test", twice);
    add(bits & 0x10 != 0, header::CONTENT_TYPE, "text/plain", false);
    add(bits & 0x20 != 0, header::CONTENT_LENGTH, "4", false);
    add(bits & 0x40 != 0, header::CONTENT_ENCODING, "gzip", false);
    add(bits & 0x40 != 0, header::CONTENT_LANGUAGE, "en", false);
    add(bits & 0x40 != 0, header::CONTENT_LOCATION, "/c", false);
    add(
        bits & 0x80 != 0,
        HeaderName::from_static("x-custom"),
        "1",
        false,
    );
    map
}

/// The headers of `map` that are in `names` (or, with `keep` false, not).
fn select(map: &HeaderMap, names: &[HeaderName], keep: bool) -> HeaderMap {
    let mut out = HeaderMap::new();
    for (name, value) in map {
        if names.contains(name) == keep {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

fn same(a: &Hop<u8>, b: &Hop<u8>) -> bool {
    a.method == b.method && a.url == b.url && a.headers == b.headers && a.body == b.body
}

fuzz_target!(|input: &[u8]| {
    let [base, method_byte, status, flags, header_bits, so_far, max, location @ ..] = input else {
        return;
    };
    let method = method(*method_byte);
    let get_or_head = method == Method::GET || method == Method::HEAD;
    let mut hop = Hop {
        method,
        url: Url::parse(BASES[usize::from(base % 8)]).unwrap(),
        headers: headers(*header_bits, flags & 0x20 != 0),
        body: (flags & 0x04 != 0 && !get_or_head).then_some(7u8),
    };
    let status = 300 + u16::from(status % 10);
    let mode = match flags & 0x03 {
        1 => RedirectMode::Manual,
        2 => RedirectMode::Error,
        _ => RedirectMode::Follow,
    };
    let can_replay = flags & 0x08 == 0;
    let location = (flags & 0x10 == 0).then_some(location);
    let so_far = u32::from(so_far % 25);
    let max = u32::from(max % 25);

    let before = hop.clone();
    let result = next_step(&mut hop, mode, status, location, so_far, max, can_replay);

    let redirect = matches!(status, 301 | 302 | 303 | 307 | 308);
    assert_eq!(is_redirect_status(status), redirect);

    if redirect {
        match mode {
            RedirectMode::Manual => assert!(
                matches!(result, Ok(Step::Deliver)),
                "mode manual must hand over a {status} as is, got {result:?}"
            ),
            RedirectMode::Error => assert!(
                matches!(&result, Err(e) if e.code() == codes::UNEXPECTED_REDIRECT),
                "mode error must fail on a {status}, got {result:?}"
            ),
            RedirectMode::Follow => {}
        }
    }

    match result {
        Err(error) => {
            assert!(!error.code().is_empty(), "error without a code");
            assert!(!error.message().is_empty(), "error without a message");
            assert_eq!(error.kind(), Kind::Network);
            assert!(
                [
                    codes::BAD_REDIRECT,
                    codes::UNEXPECTED_REDIRECT,
                    codes::TOO_MANY_REDIRECTS
                ]
                .contains(&error.code()),
                "unexpected code {}",
                error.code()
            );
            assert!(redirect, "error for a non-redirect status {status}");
            // Mode error fails on the status alone; anything else needs a
            // Location to object to.
            assert!(
                location.is_some() || mode == RedirectMode::Error,
                "error without a Location"
            );
            if error.code() == codes::UNEXPECTED_REDIRECT {
                assert_eq!(mode, RedirectMode::Error);
            }
            if error.code() == codes::TOO_MANY_REDIRECTS {
                assert!(so_far >= max);
                assert_eq!(mode, RedirectMode::Follow);
            }
            assert!(same(&before, &hop), "a failed step changed the request");
        }
        Ok(Step::Deliver) => {
            assert!(
                !redirect || location.is_none() || mode == RedirectMode::Manual,
                "delivered a followable {status}"
            );
            assert!(same(&before, &hop), "Deliver changed the request");
        }
        Ok(Step::Follow) => {
            assert_eq!(mode, RedirectMode::Follow, "followed in mode {mode:?}");
            assert!(redirect, "followed a non-redirect status {status}");
            let location = location.expect("followed without a Location");
            assert!(
                matches!(hop.url.scheme(), "http" | "https"),
                "followed to {}",
                hop.url
            );
            assert!(
                hop.url.host_str().is_some_and(|h| !h.is_empty()),
                "no host: {}",
                hop.url
            );
            assert!(so_far < max, "followed redirect {} of {max}", so_far + 1);
            if before.body.is_some() && !can_replay {
                assert_eq!(status, 303, "a streamed body followed a {status}");
                assert_eq!(hop.body, None, "a streamed body survived a 303");
            }

            let to_get = (matches!(status, 301 | 302) && before.method == Method::POST)
                || (status == 303 && !get_or_head);
            if to_get {
                assert_eq!(hop.method, Method::GET);
                assert_eq!(hop.body, None);
                for name in &BODY_HEADERS {
                    assert!(
                        !hop.headers.contains_key(name),
                        "{name} kept after {status}"
                    );
                }
            } else {
                assert_eq!(hop.method, before.method);
                assert_eq!(hop.body, before.body);
                assert_eq!(
                    select(&hop.headers, &BODY_HEADERS, true),
                    select(&before.headers, &BODY_HEADERS, true),
                    "body headers changed"
                );
            }

            if hop.url.origin() != before.url.origin() {
                for name in &CREDENTIAL_HEADERS {
                    assert!(
                        !hop.headers.contains_key(name),
                        "{name} sent from {} to {}",
                        before.url,
                        hop.url
                    );
                }
                if let Some(password) = before.url.password() {
                    let text = String::from_utf8_lossy(location);
                    assert!(
                        hop.url.password() != Some(password) || text.contains(password),
                        "the old URL's password went to {}",
                        hop.url
                    );
                }
            } else {
                assert_eq!(
                    select(&hop.headers, &CREDENTIAL_HEADERS, true),
                    select(&before.headers, &CREDENTIAL_HEADERS, true),
                    "same-origin redirect changed credentials"
                );
            }
            let untouched: Vec<HeaderName> = BODY_HEADERS
                .iter()
                .chain(&CREDENTIAL_HEADERS)
                .cloned()
                .collect();
            assert_eq!(
                select(&hop.headers, &untouched, false),
                select(&before.headers, &untouched, false),
                "other headers changed"
            );

            if before.url.fragment().is_some() {
                assert!(hop.url.fragment().is_some(), "fragment lost: {}", hop.url);
            }
        }
    }
});
