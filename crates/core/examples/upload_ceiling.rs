//! The fastest a streamed upload can go through the core on this machine
//! (for profiling; not a test): a Rust thread pushes a static 64 KiB
//! buffer (no JS, no copy) into the body queue while hyper sends it.
//! Prints MB/s for a few 2 GiB uploads to URL (the bench server's /upload).
use std::sync::Arc;

use ferrofetch_core::{BodyQueue, RequestBody, RequestSpec};

mod common;

static CHUNK: [u8; 64 * 1024] = [0x75; 64 * 1024];
const CHUNKS: usize = 32 * 1024;
const ROUNDS: usize = 4;

fn main() {
    let common::Setup { url, rt, client } = common::setup("upload_ceiling URL");
    for _ in 0..ROUNDS {
        let queue = Arc::new(BodyQueue::new(1 << 20));
        let mut spec = RequestSpec::get(url.parse().unwrap());
        spec.method = http::Method::POST;
        spec.body = Some(RequestBody::stream(queue.clone()));
        let started = std::time::Instant::now();
        let (exchange, task) = client.start(spec);
        rt.spawn(task);
        // The producer runs on a thread of its own, as JS does.
        let producer = std::thread::spawn(move || {
            let local = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            local.block_on(async {
                for _ in 0..CHUNKS {
                    queue.push(bytes::Bytes::from_static(&CHUNK));
                    if !queue.has_space() && !queue.wait_for_space().await {
                        break;
                    }
                }
                queue.finish(Ok(()));
            });
        });
        let head = rt.block_on(exchange.head()).unwrap();
        producer.join().unwrap();
        let bytes = (CHUNKS * CHUNK.len()) as f64;
        println!(
            "HTTP {}: {:.0} MB/s",
            head.status,
            bytes / 1e6 / started.elapsed().as_secs_f64()
        );
    }
}
