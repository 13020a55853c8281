//! Tests of the text-batch encoding, read back with a decoder that splits
//! on CR as the JS side does.

use super::*;

/// The batch's items as `[tag, a, b, c]`.
fn items(batch: &TextBatch) -> Vec<[String; 4]> {
    let text = batch.as_str();
    assert!(
        text.is_empty() || text.ends_with('\r'),
        "unterminated: {text:?}"
    );
    let fields: Vec<&str> = text.split('\r').collect();
    // The last field is the empty rest after the final CR.
    let fields = &fields[..fields.len() - 1];
    assert_eq!(fields.len() % 4, 0, "not whole items: {text:?}");
    fields
        .chunks(4)
        .map(|f| [f[0], f[1], f[2], f[3]].map(str::to_owned))
        .collect()
}

fn item(tag: char, a: &str, b: &str, c: &str) -> [String; 4] {
    [tag.to_string(), a.into(), b.into(), c.into()]
}

fn parser() -> BatchParser {
    BatchParser::new(crate::DEFAULT_MAX_SIZE, false, None)
}

/// A parser that reports the last event ID per block (`i` items).
fn block_id_parser() -> BatchParser {
    BatchParser::new(crate::DEFAULT_MAX_SIZE, true, None)
}

#[test]
fn an_event_is_tag_type_data_id_with_absent_fields_empty() {
    let batch = parser().feed(b"data: a\ndata: b\n\nevent: x\nid: 7\ndata: c\n\n", 0);
    assert_eq!(
        items(&batch),
        [
            item('e', "", "a\nb", ""),
            item('e', "x", "c", "7"),
            item('i', "", "7", "")
        ]
    );
}

#[test]
fn retry_comment_and_notices_are_items_in_stream_order() {
    let mut p = block_id_parser();
    let batch = p.feed(b": hi\nretry: 250\nretry: x\nfoo: bar\nid: a\0b\n\n", 0);
    assert_eq!(
        items(&batch),
        [
            item('c', "", "hi", ""),
            item('r', "", "250", ""),
            item('n', "invalid-retry", "x", ""),
            item('n', "unknown-field", "bar", "foo"),
            item('n', "invalid-id", "a\0b", ""),
        ]
    );
    let end = p.feed(b"data: unfinished\n", 0);
    assert!(items(&end).is_empty());
    assert_eq!(items(&p.finish()), [item('n', "incomplete-event", "", "")]);
}

#[test]
fn block_ids_tell_an_absent_id_from_an_empty_one() {
    let input = b"id: 1\ndata: a\n\ndata: b\n\nid:\ndata: c\n\n";
    assert_eq!(
        items(&block_id_parser().feed(input, 0)),
        [
            item('i', "", "1", ""),
            item('e', "", "a", "1"),
            item('e', "", "b", ""),
            item('i', "", "", ""),
            item('e', "", "c", "\n"),
        ]
    );
}

#[test]
fn a_changed_last_event_id_ends_the_batch_once() {
    let mut p = BatchParser::new(crate::DEFAULT_MAX_SIZE, false, Some("5"));
    // The ID resumed from is known to the consumer already.
    assert_eq!(items(&p.feed(b"data: a\n\n", 0)), [item('e', "", "a", "5")]);
    // Set by a block without data: no event, but the ID changed.
    assert_eq!(items(&p.feed(b"id: 6\n\n", 0)), [item('i', "", "6", "")]);
    assert_eq!(
        items(&p.feed(b"id: 6\ndata: b\n\n", 0)),
        [item('e', "", "b", "6")]
    );
    // Cleared by an empty id: reported as empty.
    assert_eq!(items(&p.feed(b"id\n\n", 0)), [item('i', "", "", "")]);
    assert_eq!(p.last_event_id(), None);
}

#[test]
fn too_large_comes_after_the_items_before_it_and_alone_until_reset() {
    let mut p = BatchParser::new(8, true, None);
    let batch = p.feed(b"data: a\n\ndata: 0123456789\n\n", 0);
    let got = items(&batch);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0], item('e', "", "a", ""));
    assert_eq!(got[1][0], "x");
    assert!(
        got[1][2].contains('8'),
        "the message names the limit: {:?}",
        got[1][2]
    );
    assert_eq!(items(&p.feed(b"data: b\n\n", 0)), [got[1].clone()]);
    assert_eq!(items(&p.finish()), [got[1].clone()]);
    p.reset(false);
    assert_eq!(items(&p.feed(b"data: b\n\n", 0)), [item('e', "", "b", "")]);
}

#[test]
fn the_tag_table_names_each_tag_once() {
    let mut tags: Vec<char> = TAGS.iter().map(|&(_, t)| t).collect();
    tags.sort_unstable();
    tags.dedup();
    assert_eq!(tags.len(), TAGS.len());
    assert!(tags.iter().all(|t| t.is_ascii_lowercase()));
}
