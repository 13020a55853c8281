//! The text batch: the parser's items for one chunk encoded as one string,
//! the form in which they cross to JavaScript (the Node binding hands JS one
//! batch per crossing, and JS decodes it in one place, `lib/sse-batch.js`).
//!
//! Each item is four fields, each followed by CR: `tag CR a CR b CR c CR`.
//! CR can never occur inside a parsed field (the parser splits lines on CR,
//! LF and CRLF and joins data lines with LF only), so one string split on
//! CR carries every item with a single string conversion instead of one per
//! field. An absent field is empty.
//!
//! | tag | a | b | c |
//! |---|---|---|---|
//! | `e` event | type (empty: `message`) | data | id (see below) |
//! | `r` retry | | milliseconds | |
//! | `c` comment | | text | |
//! | `i` last event ID | | the new ID | |
//! | `n` notice | kind | value | field name |
//! | `x` too large | | message | |
//! | `z` end of body | | | |
//! | `f` body failed | | | |
//!
//! An event's id is the last event ID in force, empty when none; from a
//! parser with [block ids](crate::Parser::with_block_ids) it is the block's
//! own, empty when the block had none and a single LF when the block had an
//! empty `id` field (no parsed id can contain LF).
//!
//! An `i` item comes, from a block-ids parser, before the event of each
//! block with a valid `id` field (eventsource-parser's `onId`); from a
//! [`BatchParser`] without block ids, last in a batch in which the last
//! event ID changed. Notice kinds: `invalid-retry`, `invalid-id`,
//! `unknown-field`, `incomplete-event`.
//! `x` ends the parsing: a line or an event went over the size limit; the
//! items before it were parsed first, and nothing but `x` follows until a
//! reset. `z` and `f` are written by
//! the transport, not the parser: nothing follows them.

use crate::{Error, EventRef, Item, Notice, Parser, Sink};

/// The one-character tags, by name, for the binding to hand to JS so that
/// both sides use the same table. Each name is also the JS decoder's sink
/// method for the tag (a test checks that they agree).
pub const TAGS: [(&str, char); 8] = [
    ("event", tag::EVENT),
    ("retry", tag::RETRY),
    ("comment", tag::COMMENT),
    ("id", tag::LAST_EVENT_ID),
    ("notice", tag::NOTICE),
    ("tooLarge", tag::TOO_LARGE),
    ("end", tag::END),
    ("failed", tag::FAILED),
];

/// The item tags of a text batch.
pub mod tag {
    /// An event: type, data, id.
    pub const EVENT: char = 'e';
    /// A valid `retry` field: its milliseconds.
    pub const RETRY: char = 'r';
    /// A comment line: its text.
    pub const COMMENT: char = 'c';
    /// The last event ID is now this.
    pub const LAST_EVENT_ID: char = 'i';
    /// A recoverable oddity: kind, value, field name.
    pub const NOTICE: char = 'n';
    /// A line or event over the size limit: the message. Always last.
    pub const TOO_LARGE: char = 'x';
    /// The body ended. Always last.
    pub const END: char = 'z';
    /// The body failed (the transport says why). Always last.
    pub const FAILED: char = 'f';
}

/// A present but empty block id, which would otherwise read as absent.
const EMPTY_ID: &str = "\n";

/// Items appended to one string (see the module docs).
#[derive(Debug, Default)]
pub struct TextBatch {
    /// The encoded items.
    text: String,
    /// How many of them are events (an `eventTimeout` counts only these).
    events: usize,
}

impl TextBatch {
    /// An empty batch with room for `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> Self {
        TextBatch {
            text: String::with_capacity(capacity),
            events: 0,
        }
    }

    /// Appends one item. No field may contain CR.
    pub fn item(&mut self, tag: char, a: &str, b: &str, c: &str) {
        self.text.push(tag);
        for field in [a, b, c] {
            self.text.push('\r');
            self.text.push_str(field);
        }
        self.text.push('\r');
    }

    /// Appends the parser's failure: the size limit was exceeded.
    pub fn too_large(&mut self, error: &Error) {
        // The message is ours and has no CR; make sure it stays one field.
        let message = error.to_string().replace('\r', " ");
        self.item(tag::TOO_LARGE, "", &message, "");
    }

    /// The encoded items.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// How many events the batch holds.
    pub fn events(&self) -> usize {
        self.events
    }

    /// The encoded items, owned.
    pub fn into_string(self) -> String {
        self.text
    }
}

