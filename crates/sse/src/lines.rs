//! Splitting a chunked byte stream into lines (HTML §9.2.6, first part).
//!
//! The spec decodes the whole stream as UTF-8 (stripping one leading BOM)
//! and then splits it at CRLF, LF or CR. This module does the equivalent on
//! raw bytes, chunk by chunk:
//!
//! - CR (0x0D) and LF (0x0A) never occur inside a multi-byte UTF-8 sequence,
//!   and the UTF-8 decoder turns a broken sequence followed by an ASCII byte
//!   into U+FFFD followed by that byte. So splitting bytes first and decoding
//!   each complete line afterwards gives exactly the spec's result, even when
//!   a character is split across chunks.
//! - The BOM is recognised only in the first three bytes of the stream, even
//!   when they arrive one chunk at a time.
//! - A CR at the end of a chunk ends the line at once; a LF at the start of
//!   the next chunk is then swallowed so CRLF never yields an extra blank
//!   line.
//!
//! Every byte is scanned once: only the unterminated tail of a chunk is
//! buffered, and the buffer never holds a line terminator, so a long line
//! arriving in many small chunks costs linear time.

use crate::error::{Error, Overflow};

/// The UTF-8 encoding of U+FEFF BYTE ORDER MARK.
const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// Buffers above this capacity are released after use, so one huge line
/// does not pin its memory for the rest of a long-lived stream.
pub(crate) const KEEP_CAPACITY: usize = 64 * 1024;

/// How far the stream start has been matched against the BOM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BomState {
    /// This many leading bytes matched the BOM so far (0..=2); they are held
    /// back until we know whether they are a BOM or line content.
    Matching(usize),
    /// The BOM was stripped, or the stream did not start with one.
    Done,
}

/// Splits chunks into lines; carries the partial line between chunks.
#[derive(Debug, Clone)]
pub(crate) struct LineSplitter {
    /// Bytes of the current unterminated line (never contains CR or LF).
    partial: Vec<u8>,
    /// The previous chunk ended with CR, so a leading LF must be skipped.
    skip_lf: bool,
    bom: BomState,
    max_line: usize,
}

impl LineSplitter {
    /// A splitter at stream start that rejects lines over `max_line` bytes.
    pub(crate) fn new(max_line: usize) -> Self {
        LineSplitter {
            partial: Vec::new(),
            skip_lf: false,
            bom: BomState::Matching(0),
            max_line,
        }
    }

    /// Splits `chunk`, calling `on_line` with each completed line (without
    /// its terminator) in order.
    ///
    /// Fails when a line exceeds the maximum, as soon as that is known, or
    /// with the first error returned by `on_line`. Lines before the failing
    /// point have been handed to `on_line` already. After an error the
    /// splitter's state is unspecified until [`reset`](Self::reset).
    pub(crate) fn feed(
        &mut self,
        chunk: &[u8],
        mut on_line: impl FnMut(&[u8]) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut rest = self.strip_bom(chunk);
        if self.skip_lf {
            if let Some((&first, tail)) = rest.split_first() {
                self.skip_lf = false;
                if first == b'\n' {
                    rest = tail;
                }
            }
        }
        while let Some(end) = find_eol(rest) {
            let line = &rest[..end];
            if self.partial.is_empty() {
                // Fast path: the whole line is inside this chunk, no copy.
                self.check_len(line.len())?;
                on_line(line)?;
            } else {
                self.check_len(self.partial.len() + line.len())?;
                self.partial.extend_from_slice(line);
                // Taken out so `on_line` can borrow it while `self` is not.
                let mut joined = std::mem::take(&mut self.partial);
                let result = on_line(&joined);
                joined.clear();
                if joined.capacity() > KEEP_CAPACITY {
                    joined.shrink_to(KEEP_CAPACITY);
                }
                self.partial = joined;
                result?;
            }
            let was_cr = rest[end] == b'\r';
            rest = &rest[end + 1..];
            if was_cr {
                match rest.first() {
                    Some(b'\n') => rest = &rest[1..],
                    Some(_) => {}
                    // The LF of a CRLF may be the next chunk's first byte.
                    None => self.skip_lf = true,
                }
            }
        }
        self.check_len(self.partial.len() + rest.len())?;
        self.partial.extend_from_slice(rest);
        Ok(())
    }

    /// Whether bytes of an unterminated line are pending.
    pub(crate) fn has_partial(&self) -> bool {
        !self.partial.is_empty() || matches!(self.bom, BomState::Matching(n) if n > 0)
    }

    /// Returns the pending unterminated line (possibly empty) and resets the
    /// splitter to stream start.
    pub(crate) fn take_partial(&mut self) -> Vec<u8> {
        let mut line = std::mem::take(&mut self.partial);
        if let BomState::Matching(n) = self.bom {
            // Held-back bytes that turned out not to be a full BOM are the
            // start of the line (they contain no CR or LF).
            line.splice(0..0, BOM[..n].iter().copied());
        }
        self.reset();
        line
    }

