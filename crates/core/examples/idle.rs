//! Memory per open, idle response through the core (for profiling; not a
//! test): opens N requests to the URL and prints RSS growth per request.
use ferrofetch_core::RequestSpec;

mod common;

fn rss_kib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4
}

fn main() {
    let common::Setup { url, rt, client } = common::setup("idle URL [N]");
    let n: u64 = std::env::args()
        .nth(2)
        .map(|s| s.parse().unwrap())
        .unwrap_or(2000);
    rt.block_on(async {
        let mut keep = Vec::new();
        let warm = {
            let (ex, task) = client.start(RequestSpec::get(url.parse().unwrap()));
            println!(
                "request task future: {} bytes",
                std::mem::size_of_val(&task)
            );
            tokio::spawn(task);
            ex.head().await.unwrap();
            ex
        };
        drop(warm);
        let before = rss_kib();
        for _ in 0..n {
            let (ex, task) = client.start(RequestSpec::get(url.parse().unwrap()));
            tokio::spawn(task);
            ex.head().await.unwrap();
            keep.push(ex);
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let after = rss_kib();
        println!(
            "{:.1} KiB per open response",
            (after - before) as f64 / n as f64
        );
    });
}
