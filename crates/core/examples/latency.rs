//! Sequential request latency through the core, against a URL given as the
//! first argument (for profiling; not part of the test suite).
use ferrofetch_core::{Read, RequestSpec};

mod common;

fn main() {
    let common::Setup { url, rt, client } = common::setup("latency URL");
    rt.block_on(async {
        for round in 0..3 {
            let n = 2000;
            let t0 = std::time::Instant::now();
            for _ in 0..n {
                let (ex, task) = client.start(RequestSpec::get(url.parse().unwrap()));
                tokio::spawn(task);
                ex.head().await.unwrap();
                let mut buf = [0u8; 64];
                loop {
                    match ex.read_into(&mut buf) {
                        Read::Pending => ex.body().readable().await,
                        Read::Bytes(_) => {}
                        _ => break,
                    }
                }
            }
            println!(
                "round {round}: {:.0} us/request",
                t0.elapsed().as_micros() as f64 / n as f64
            );
        }
        let http = reqwest::Client::new();
        let t0 = std::time::Instant::now();
        for _ in 0..2000 {
            http.get(&url).send().await.unwrap().bytes().await.unwrap();
        }
        println!(
            "plain reqwest: {:.0} us/request",
            t0.elapsed().as_micros() as f64 / 2000.0
        );
    });
}
