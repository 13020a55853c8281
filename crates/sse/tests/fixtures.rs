//! The shared fixture streams, parsed whole and in many chunkings.

mod support;

use ferrofetch_sse::{Item, Notice, Parser};
use support::reference::reference;
use support::{event, events, parse, run};

const LLM_CHAT: &[u8] = include_bytes!("../fixtures/llm_chat.sse");
const LLM_MESSAGES: &[u8] = include_bytes!("../fixtures/llm_messages.sse");
const IDS_EVENTS: &[u8] = include_bytes!("../fixtures/ids_events_multiline.sse");
const ALL: [(&str, &[u8]); 3] = [
    ("llm_chat", LLM_CHAT),
    ("llm_messages", LLM_MESSAGES),
    ("ids_events_multiline", IDS_EVENTS),
];

#[test]
fn ids_events_multiline_gives_the_expected_items() {
    let items = parse(&[IDS_EVENTS]);
    assert_eq!(
        items,
        vec![
            Item::Comment("server-sent events fixture with ids, names, multi-line data".into()),
            Item::Retry(3000),
            event(Some("user.joined"), r#"{"user":"ada"}"#, Some("1")),
            event(
                Some("chat.message"),
                "first line\nsecond line\n\n indented third",
                Some("2")
            ),
            Item::Comment("heartbeat".into()),
            event(None, "no id field, id 2 persists", Some("2")),
            Item::Notice(Notice::UnknownField {
                name: "x-custom".into(),
                value: "unknown field".into()
            }),
            event(None, "after an id-only block, id 3", Some("3")),
            event(None, "id cleared", None),
            event(Some("multi"), "café 🚀\ndone", None),
            Item::Notice(Notice::IncompleteEvent),
        ]
    );
}

#[test]
fn llm_chat_stream_yields_every_token_event() {
    let items = parse(&[LLM_CHAT]);
    let evs = events(&items);
    assert_eq!(evs.len(), 402);
    assert!(evs.iter().all(|e| e.event.is_none() && e.id.is_none()));
    assert_eq!(evs.last().unwrap().data, "[DONE]");
    assert!(evs[1].data.contains(r#""content":"The""#));
    let comments = items
        .iter()
        .filter(|i| matches!(i, Item::Comment(c) if c == "keep-alive"));
    assert_eq!(comments.count(), 4);
}

#[test]
fn llm_messages_stream_yields_named_events() {
    let items = parse(&[LLM_MESSAGES]);
    let evs = events(&items);
    assert_eq!(evs.len(), 308);
    assert_eq!(evs[0].event.as_deref(), Some("message_start"));
    assert_eq!(evs.last().unwrap().event.as_deref(), Some("message_stop"));
    let deltas = evs
        .iter()
        .filter(|e| e.event.as_deref() == Some("content_block_delta"))
        .count();
    assert_eq!(deltas, 300);
    assert_eq!(items.len(), evs.len(), "nothing but events");
}

#[test]
fn fixtures_parse_the_same_in_any_fixed_chunk_size() {
    for (name, bytes) in ALL {
        let whole = run(Parser::new(), &[bytes], false);
        for size in [1, 2, 3, 5, 7, 64, 1000, 4096] {
            let chunks: Vec<&[u8]> = bytes.chunks(size).collect();
            assert_eq!(
                run(Parser::new(), &chunks, false),
                whole,
                "{name} in {size}s"
            );
        }
    }
}

#[test]
fn fixtures_match_the_reference_model() {
    for (name, bytes) in ALL {
        assert_eq!(parse(&[bytes]), reference(bytes), "{name}");
    }
}
