//! Setup shared by the core's profiling examples: each takes a URL as its
//! first argument and runs the core on a one-thread runtime.

use ferrofetch_core::{Client, ClientOptions};
use tokio::runtime::Runtime;

/// What every example starts from.
pub struct Setup {
    /// The URL from the command line.
    pub url: String,
    /// A multi-thread runtime with one worker, so that a profile shows the
    /// connection tasks on one thread.
    pub rt: Runtime,
    /// A client with default options, made on `rt`.
    pub client: Client,
}

/// Reads the URL argument (exits with `usage` when it is missing) and makes
/// the runtime and the client.
pub fn setup(usage: &str) -> Setup {
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| panic!("usage: {usage}"));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let client = rt.block_on(async { Client::new(ClientOptions::default()).unwrap() });
    Setup { url, rt, client }
}
