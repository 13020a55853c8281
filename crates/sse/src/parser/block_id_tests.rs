//! Tests of the block-id items (`Parser::with_block_ids`).

use super::*;

fn ids(input: &[u8]) -> Vec<Option<String>> {
    let mut parser = Parser::new().with_block_ids(true);
    let mut items = Vec::new();
    parser.feed(input, &mut items).unwrap();
    items
        .into_iter()
        .filter_map(|item| match item {
            Item::Event(e) => Some(e.id),
            _ => None,
        })
        .collect()
}

#[test]
fn block_ids_report_only_the_blocks_own_id() {
    let got = ids(b"id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\n");
    assert_eq!(got, vec![Some("1".into()), None, Some(String::new())]);
}

fn block_id_items(input: &[u8]) -> Vec<Item> {
    let mut parser = Parser::new().with_block_ids(true);
    let mut items = Vec::new();
    parser.feed(input, &mut items).unwrap();
    items
}

#[test]
fn block_ids_announce_each_blocks_id_before_its_event() {
    let items = block_id_items(b"id: 1\ndata: a\n\nid: 2\n\nid\n\nid: 3\nid: \0\n\n");
    assert_eq!(
        items[..3],
        [
            Item::BlockId("1".into()),
            Item::Event(crate::Event {
                event: None,
                data: "a".into(),
                id: Some("1".into()),
            }),
            Item::BlockId("2".into()),
        ]
    );
    // An empty id is announced; an id with NUL is not, and leaves the
    // block's earlier valid id in force.
    assert_eq!(items[3], Item::BlockId(String::new()));
    assert!(matches!(items[4], Item::Notice(Notice::InvalidId { .. })));
    assert_eq!(items[5], Item::BlockId("3".into()));
    assert_eq!(items.len(), 6);
}

#[test]
fn block_id_items_are_off_by_default() {
    let mut parser = Parser::new();
    let mut items = Vec::new();
    parser
        .feed(b"id: 1\n\nid: 2\ndata: a\n\n", &mut items)
        .unwrap();
    assert!(items.iter().all(|item| matches!(item, Item::Event(_))));
    assert_eq!(items.len(), 1);
}

#[test]
fn an_unfinished_block_announces_no_id() {
    let mut parser = Parser::new().with_block_ids(true);
    let mut items = Vec::new();
    parser.feed(b"id: 1\ndata: a\n", &mut items).unwrap();
    parser.reset(false, &mut items);
    parser.feed(b"\n", &mut items).unwrap();
    assert!(items.is_empty());
}

#[test]
fn block_ids_still_track_the_last_event_id() {
    let mut parser = Parser::new().with_block_ids(true);
    let mut items = Vec::new();
    parser
        .feed(b"id: 7\ndata: a\n\ndata: b\n\n", &mut items)
        .unwrap();
    assert_eq!(parser.last_event_id(), Some("7"));
}
