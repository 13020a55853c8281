//! Turning [`ClientOptions`](crate::ClientOptions) into reqwest clients:
//! TLS roots and identity, proxies, HTTP version policy. Decompression is
//! ours (`decode`), not reqwest's.

use std::sync::OnceLock;
use std::time::Duration;

use http::HeaderMap;

use crate::error::{invalid_arg, Error};

/// Response headers accepted in one HTTP/1 message.
const MAX_RESPONSE_HEADERS: usize = 1024;

/// Which HTTP versions a client speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HttpVersion {
    /// HTTP/2 when TLS's ALPN agrees, else HTTP/1.1.
    #[default]
    Auto,
    /// HTTP/1.1 only.
    Http1Only,
    /// HTTP/2 without negotiation, also over cleartext (h2c, prior knowledge).
    Http2PriorKnowledge,
}

/// Where requests go through a proxy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ProxySetting {
    /// From `HTTP_PROXY` / `HTTPS_PROXY` / `ALL_PROXY` / `NO_PROXY`.
    #[default]
    FromEnv,
    /// Never use a proxy.
    Disabled,
    /// Every request through this proxy (http, https or socks5 URL, with
    /// credentials in the URL's userinfo).
    Url(String),
}

/// TLS settings. rustls verifies certificates with the platform's roots
/// and the bundled (Mozilla) ones unless told otherwise.
#[derive(Clone, Debug, Default)]
pub struct TlsOptions {
    /// Extra trusted roots, PEM (each may hold several certificates).
    pub ca: Vec<Vec<u8>>,
    /// A client certificate chain and its private key, PEM.
    pub identity: Option<(Vec<u8>, Vec<u8>)>,
    /// Accept any certificate. For development against self-signed
    /// servers only: it disables the protection TLS exists for.
    pub dangerously_accept_invalid_certs: bool,
}

/// The parts of a reqwest client that vary per request.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub(crate) struct Variant {
    pub connect_timeout: Option<Duration>,
    /// Keeps no idle connection, so every request opens a new one: the
    /// retry of a 421 Misdirected Request (Fetch §4.6 step 16) must not
    /// land on the connection that refused it.
    pub fresh_connection: bool,
}

/// Parsed TLS material, checked once when the client is made.
#[derive(Clone, Default)]
pub(crate) struct Tls {
    roots: Vec<reqwest::Certificate>,
    identity: Option<reqwest::Identity>,
    insecure: bool,
}

impl Tls {
    pub(crate) fn parse(options: &TlsOptions) -> Result<Tls, Error> {
        let mut roots = Vec::new();
        for pem in &options.ca {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| invalid_arg(format!("invalid CA certificate PEM: {e}")))?;
            if certs.is_empty() {
                return Err(invalid_arg("a CA PEM holds no certificate"));
            }
            roots.extend(certs);
        }
        let identity =
            match &options.identity {
                None => None,
                Some((cert, key)) => {
                    // rustls takes the key and the chain from one PEM buffer.
                    let mut both = key.clone();
                    both.push(b'\n');
                    both.extend_from_slice(cert);
                    Some(reqwest::Identity::from_pem(&both).map_err(|e| {
                        invalid_arg(format!("invalid client certificate or key: {e}"))
                    })?)
                }
            };
        Ok(Tls {
            roots,
            identity,
            insecure: options.dangerously_accept_invalid_certs,
        })
    }
}

/// Mozilla's root certificates (the `webpki-root-certs` crate), parsed
/// once per process.
pub(crate) fn bundled_roots() -> &'static [reqwest::Certificate] {
    static ROOTS: OnceLock<Vec<reqwest::Certificate>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            // A bundled certificate that does not parse is skipped rather
            // than failing every client: the platform's roots remain.
            .filter_map(|der| reqwest::Certificate::from_der(der.as_ref()).ok())
            .collect()
    })
}

/// Everything of a client's configuration that reqwest needs.
pub(crate) struct Settings<'a> {
    pub pool_idle_timeout: Option<Duration>,
    pub pool_max_idle_per_host: usize,
    pub user_agent: &'a str,
    pub default_headers: &'a HeaderMap,
    pub http: HttpVersion,
    pub proxy: &'a ProxySetting,
    pub tls: &'a Tls,
}

pub(crate) fn build(settings: &Settings<'_>, variant: Variant) -> Result<reqwest::Client, Error> {
    let mut builder = reqwest::Client::builder()
        // Redirects are ours (Fetch semantics), never reqwest's.
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(settings.pool_idle_timeout)
        .pool_max_idle_per_host(if variant.fresh_connection {
            0
        } else {
            settings.pool_max_idle_per_host
        })
        .user_agent(settings.user_agent)
        .default_headers(settings.default_headers.clone())
        .tcp_nodelay(true)
        // hyper stops at 100 response headers; Node's fetch has no such
        // count limit (only a size limit), and real servers send more.
        .http1_max_headers(MAX_RESPONSE_HEADERS)
        // Reports observed requests' connection attempts (undici's client
        // channels); a connection nobody observes pays one task-local read.
        .connector_layer(crate::connect_observe::ObserveConnects);
    // reqwest sets TCP_USER_TIMEOUT to 30 s, and Linux counts a closed
    // receive window against it: an upload to a live server that reads
    // nothing for half a minute (backpressure) would be cut with ETIMEDOUT.
    // Node's fetch sets no such limit; dead peers are still found by TCP
    // keepalive, and `timeout`/`readTimeout` bound a request when asked.
    #[cfg(any(target_os = "android", target_os = "fuchsia", target_os = "linux"))]
    {
        builder = builder.tcp_user_timeout(None);
    }
    if let Some(t) = variant.connect_timeout {
        builder = builder.connect_timeout(t);
    }
    builder = match settings.http {
        HttpVersion::Auto => builder,
        HttpVersion::Http1Only => builder.http1_only(),
        HttpVersion::Http2PriorKnowledge => builder.http2_prior_knowledge(),
    };
    builder = match settings.proxy {
        ProxySetting::FromEnv => builder,
        ProxySetting::Disabled => builder.no_proxy(),
        ProxySetting::Url(url) => builder.proxy(
            reqwest::Proxy::all(url.as_str())
                .map_err(|e| invalid_arg(format!("invalid proxy URL {url:?}: {e}")))?,
        ),
    };
    let tls = settings.tls;
    // The platform verifier trusts the system's roots; these are added to
    // them: the bundled store, then the user's `ca`.
    builder = builder.tls_certs_merge(bundled_roots().iter().cloned());
    if !tls.roots.is_empty() {
        builder = builder.tls_certs_merge(tls.roots.iter().cloned());
    }
    if let Some(identity) = &tls.identity {
        builder = builder.identity(identity.clone());
    }
    if tls.insecure {
        builder = builder.tls_danger_accept_invalid_certs(true);
    }
    builder
        .build()
        .map_err(|e| invalid_arg(format!("could not build the client: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_root_parses() {
        let roots = bundled_roots();
        assert!(roots.len() > 100, "only {} bundled roots", roots.len());
        assert_eq!(roots.len(), webpki_root_certs::TLS_SERVER_ROOT_CERTS.len());
    }
}
