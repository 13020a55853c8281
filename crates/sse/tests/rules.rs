//! One test per rule of HTML §9.2.6, through the public API.

mod support;

use ferrofetch_sse::{ErrorKind, Item, Notice, Parser};
use support::{event, events, parse, run};

fn notice(notice: Notice) -> Item {
    Item::Notice(notice)
}

// --- BOM -------------------------------------------------------------------

#[test]
fn bom_at_stream_start_is_stripped() {
    let items = parse(&[b"\xEF\xBB\xBFdata: x\n\n"]);
    assert_eq!(items, vec![event(None, "x", None)]);
}

#[test]
fn second_bom_is_kept_as_content() {
    // Only the first BOM is stripped; the next one is part of the field name.
    let items = parse(&[b"\xEF\xBB\xBF\xEF\xBB\xBFdata: x\n\n"]);
    assert_eq!(
        items,
        vec![notice(Notice::UnknownField {
            name: "\u{FEFF}data".into(),
            value: "x".into()
        })]
    );
    let items = parse(&[b"\xEF\xBB\xBFdata: \xEF\xBB\xBFx\n\n"]);
    assert_eq!(items, vec![event(None, "\u{FEFF}x", None)]);
}

#[test]
fn bom_split_across_chunks_is_stripped_once() {
    let items = parse(&[b"\xEF", b"\xBB", b"\xBF", b"\xEF\xBB\xBF", b"data: x\n\n"]);
    assert_eq!(
        items,
        vec![notice(Notice::UnknownField {
            name: "\u{FEFF}data".into(),
            value: "x".into()
        })]
    );
}

#[test]
fn bom_prefix_that_is_not_a_bom_is_content() {
    // EF BB followed by 'd' is an incomplete sequence: one U+FFFD.
    for chunks in [
        &[&b"\xEF\xBBdata\n"[..]][..],
        &[b"\xEF", b"\xBB", b"data\n"],
    ] {
        assert_eq!(
            parse(chunks),
            vec![notice(Notice::UnknownField {
                name: "\u{FFFD}data".into(),
                value: String::new()
            })]
        );
    }
}

#[test]
fn bom_is_stripped_again_after_finish_and_reset() {
    let mut parser = Parser::new();
    let mut items = Vec::new();
    parser.feed(b"\xEF\xBB\xBFdata: a\n\n", &mut items).unwrap();
    parser.finish(&mut items).unwrap();
    parser.feed(b"\xEF\xBB\xBFdata: b\n\n", &mut items).unwrap();
    parser.reset(false, &mut items);
    parser.feed(b"\xEF\xBB\xBFdata: c\n\n", &mut items).unwrap();
    let data: Vec<_> = events(&items).iter().map(|e| e.data.clone()).collect();
    assert_eq!(data, ["a", "b", "c"]);
}

// --- Line endings ------------------------------------------------------------

#[test]
fn lf_cr_and_crlf_all_end_lines() {
    let items = parse(&[b"data: a\ndata: b\rdata: c\r\ndata: d\r\n\r\rdata: e\n\r\n"]);
    assert_eq!(
        items,
        vec![event(None, "a\nb\nc\nd", None), event(None, "e", None)]
    );
}

#[test]
fn crlf_split_across_chunks_is_one_line_end() {
    // An extra blank line from the lone LF would dispatch "a" on its own.
    let items = parse(&[b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]);
    assert_eq!(items, vec![event(None, "a\nb", None)]);
}

#[test]
fn cr_at_chunk_end_ends_the_line_at_once() {
    let mut parser = Parser::new();
    let mut items = Vec::new();
    parser.feed(b"data: a\n\r", &mut items).unwrap();
    assert_eq!(items, vec![event(None, "a", None)]);
}

#[test]
fn empty_chunk_between_cr_and_lf_keeps_them_paired() {
    let items = parse(&[b"data: a\r", b"", b"\ndata: b\n\n"]);
    assert_eq!(items, vec![event(None, "a\nb", None)]);
}

// --- Comments ----------------------------------------------------------------

