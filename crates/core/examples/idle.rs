//! Memory per open, idle response through the core (for profiling; not a
//! test): opens N requests to the URL and prints RSS growth per request,
//! and, from a counting global allocator, the Rust heap they hold: bytes
//! and allocations per request, by allocation size. `IDLE_PLAIN=1`: the
//! same through plain reqwest, for comparison.
use ferrofetch_core::{Read, RequestSpec};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering::Relaxed};

mod common;

/// Size classes of the histogram: allocations of up to 2^k bytes, k < 24.
const CLASSES: usize = 24;

/// The system allocator, counting what is live: bytes, and allocations by
/// size class.
struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);
static LIVE_BY_CLASS: [AtomicIsize; CLASSES] = [const { AtomicIsize::new(0) }; CLASSES];

fn class(size: usize) -> usize {
    (size.max(1).next_power_of_two().trailing_zeros() as usize).min(CLASSES - 1)
}

// SAFETY: every call is forwarded to the system allocator unchanged; the
// counters are only statistics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size() as isize, Relaxed);
        LIVE_BY_CLASS[class(layout.size())].fetch_add(1, Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as isize, Relaxed);
        LIVE_BY_CLASS[class(layout.size())].fetch_sub(1, Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE_BYTES.fetch_add(new_size as isize - layout.size() as isize, Relaxed);
        LIVE_BY_CLASS[class(layout.size())].fetch_sub(1, Relaxed);
        LIVE_BY_CLASS[class(new_size)].fetch_add(1, Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// What the counters say now.
fn live() -> (isize, [isize; CLASSES]) {
    (
        LIVE_BYTES.load(Relaxed),
        std::array::from_fn(|k| LIVE_BY_CLASS[k].load(Relaxed)),
    )
}

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
        let (bytes_before, classes_before) = live();
        // With IDLE_PLAIN set, plain reqwest responses instead: what the
        // core adds to reqwest's and hyper's own per-connection state.
        let plain = std::env::var_os("IDLE_PLAIN").is_some();
        let http = reqwest::Client::new();
        let mut keep_plain = Vec::new();
        for _ in 0..n {
            if plain {
                keep_plain.push(http.get(&url).send().await.unwrap());
                continue;
            }
            let (ex, task) = client.start(RequestSpec::get(url.parse().unwrap()));
            tokio::spawn(task);
            ex.head().await.unwrap();
            // Consumed as far as it came, as a reader waiting for more
            // has it (the first chunk would pin hyper's read buffer).
            let mut buf = [0u8; 256];
            while let Read::Bytes(_) = ex.read_into(&mut buf) {}
            keep.push(ex);
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let after = rss_kib();
        let (bytes_after, classes_after) = live();
        println!(
            "{:.1} KiB RSS per open response; Rust heap {:.0} bytes per open response",
            (after - before) as f64 / n as f64,
            (bytes_after - bytes_before) as f64 / n as f64
        );
        for k in 0..CLASSES {
            let per = (classes_after[k] - classes_before[k]) as f64 / n as f64;
            if per.abs() >= 0.05 {
                println!(
                    "  allocations of <= {:>7} bytes: {per:.2} per open response",
                    1u64 << k
                );
            }
        }
    });
}