impl Sink for TextBatch {
    fn push(&mut self, item: Item) {
        match item {
            Item::Event(e) => self.event(EventRef {
                event: e.event.as_deref(),
                data: &e.data,
                id: e.id.as_deref(),
            }),
            Item::Retry(ms) => self.item(tag::RETRY, "", &ms.to_string(), ""),
            Item::Comment(text) => self.item(tag::COMMENT, "", &text, ""),
            Item::BlockId(id) => self.item(tag::LAST_EVENT_ID, "", &id, ""),
            Item::Notice(notice) => {
                let (kind, value, field) = match &notice {
                    Notice::InvalidRetry { value } => ("invalid-retry", value.as_str(), ""),
                    Notice::InvalidId { value } => ("invalid-id", value.as_str(), ""),
                    Notice::UnknownField { name, value } => {
                        ("unknown-field", value.as_str(), name.as_str())
                    }
                    Notice::IncompleteEvent => ("incomplete-event", "", ""),
                };
                self.item(tag::NOTICE, kind, value, field);
            }
        }
    }

    /// Events are copied straight from the parser's buffers: no owned
    /// strings in between.
    fn event(&mut self, e: EventRef<'_>) {
        let id = match e.id {
            Some("") => EMPTY_ID,
            id => id.unwrap_or(""),
        };
        self.events += 1;
        self.item(tag::EVENT, e.event.unwrap_or(""), e.data, id);
    }
}

/// A parser whose every call returns a text batch: its failure becomes the
/// batch's last item (after the items parsed before it, which are kept),
/// and without block ids a change of the last event ID ends the batch with
/// an `i` item, so the consumer knows it without asking the parser. After a
/// failure every batch is that failure again until [`BatchParser::reset`],
/// as the parser's every call is.
#[derive(Debug)]
pub struct BatchParser {
    /// The parser.
    parser: Parser,
    /// The last event ID the consumer was told of, when changes are
    /// reported (not with block ids, whose `i` items say it per block).
    reported_id: Option<String>,
}

impl BatchParser {
    /// A parser with the byte limit `max_size` for a line and an event's
    /// data (see [`Parser::with_max_size`]), starting from `last_event_id`
    /// (when resuming).
    pub fn new(max_size: usize, block_ids: bool, last_event_id: Option<&str>) -> Self {
        let mut parser = Parser::with_max_size(max_size).with_block_ids(block_ids);
        parser.set_last_event_id(last_event_id);
        let reported_id = (!block_ids).then(|| parser.last_event_id().unwrap_or("").to_owned());
        BatchParser {
            parser,
            reported_id,
        }
    }

    /// Parses a chunk of bytes; `capacity` is a guess at the batch's size.
    pub fn feed(&mut self, chunk: &[u8], capacity: usize) -> TextBatch {
        self.batch(capacity, |parser, batch| parser.feed(chunk, batch))
    }

    /// End of stream: an unfinished event is discarded.
    pub fn finish(&mut self) -> TextBatch {
        self.batch(64, |parser, batch| parser.finish(batch))
    }

    /// Back to stream start; with `consume`, the pending partial line is
    /// parsed first.
    pub fn reset(&mut self, consume: bool) -> TextBatch {
        self.batch(64, |parser, batch| {
            parser.reset(consume, batch);
            Ok(())
        })
    }

    /// The last event ID in force (`None` when none).
    pub fn last_event_id(&self) -> Option<&str> {
        self.parser.last_event_id()
    }

    fn batch(
        &mut self,
        capacity: usize,
        step: impl FnOnce(&mut Parser, &mut TextBatch) -> Result<(), Error>,
    ) -> TextBatch {
        let mut batch = TextBatch::with_capacity(capacity);
        if let Err(e) = step(&mut self.parser, &mut batch) {
            batch.too_large(&e);
        }
        if let Some(reported) = self.reported_id.as_mut() {
            let id = self.parser.last_event_id().unwrap_or("");
            if id != reported {
                reported.clear();
                reported.push_str(id);
                batch.item(tag::LAST_EVENT_ID, "", id, "");
            }
        }
        batch
    }
}

#[cfg(test)]
mod tests;
