//! Redirect handling per Fetch §4.4 "HTTP-redirect fetch", done here rather
//! than by reqwest's policy: reqwest's policy is per client and cannot see
//! the request's redirect mode, nor rewrite method, body and headers the way
//! the Fetch standard does.

use http::header::{self, HeaderMap, HeaderName};
use http::Method;
use url::Url;

use crate::error::{codes, network, Error};

/// The request's redirect mode (`RequestInit.redirect`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RedirectMode {
    /// Follow up to the limit (Fetch's default).
    #[default]
    Follow,
    /// Hand the 3xx response to the caller as it is.
    Manual,
    /// Fail the request when a redirect arrives.
    Error,
}

/// The parts of a request that a redirect may rewrite.
#[derive(Debug, Clone)]
pub struct Hop<B> {
    /// The method of the next request.
    pub method: Method,
    /// The URL of the next request.
    pub url: Url,
    /// The headers of the next request.
    pub headers: HeaderMap,
    /// The body of the next request, when it has one.
    pub body: Option<B>,
}

/// What to do with a response.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Give this response to the caller.
    Deliver,
    /// The hop was rewritten in place; send it.
    Follow,
}

/// Headers that describe a request body: Fetch's "request-body-header
/// names", plus Content-Length, which belongs to the body just the same.
pub const BODY_HEADERS: [HeaderName; 5] = [
    header::CONTENT_ENCODING,
    header::CONTENT_LANGUAGE,
    header::CONTENT_LOCATION,
    header::CONTENT_TYPE,
    header::CONTENT_LENGTH,
];

/// Headers that carry credentials and must not reach another origin.
pub const CREDENTIAL_HEADERS: [HeaderName; 4] = [
    header::AUTHORIZATION,
    header::COOKIE,
    header::PROXY_AUTHORIZATION,
    // The user's Host names the old origin; reqwest fills in the new one.
    header::HOST,
];

