//! The one fatal error of the parser: a size limit was exceeded.
//!
//! Everything else the event-stream format can throw at a parser is
//! recoverable by design (§9.2.6 says to ignore bad fields), so those cases
//! are reported as [`Notice`](crate::Notice)s instead of errors.

use std::fmt;

/// What kind of fatal error stopped the parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A line, or the data accumulated for one event, grew past the
    /// parser's maximum size.
    MaxSizeExceeded,
}

/// Which buffer outgrew the limit; only used to word the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Overflow {
    /// A single line (without its terminator).
    Line,
    /// The data buffer of one event (data lines plus their LFs).
    Data,
}

/// A fatal parse error.
///
/// Once [`Parser::feed`](crate::Parser::feed) has returned an error, the
/// parser stays failed and returns the same error until
/// [`Parser::reset`](crate::Parser::reset) is called.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Error {
    kind: ErrorKind,
    overflow: Overflow,
    limit: usize,
}

impl Error {
    /// Builds a size error for the given buffer and limit.
    pub(crate) fn max_size(overflow: Overflow, limit: usize) -> Self {
        Error {
            kind: ErrorKind::MaxSizeExceeded,
            overflow,
            limit,
        }
    }

    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The size limit in bytes that was exceeded.
    pub fn limit(&self) -> usize {
        self.limit
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.overflow {
            Overflow::Line => write!(
                f,
                "event stream line longer than the maximum of {} bytes",
                self.limit
            ),
            Overflow::Data => write!(
                f,
                "event data larger than the maximum of {} bytes",
                self.limit
            ),
        }
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_buffer_and_the_limit() {
        let line = Error::max_size(Overflow::Line, 10);
        assert_eq!(
            line.to_string(),
            "event stream line longer than the maximum of 10 bytes"
        );
        let data = Error::max_size(Overflow::Data, 7);
        assert_eq!(
            data.to_string(),
            "event data larger than the maximum of 7 bytes"
        );
        assert_eq!(data.kind(), ErrorKind::MaxSizeExceeded);
        assert_eq!(data.limit(), 7);
    }

    #[test]
    fn error_is_a_std_error_and_thread_safe() {
        fn check<T: std::error::Error + Send + Sync + 'static>() {}
        check::<Error>();
    }
}
