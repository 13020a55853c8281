//! Server-Sent Events across the boundary: the Rust parser's items as one
//! flat array per batch (DESIGN §3: events cross in batches; the iterator
//! and EventSource dispatch in JS).

use bytes::Bytes;
use std::sync::Arc;

use ferrofetch_core::{ChunkTransform, EventClock};
use ferrofetch_sse::{EventRef, Item, Notice, Parser, DEFAULT_MAX_SIZE};
use napi::bindgen_prelude::*;
use napi_derive::napi;

/// Slots per item in a batch: `[tag, a, b, c]`.
///
/// - event:   `["e", type or null, data, id or null]`
/// - retry:   `["r", null, milliseconds, null]`
/// - comment: `["c", null, text, null]`
/// - block id: `["i", null, id, null]`, from a block with a valid `id`
///   (block-ids parsers only), before that block's event
/// - notice:  `["n", kind, value, field name or null]`, kind one of
///   `invalid-retry`, `invalid-id`, `unknown-field`, `incomplete-event`
/// - failure: `["x", null, message, null]`, always last: a line or event
///   went over the size limit. The items before it were parsed first and
///   are kept, so no event that arrived before the failure is lost.
pub const SLOTS: usize = 4;

/// A batch that can end with the parser's failure.
pub trait FailableBatch: ferrofetch_sse::Sink {
    /// Appends the failure item.
    fn fail(&mut self, error: &ferrofetch_sse::Error);
}

/// Runs one parser call into `batch`; its failure becomes the batch's last
/// item instead of an error that would drop the items parsed before it.
pub fn collect<B: FailableBatch>(
    batch: &mut B,
    step: impl FnOnce(&mut B) -> std::result::Result<(), ferrofetch_sse::Error>,
) -> bool {
    match step(batch) {
        Ok(()) => true,
        Err(e) => {
            batch.fail(&e);
            false
        }
    }
}

/// Appends items to a flat batch.
#[derive(Default)]
pub struct Batch(pub Vec<Option<String>>);

impl ferrofetch_sse::Sink for Batch {
    fn push(&mut self, item: Item) {
        let slots: [Option<String>; SLOTS] = match item {
            Item::Event(e) => [Some("e".into()), e.event, Some(e.data), e.id],
            Item::Retry(ms) => [Some("r".into()), None, Some(ms.to_string()), None],
            Item::Comment(text) => [Some("c".into()), None, Some(text), None],
            Item::Notice(notice) => notice_slots(notice),
            Item::BlockId(id) => [Some("i".into()), None, Some(id), None],
        };
        self.0.extend(slots);
    }
}

impl FailableBatch for Batch {
    fn fail(&mut self, error: &ferrofetch_sse::Error) {
        self.0
            .extend([Some("x".into()), None, Some(error.to_string()), None]);
    }
}

fn notice_slots(notice: Notice) -> [Option<String>; SLOTS] {
    let n = Some("n".to_string());
    match notice {
        Notice::InvalidRetry { value } => [n, Some("invalid-retry".into()), Some(value), None],
        Notice::InvalidId { value } => [n, Some("invalid-id".into()), Some(value), None],
        Notice::UnknownField { name, value } => {
            [n, Some("unknown-field".into()), Some(value), Some(name)]
        }
        Notice::IncompleteEvent => [n, Some("incomplete-event".into()), None, None],
        // A notice kind added later: reported without details.
        _ => [n, Some("other".into()), None, None],
    }
}

/// Appends items to one string, each item as `tag CR a CR b CR c CR`.
///
/// CR can never occur inside a parsed field: the parser splits lines on
/// CR, LF and CRLF, and joins data lines with LF only. So one string per
/// batch, split on CR in JS, carries every event with a single string
/// conversion instead of four per event. `None` becomes the empty string,
/// which the events iterator reads as the spec's defaults ("message", "").
///
/// Items: `e` event (type, data, id), `r` retry (-, ms, -), `i` the last
/// event ID changed (-, id, -; see `EventTransform`), `x` failure
/// (-, message, -).
#[derive(Default)]
pub struct TextBatch {
    /// The items.
    pub text: String,
    /// Events among them (an `eventTimeout` counts only events).
    pub events: usize,
}

impl TextBatch {
    pub(crate) fn item(&mut self, tag: &str, a: &str, b: &str, c: &str) {
        for field in [tag, a, b, c] {
            self.text.push_str(field);
            self.text.push('\r');
        }
    }
}

impl ferrofetch_sse::Sink for TextBatch {
    fn push(&mut self, item: Item) {
        match item {
            Item::Event(e) => self.event(EventRef {
                event: e.event.as_deref(),
                data: &e.data,
                id: e.id.as_deref(),
            }),
            Item::Retry(ms) => self.item("r", "", &ms.to_string(), ""),
            // Comments, notices and block ids are for createParser, which
            // uses the slot batches; the iterators skip them.
            Item::Comment(_) | Item::Notice(_) | Item::BlockId(_) => {}
        }
    }

    /// Events are copied straight from the parser's buffers: no owned
    /// strings in between.
    fn event(&mut self, e: EventRef<'_>) {
        self.events += 1;
        self.item("e", e.event.unwrap_or(""), e.data, e.id.unwrap_or(""));
    }
}

