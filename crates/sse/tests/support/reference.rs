//! A deliberately naive model of HTML §9.2.6, used as a test oracle.
//!
//! It follows the spec's wording as literally as possible on the *whole*
//! input: strip one BOM, decode everything, split into lines char by char,
//! then run the field rules on `&str`. No chunking, no byte tricks, no
//! limits, so it shares none of the streaming parser's risky code paths.
//! It is also compiled into the fuzz target (via `#[path]`), so it only uses
//! `std` and the crate's public types.

use ferrofetch_sse::{Event, Item, Notice};

/// What the parser should output for `input` followed by `finish()`.
pub fn reference(input: &[u8]) -> Vec<Item> {
    let bytes = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let text = String::from_utf8_lossy(bytes);

    let mut lines = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                lines.push(std::mem::take(&mut current));
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
            }
            '\n' => lines.push(std::mem::take(&mut current)),
            other => current.push(other),
        }
    }

    let mut model = Model::default();
    for line in &lines {
        model.line(line);
    }
    if !current.is_empty() || !model.data.is_empty() {
        model.out.push(Item::Notice(Notice::IncompleteEvent));
    }
    model.out
}

/// The spec's buffers, kept as plain strings like the spec does.
#[derive(Default)]
pub struct Model {
    pub data: String,
    pub event_type: String,
    pub last_event_id_buffer: String,
    pub last_event_id: String,
    pub out: Vec<Item>,
}

impl Model {
    pub fn line(&mut self, line: &str) {
        if line.is_empty() {
            self.dispatch();
        } else if let Some(comment) = line.strip_prefix(':') {
            let comment = comment.strip_prefix(' ').unwrap_or(comment);
            self.out.push(Item::Comment(comment.to_string()));
        } else if let Some((name, value)) = line.split_once(':') {
            let value = value.strip_prefix(' ').unwrap_or(value);
            self.field(name, value);
        } else {
            self.field(line, "");
        }
    }

    fn field(&mut self, name: &str, value: &str) {
        match name {
            "event" => self.event_type = value.to_string(),
            "data" => {
                self.data.push_str(value);
                self.data.push('\n');
            }
            "id" => {
                if value.contains('\0') {
                    self.out.push(Item::Notice(Notice::InvalidId {
                        value: value.to_string(),
                    }));
                } else {
                    self.last_event_id_buffer = value.to_string();
                }
            }
            "retry" => {
                if !value.is_empty() && value.chars().all(|c| c.is_ascii_digit()) {
                    let millis = value.parse::<u64>().unwrap_or(u64::MAX);
                    self.out.push(Item::Retry(millis));
                } else {
                    self.out.push(Item::Notice(Notice::InvalidRetry {
                        value: value.to_string(),
                    }));
                }
            }
            _ => self.out.push(Item::Notice(Notice::UnknownField {
                name: name.to_string(),
                value: value.to_string(),
            })),
        }
    }

    fn dispatch(&mut self) {
        self.last_event_id = self.last_event_id_buffer.clone();
        if self.data.is_empty() {
            self.event_type.clear();
            return;
        }
        if self.data.ends_with('\n') {
            self.data.pop();
        }
        let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
        self.out.push(Item::Event(Event {
            event: non_empty(&self.event_type),
            data: std::mem::take(&mut self.data),
            id: non_empty(&self.last_event_id),
        }));
        self.event_type.clear();
    }
}