    /// Forgets the pending line and goes back to stream start (the next
    /// BOM will be stripped again).
    pub(crate) fn reset(&mut self) {
        self.partial.clear();
        if self.partial.capacity() > KEEP_CAPACITY {
            self.partial.shrink_to(KEEP_CAPACITY);
        }
        self.skip_lf = false;
        self.bom = BomState::Matching(0);
    }

    fn check_len(&self, len: usize) -> Result<(), Error> {
        if len > self.max_line {
            Err(Error::max_size(Overflow::Line, self.max_line))
        } else {
            Ok(())
        }
    }

    /// Consumes BOM bytes at stream start; returns the rest of the chunk.
    fn strip_bom<'a>(&mut self, mut chunk: &'a [u8]) -> &'a [u8] {
        while let BomState::Matching(matched) = self.bom {
            let Some((&byte, tail)) = chunk.split_first() else {
                break;
            };
            if byte == BOM[matched] {
                chunk = tail;
                self.bom = if matched + 1 == BOM.len() {
                    BomState::Done
                } else {
                    BomState::Matching(matched + 1)
                };
            } else {
                // Not a BOM after all: the held-back prefix is line content.
                self.partial.extend_from_slice(&BOM[..matched]);
                self.bom = BomState::Done;
            }
        }
        chunk
    }
}

/// Index of the first CR or LF in `bytes`.
///
/// Tests eight bytes per step with the classic "has a zero byte" word trick
/// instead of pulling in `memchr`: data lines in LLM streams are long JSON
/// blobs, and this is the parser's hottest loop.
pub(crate) fn find_eol(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    const LFS: u64 = ONES * b'\n' as u64;
    const CRS: u64 = ONES * b'\r' as u64;
    // Non-zero iff some byte of `x` is zero.
    fn zero_byte(x: u64) -> u64 {
        x.wrapping_sub(ONES) & !x & HIGHS
    }

    let mut words = bytes.chunks_exact(8);
    let mut offset = 0;
    for word in words.by_ref() {
        let mut array = [0u8; 8];
        array.copy_from_slice(word);
        let x = u64::from_le_bytes(array);
        if zero_byte(x ^ LFS) | zero_byte(x ^ CRS) != 0 {
            break;
        }
        offset += 8;
    }
    // Either the word containing the hit, or the short remainder.
    bytes[offset..]
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .map(|i| offset + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_all(splitter: &mut LineSplitter, chunks: &[&[u8]]) -> Vec<Vec<u8>> {
        let mut lines = Vec::new();
        for chunk in chunks {
            splitter
                .feed(chunk, |line| {
                    lines.push(line.to_vec());
                    Ok(())
                })
                .unwrap();
        }
        lines
    }

    #[test]
    fn find_eol_matches_a_naive_search_at_every_position() {
        for len in 0..40 {
            for hit in 0..=len {
                for eol in [b'\n', b'\r'] {
                    let mut bytes = vec![b'a'; len];
                    // Bytes next to CR/LF in value, to catch a sloppy mask.
                    for (i, b) in bytes.iter_mut().enumerate() {
                        *b = [b'a', 0x0B, 0x0C, 0x0E, 0x09, 0x8A, 0x8D][i % 7];
                    }
                    if hit < len {
                        bytes[hit] = eol;
                    }
                    let naive = bytes.iter().position(|&b| b == b'\n' || b == b'\r');
                    assert_eq!(find_eol(&bytes), naive, "len {len} hit {hit}");
                }
            }
        }
    }

    #[test]
    fn partial_line_is_carried_to_the_next_chunk() {
        let mut s = LineSplitter::new(100);
        let lines = split_all(&mut s, &[b"da", b"ta: x", b"\nnext"]);
        assert_eq!(lines, vec![b"data: x".to_vec()]);
        assert!(s.has_partial());
        assert_eq!(s.take_partial(), b"next".to_vec());
        assert!(!s.has_partial());
    }

    #[test]
    fn held_bom_prefix_counts_as_a_partial_line() {
        let mut s = LineSplitter::new(100);
        assert!(split_all(&mut s, &[&[0xEF, 0xBB]]).is_empty());
        assert!(s.has_partial());
        assert_eq!(s.take_partial(), vec![0xEF, 0xBB]);
    }

    #[test]
    fn line_limit_counts_bytes_across_chunks() {
        let mut s = LineSplitter::new(4);
        assert!(s.feed(b"ab", |_| Ok(())).is_ok());
        assert!(s.feed(b"cd", |_| Ok(())).is_ok());
        assert!(s.feed(b"e", |_| Ok(())).is_err());
    }

    #[test]
    fn line_of_exactly_the_limit_is_accepted() {
        let mut s = LineSplitter::new(4);
        assert_eq!(split_all(&mut s, &[b"abcd\n"]), vec![b"abcd".to_vec()]);
    }
}