impl FailableBatch for TextBatch {
    fn fail(&mut self, error: &ferrofetch_sse::Error) {
        // The message is ours and has no CR; make sure it stays one field.
        let message = error.to_string().replace('\r', " ");
        self.text.push_str("x\r\r");
        self.text.push_str(&message);
        self.text.push_str("\r\r");
    }
}

/// Parses a response body as an event stream on the tokio thread, as it
/// arrives: each chunk becomes a text batch, so the JS thread only turns
/// finished events into strings. When the last event ID changed, the batch
/// ends with an id item (`i CR CR id CR CR`), so JS knows it without asking
/// the parser. After a failure (an item `x`) nothing more is parsed.
pub struct EventTransform {
    parser: Parser,
    failed: bool,
    /// The last event ID JS was told of.
    reported_id: String,
    /// Ticked at each batch holding an event, when `eventTimeout` is set.
    clock: Option<Arc<EventClock>>,
}

impl EventTransform {
    pub fn new(
        max_size: Option<f64>,
        last_event_id: Option<&str>,
        clock: Option<Arc<EventClock>>,
    ) -> Self {
        let mut parser = new_parser(max_size, false);
        parser.set_last_event_id(last_event_id);
        EventTransform {
            reported_id: parser.last_event_id().unwrap_or("").to_owned(),
            parser,
            failed: false,
            clock,
        }
    }

    fn batch(
        &mut self,
        capacity: usize,
        step: impl FnOnce(&mut Parser, &mut TextBatch) -> std::result::Result<(), ferrofetch_sse::Error>,
    ) -> Bytes {
        if self.failed {
            return Bytes::new();
        }
        let mut batch = TextBatch {
            text: String::with_capacity(capacity),
            events: 0,
        };
        let parser = &mut self.parser;
        self.failed = !collect(&mut batch, |b| step(parser, b));
        // Only a dispatched event resets `eventTimeout`: comments, `retry`
        // and id-only blocks do not.
        if batch.events > 0 {
            if let Some(clock) = &self.clock {
                clock.tick();
            }
        }
        let id = self.parser.last_event_id().unwrap_or("");
        if id != self.reported_id {
            self.reported_id.clear();
            self.reported_id.push_str(id);
            batch.item("i", "", id, "");
        }
        Bytes::from(batch.text)
    }
}

impl ChunkTransform for EventTransform {
    fn chunk(&mut self, input: &[u8]) -> Bytes {
        // Events are about as long as the bytes they came from.
        self.batch(input.len() + 64, |parser, batch| parser.feed(input, batch))
    }

    fn end(&mut self) -> Bytes {
        self.batch(64, |parser, batch| parser.finish(batch))
    }
}

/// Builds a parser from the JS options.
pub fn new_parser(max_size: Option<f64>, block_ids: bool) -> Parser {
    let max = match max_size {
        Some(n) if n.is_finite() && n >= 1.0 => n as usize,
        _ => DEFAULT_MAX_SIZE,
    };
    Parser::with_max_size(max).with_block_ids(block_ids)
}

/// A standalone parser, for `createParser()`: bytes or text in, batches out.
#[napi]
pub struct NativeSseParser {
    parser: Parser,
}

#[napi]
impl NativeSseParser {
    /// `maxSize`: byte limit for a line and an event's data. `blockIds`:
    /// events carry their own block's id, and each block with a valid id
    /// adds an `i` item (eventsource-parser's semantics).
    #[napi(constructor)]
    pub fn new(max_size: Option<f64>, block_ids: Option<bool>) -> Self {
        NativeSseParser {
            parser: new_parser(max_size, block_ids.unwrap_or(false)),
        }
    }

    /// Parses a chunk of bytes; returns the items it completed.
    #[napi]
    pub fn feed(&mut self, chunk: Uint8ArraySlice) -> Vec<Option<String>> {
        let mut batch = Batch::default();
        collect(&mut batch, |b| self.parser.feed(&chunk, b));
        batch.0
    }

    /// Parses a chunk of text (UTF-8 encoded on the way in).
    #[napi]
    pub fn feed_text(&mut self, chunk: String) -> Vec<Option<String>> {
        let mut batch = Batch::default();
        collect(&mut batch, |b| self.parser.feed(chunk.as_bytes(), b));
        batch.0
    }

    /// Back to stream start; with `consume`, the pending partial line is
    /// parsed first. Returns what that produced.
    #[napi]
    pub fn reset(&mut self, consume: bool) -> Vec<Option<String>> {
        let mut batch = Batch::default();
        self.parser.reset(consume, &mut batch);
        batch.0
    }

    /// End of stream: discards an unfinished event.
    #[napi]
    pub fn finish(&mut self) -> Vec<Option<String>> {
        let mut batch = Batch::default();
        collect(&mut batch, |b| self.parser.finish(b));
        batch.0
    }

    /// The last event ID in force ("" when none).
    #[napi(getter)]
    pub fn last_event_id(&self) -> String {
        self.parser.last_event_id().unwrap_or("").to_string()
    }

    /// Sets the last event ID (resuming a stream).
    #[napi(setter)]
    pub fn set_last_event_id(&mut self, id: String) {
        self.parser.set_last_event_id(Some(&id));
    }
}
