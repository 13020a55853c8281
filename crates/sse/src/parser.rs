//! Interpreting lines as fields and dispatching events (HTML §9.2.6).
//!
//! [`Parser`] glues the byte-level [`LineSplitter`] to [`Fields`], which
//! holds the spec's buffers (data, event type, last event ID) and applies
//! the per-line rules: blank line dispatches, `:` starts a comment, the
//! field name ends at the first `:`, one leading space is removed from the
//! value.

use std::borrow::Cow;

use crate::error::{Error, Overflow};
use crate::item::{EventRef, Item, Notice, Sink};
use crate::lines::{LineSplitter, KEEP_CAPACITY};

/// The size limit used by [`Parser::new`]: 16 MiB.
///
/// Far above ordinary events (LLM token streams send a few hundred bytes per
/// event), but high enough for the multi-megabyte base64 payloads that some
/// APIs stream as a single `data` line, such as generated images.
pub const DEFAULT_MAX_SIZE: usize = 16 * 1024 * 1024;

/// An incremental, push-style parser for `text/event-stream` bodies.
///
/// Feed it the body's bytes in chunks of any size with [`feed`](Self::feed);
/// it pushes [`Item`]s into a [`Sink`] (usually a `Vec<Item>`) as soon as
/// they are complete. Call [`finish`](Self::finish) at the end of the body.
/// The result does not depend on how the bytes were split into chunks.
///
/// # Note
///
/// The event-stream format puts no bound on the length of a line or of an
/// event, so a misbehaving or hostile server could make a parser buffer
/// without limit. This parser therefore caps both the length of one line and
/// the size of the data accumulated for one event at a maximum size
/// ([`DEFAULT_MAX_SIZE`] unless set with [`with_max_size`](Self::with_max_size)).
/// Going over it is a fatal [`Error`]. Memory use per parser stays within a
/// small multiple of that size.
///
/// # Examples
///
/// ```
/// use ferrofetch_sse::{Event, Item, Parser};
///
/// let mut parser = Parser::new();
/// let mut items = Vec::new();
/// parser.feed(b"event: greet\nid: 1\ndata: hel", &mut items)?;
/// parser.feed(b"lo\n\n", &mut items)?;
/// parser.finish(&mut items)?;
/// assert_eq!(
///     items,
///     vec![Item::Event(Event {
///         event: Some("greet".into()),
///         data: "hello".into(),
///         id: Some("1".into()),
///     })]
/// );
/// assert_eq!(parser.last_event_id(), Some("1"));
/// # Ok::<(), ferrofetch_sse::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Parser {
    lines: LineSplitter,
    fields: Fields,
    /// Set by the first fatal error; every later call returns it again.
    failed: Option<Error>,
}

impl Default for Parser {
    fn default() -> Self {
        Parser::new()
    }
}

impl Parser {
    /// Creates a parser with the [`DEFAULT_MAX_SIZE`] limit.
    pub fn new() -> Self {
        Parser::with_max_size(DEFAULT_MAX_SIZE)
    }

    /// Creates a parser whose lines and per-event data may not exceed
    /// `max_size` bytes.
    ///
    /// A line is measured in bytes without its terminator; event data is the
    /// spec's data buffer, every `data` value plus one LF each.
    pub fn with_max_size(max_size: usize) -> Self {
        Parser {
            lines: LineSplitter::new(max_size),
            fields: Fields::new(max_size),
            failed: None,
        }
    }

    /// Makes each event's `id` the one its own block set, rather than the
    /// last event ID in force.
    ///
    /// With this on, an event whose block had no `id` field gets `None`, and
    /// an empty `id` field gives `Some("")`: what eventsource-parser reports
    /// (`id` undefined when a block has none), for its drop-in replacement.
    /// The last event ID is tracked either way ([`last_event_id`]), and
    /// each block with a valid `id` field also pushes an [`Item::BlockId`].
    ///
    /// [`last_event_id`]: Self::last_event_id
    pub fn with_block_ids(mut self, on: bool) -> Self {
        self.fields.block_ids = on;
        self
    }

    /// The size limit in bytes for one line and for one event's data.
    pub fn max_size(&self) -> usize {
        self.fields.max_data
    }

