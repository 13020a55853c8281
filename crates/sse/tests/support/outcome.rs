//! Running a parser over a chunked stream to its end, and what it produced.
//! Also compiled into the fuzz target (via `#[path]`), so it only uses `std`
//! and the crate's public types.

use ferrofetch_sse::{Error, Item, Parser};

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
