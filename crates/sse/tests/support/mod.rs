//! Helpers shared by the integration tests.
//!
//! Each test file compiles this module separately and uses only part of it,
//! hence the `dead_code` allowance.
#![allow(dead_code)]

pub mod reference;

use ferrofetch_sse::{Error, Event, Item, Parser};

/// Everything a parser produced for one stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Items pushed before the end or the first error.
    pub items: Vec<Item>,
    /// The first error, if any; nothing is fed after it.
    pub error: Option<Error>,
}

/// Feeds `chunks` to `parser`, then ends with `finish()`, or with
/// `reset(true)` when `consume_at_end` is set.
pub fn run(mut parser: Parser, chunks: &[&[u8]], consume_at_end: bool) -> Outcome {
    let mut items = Vec::new();
    for chunk in chunks {
        if let Err(error) = parser.feed(chunk, &mut items) {
            return Outcome {
                items,
                error: Some(error),
            };
        }
    }
    if consume_at_end {
        parser.reset(true, &mut items);
        return Outcome { items, error: None };
    }
    let error = parser.finish(&mut items).err();
    Outcome { items, error }
}

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
