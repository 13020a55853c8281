//! Tests of the parser's internals: field parsing, buffers, costs.

use super::*;

#[test]
fn parse_retry_accepts_digit_runs_only() {
    assert_eq!(parse_retry(b"0"), Some(0));
    assert_eq!(parse_retry(b"0042"), Some(42));
    assert_eq!(parse_retry(b"18446744073709551615"), Some(u64::MAX));
    assert_eq!(parse_retry(b"18446744073709551616"), Some(u64::MAX));
    for bad in [&b""[..], b" 1", b"1 ", b"+1", b"1.5", b"\xD9\xA1"] {
        assert_eq!(parse_retry(bad), None, "{bad:?}");
    }
}

#[test]
fn strip_space_removes_at_most_one_space() {
    assert_eq!(strip_space(b"  a"), b" a");
    assert_eq!(strip_space(b" a"), b"a");
    assert_eq!(strip_space(b"\ta"), b"\ta");
    assert_eq!(strip_space(b""), b"");
}

#[test]
fn discard_drops_an_uncommitted_id() {
    let mut fields = Fields::new(100);
    let mut out = Vec::new();
    fields.line(b"id: 1", &mut out).unwrap();
    fields.line(b"", &mut out).unwrap();
    fields.line(b"id: 2", &mut out).unwrap();
    fields.line(b"data: x", &mut out).unwrap();
    fields.discard();
    fields.line(b"", &mut out).unwrap();
    assert!(out.is_empty());
    assert_eq!(fields.last_event_id, "1");
}

#[test]
fn data_buffer_capacity_is_released_after_a_huge_event() {
    let mut fields = Fields::new(DEFAULT_MAX_SIZE);
    let mut out = Vec::new();
    let line = [b"data:".as_slice(), &vec![b'x'; 1 << 20]].concat();
    fields.line(&line, &mut out).unwrap();
    fields.line(b"", &mut out).unwrap();
    assert!(fields.data.capacity() <= KEEP_CAPACITY);
    assert_eq!(out.len(), 1);
}

#[test]
fn long_line_in_one_byte_chunks_is_parsed_in_linear_time() {
    // Re-scanning the buffered line on every chunk would make this
    // 1 MiB line cost ~5 * 10^11 byte visits and never finish.
    let mut parser = Parser::new();
    let mut out = Vec::new();
    parser.feed(b"data: ", &mut out).unwrap();
    for _ in 0..(1 << 20) {
        parser.feed(b"y", &mut out).unwrap();
    }
    parser.feed(b"\n\n", &mut out).unwrap();
    match &out[..] {
        [Item::Event(event)] => assert_eq!(event.data.len(), 1 << 20),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn parser_can_move_between_threads() {
    fn check<T: Send + Sync>() {}
    check::<Parser>();
}
