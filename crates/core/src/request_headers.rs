//! Request header lists as Node's fetch sends them: Fetch's "combine" of
//! repeated names and the headers fetch adds (in undici's order).

use http::header::{
    HeaderMap, HeaderName, HeaderValue, ACCEPT, ACCEPT_ENCODING, ACCEPT_LANGUAGE, CACHE_CONTROL,
    CONTENT_LENGTH, COOKIE, IF_MATCH, IF_MODIFIED_SINCE, IF_NONE_MATCH, IF_RANGE,
    IF_UNMODIFIED_SINCE, PRAGMA, REFERER, USER_AGENT,
};
use http::Method;
use url::Url;

/// `Sec-Fetch-Mode`, which the http crate has no constant for.
const SEC_FETCH_MODE: HeaderName = HeaderName::from_static("sec-fetch-mode");

/// The request's mode (`RequestInit.mode`), sent as `Sec-Fetch-Mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RequestMode {
    /// Fetch's default for a request made from a URL.
    #[default]
    Cors,
    /// `no-cors`.
    NoCors,
    /// `same-origin`.
    SameOrigin,
}

impl RequestMode {
    /// The mode a `RequestInit.mode` string names (`navigate` is refused by
    /// the Request constructor before it gets here).
    pub fn parse(mode: &str) -> Option<RequestMode> {
        match mode {
            "cors" => Some(RequestMode::Cors),
            "no-cors" => Some(RequestMode::NoCors),
            "same-origin" => Some(RequestMode::SameOrigin),
            _ => None,
        }
    }

    fn header_value(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            RequestMode::Cors => "cors",
            RequestMode::NoCors => "no-cors",
            RequestMode::SameOrigin => "same-origin",
        })
    }
}

/// The request's cache mode (`RequestInit.cache`). There is no HTTP cache
/// here; the mode only decides the cache headers sent, as in Node's fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CacheMode {
    /// `default`.
    #[default]
    Default,
    /// `no-store`.
    NoStore,
    /// `reload`.
    Reload,
    /// `no-cache`.
    NoCache,
    /// `force-cache`.
    ForceCache,
    /// `only-if-cached`.
    OnlyIfCached,
}

impl CacheMode {
    /// The mode a `RequestInit.cache` string names.
    pub fn parse(mode: &str) -> Option<CacheMode> {
        Some(match mode {
            "default" => CacheMode::Default,
            "no-store" => CacheMode::NoStore,
            "reload" => CacheMode::Reload,
            "no-cache" => CacheMode::NoCache,
            "force-cache" => CacheMode::ForceCache,
            "only-if-cached" => CacheMode::OnlyIfCached,
            _ => return None,
        })
    }
}

/// Fetch §2.2.2 "append" to a header list sent as one field per name: a
/// name already present gets the value joined to its own ("combine"), so
/// `x: 1` and `x: 2` go out as `x: 1, 2`. Cookies are joined with `; `
/// (RFC 6265 §5.4 allows one Cookie field only), as undici joins them.
pub fn append_combined(headers: &mut HeaderMap, name: HeaderName, value: HeaderValue) {
    let joined = match headers.get(&name) {
        None => None,
        Some(old) => {
            let separator: &[u8] = if name == COOKIE { b"; " } else { b", " };
            let mut bytes = Vec::with_capacity(old.len() + separator.len() + value.len());
            bytes.extend_from_slice(old.as_bytes());
            bytes.extend_from_slice(separator);
            bytes.extend_from_slice(value.as_bytes());
            // Both parts were valid values and the separator is too.
            HeaderValue::from_bytes(&bytes).ok()
        }
    };
    match joined {
        // `insert` keeps the name where it first appeared.
        Some(joined) => {
            headers.insert(name, joined);
        }
        None => {
            headers.insert(name, value);
        }
    }
}

/// The headers fetch adds to a request for each hop, after the request's
/// own: Fetch §4.1 "main fetch" steps 12–13 and §4.6 "HTTP-network-or-cache
/// fetch" steps 8.11–8.19, in the order undici appends them.
pub(crate) struct AddedHeaders<'a> {
    /// The client's headers, which reqwest adds where the request has none:
    /// a header set there is the request's own as far as defaults go.
    pub client_defaults: &'a HeaderMap,
    /// The request's mode, for `Sec-Fetch-Mode`.
    pub mode: RequestMode,
    /// The request's cache mode, for `Cache-Control` and `Pragma`.
    pub cache: CacheMode,
    /// The client's `User-Agent`.
    pub user_agent: &'a str,
    /// The `Accept-Encoding` to send unless the request has one.
    pub accept_encoding: Option<HeaderValue>,
}