#[test]
fn comment_is_reported_with_one_leading_space_removed() {
    let items = parse(&[b": ping\n:  two\n:\n:no-space\n"]);
    let comments: Vec<Item> = [" ping", "  two", "", "no-space"]
        .iter()
        .map(|c| Item::Comment(c.strip_prefix(' ').unwrap_or(c).into()))
        .collect();
    assert_eq!(items, comments);
}

#[test]
fn comment_inside_an_event_does_not_change_it() {
    let items = parse(&[b"data: a\n: note\ndata: b\n\n"]);
    assert_eq!(
        items,
        vec![Item::Comment("note".into()), event(None, "a\nb", None)]
    );
}

// --- Field syntax -------------------------------------------------------------

#[test]
fn line_without_colon_is_a_field_with_empty_value() {
    // "data" appends "" + LF, so an event with empty data is dispatched;
    // "event" sets an empty type, which means "message".
    let items = parse(&[b"event\ndata\n\n"]);
    assert_eq!(items, vec![event(None, "", None)]);
}

#[test]
fn exactly_one_leading_space_is_removed_from_values() {
    let items = parse(&[b"data:x\ndata: y\ndata:  z\ndata: \n\n"]);
    assert_eq!(items, vec![event(None, "x\ny\n z\n", None)]);
}

#[test]
fn value_runs_from_the_first_colon_and_keeps_later_ones() {
    let items = parse(&[b"data: a: b:c\n\n"]);
    assert_eq!(items, vec![event(None, "a: b:c", None)]);
}

#[test]
fn field_names_are_case_sensitive() {
    let items = parse(&[b"Data: x\n\n"]);
    assert_eq!(
        items,
        vec![notice(Notice::UnknownField {
            name: "Data".into(),
            value: "x".into()
        })]
    );
}

// --- data and dispatch --------------------------------------------------------

#[test]
fn multi_line_data_is_joined_with_lf() {
    let items = parse(&[b"data: line one\ndata: line two\ndata: three\n\n"]);
    assert_eq!(items, vec![event(None, "line one\nline two\nthree", None)]);
}

#[test]
fn blank_line_with_empty_data_dispatches_nothing() {
    let items = parse(&[b"\n\nevent: ignored\n\n: c\n\n"]);
    assert_eq!(items, vec![Item::Comment("c".into())]);
}

#[test]
fn event_type_is_reset_after_dispatch() {
    let items = parse(&[b"event: a\ndata: 1\n\ndata: 2\n\n"]);
    assert_eq!(
        items,
        vec![event(Some("a"), "1", None), event(None, "2", None)]
    );
}

#[test]
fn event_type_is_reset_by_a_block_without_data() {
    let items = parse(&[b"event: lost\n\ndata: x\n\n"]);
    assert_eq!(items, vec![event(None, "x", None)]);
}

#[test]
fn empty_event_field_means_message() {
    let items = parse(&[b"event:\ndata: x\n\n"]);
    assert_eq!(items, vec![event(None, "x", None)]);
}

#[test]
fn later_event_field_wins() {
    let items = parse(&[b"event: a\nevent: b\ndata: x\n\n"]);
    assert_eq!(items, vec![event(Some("b"), "x", None)]);
}

// --- id --------------------------------------------------------------------

#[test]
fn id_persists_across_events() {
    let mut parser = Parser::new();
    let mut items = Vec::new();
    parser
        .feed(b"id: 7\ndata: a\n\ndata: b\n\n", &mut items)
        .unwrap();
    assert_eq!(
        items,
        vec![event(None, "a", Some("7")), event(None, "b", Some("7"))]
    );
    assert_eq!(parser.last_event_id(), Some("7"));
}

#[test]
fn id_with_nul_is_ignored() {
    let items = parse(&[b"id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n"]);
    assert_eq!(
        items,
        vec![
            event(None, "a", Some("1")),
            notice(Notice::InvalidId {
                value: "2\0x".into()
            }),
            event(None, "b", Some("1")),
        ]
    );
}

#[test]
fn empty_id_clears_the_last_event_id() {
    let mut parser = Parser::new();
    let mut items = Vec::new();
    parser
        .feed(b"id: 1\ndata: a\n\nid\ndata: b\n\n", &mut items)
        .unwrap();
    assert_eq!(
        items,
        vec![event(None, "a", Some("1")), event(None, "b", None)]
    );
    assert_eq!(parser.last_event_id(), None);
}

