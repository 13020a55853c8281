//! Chunking must never change what the SSE parser produces, and it must
//! never panic.
//!
//! Input layout: `[split, config, stream...]`.
//! - `split` seeds the chunk boundaries (a small xorshift generator picks
//!   chunk lengths up to `split % 32 + 1`, sometimes inserting empty chunks).
//! - `config` bit 7 selects a tiny size limit (`(config & 0x3F) * 3` bytes)
//!   instead of the default, so the fatal-error path is fuzzed too; bit 6
//!   ends the stream with `reset(true)` instead of `finish()`.
//!
//! Checks: split feeding gives the same items and error as whole feeding;
//! without a limit or consume, the output equals the naive reference model
//! shared with the crate's tests; under a limit, no event data exceeds it.
#![no_main]

use ferrofetch_sse::{Item, Parser};
use libfuzzer_sys::fuzz_target;

#[path = "../../crates/sse/tests/support/reference.rs"]
mod reference;

#[path = "../../crates/sse/tests/support/outcome.rs"]
mod outcome;
use outcome::run;

/// Cuts `stream` into pseudo-random chunks chosen by `seed`.
fn chunks(stream: &[u8], seed: u8) -> Vec<&[u8]> {
    let span = usize::from(seed % 32) + 1;
    let mut state = u32::from(seed) | 0x100; // never zero
    let mut out = Vec::new();
    let mut rest = stream;
    while !rest.is_empty() {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        if state & 0xF000_0000 == 0 {
            out.push(&rest[..0]);
        }
        let len = (state as usize % span + 1).min(rest.len());
        out.push(&rest[..len]);
        rest = &rest[len..];
    }
    out
}

fuzz_target!(|input: &[u8]| {
    let [split, config, stream @ ..] = input else {
        return;
    };
    let limit = (config & 0x80 != 0).then(|| usize::from(config & 0x3F) * 3);
    let consume = config & 0x40 != 0;

    let parser = || limit.map_or_else(Parser::new, Parser::with_max_size);
    let whole = run(parser(), &[stream], consume);
    let split = run(parser(), &chunks(stream, *split), consume);
    assert_eq!(whole, split, "chunking changed the output");

    match limit {
        None if !consume => {
            assert_eq!(whole.error, None);
            assert_eq!(
                whole.items,
                reference::reference(stream),
                "differs from the model"
            );
        }
        Some(max) => {
            for item in &whole.items {
                if let Item::Event(event) = item {
                    assert!(event.data.len() < max.max(1), "event data over the limit");
                }
            }
        }
        None => {}
    }
});