    /// Parses the next chunk of the stream, pushing completed items to `out`.
    ///
    /// Chunks may split lines, CRLF pairs, the BOM and multi-byte characters
    /// anywhere.
    ///
    /// # Errors
    ///
    /// Fails with [`ErrorKind::MaxSizeExceeded`](crate::ErrorKind) when a
    /// line or an event's data grows past [`max_size`](Self::max_size). The
    /// items completed before that point have been pushed to `out`. The
    /// parser then stays failed: every call returns the same error until
    /// [`reset`](Self::reset).
    pub fn feed(&mut self, chunk: &[u8], out: &mut impl Sink) -> Result<(), Error> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        let fields = &mut self.fields;
        let result = self.lines.feed(chunk, |line| fields.line(line, out));
        if let Err(error) = &result {
            self.failed = Some(error.clone());
        }
        result
    }

    /// Ends the stream, discarding an unfinished event and partial line.
    ///
    /// The spec says "once the end of the file is reached, any pending data
    /// must be discarded": an event without its closing blank line is not
    /// dispatched, and an `id` field in that unfinished block does not change
    /// the last event ID. When something was thrown away this way,
    /// [`Notice::IncompleteEvent`] is pushed to `out`.
    ///
    /// Afterwards the parser is back at stream start (a BOM is stripped
    /// again), ready for the body of a reconnection; the last event ID is
    /// kept.
    ///
    /// # Errors
    ///
    /// Returns the fatal error if the parser has failed, and then changes
    /// nothing.
    pub fn finish(&mut self, out: &mut impl Sink) -> Result<(), Error> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        if self.lines.has_partial() || !self.fields.data.is_empty() {
            out.push(Item::Notice(Notice::IncompleteEvent));
        }
        self.lines.reset();
        self.fields.discard();
        Ok(())
    }

    /// Returns to stream start, e.g. before reading a reconnection's body.
    ///
    /// Clears the partial line, the unfinished event, the "BOM seen" state
    /// and a fatal error. With `consume`, the pending partial line is first
    /// parsed as if it had been terminated (eventsource-parser v3's
    /// `reset({consume: true})`), so a trailing comment, `retry` or notice
    /// still reaches `out`; whatever that line adds to the unfinished event
    /// (data, event type, id) is discarded with it. Nothing is consumed when
    /// the parser had failed, since its partial line is not trustworthy.
    ///
    /// The last event ID is kept, as the spec keeps it across reconnections:
    /// it is what the next request sends as `Last-Event-ID`. Use
    /// [`set_last_event_id`](Self::set_last_event_id) to change it.
    pub fn reset(&mut self, consume: bool, out: &mut impl Sink) {
        let failed = self.failed.take().is_some();
        let line = self.lines.take_partial();
        if consume && !failed && !line.is_empty() {
            // The only possible error is the data limit, and the data this
            // line would add is discarded just below anyway.
            let _ = self.fields.line(&line, out);
        }
        self.fields.discard();
    }

    /// The last event ID in force, as sent in `Last-Event-ID` on reconnect.
    ///
    /// It is updated at each blank line (dispatch), whether or not an event
    /// was dispatched, from the most recent valid `id` field. `None` means
    /// the spec's empty string: never set, or cleared by an empty `id`.
    pub fn last_event_id(&self) -> Option<&str> {
        Some(self.fields.last_event_id.as_str()).filter(|id| !id.is_empty())
    }

    /// Replaces the last event ID, e.g. to resume from a persisted one.
    ///
    /// `Some("")` is the same as `None`. An `id` field already read in the
    /// current, unfinished block still takes effect at its blank line.
    pub fn set_last_event_id(&mut self, id: Option<&str>) {
        self.fields.last_event_id.clear();
        self.fields.last_event_id.push_str(id.unwrap_or(""));
    }
}

/// The spec's per-stream buffers and the per-line rules.
///
/// Every buffer is reused from event to event, so a steady stream parses
/// without allocating: events reach the sink borrowed ([`EventRef`]).
#[derive(Debug, Clone)]
struct Fields {
    /// The data buffer: each `data` value followed by LF.
    data: String,
    /// The event type buffer.
    event_type: String,
    /// The spec's last event ID buffer for the current block, committed to
    /// `last_event_id` at the next blank line. Kept apart so an unfinished
    /// block can be discarded entirely.
    pending_id: String,
    /// Whether the current block had a valid `id` field (`pending_id`
    /// holds its value, possibly empty).
    has_pending_id: bool,
    /// The last event ID string; empty means none.
    last_event_id: String,
    max_data: usize,
    /// Events carry their own block's `id` (see `Parser::with_block_ids`).
    block_ids: bool,
}

impl Fields {
    fn new(max_data: usize) -> Self {
        Fields {
            data: String::new(),
            event_type: String::new(),
            pending_id: String::new(),
            has_pending_id: false,
            last_event_id: String::new(),
            max_data,
            block_ids: false,
        }
    }