#[test]
fn id_only_block_updates_last_event_id_at_the_blank_line() {
    let mut parser = Parser::new();
    let mut items = Vec::new();
    parser.feed(b"id: 9\n", &mut items).unwrap();
    assert_eq!(parser.last_event_id(), None, "not before the blank line");
    parser.feed(b"\n", &mut items).unwrap();
    assert_eq!(parser.last_event_id(), Some("9"));
    assert!(items.is_empty());
}

// --- retry -------------------------------------------------------------------

#[test]
fn retry_accepts_only_ascii_digits() {
    let items = parse(&[b"retry: 1500\nretry: 1a\nretry:\nretry:  5\nretry: -1\n"]);
    let invalid = |v: &str| {
        notice(Notice::InvalidRetry {
            value: v.to_string(),
        })
    };
    assert_eq!(
        items,
        vec![
            Item::Retry(1500),
            invalid("1a"),
            invalid(""),
            invalid(" 5"),
            invalid("-1"),
        ]
    );
}

#[test]
fn retry_too_large_for_u64_saturates() {
    let items = parse(&[b"retry: 99999999999999999999999\n"]);
    assert_eq!(items, vec![Item::Retry(u64::MAX)]);
}

// --- other fields ------------------------------------------------------------

#[test]
fn unknown_field_is_reported_and_ignored() {
    let items = parse(&[b"foo: bar\ndata: x\n\n"]);
    assert_eq!(
        items,
        vec![
            notice(Notice::UnknownField {
                name: "foo".into(),
                value: "bar".into()
            }),
            event(None, "x", None)
        ]
    );
}

// --- end of stream -----------------------------------------------------------

#[test]
fn unfinished_event_is_discarded_at_finish() {
    let mut parser = Parser::new();
    let mut items = Vec::new();
    parser
        .feed(b"id: 1\ndata: a\n\nid: 2\ndata: b\n", &mut items)
        .unwrap();
    parser.finish(&mut items).unwrap();
    assert_eq!(
        items,
        vec![event(None, "a", Some("1")), notice(Notice::IncompleteEvent)]
    );
    // The unfinished block's id is dropped with it.
    assert_eq!(parser.last_event_id(), Some("1"));
}

#[test]
fn partial_line_is_discarded_at_finish() {
    let items = parse(&[b"data: a\n\ndata: never terminated"]);
    assert_eq!(
        items,
        vec![event(None, "a", None), notice(Notice::IncompleteEvent)]
    );
}

#[test]
fn clean_end_of_stream_reports_nothing() {
    assert_eq!(parse(&[b"data: a\n\n: bye\n"]).len(), 2);
    assert!(parse(&[b"event: x\nid: 3\n"]).is_empty());
}

// --- UTF-8 -------------------------------------------------------------------

#[test]
fn multibyte_utf8_split_across_chunks_is_decoded() {
    let text = "data: é€😀\n\n".as_bytes();
    for cut in 0..=text.len() {
        let items = parse(&[&text[..cut], &text[cut..]]);
        assert_eq!(items, vec![event(None, "é€😀", None)], "cut at {cut}");
    }
}

#[test]
fn invalid_utf8_becomes_replacement_characters() {
    let items = parse(&[b"data: a\xFFb\ndata: \xE2\x82\nevent: \xC0\n\n"]);
    assert_eq!(
        items,
        vec![event(Some("\u{FFFD}"), "a\u{FFFD}b\n\u{FFFD}", None)]
    );
}

// --- limits ------------------------------------------------------------------

#[test]
fn line_that_never_ends_exceeds_max_size() {
    let mut parser = Parser::with_max_size(16);
    let mut items = Vec::new();
    parser.feed(b"data: 0123456789", &mut items).unwrap();
    let error = parser.feed(b"x", &mut items).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::MaxSizeExceeded);
    assert_eq!(error.limit(), 16);
}

