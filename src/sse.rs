//! Server-Sent Events across the boundary: the Rust parser's items as one
//! text batch per crossing (DESIGN §3: events cross in batches; the iterator
//! and EventSource dispatch in JS). The encoding is
//! `ferrofetch_sse::batch`'s, decoded in JS by `lib/sse-batch.js` alone.

use std::collections::HashMap;

use std::sync::Arc;

use bytes::Bytes;

use ferrofetch_core::{BodyQueue, ChunkTransform, EventClock, Take};
use ferrofetch_sse::batch::{tag, BatchParser, TextBatch, TAGS};
use ferrofetch_sse::DEFAULT_MAX_SIZE;
use napi::bindgen_prelude::*;
use napi::{Env, JsString};
use napi_derive::napi;

/// The text-batch tags by name (`{ event: 'e', … }`): JS reads them from
/// here, so both sides use one table.
#[napi]
pub fn sse_batch_tags() -> HashMap<String, String> {
    TAGS.iter()
        .map(|&(name, tag)| (name.to_owned(), tag.to_string()))
        .collect()
}

/// A batch as a JS string. ASCII (most event streams: JSON, tokens) is
/// valid Latin-1, which V8 copies as it is; anything else is decoded as
/// UTF-8, which a batch or a concatenation of whole batches always is.
pub fn batch_string<'env>(env: &'env Env, text: &[u8]) -> Result<JsString<'env>> {
    if text.is_ascii() {
        return env.create_string_latin1(text);
    }
    let text = std::str::from_utf8(text)
        .map_err(|_| napi::Error::new(Status::GenericFailure, "an event batch is not UTF-8"))?;
    env.create_string(text)
}

/// Batch bytes handed over per stream and read at most, so JS gets a batch
/// (and the event loop a turn) at least this often. Kept under V8's
/// large-object size: a smaller string is allocated in the young
/// generation, not on fresh pages of its own (page faults cost most here).
pub const EVENT_BYTES_PER_CALL: usize = 64 * 1024;

thread_local! {
    /// Where event batches are joined for JS (`readEvents`, `drainReady`):
    /// one buffer per JS thread, reused, rather than one per call (a fresh
    /// large buffer faults its pages in every time) or one per stream
    /// (idle streams must stay small).
    static EVENT_SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` with this thread's event scratch buffer, emptied.
pub fn with_event_scratch<R>(f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
    EVENT_SCRATCH.with_borrow_mut(|text| {
        text.clear();
        f(text)
    })
}

/// Appends the batches `body` (an event stream's, see `EventTransform`)
/// holds to `text`, whole chunks until `text` has `limit` bytes. The body's
/// end or failure becomes the last item (`z` or `f`), so JS never has to
/// probe for it; returns true when it was appended.
pub fn take_event_text(body: &BodyQueue, text: &mut Vec<u8>, limit: usize) -> bool {
    // Each turn takes a chunk or stops: bounded by `limit` and the queue.
    while text.len() < limit {
        let terminal = match body.take_chunk() {
            Take::Chunk(chunk) => {
                text.extend_from_slice(&chunk);
                continue;
            }
            Take::Pending => return false,
            Take::End => tag::END,
            Take::Failed(_) => tag::FAILED,
        };
        let mut item = TextBatch::with_capacity(4);
        item.item(terminal, "", "", "");
        text.extend_from_slice(item.as_str().as_bytes());
        return true;
    }
    false
}

/// The length in UTF-16 code units (a JS string's `length`) of UTF-8 `text`.
pub fn utf16_len(text: &[u8]) -> usize {
    if text.is_ascii() {
        return text.len();
    }
    // A code point counts one unit per leading byte, two when it needs
    // four bytes (a surrogate pair).
    text.iter()
        .map(|&b| usize::from(b & 0xC0 != 0x80) + usize::from(b >= 0xF0))
        .sum()
}

/// The size limit from the JS options.
fn max_size(max_size: Option<f64>) -> usize {
    match max_size {
        Some(n) if n.is_finite() && n >= 1.0 => n as usize,
        _ => DEFAULT_MAX_SIZE,
    }
}

/// Parses a response body as an event stream on the tokio thread, as it
/// arrives: each chunk becomes a text batch, so the JS thread only turns
/// finished events into strings.
pub struct EventTransform {
    parser: BatchParser,
    /// Ticked at each batch holding an event, when `eventTimeout` is set.
    clock: Option<Arc<EventClock>>,
}

impl EventTransform {
    pub fn new(
        max: Option<f64>,
        last_event_id: Option<&str>,
        clock: Option<Arc<EventClock>>,
    ) -> Self {
        EventTransform {
            parser: BatchParser::new(max_size(max), false, last_event_id),
            clock,
        }
    }

    /// Only a dispatched event resets `eventTimeout`: comments, `retry`
    /// and id-only blocks do not.
    fn ticked(&self, batch: ferrofetch_sse::batch::TextBatch) -> Bytes {
        if batch.events() > 0 {
            if let Some(clock) = &self.clock {
                clock.tick();
            }
        }
        Bytes::from(batch.into_string())
    }
}

impl ChunkTransform for EventTransform {
    fn chunk(&mut self, input: &[u8]) -> Bytes {
        // Events are about as long as the bytes they came from.
        let batch = self.parser.feed(input, input.len() + 64);
        self.ticked(batch)
    }

    fn end(&mut self) -> Bytes {
        let batch = self.parser.finish();
        self.ticked(batch)
    }
}

/// A standalone parser, for `createParser()` and bodies made in JS: bytes
/// or text in, text batches out.
#[napi]
pub struct NativeSseParser(BatchParser);

#[napi]
impl NativeSseParser {
    /// `maxSize`: byte limit for a line and an event's data. `blockIds`:
    /// events carry their own block's id, and each block with a valid id
    /// adds an `i` item (eventsource-parser's semantics); without it, a
    /// batch in which the last event ID changed ends with an `i` item.
    /// `lastEventId`: the ID to resume from.
    #[napi(constructor)]
    pub fn new(max: Option<f64>, block_ids: Option<bool>, last_event_id: Option<String>) -> Self {
        NativeSseParser(BatchParser::new(
            max_size(max),
            block_ids.unwrap_or(false),
            last_event_id.as_deref(),
        ))
    }

    /// Parses a chunk of bytes; returns the items it completed.
    #[napi]
    pub fn feed<'env>(&mut self, env: &'env Env, chunk: Uint8ArraySlice) -> Result<JsString<'env>> {
        let batch = self.0.feed(&chunk, chunk.len() + 64);
        batch_string(env, batch.as_str().as_bytes())
    }

    /// Parses a chunk of text (UTF-8 encoded on the way in).
    #[napi]
    pub fn feed_text<'env>(&mut self, env: &'env Env, chunk: String) -> Result<JsString<'env>> {
        let batch = self.0.feed(chunk.as_bytes(), chunk.len() + 64);
        batch_string(env, batch.as_str().as_bytes())
    }

    /// Back to stream start; with `consume`, the pending partial line is
    /// parsed first. Returns what that produced.
    #[napi]
    pub fn reset<'env>(&mut self, env: &'env Env, consume: bool) -> Result<JsString<'env>> {
        batch_string(env, self.0.reset(consume).as_str().as_bytes())
    }

    /// End of stream: discards an unfinished event.
    #[napi]
    pub fn finish<'env>(&mut self, env: &'env Env) -> Result<JsString<'env>> {
        batch_string(env, self.0.finish().as_str().as_bytes())
    }
}
