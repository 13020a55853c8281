//! Helpers shared by the integration tests.
//!
//! Each test file compiles this module separately and uses only part of it,
//! hence the `dead_code` allowance.
#![allow(dead_code)]

mod outcome;
pub mod reference;

pub use outcome::run;

use ferrofetch_sse::{Event, Item, Parser};

/// Parses `chunks` with a default parser and `finish()`; panics on error.
pub fn parse(chunks: &[&[u8]]) -> Vec<Item> {
    let outcome = run(Parser::new(), chunks, false);
    assert_eq!(outcome.error, None);
    outcome.items
}

/// Splits `input` at the given (unsorted, possibly out of range) offsets.
pub fn split_at_offsets<'a>(input: &'a [u8], offsets: &[usize]) -> Vec<&'a [u8]> {
    let mut cuts: Vec<usize> = offsets.iter().map(|&o| o % (input.len() + 1)).collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut chunks = Vec::new();
    let mut start = 0;
    for cut in cuts {
        chunks.push(&input[start..cut]);
        start = cut;
    }
    chunks.push(&input[start..]);
    chunks
}

/// Shorthand for an expected event.
pub fn event(event: Option<&str>, data: &str, id: Option<&str>) -> Item {
    Item::Event(Event {
        event: event.map(str::to_owned),
        data: data.to_owned(),
        id: id.map(str::to_owned),
    })
}

/// Only the events among `items`.
pub fn events(items: &[Item]) -> Vec<&Event> {
    items
        .iter()
        .filter_map(|item| match item {
            Item::Event(event) => Some(event),
            _ => None,
        })
        .collect()
}