impl AddedHeaders<'_> {
    /// The header list of one hop: `own` (the request's headers, as the
    /// redirect steps left them) with fetch's additions and `referer`, for
    /// a request of `method` with or without a body.
    pub fn for_hop(
        &self,
        own: &HeaderMap,
        referer: Option<&Url>,
        method: &Method,
        has_body: bool,
    ) -> HeaderMap {
        let mut headers = own.clone();
        // Main fetch step 12: `Accept: */*` (no destination here).
        if self.absent(&headers, &ACCEPT) {
            headers.insert(ACCEPT, HeaderValue::from_static("*/*"));
        }
        // Step 13: "user agents should append `Accept-Language`/an
        // appropriate value"; Node's fetch sends `*`.
        if self.absent(&headers, &ACCEPT_LANGUAGE) {
            headers.insert(ACCEPT_LANGUAGE, HeaderValue::from_static("*"));
        }
        // HTTP-network-or-cache fetch step 8.11: the referrer, appended
        // (a Referer the request set itself is combined with it, as undici
        // does).
        if let Some(url) = referer {
            if let Ok(value) = HeaderValue::from_str(url.as_str()) {
                append_combined(&mut headers, REFERER, value);
            }
        }
        // Step 8.13, Fetch Metadata §5.3: `Sec-Fetch-Mode` is set, replacing
        // any value the request gave.
        headers.insert(SEC_FETCH_MODE, self.mode.header_value());
        // Step 8.14: the default `User-Agent`.
        if self.absent(&headers, &USER_AGENT) {
            if let Ok(value) = HeaderValue::from_str(self.user_agent) {
                headers.insert(USER_AGENT, value);
            }
        }
        self.add_cache_headers(&mut headers);
        // Steps 8.18–8.19: the codings we decode (or `identity` for a range).
        if let Some(value) = &self.accept_encoding {
            if self.absent(&headers, &ACCEPT_ENCODING) {
                headers.insert(ACCEPT_ENCODING, value.clone());
            }
        }
        // Step 8.6: a POST or PUT without a body says so with
        // `Content-Length: 0` (a body's own length hyper writes itself);
        // undici's HTTP/1 writer does the same for every method that
        // "expects a payload", which is what Node's fetch sends.
        if !has_body && expects_payload(method) && !headers.contains_key(CONTENT_LENGTH) {
            headers.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
        }
        headers
    }
}

impl AddedHeaders<'_> {
    /// True when neither the request nor the client sets `name`.
    fn absent(&self, headers: &HeaderMap, name: &HeaderName) -> bool {
        !headers.contains_key(name) && !self.client_defaults.contains_key(name)
    }

    /// HTTP-network-or-cache fetch steps 8.15–8.17: the headers that tell
    /// caches on the way what the cache mode asks.
    fn add_cache_headers(&self, headers: &mut HeaderMap) {
        let conditional = [
            IF_MODIFIED_SINCE,
            IF_NONE_MATCH,
            IF_UNMODIFIED_SINCE,
            IF_MATCH,
            IF_RANGE,
        ];
        let mut cache = self.cache;
        // 8.15. "default" with a conditional header becomes "no-store".
        if cache == CacheMode::Default && conditional.iter().any(|n| headers.contains_key(n)) {
            cache = CacheMode::NoStore;
        }
        // 8.16. "no-cache": `Cache-Control: max-age=0` unless one is set.
        if cache == CacheMode::NoCache && self.absent(headers, &CACHE_CONTROL) {
            headers.insert(CACHE_CONTROL, HeaderValue::from_static("max-age=0"));
        }
        // 8.17. "no-store" and "reload": `Pragma` and `Cache-Control`
        // `no-cache`, each unless set.
        if matches!(cache, CacheMode::NoStore | CacheMode::Reload) {
            for name in [PRAGMA, CACHE_CONTROL] {
                if self.absent(headers, &name) {
                    headers.insert(name, HeaderValue::from_static("no-cache"));
                }
            }
        }
    }
}

