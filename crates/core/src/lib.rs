//! The HTTP core of ferrofetch: a client with connection pools, requests
//! with Fetch-standard redirects, time limits and real cancellation, and a
//! bounded body queue that JS drains synchronously.
//!
//! No napi here: the binding converts JS values into [`RequestSpec`] and
//! spawns the future [`Client::start`] returns on its runtime.
#![deny(missing_docs)]

mod body;
mod body_pump;
mod chunk_pool;
mod client;
mod config;
mod connect_observe;
mod decode;
mod error;
mod event_timeout;
mod exchange;
mod head_slot;
mod observe;
mod origin_gate;
mod redirect;
mod referrer;
mod request_headers;
mod send;
pub mod test_hooks;
mod upload;

pub use body::{BodyQueue, ChunkTransform, Read, Take, DEFAULT_HIGH_WATER_MARK};
pub use chunk_pool::ChunkPool;
pub use client::{Client, ClientOptions};
pub use config::{HttpVersion, ProxySetting, TlsOptions};
pub use connect_observe::ConnectEvent;
pub use error::{codes, Error, Kind};
pub use event_timeout::EventClock;
pub use exchange::{Exchange, RequestSpec, ResponseHead};
pub use head_slot::HeadCallback;
pub use observe::{Observed, RedirectHop, SentHead};
pub use redirect::RedirectMode;
/// The redirect step itself and the header lists it rewrites, public only
/// for the `redirect_step` fuzz target in `fuzz/`; not API.
#[doc(hidden)]
pub use redirect::{is_redirect_status, next_step, Hop, Step, BODY_HEADERS, CREDENTIAL_HEADERS};
pub use referrer::ReferrerPolicy;
pub use request_headers::{append_combined, CacheMode, RequestMode};
pub use upload::{RequestBody, StreamBody};
