//! Property tests: chunking never changes the output, and the output
//! matches a naive whole-input model of the spec.

mod support;

use ferrofetch_sse::{Event, EventRef, Item, Parser, Sink};
use proptest::prelude::*;
use support::reference::reference;
use support::{run, split_at_offsets};

/// SSE-ish building blocks, so random inputs hit the interesting cases
/// (terminators next to each other, BOM bytes, split characters) often.
fn fragment() -> impl Strategy<Value = Vec<u8>> {
    let fixed: Vec<&'static [u8]> = vec![
        b"data",
        b"event",
        b"id",
        b"retry",
        b"foo",
        b":",
        b" ",
        b"  ",
        b"\r",
        b"\n",
        b"\r\n",
        b"\n\n",
        b"x",
        b"hello",
        b"42",
        b"\0",
        "é".as_bytes(),
        "€".as_bytes(),
        "😀".as_bytes(),
        b"\xEF\xBB\xBF",
        b"\xEF",
        b"\xBB",
        b"\xBF",
        b"\xE2\x82",
        b"\xF0\x9F",
        b"\xFF",
        b"\xC0",
    ];
    prop_oneof![
        8 => proptest::sample::select(fixed).prop_map(<[u8]>::to_vec),
        1 => any::<u8>().prop_map(|b| vec![b]),
        1 => proptest::collection::vec(any::<u8>(), 0..8),
    ]
}

/// A sink that takes events borrowed (as the Node binding's batches do)
/// and copies them field by field.
#[derive(Default)]
struct Borrowing(Vec<Item>);

impl Sink for Borrowing {
    fn push(&mut self, item: Item) {
        self.0.push(item);
    }

    fn event(&mut self, event: EventRef<'_>) {
        self.0.push(Item::Event(Event {
            event: event.event.map(String::from),
            data: String::from(event.data),
            id: event.id.map(String::from),
        }));
    }
}

fn stream() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(fragment(), 0..60).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_split_gives_the_same_items_as_whole(
        input in stream(),
        offsets in proptest::collection::vec(any::<usize>(), 0..12),
        consume_at_end in any::<bool>(),
    ) {
        let chunks = split_at_offsets(&input, &offsets);
        let whole = run(Parser::new(), &[&input], consume_at_end);
        let split = run(Parser::new(), &chunks, consume_at_end);
        prop_assert_eq!(split, whole);
    }

    #[test]
    fn any_split_gives_the_same_error_and_items_under_a_small_limit(
        input in stream(),
        offsets in proptest::collection::vec(any::<usize>(), 0..12),
        max in 0usize..24,
    ) {
        let chunks = split_at_offsets(&input, &offsets);
        let whole = run(Parser::with_max_size(max), &[&input], false);
        let split = run(Parser::with_max_size(max), &chunks, false);
        prop_assert_eq!(split, whole);
    }

    #[test]
    fn output_matches_the_reference_model(input in stream()) {
        let outcome = run(Parser::new(), &[&input], false);
        prop_assert_eq!(outcome.error, None);
        prop_assert_eq!(outcome.items, reference(&input));
    }

    #[test]
    fn one_byte_chunks_match_the_reference_model(input in stream()) {
        let chunks: Vec<&[u8]> = input.chunks(1).collect();
        let outcome = run(Parser::new(), &chunks, false);
        prop_assert_eq!(outcome.items, reference(&input));
    }

    #[test]
    fn block_id_items_are_split_invariant_and_precede_their_events(
        input in stream(),
        offsets in proptest::collection::vec(any::<usize>(), 0..12),
    ) {
        let chunks = split_at_offsets(&input, &offsets);
        let whole = run(Parser::new().with_block_ids(true), &[&input], false);
        let split = run(Parser::new().with_block_ids(true), &chunks, false);
        prop_assert_eq!(&split, &whole);
        // An event carries an id exactly when a block-id item with that
        // id comes right before it.
        let mut previous: Option<&Item> = None;
        for item in &whole.items {
            if let Item::Event(event) = item {
                let announced = match previous {
                    Some(Item::BlockId(id)) => Some(id.as_str()),
                    _ => None,
                };
                prop_assert_eq!(event.id.as_deref(), announced);
            }
            previous = Some(item);
        }
        // Without block ids, the same stream gives the same items minus
        // the block-id items, except that events carry the last ID in force.
        let plain = run(Parser::new(), &[&input], false);
        let kept = |items: &[Item]| -> Vec<Item> {
            items
                .iter()
                .filter(|item| !matches!(item, Item::BlockId(_)))
                .map(|item| match item {
                    Item::Event(e) => Item::Event(Event { id: None, ..e.clone() }),
                    other => other.clone(),
                })
                .collect()
        };
        prop_assert_eq!(kept(&whole.items), kept(&plain.items));
    }

    #[test]
    fn borrowed_events_are_the_owned_ones(
        input in stream(),
        offsets in proptest::collection::vec(any::<usize>(), 0..12),
        block_ids in any::<bool>(),
    ) {
        let chunks = split_at_offsets(&input, &offsets);
        let mut owned = Parser::new().with_block_ids(block_ids);
        let mut borrowed = Parser::new().with_block_ids(block_ids);
        let mut owned_items: Vec<Item> = Vec::new();
        let mut borrowed_items = Borrowing::default();
        for chunk in &chunks {
            owned.feed(chunk, &mut owned_items).unwrap();
            borrowed.feed(chunk, &mut borrowed_items).unwrap();
            prop_assert_eq!(owned.last_event_id(), borrowed.last_event_id());
        }
        prop_assert_eq!(borrowed_items.0, owned_items);
    }
}
