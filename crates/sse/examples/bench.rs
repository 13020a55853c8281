//! Parse-throughput benchmark for `ferrofetch-sse`.
//!
//! Run with `cargo run --release -p ferrofetch-sse --example bench`.
//!
//! Parses the shared fixtures and a generated stream of 1,000,000 events of
//! about 100 bytes each (id, event name, two data lines), feeding each in
//! 16 KiB chunks (a typical socket read) and in 64-byte chunks (a stress
//! case for the partial-line path). Items are drained after every chunk, the
//! way the Node binding hands batches to JS. Every row is bounded: it stops
//! after `MIN_TIME` or `MAX_PASSES` passes, whichever comes first (but runs
//! at least one pass), so the whole run takes a few seconds.

use std::hint::black_box;
use std::time::{Duration, Instant};

use ferrofetch_sse::{Item, Parser};

const MIN_TIME: Duration = Duration::from_millis(500);
const MAX_PASSES: u32 = 20_000;
const GENERATED_EVENTS: usize = 1_000_000;
const CHUNK_SIZES: [usize; 2] = [16 * 1024, 64];

/// One full parse of `input`; returns the number of events seen.
fn parse_once(input: &[u8], chunk_size: usize, items: &mut Vec<Item>) -> usize {
    let mut parser = Parser::new();
    let mut events = 0;
    for chunk in input.chunks(chunk_size) {
        parser.feed(chunk, items).expect("benchmark input is valid");
        events += count_events(items);
        black_box(&items);
        items.clear();
    }
    parser.finish(items).expect("benchmark input is valid");
    events + count_events(items)
}

fn count_events(items: &[Item]) -> usize {
    items
        .iter()
        .filter(|item| matches!(item, Item::Event(_)))
        .count()
}

/// A stream of `n` events like `id: 42\nevent: update\ndata: {...}\ndata: {...}\n\n`.
fn generated_stream(n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n * 104);
    for i in 0..n {
        let line = format!(
            "id: {i}\nevent: update\ndata: {{\"seq\":{i},\"text\":\"lorem ipsum dolor\"}}\ndata: {{\"done\":false}}\n\n"
        );
        out.extend_from_slice(line.as_bytes());
    }
    out
}

fn main() {
    let generated = generated_stream(GENERATED_EVENTS);
    let workloads: [(&str, &[u8]); 4] = [
        ("llm_chat.sse", include_bytes!("../fixtures/llm_chat.sse")),
        (
            "llm_messages.sse",
            include_bytes!("../fixtures/llm_messages.sse"),
        ),
        (
            "ids_events_multiline.sse",
            include_bytes!("../fixtures/ids_events_multiline.sse"),
        ),
        ("generated 1M events", &generated),
    ];

    println!(
        "{:<26} {:>6} {:>12} {:>9} {:>7} {:>10} {:>13}",
        "workload", "chunk", "bytes", "events", "passes", "MB/s", "events/s"
    );
    let mut items = Vec::new();
    for (name, input) in workloads {
        for chunk_size in CHUNK_SIZES {
            let start = Instant::now();
            let mut passes = 0u32;
            let mut events = 0usize;
            while passes == 0 || (start.elapsed() < MIN_TIME && passes < MAX_PASSES) {
                events = parse_once(input, chunk_size, &mut items);
                passes += 1;
            }
            let seconds = start.elapsed().as_secs_f64();
            let total_bytes = input.len() as f64 * f64::from(passes);
            let total_events = events as f64 * f64::from(passes);
            println!(
                "{:<26} {:>6} {:>12} {:>9} {:>7} {:>10.1} {:>13.0}",
                name,
                chunk_size,
                input.len(),
                events,
                passes,
                total_bytes / seconds / 1e6,
                total_events / seconds,
            );
        }
    }
}