/// True for Fetch's "redirect status".
pub fn is_redirect_status(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

/// Decides what a response means for the request in `hop` and, when the
/// redirect is to be followed, rewrites `hop` into the next request.
///
/// `redirects_so_far` counts redirects already followed; `can_replay` tells
/// whether the body can be sent again: bytes can, a stream only when its
/// producer can start over from a source (a Blob's; Fetch's body "source").
pub fn next_step<B>(
    hop: &mut Hop<B>,
    mode: RedirectMode,
    status: u16,
    location: Option<&[u8]>,
    redirects_so_far: u32,
    max_redirects: u32,
    can_replay: bool,
) -> Result<Step, Error> {
    if !is_redirect_status(status) {
        return Ok(Step::Deliver);
    }
    // Fetch §4.3 "HTTP fetch" step 7, switching on the redirect mode comes
    // before the Location is looked at: "error" fails on any redirect
    // status, "manual" hands over the response whatever its Location.
    match mode {
        RedirectMode::Manual => return Ok(Step::Deliver),
        RedirectMode::Error => {
            return Err(network(
                codes::UNEXPECTED_REDIRECT,
                format!("unexpected redirect (status {status}; redirect mode is 'error')"),
            ))
        }
        RedirectMode::Follow => {}
    }
    // §4.4 "HTTP-redirect fetch" step 3: no Location means the response is
    // delivered as is.
    let Some(location) = location else {
        return Ok(Step::Deliver);
    };
    let mut target = parse_location(&hop.url, location)?;
    // 4.4 step 3. If locationURL's scheme is not an HTTP(S) scheme, then
    // return a network error.
    if !matches!(target.scheme(), "http" | "https") {
        return Err(network(
            codes::BAD_REDIRECT,
            format!("redirect to a non-HTTP(S) URL: {target}"),
        ));
    }
    // Step 5. If request's redirect count is 20, return a network error.
    if redirects_so_far >= max_redirects {
        return Err(network(
            codes::TOO_MANY_REDIRECTS,
            format!("more than {max_redirects} redirects"),
        ));
    }
    // Step 11. A body that cannot be replayed cannot follow a redirect that
    // keeps it (anything but 303).
    if status != 303 && hop.body.is_some() && !can_replay {
        return Err(network(
            codes::BAD_REDIRECT,
            "cannot follow a redirect with a streamed request body",
        ));
    }
    // Step 12. If either (301 or 302 and method is POST) or (303 and method
    // is not GET or HEAD): method becomes GET, body null, and the
    // request-body-header names are removed.
    let to_get = (matches!(status, 301 | 302) && hop.method == Method::POST)
        || (status == 303 && hop.method != Method::GET && hop.method != Method::HEAD);
    if to_get {
        hop.method = Method::GET;
        hop.body = None;
        for name in &BODY_HEADERS {
            hop.headers.remove(name);
        }
    }
    // Step 13. Crossing origins drops credentials.
    if hop.url.origin() != target.origin() {
        for name in &CREDENTIAL_HEADERS {
            hop.headers.remove(name);
        }
    }
    // The response's location URL keeps the request's fragment when it has
    // none of its own (Fetch §3.1.4 "location URL", step 4).
    if target.fragment().is_none() {
        if let Some(fragment) = hop.url.fragment() {
            target.set_fragment(Some(fragment));
        }
    }
    hop.url = target;
    Ok(Step::Follow)
}

fn parse_location(base: &Url, location: &[u8]) -> Result<Url, Error> {
    // Location is a byte string; non-ASCII bytes are taken as UTF-8, as
    // browsers and undici do.
    let text = String::from_utf8_lossy(location);
    base.join(text.trim()).map_err(|e| {
        network(
            codes::BAD_REDIRECT,
            format!("invalid redirect location {text:?}: {e}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hop(method: Method, url: &str) -> Hop<&'static str> {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, "Bearer t".parse().unwrap());
        headers.insert(header::COOKIE, "a=b".parse().unwrap());
        headers.insert(header::PROXY_AUTHORIZATION, "Basic x".parse().unwrap());
        headers.insert(header::CONTENT_TYPE, "text/plain".parse().unwrap());
        headers.insert("x-custom", "1".parse().unwrap());
        Hop {
            method,
            url: Url::parse(url).unwrap(),
            headers,
            body: Some("body"),
        }
    }

    fn step(h: &mut Hop<&'static str>, status: u16, loc: &str) -> Result<Step, Error> {
        next_step(
            h,
            RedirectMode::Follow,
            status,
            Some(loc.as_bytes()),
            0,
            20,
            true,
        )
    }

    #[test]
    fn non_redirect_statuses_are_delivered() {
        let mut h = hop(Method::GET, "http://a.test/");
        for status in [200, 204, 300, 304, 404] {
            assert_eq!(step(&mut h, status, "/x").unwrap(), Step::Deliver);
        }
    }

    #[test]
    fn a_redirect_without_location_is_delivered() {
        let mut h = hop(Method::GET, "http://a.test/");
        let s = next_step(&mut h, RedirectMode::Follow, 302, None, 0, 20, true);
        assert_eq!(s.unwrap(), Step::Deliver);
    }

    #[test]
    fn relative_locations_resolve_against_the_current_url() {
        let mut h = hop(Method::GET, "http://a.test/dir/page?q=1#frag");
        assert_eq!(step(&mut h, 301, "next").unwrap(), Step::Follow);
        assert_eq!(h.url.as_str(), "http://a.test/dir/next#frag");
    }

    #[test]
    fn post_becomes_get_on_301_and_302_without_body_headers() {
        for status in [301, 302] {
            let mut h = hop(Method::POST, "http://a.test/");
            step(&mut h, status, "/b").unwrap();
            assert_eq!(h.method, Method::GET);
            assert!(h.body.is_none());
            assert!(h.headers.get(header::CONTENT_TYPE).is_none());
            assert!(h.headers.get("x-custom").is_some());
        }
    }

    #[test]
    fn put_keeps_method_and_body_on_301() {
        let mut h = hop(Method::PUT, "http://a.test/");
        step(&mut h, 301, "/b").unwrap();
        assert_eq!(h.method, Method::PUT);
        assert_eq!(h.body, Some("body"));
    }

    #[test]
    fn see_other_turns_anything_but_head_into_get() {
        let mut h = hop(Method::DELETE, "http://a.test/");
        step(&mut h, 303, "/b").unwrap();
        assert_eq!(h.method, Method::GET);
        assert!(h.body.is_none());
        let mut head = hop(Method::HEAD, "http://a.test/");
        step(&mut head, 303, "/b").unwrap();
        assert_eq!(head.method, Method::HEAD);
    }

    #[test]
    fn temporary_and_permanent_redirects_keep_method_and_body() {
        for status in [307, 308] {
            let mut h = hop(Method::POST, "http://a.test/");
            step(&mut h, status, "/b").unwrap();
            assert_eq!(h.method, Method::POST);
            assert_eq!(h.body, Some("body"));
            assert!(h.headers.get(header::CONTENT_TYPE).is_some());
        }
    }

    #[test]
    fn cross_origin_redirects_drop_credentials() {
        let mut h = hop(Method::GET, "http://a.test/");
        step(&mut h, 302, "http://b.test/").unwrap();
        for name in ["authorization", "cookie", "proxy-authorization"] {
            assert!(h.headers.get(name).is_none(), "{name} kept");
        }
        assert!(h.headers.get("x-custom").is_some());
    }

    #[test]
    fn a_different_port_or_scheme_is_another_origin() {
        let mut h = hop(Method::GET, "http://a.test/");
        step(&mut h, 302, "http://a.test:8080/").unwrap();
        assert!(h.headers.get(header::AUTHORIZATION).is_none());
        let mut h = hop(Method::GET, "http://a.test/");
        step(&mut h, 302, "https://a.test/").unwrap();
        assert!(h.headers.get(header::AUTHORIZATION).is_none());
    }

    #[test]
    fn same_origin_redirects_keep_credentials() {
        let mut h = hop(Method::GET, "http://a.test/x");
        step(&mut h, 307, "/y").unwrap();
        assert!(h.headers.get(header::AUTHORIZATION).is_some());
        assert!(h.headers.get(header::COOKIE).is_some());
    }

    #[test]
    fn the_limit_is_enforced() {
        let mut h = hop(Method::GET, "http://a.test/");
        let r = next_step(&mut h, RedirectMode::Follow, 302, Some(b"/b"), 20, 20, true);
        assert_eq!(r.unwrap_err().code(), codes::TOO_MANY_REDIRECTS);
    }

    #[test]
    fn error_mode_fails_and_manual_mode_delivers() {
        let mut h = hop(Method::GET, "http://a.test/");
        let r = next_step(&mut h, RedirectMode::Error, 302, Some(b"/b"), 0, 20, true);
        assert_eq!(r.unwrap_err().code(), codes::UNEXPECTED_REDIRECT);
        let r = next_step(&mut h, RedirectMode::Manual, 302, Some(b"/b"), 0, 20, true);
        assert_eq!(r.unwrap(), Step::Deliver);
        assert_eq!(h.url.as_str(), "http://a.test/");
    }

    #[test]
    fn the_mode_decides_before_the_location_is_read() {
        // Found by the redirect_step fuzz target (Fetch §4.3 step 7).
        let mut h = hop(Method::POST, "http://a.test/");
        for location in [None, Some(&b"http://[::1"[..])] {
            let r = next_step(&mut h, RedirectMode::Error, 302, location, 0, 20, true);
            assert_eq!(r.unwrap_err().code(), codes::UNEXPECTED_REDIRECT);
            let r = next_step(&mut h, RedirectMode::Manual, 302, location, 0, 20, true);
            assert_eq!(r.unwrap(), Step::Deliver);
        }
        assert_eq!(h.url.as_str(), "http://a.test/");
        assert_eq!(h.method, Method::POST);
    }

    #[test]
    fn non_http_locations_are_network_errors() {
        let mut h = hop(Method::GET, "http://a.test/");
        let r = step(&mut h, 302, "file:///etc/passwd");
        assert_eq!(r.unwrap_err().code(), codes::BAD_REDIRECT);
    }

    #[test]
    fn a_streamed_body_cannot_follow_307_but_can_follow_303() {
        let mut h = hop(Method::POST, "http://a.test/");
        let r = next_step(&mut h, RedirectMode::Follow, 307, Some(b"/b"), 0, 20, false);
        assert_eq!(r.unwrap_err().code(), codes::BAD_REDIRECT);
        let r = next_step(&mut h, RedirectMode::Follow, 303, Some(b"/b"), 0, 20, false);
        assert_eq!(r.unwrap(), Step::Follow);
        assert!(h.body.is_none());
    }
}
