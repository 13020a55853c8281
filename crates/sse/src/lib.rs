//! A Server-Sent Events parser: bytes in, events out, no I/O.
//!
//! Implements the HTML Living Standard, §9.2.6 "Interpreting an event
//! stream"
//! (<https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation>):
//! UTF-8 decoding with U+FFFD for invalid sequences and one leading BOM
//! stripped, lines ended by CRLF, LF or CR, comments, the `event`, `data`,
//! `id` and `retry` fields, dispatch on blank lines, and the rule that an
//! unfinished event at the end of the stream is discarded.
//!
//! The parser is push-based and chunk-agnostic: [`Parser::feed`] accepts the
//! body in chunks split at arbitrary byte positions (inside a CRLF, a BOM or
//! a multi-byte character) and produces exactly the items it would produce
//! for the whole body at once. It has no dependencies and does no I/O, so a
//! transport (hyper, the Node binding, a test) drives it.
//!
//! Where the spec leaves room, this crate chooses:
//!
//! - Comments are reported as [`Item::Comment`] with one leading space
//!   removed, like eventsource-parser v3's `onComment`.
//! - Lines the spec says to ignore (unknown fields, bad `retry`, `id` with
//!   NUL) are reported as [`Notice`]s, which callers may log or drop.
//! - Line length and per-event data size are capped (see [`Parser`]);
//!   exceeding the cap is the only fatal [`Error`].
//!
//! ```
//! use ferrofetch_sse::{Item, Parser};
//!
//! let mut parser = Parser::new();
//! let mut items = Vec::new();
//! for chunk in [&b"data: {\"tok"[..], b"en\":\"Hi\"}\n", b"\n: keep-alive\n"] {
//!     parser.feed(chunk, &mut items)?;
//! }
//! parser.finish(&mut items)?;
//! match &items[0] {
//!     Item::Event(event) => assert_eq!(event.data, r#"{"token":"Hi"}"#),
//!     other => panic!("unexpected {other:?}"),
//! }
//! assert_eq!(items[1], Item::Comment("keep-alive".into()));
//! # Ok::<(), ferrofetch_sse::Error>(())
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod batch;
mod error;
mod item;
mod lines;
mod parser;

pub use error::{Error, ErrorKind};
pub use item::{Event, EventRef, Item, Notice, Sink};
pub use parser::{Parser, DEFAULT_MAX_SIZE};
