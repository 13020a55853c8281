//! The `Referer` header: the Referrer Policy spec's "determine request's
//! referrer" (§8.3) and "set request's referrer policy on redirect" (§8.2),
//! as pure functions the redirect loop calls for every hop.
//!
//! Node has no environment settings object, so the only referrer that can
//! be sent is a URL the request was given (`RequestInit.referrer`); the
//! default "client" sends none, as Node's fetch does.

use std::net::{IpAddr, Ipv4Addr};

use http::HeaderMap;
use url::{Host, Url};

/// A referrer policy (Referrer Policy §3). The empty string of the spec is
/// `None` where a policy is optional.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ReferrerPolicy {
    /// Never send a referrer.
    NoReferrer,
    /// The full URL, except from a trustworthy URL to one that is not.
    NoReferrerWhenDowngrade,
    /// The full URL to the same origin, nothing elsewhere.
    SameOrigin,
    /// Only the origin, always.
    Origin,
    /// Only the origin, except from a trustworthy URL to one that is not.
    StrictOrigin,
    /// The full URL to the same origin, the origin elsewhere.
    OriginWhenCrossOrigin,
    /// Fetch's default (§4.1 "main fetch" step 8): the full URL to the same
    /// origin, the origin elsewhere, nothing on a downgrade.
    #[default]
    StrictOriginWhenCrossOrigin,
    /// The full URL, always.
    UnsafeUrl,
}

impl ReferrerPolicy {
    /// The policy a token names, or `None` for the empty string and anything
    /// that is not a referrer policy.
    pub fn parse(token: &str) -> Option<ReferrerPolicy> {
        Some(match token {
            "no-referrer" => ReferrerPolicy::NoReferrer,
            "no-referrer-when-downgrade" => ReferrerPolicy::NoReferrerWhenDowngrade,
            "same-origin" => ReferrerPolicy::SameOrigin,
            "origin" => ReferrerPolicy::Origin,
            "strict-origin" => ReferrerPolicy::StrictOrigin,
            "origin-when-cross-origin" => ReferrerPolicy::OriginWhenCrossOrigin,
            "strict-origin-when-cross-origin" => ReferrerPolicy::StrictOriginWhenCrossOrigin,
            "unsafe-url" => ReferrerPolicy::UnsafeUrl,
            _ => return None,
        })
    }

    /// Referrer Policy §8.1 "parse a referrer policy from a Referrer-Policy
    /// header": the last token of the header's values that is a policy.
    pub fn from_response(headers: &HeaderMap) -> Option<ReferrerPolicy> {
        headers
            .get_all(http::header::REFERRER_POLICY)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .filter_map(|token| ReferrerPolicy::parse(token.trim_matches([' ', '\t'])))
            .next_back()
    }
}

/// Longest referrer URL sent whole (§8.3 step 6); longer ones are reduced
/// to their origin.
const MAX_REFERRER_LENGTH: usize = 4096;

/// Referrer Policy §8.3 "determine request's referrer" for a request to
/// `current` whose referrer is the URL `referrer`: the URL to send as
/// `Referer`, or `None` for no referrer.
pub fn determine(referrer: &Url, policy: ReferrerPolicy, current: &Url) -> Option<Url> {
    // 4. Let referrerURL be the result of stripping referrerSource for use
    // as a referrer; 5. referrerOrigin, the same with the origin-only flag.
    let mut referrer_url = strip(referrer, false)?;
    let referrer_origin = strip(referrer, true)?;
    // 6. A serialization longer than 4096 is replaced by the origin.
    if referrer_url.as_str().len() > MAX_REFERRER_LENGTH {
        referrer_url = referrer_origin.clone();
    }
    let same_origin = referrer_url.origin() == current.origin();
    let downgrade =
        is_potentially_trustworthy(&referrer_url) && !is_potentially_trustworthy(current);
    // 8. Switch on policy.
    match policy {
        ReferrerPolicy::NoReferrer => None,
        ReferrerPolicy::Origin => Some(referrer_origin),
        ReferrerPolicy::UnsafeUrl => Some(referrer_url),
        ReferrerPolicy::StrictOrigin => (!downgrade).then_some(referrer_origin),
        ReferrerPolicy::StrictOriginWhenCrossOrigin if same_origin => Some(referrer_url),
        ReferrerPolicy::StrictOriginWhenCrossOrigin => (!downgrade).then_some(referrer_origin),
        ReferrerPolicy::SameOrigin => same_origin.then_some(referrer_url),
        ReferrerPolicy::OriginWhenCrossOrigin if same_origin => Some(referrer_url),
        ReferrerPolicy::OriginWhenCrossOrigin => Some(referrer_origin),
        ReferrerPolicy::NoReferrerWhenDowngrade => (!downgrade).then_some(referrer_url),
    }
}

/// Referrer Policy §8.4 "strip url for use as a referrer".
fn strip(url: &Url, origin_only: bool) -> Option<Url> {
    // 2. If url's scheme is a local scheme, then return no referrer.
    if matches!(url.scheme(), "about" | "blob" | "data") {
        return None;
    }
    let mut url = url.clone();
    // 3–4. Username and password become empty (a URL without a host has
    // none, and refuses the call).
    let _ = url.set_username("");
    let _ = url.set_password(None);
    // 5. Set url's fragment to null.
    url.set_fragment(None);
    // 6. Origin-only: path « the empty string », query null.
    if origin_only {
        url.set_path("");
        url.set_query(None);
    }
    Some(url)
}