#[test]
fn accumulated_data_exceeds_max_size() {
    let mut parser = Parser::with_max_size(16);
    let mut items = Vec::new();
    // Each line is short, but the data buffer grows by 6 bytes per line.
    parser
        .feed(b"data: 12345\ndata: 12345\n", &mut items)
        .unwrap();
    let error = parser.feed(b"data: 12345\n", &mut items).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::MaxSizeExceeded);
    assert!(error.to_string().contains("event data"));
}

#[test]
fn line_and_data_of_exactly_max_size_are_accepted() {
    // "data: 1234567" is 13 bytes; the data buffer holds 8 bytes.
    let outcome = run(Parser::with_max_size(13), &[b"data: 1234567\n\n"], false);
    assert_eq!(outcome.items, vec![event(None, "1234567", None)]);
    assert_eq!(outcome.error, None);
    // Two 6-byte data values ("12345" + LF) fill a 12-byte buffer exactly.
    let outcome = run(
        Parser::with_max_size(12),
        &[b"data:12345\ndata:12345\n\n"],
        false,
    );
    assert_eq!(outcome.items, vec![event(None, "12345\n12345", None)]);
    assert_eq!(outcome.error, None);
}

#[test]
fn failed_parser_keeps_failing_until_reset() {
    let mut parser = Parser::with_max_size(4);
    let mut items = Vec::new();
    let first = parser.feed(b"data: a\n", &mut items).unwrap_err();
    assert_eq!(parser.feed(b"\n", &mut items), Err(first.clone()));
    assert_eq!(parser.finish(&mut items), Err(first));
    parser.reset(false, &mut items);
    parser.feed(b"x:\n", &mut items).unwrap();
    assert_eq!(items.len(), 1);
}

#[test]
fn items_before_the_error_are_delivered() {
    let mut parser = Parser::with_max_size(8);
    let mut items = Vec::new();
    let result = parser.feed(b"data: a\n\n: too long a line\n", &mut items);
    assert!(result.is_err());
    assert_eq!(items, vec![event(None, "a", None)]);
}

// --- reset -------------------------------------------------------------------

#[test]
fn reset_with_consume_parses_the_pending_line() {
    let mut parser = Parser::new();
    let mut items = Vec::new();
    parser.feed(b": tail", &mut items).unwrap();
    parser.reset(true, &mut items);
    parser.feed(b"retry: 5", &mut items).unwrap();
    parser.reset(true, &mut items);
    assert_eq!(items, vec![Item::Comment("tail".into()), Item::Retry(5)]);
}

#[test]
fn reset_with_consume_still_discards_the_unfinished_event() {
    let mut parser = Parser::new();
    let mut items = Vec::new();
    parser.feed(b"data: a\nid: 4\ndata: b", &mut items).unwrap();
    parser.reset(true, &mut items);
    parser.feed(b"\n", &mut items).unwrap();
    assert!(items.is_empty());
    assert_eq!(parser.last_event_id(), None);
}

#[test]
fn reset_without_consume_drops_the_pending_line() {
    let mut parser = Parser::new();
    let mut items = Vec::new();
    parser.feed(b": tail", &mut items).unwrap();
    parser.reset(false, &mut items);
    parser.feed(b"\n", &mut items).unwrap();
    assert!(items.is_empty());
}

#[test]
fn reset_keeps_the_last_event_id() {
    let mut parser = Parser::new();
    let mut items = Vec::new();
    parser.feed(b"id: 3\ndata: a\n\n", &mut items).unwrap();
    parser.reset(false, &mut items);
    parser.feed(b"data: b\n\n", &mut items).unwrap();
    assert_eq!(events(&items)[1].id.as_deref(), Some("3"));
}

#[test]
fn set_last_event_id_seeds_later_events() {
    let mut parser = Parser::new();
    parser.set_last_event_id(Some("42"));
    let mut items = Vec::new();
    parser.feed(b"data: a\n\n", &mut items).unwrap();
    assert_eq!(items, vec![event(None, "a", Some("42"))]);
    parser.set_last_event_id(Some(""));
    assert_eq!(parser.last_event_id(), None);
}

#[test]
fn closure_sink_receives_items() {
    let mut parser = Parser::new();
    let mut count = 0;
    parser
        .feed(b"data: a\n\n: c\n", &mut |_item: Item| count += 1)
        .unwrap();
    assert_eq!(count, 2);
}