/// The methods undici's HTTP/1 writer sends `Content-Length: 0` for when
/// they have no body.
fn expects_payload(method: &Method) -> bool {
    matches!(
        method.as_str(),
        "POST" | "PUT" | "PATCH" | "QUERY" | "PROPFIND" | "PROPPATCH"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(headers: &HeaderMap) -> Vec<&str> {
        headers.keys().map(HeaderName::as_str).collect()
    }

    #[test]
    fn repeated_names_are_combined_in_the_first_ones_place() {
        let mut headers = HeaderMap::new();
        for (name, value) in [("x", "1"), ("y", "a"), ("X", "2"), ("x", "")] {
            let name = HeaderName::from_bytes(name.as_bytes()).unwrap();
            append_combined(&mut headers, name, HeaderValue::from_static(value));
        }
        assert_eq!(names(&headers), ["x", "y"]);
        assert_eq!(headers.get_all("x").iter().count(), 1);
        assert_eq!(headers["x"], "1, 2, ");
    }

    #[test]
    fn cookies_are_combined_with_a_semicolon() {
        let mut headers = HeaderMap::new();
        append_combined(&mut headers, COOKIE, HeaderValue::from_static("a=1"));
        append_combined(&mut headers, COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(headers[COOKIE], "a=1; b=2");
    }

    fn added(client_defaults: &HeaderMap) -> AddedHeaders<'_> {
        AddedHeaders {
            client_defaults,
            mode: RequestMode::Cors,
            cache: CacheMode::Default,
            user_agent: "ua/1",
            accept_encoding: Some(HeaderValue::from_static("gzip")),
        }
    }

    #[test]
    fn fetch_adds_its_headers_after_the_requests_own_in_undicis_order() {
        let none = HeaderMap::new();
        let mut own = HeaderMap::new();
        own.insert("x-own", HeaderValue::from_static("1"));
        let referer = Url::parse("http://a.test/").unwrap();
        let headers = added(&none).for_hop(&own, Some(&referer), &Method::GET, false);
        assert_eq!(
            names(&headers),
            [
                "x-own",
                "accept",
                "accept-language",
                "referer",
                "sec-fetch-mode",
                "user-agent",
                "accept-encoding"
            ]
        );
        assert_eq!(headers[ACCEPT_LANGUAGE], "*");
        assert_eq!(headers[SEC_FETCH_MODE], "cors");
        assert_eq!(headers[REFERER], "http://a.test/");
    }

    #[test]
    fn the_requests_own_headers_and_the_clients_win_over_the_defaults() {
        let mut client = HeaderMap::new();
        client.insert(ACCEPT, HeaderValue::from_static("text/html"));
        let mut own = HeaderMap::new();
        own.insert(ACCEPT_LANGUAGE, HeaderValue::from_static("fr"));
        own.insert(SEC_FETCH_MODE, HeaderValue::from_static("navigate"));
        own.insert(ACCEPT_ENCODING, HeaderValue::from_static("br"));
        let headers = added(&client).for_hop(&own, None, &Method::GET, false);
        // The client's Accept is added by reqwest, not here.
        assert!(headers.get(ACCEPT).is_none());
        assert_eq!(headers[ACCEPT_LANGUAGE], "fr");
        assert_eq!(headers[ACCEPT_ENCODING], "br");
        // Sec-Fetch-Mode is the request's mode whatever was set.
        assert_eq!(headers[SEC_FETCH_MODE], "cors");
        assert!(headers.get(REFERER).is_none());
    }

    #[test]
    fn a_method_expecting_a_payload_without_a_body_sends_content_length_zero() {
        let none = HeaderMap::new();
        let own = HeaderMap::new();
        for method in [Method::POST, Method::PUT, Method::PATCH] {
            let headers = added(&none).for_hop(&own, None, &method, false);
            assert_eq!(headers[CONTENT_LENGTH], "0");
            let with_body = added(&none).for_hop(&own, None, &method, true);
            assert!(with_body.get(CONTENT_LENGTH).is_none());
        }
        for method in [Method::GET, Method::DELETE, Method::OPTIONS] {
            let headers = added(&none).for_hop(&own, None, &method, false);
            assert!(headers.get(CONTENT_LENGTH).is_none(), "{method}");
        }
    }

    #[test]
    fn the_cache_mode_decides_the_cache_headers() {
        let none = HeaderMap::new();
        let sent = |cache: CacheMode, own: &[(&'static str, &'static str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in own {
                map.insert(*name, HeaderValue::from_static(value));
            }
            let added = AddedHeaders {
                cache,
                ..added(&none)
            };
            let headers = added.for_hop(&map, None, &Method::GET, false);
            [PRAGMA, CACHE_CONTROL].map(|n| headers.get(n).map(|v| v.to_str().unwrap().to_string()))
        };
        let no_cache = Some("no-cache".to_string());
        assert_eq!(sent(CacheMode::Default, &[]), [None, None]);
        assert_eq!(sent(CacheMode::ForceCache, &[]), [None, None]);
        assert_eq!(
            sent(CacheMode::NoCache, &[]),
            [None, Some("max-age=0".into())]
        );
        assert_eq!(
            sent(CacheMode::NoCache, &[("cache-control", "a")]),
            [None, Some("a".into())]
        );
        assert_eq!(
            sent(CacheMode::NoStore, &[]),
            [no_cache.clone(), no_cache.clone()]
        );
        assert_eq!(
            sent(CacheMode::Reload, &[]),
            [no_cache.clone(), no_cache.clone()]
        );
        // A conditional request in "default" mode is sent as "no-store".
        assert_eq!(
            sent(CacheMode::Default, &[("if-none-match", "\"e\"")]),
            [no_cache.clone(), no_cache]
        );
    }
}
