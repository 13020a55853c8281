//! What the parser hands back: events, retry hints, comments and notices.
//!
//! The parser does not call user code per field; it pushes [`Item`]s into a
//! [`Sink`]. A `Vec<Item>` is the usual sink, because the Node binding moves
//! items across the JS boundary in batches, one batch per chunk.

/// One dispatched event (HTML §9.2.6, "dispatch the event").
///
/// The spec's defaults are left to the caller so that "absent" stays
/// distinguishable from "present": map `event: None` to `"message"` and
/// `id: None` to `""` to get exactly the `MessageEvent` a browser builds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Event {
    /// The event type, or `None` when the block set none.
    ///
    /// An `event` field with an empty value also gives `None`: the spec
    /// treats an empty event type buffer as "use `message`", exactly like a
    /// missing field.
    pub event: Option<String>,
    /// The data lines of the block joined with LF (the final LF removed).
    pub data: String,
    /// The last event ID in force when the event was dispatched.
    ///
    /// This is the stream's last event ID, not just this block's `id` field:
    /// it persists across events until an `id` field changes it. `None` when
    /// no ID was ever set, or when it was cleared by an empty `id` field (the
    /// spec's empty string, which also means "send no `Last-Event-ID`").
    pub id: Option<String>,
}

/// A recoverable oddity in the stream.
///
/// The spec says to ignore these lines; they are reported only so that a
/// caller can log them. Parsing always continues normally after a notice.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Notice {
    /// A `retry` field whose value is not a non-empty run of ASCII digits.
    ///
    /// The reconnection time is left unchanged.
    InvalidRetry {
        /// The rejected value (after the usual single leading space removal).
        value: String,
    },
    /// An `id` field whose value contains U+0000 NULL.
    ///
    /// The last event ID is left unchanged.
    InvalidId {
        /// The rejected value.
        value: String,
    },
    /// A field other than `event`, `data`, `id` and `retry`.
    UnknownField {
        /// The field name.
        name: String,
        /// The field value.
        value: String,
    },
    /// The stream ended in the middle of an event, which was discarded.
    ///
    /// Reported by [`Parser::finish`](crate::Parser::finish) when data lines
    /// were not followed by a blank line, or when the stream stopped in the
    /// middle of a line. A server that forgets the final blank line causes
    /// this, and the spec says to drop that last event.
    IncompleteEvent,
}

impl std::fmt::Display for Notice {
    /// A one-line description, for logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Notice::InvalidRetry { value } => {
                write!(f, "ignored retry field with non-digit value {value:?}")
            }
            Notice::InvalidId { value } => {
                write!(f, "ignored id field containing NUL: {value:?}")
            }
            Notice::UnknownField { name, value } => {
                write!(f, "ignored unknown field {name:?} (value {value:?})")
            }
            Notice::IncompleteEvent => {
                write!(f, "stream ended inside an event, which was discarded")
            }
        }
    }
}

/// One output of the parser, in stream order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A complete event, dispatched by a blank line.
    Event(Event),
    /// A valid `retry` field: the new reconnection time in milliseconds.
    ///
    /// Values too large for a `u64` saturate to `u64::MAX` (the spec allows
    /// any run of digits).
    Retry(u64),
    /// A comment line (a line starting with `:`).
    ///
    /// The text after the colon, with exactly one leading space removed if
    /// present (the semantics of eventsource-parser v3's `onComment`), so
    /// `": ping"` gives `"ping"` and `":  x"` gives `" x"`.
    Comment(String),
    /// A recoverable oddity; see [`Notice`].
    Notice(Notice),
    /// The block a blank line just ended had a valid `id` field: its value
    /// (empty for an empty field), pushed before the block's event if any.
    ///
    /// Only with [`Parser::with_block_ids`](crate::Parser::with_block_ids),
    /// for eventsource-parser 4.1's `onId`, which runs for blocks without
    /// `data` too. Other callers read
    /// [`Parser::last_event_id`](crate::Parser::last_event_id) instead.
    BlockId(String),
}

/// A receiver for the parser's [`Item`]s.
///
/// Implemented for `Vec<Item>` (items are appended) and for any
/// `FnMut(Item)` closure.
pub trait Sink {
    /// Receives the next item, in stream order.
    fn push(&mut self, item: Item);

    /// Receives the next event, borrowed from the parser's buffers.
    ///
    /// The default makes it owned and calls [`push`](Self::push). A sink
    /// that copies the fields anyway (into a batch) overrides this and so
    /// saves the parser three allocations per event.
    fn event(&mut self, event: EventRef<'_>) {
        self.push(Item::Event(event.to_owned()));
    }
}

/// An event as the parser holds it at dispatch: the same fields as
/// [`Event`], borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventRef<'a> {
    /// The event type, or `None` when the block set none.
    pub event: Option<&'a str>,
    /// The data lines of the block joined with LF.
    pub data: &'a str,
    /// The last event ID in force (or the block's own, see
    /// [`Parser::with_block_ids`](crate::Parser::with_block_ids)).
    pub id: Option<&'a str>,
}

impl EventRef<'_> {
    /// The owned [`Event`].
    pub fn to_owned(&self) -> Event {
        Event {
            event: self.event.map(str::to_owned),
            data: self.data.to_owned(),
            id: self.id.map(str::to_owned),
        }
    }
}

impl Sink for Vec<Item> {
    fn push(&mut self, item: Item) {
        Vec::push(self, item);
    }
}

impl<F: FnMut(Item)> Sink for F {
    fn push(&mut self, item: Item) {
        self(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vec_sink_appends_in_order() {
        let mut out = Vec::new();
        Sink::push(&mut out, Item::Retry(1));
        Sink::push(&mut out, Item::Comment("x".into()));
        assert_eq!(out, vec![Item::Retry(1), Item::Comment("x".into())]);
    }

    #[test]
    fn notice_display_names_the_problem() {
        let notice = Notice::UnknownField {
            name: "foo".into(),
            value: "bar".into(),
        };
        assert_eq!(
            notice.to_string(),
            r#"ignored unknown field "foo" (value "bar")"#
        );
        assert!(Notice::IncompleteEvent.to_string().contains("discarded"));
    }

    #[test]
    fn closure_sink_sees_every_item() {
        let mut seen = 0;
        let mut sink = |_item: Item| seen += 1;
        sink.push(Item::Retry(1));
        sink.push(Item::Retry(2));
        assert_eq!(seen, 2);
    }
}