    /// Processes one complete line (without terminator).
    ///
    /// Works on bytes and decodes only the pieces it keeps: splitting at the
    /// ASCII bytes `:` and space before decoding gives the same text as
    /// decoding first, and the field names compared are pure ASCII.
    fn line(&mut self, line: &[u8], out: &mut impl Sink) -> Result<(), Error> {
        let Some(&first) = line.first() else {
            self.dispatch(out);
            return Ok(());
        };
        if first == b':' {
            let text = strip_space(&line[1..]);
            out.push(Item::Comment(decode(text).into_owned()));
            return Ok(());
        }
        let (name, value) = match line.iter().position(|&b| b == b':') {
            Some(colon) => (&line[..colon], strip_space(&line[colon + 1..])),
            // A line without a colon is a field name with an empty value.
            None => (line, &[][..]),
        };
        match name {
            b"data" => return self.append_data(value),
            b"event" => {
                self.event_type.clear();
                self.event_type.push_str(&decode(value));
            }
            // A NUL in the text can only come from a 0x00 byte: decoding
            // never produces U+0000 from anything else.
            b"id" if value.contains(&0) => out.push(Item::Notice(Notice::InvalidId {
                value: decode(value).into_owned(),
            })),
            b"id" => {
                self.pending_id.clear();
                self.pending_id.push_str(&decode(value));
                self.has_pending_id = true;
            }
            b"retry" => match parse_retry(value) {
                Some(millis) => out.push(Item::Retry(millis)),
                None => out.push(Item::Notice(Notice::InvalidRetry {
                    value: decode(value).into_owned(),
                })),
            },
            _ => out.push(Item::Notice(Notice::UnknownField {
                name: decode(name).into_owned(),
                value: decode(value).into_owned(),
            })),
        }
        Ok(())
    }

    fn append_data(&mut self, value: &[u8]) -> Result<(), Error> {
        let text = decode(value);
        // Checked before growing, so the buffer itself never exceeds the cap.
        if self.data.len() + text.len() + 1 > self.max_data {
            return Err(Error::max_size(Overflow::Data, self.max_data));
        }
        self.data.push_str(&text);
        self.data.push('\n');
        Ok(())
    }

    /// Handles a blank line: the spec's "dispatch the event" steps.
    fn dispatch(&mut self, out: &mut impl Sink) {
        // Step 1: the last event ID buffer becomes the last event ID, whether
        // or not an event follows. Swapped, not copied: `pending_id` keeps
        // the block's id for block-id events and is cleared below.
        let had_id = std::mem::take(&mut self.has_pending_id);
        if had_id {
            std::mem::swap(&mut self.last_event_id, &mut self.pending_id);
            if self.block_ids {
                out.push(Item::BlockId(self.last_event_id.clone()));
            }
        }
        if !self.data.is_empty() {
            let id = if !self.block_ids {
                Some(self.last_event_id.as_str()).filter(|id| !id.is_empty())
            } else if had_id {
                // After the swap the block's own id is `last_event_id`.
                Some(self.last_event_id.as_str())
            } else {
                None
            };
            out.event(EventRef {
                event: Some(self.event_type.as_str()).filter(|t| !t.is_empty()),
                // Non-empty data always ends with the LF appended after each
                // value; the spec removes that last one.
                data: &self.data[..self.data.len() - 1],
                id,
            });
            self.clear_data();
        }
        self.event_type.clear();
        self.pending_id.clear();
    }

    /// Drops the unfinished event, including an uncommitted `id`.
    fn discard(&mut self) {
        self.clear_data();
        self.event_type.clear();
        self.pending_id.clear();
        self.has_pending_id = false;
    }

    fn clear_data(&mut self) {
        // The buffer is reused between events (the event gets an exact-size
        // copy), but one huge event should not pin its memory forever.
        self.data.clear();
        if self.data.capacity() > KEEP_CAPACITY {
            self.data.shrink_to(KEEP_CAPACITY);
        }
    }
}

/// Removes exactly one leading U+0020 SPACE, if present.
fn strip_space(value: &[u8]) -> &[u8] {
    value.strip_prefix(b" ").unwrap_or(value)
}

/// The spec's UTF-8 decode: invalid sequences become U+FFFD.
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    // Valid text (nearly all of it) takes the standard library's fast
    // validation, which checks ASCII a word at a time; the lossy decoder
    // goes byte by byte, and runs only when there is something to replace.
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// Parses a `retry` value: one or more ASCII digits, base ten.
///
/// Saturates at `u64::MAX` instead of rejecting huge values, since the spec
/// accepts any run of digits.
fn parse_retry(value: &[u8]) -> Option<u64> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(value.iter().fold(0u64, |acc, &digit| {
        acc.saturating_mul(10)
            .saturating_add(u64::from(digit - b'0'))
    }))
}

#[cfg(test)]
mod block_id_tests;

#[cfg(test)]
mod tests;