/// Secure Contexts §3.2 "is url potentially trustworthy?", with §3.1 for
/// its origin (file: counts as trustworthy, as in undici).
fn is_potentially_trustworthy(url: &Url) -> bool {
    match url.scheme() {
        "about" => matches!(url.path(), "blank" | "srcdoc"),
        "data" | "file" | "https" | "wss" => true,
        _ => match url.host() {
            Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
            Some(Host::Ipv6(ip)) => {
                ip.is_loopback() || ip.to_ipv4_mapped() == Some(Ipv4Addr::LOCALHOST)
            }
            Some(Host::Domain(name)) => {
                let name = name.to_ascii_lowercase();
                name == "localhost" || name.ends_with(".localhost")
            }
            None => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReferrerPolicy::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    fn referer(referrer: &str, policy: ReferrerPolicy, to: &str) -> Option<String> {
        determine(&url(referrer), policy, &url(to)).map(String::from)
    }

    #[test]
    fn credentials_and_fragment_are_never_sent() {
        let sent = referer(
            "https://u:p@a.test/page?q=1#frag",
            UnsafeUrl,
            "http://b.test/",
        );
        assert_eq!(sent.as_deref(), Some("https://a.test/page?q=1"));
    }

    #[test]
    fn the_default_sends_the_url_to_the_same_origin_and_the_origin_elsewhere() {
        let p = StrictOriginWhenCrossOrigin;
        let same = referer("http://a.test/page?q=1", p, "http://a.test/other");
        assert_eq!(same.as_deref(), Some("http://a.test/page?q=1"));
        let cross = referer("http://a.test:8080/page?q=1", p, "http://b.test/");
        assert_eq!(cross.as_deref(), Some("http://a.test:8080/"));
    }

    #[test]
    fn strict_policies_send_nothing_from_https_to_http() {
        for p in [
            StrictOriginWhenCrossOrigin,
            StrictOrigin,
            NoReferrerWhenDowngrade,
        ] {
            assert_eq!(
                referer("https://a.test/page", p, "http://b.test/"),
                None,
                "{p:?}"
            );
            assert!(
                referer("https://a.test/page", p, "https://b.test/").is_some(),
                "{p:?}"
            );
        }
        // A loopback address is potentially trustworthy: not a downgrade.
        let to_loopback = referer("https://a.test/page", StrictOrigin, "http://127.0.0.1:9/");
        assert_eq!(to_loopback.as_deref(), Some("https://a.test/"));
        let to_localhost = referer("https://a.test/p", StrictOrigin, "http://x.localhost/");
        assert_eq!(to_localhost.as_deref(), Some("https://a.test/"));
    }

    #[test]
    fn each_policy_reduces_a_cross_origin_referrer_its_own_way() {
        let from = "http://a.test/page?q=1";
        let to = "http://b.test/";
        let full = Some("http://a.test/page?q=1".to_string());
        let origin = Some("http://a.test/".to_string());
        assert_eq!(referer(from, NoReferrer, to), None);
        assert_eq!(referer(from, NoReferrerWhenDowngrade, to), full);
        assert_eq!(referer(from, SameOrigin, to), None);
        assert_eq!(referer(from, Origin, to), origin);
        assert_eq!(referer(from, StrictOrigin, to), origin);
        assert_eq!(referer(from, OriginWhenCrossOrigin, to), origin);
        assert_eq!(referer(from, UnsafeUrl, to), full);
        assert_eq!(referer(from, SameOrigin, "http://a.test/x"), full);
        assert_eq!(referer(from, Origin, "http://a.test/x"), origin);
    }

    #[test]
    fn local_schemes_are_never_sent() {
        for from in [
            "about:blank",
            "data:text/plain,x",
            "blob:http://a.test/uuid",
        ] {
            assert_eq!(referer(from, UnsafeUrl, "http://a.test/"), None, "{from}");
        }
    }

    #[test]
    fn a_referrer_longer_than_4096_is_reduced_to_its_origin() {
        let long = format!("http://a.test/{}", "x".repeat(4096));
        assert_eq!(
            referer(&long, UnsafeUrl, "http://a.test/").as_deref(),
            Some("http://a.test/")
        );
    }

    #[test]
    fn the_last_valid_token_of_a_referrer_policy_header_wins() {
        let mut headers = HeaderMap::new();
        headers.append("referrer-policy", "no-referrer, bogus".parse().unwrap());
        headers.append("referrer-policy", " unsafe-url ,nope".parse().unwrap());
        assert_eq!(ReferrerPolicy::from_response(&headers), Some(UnsafeUrl));
        let mut none = HeaderMap::new();
        none.append("referrer-policy", "bogus, ".parse().unwrap());
        assert_eq!(ReferrerPolicy::from_response(&none), None);
        assert_eq!(ReferrerPolicy::parse(""), None);
    }
}
