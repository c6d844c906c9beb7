#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Tier 1 and 3 tests of the decoder: recorded-style streams in `fixtures/streams/` decode to
//! the expected typed events, whatever the chunking, line endings or noise around them.

#[path = "support/model.rs"]
mod model_support;

use model_support::{decode_cut, describe, stream_fixture};
use proptest::prelude::*;
use switchboard::model::{EventDecoder, SseDecoder, SseFrame};

/// Every fixture; the `text_*` variants differ from `text.sse` only in line endings and noise.
const FIXTURES: &[(&str, &str)] = &[
    ("text.sse", TEXT),
    ("text_crlf.sse", TEXT),
    ("text_cr.sse", TEXT),
    ("reasoning.sse", REASONING),
    ("function_calls.sse", FUNCTION_CALLS),
    ("refusal.sse", REFUSAL),
    ("incomplete.sse", INCOMPLETE),
    ("failed.sse", FAILED),
    ("error.sse", ERROR),
    ("quirks.sse", QUIRKS),
];

fn described(bytes: &[u8], cuts: &[usize]) -> String {
    decode_cut(bytes, cuts)
        .into_iter()
        .map(|r| match r {
            Ok(event) => describe(&event),
            Err(err) => format!("ERR {err}"),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_fixture_decodes_to_the_expected_events() {
    for (name, expected) in FIXTURES {
        let bytes = stream_fixture(name);
        assert_eq!(described(&bytes, &[]), expected.trim(), "{name}");
    }
}

/// Frames at every boundary, for every fixture. The typed layer maps each frame on its own,
/// so equal frames mean equal events; the typed check at every boundary runs on `text.sse`
/// (multi-byte characters, escapes), and proptest splits every fixture at random points
/// (debug-build JSON parsing of every split of all fixtures takes several seconds).
#[test]
fn every_fixture_gives_the_same_frames_split_at_every_byte_boundary() {
    for (name, _) in FIXTURES {
        let bytes = stream_fixture(name);
        let whole = SseDecoder::decode_all(&bytes).unwrap();
        for cut in 0..=bytes.len() {
            let mut decoder = SseDecoder::new();
            let mut frames = Vec::new();
            decoder.feed(&bytes[..cut], &mut frames).unwrap();
            decoder.feed(&bytes[cut..], &mut frames).unwrap();
            assert_eq!(frames, whole, "{name} cut at {cut}");
        }
        let mut decoder = SseDecoder::new();
        let mut frames = Vec::new();
        for byte in &bytes {
            decoder
                .feed(std::slice::from_ref(byte), &mut frames)
                .unwrap();
        }
        assert_eq!(frames, whole, "{name} byte by byte");
    }
}

#[test]
fn typed_events_are_the_same_split_at_every_byte_boundary() {
    for (name, expected) in [("text.sse", TEXT)] {
        let bytes = stream_fixture(name);
        let whole = decode_cut(&bytes, &[]);
        for cut in 0..=bytes.len() {
            assert_eq!(decode_cut(&bytes, &[cut]), whole, "{name} cut at {cut}");
        }
        let every_byte: Vec<usize> = (1..bytes.len()).collect();
        assert_eq!(
            described(&bytes, &every_byte),
            expected.trim(),
            "{name} byte by byte"
        );
    }
}

#[test]
fn line_endings_do_not_change_the_frames() {
    let frames = |name: &str| SseDecoder::decode_all(&stream_fixture(name)).unwrap();
    let lf = frames("text.sse");
    assert_eq!(lf.len(), 11);
    assert_eq!(frames("text_crlf.sse"), lf);
    assert_eq!(frames("text_cr.sse"), lf);
}

#[test]
fn comments_multiline_data_and_ids_follow_the_spec() {
    let frames = SseDecoder::decode_all(&stream_fixture("quirks.sse")).unwrap();
    let first = &frames[0];
    assert_eq!(first.event.as_deref(), Some("response.created"));
    assert_eq!(first.id.as_deref(), Some("evt-1"));
    assert_eq!(
        first.data.lines().count(),
        3,
        "three data lines joined with LF"
    );
    assert!(first.data.contains(",\n \"response\""), "{:?}", first.data);
    let delta = frames
        .iter()
        .find(|f| f.event.as_deref() == Some("response.output_text.delta"))
        .unwrap();
    assert_eq!(delta.id.as_deref(), Some("evt-2"));
    assert!(delta.data.starts_with("{\"type\""));
    let no_event_line = frames.iter().filter(|f| f.event.is_none()).count();
    assert_eq!(no_event_line, 1);
}

#[test]
fn truncated_stream_keeps_its_partial_event_pending() {
    let bytes = stream_fixture("text.sse");
    let cut = bytes.len() - 40;
    let mut decoder = EventDecoder::new();
    let mut out = Vec::new();
    decoder.feed(&bytes[..cut], &mut out);
    assert_eq!(
        out.len(),
        10,
        "the terminal event is not delivered half-read"
    );
    assert!(decoder.has_partial());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic_either_layer(
        bytes in proptest::collection::vec(any::<u8>(), 0..2048),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..8),
    ) {
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len() + 1)).collect();
        cuts.sort_unstable();
        let mut sse = SseDecoder::with_limit(1024);
        let mut frames: Vec<SseFrame> = Vec::new();
        let mut start = 0;
        for &cut in cuts.iter().chain(std::iter::once(&bytes.len())) {
            let _ = sse.feed(&bytes[start..cut], &mut frames);
            start = cut;
        }
        let _ = decode_cut(&bytes, &cuts);
    }

    #[test]
    fn sse_shaped_noise_never_panics_the_typed_layer(
        lines in proptest::collection::vec(
            prop_oneof![
                Just("event: response.output_text.delta".to_owned()),
                Just("data: {\"type\":\"response.output_text.delta\"".to_owned()),
                Just("data: {\"type\":\"response.completed\",\"response\":{\"output\":[{\"type\":\"message\"}]}}".to_owned()),
                Just("data: {\"type\":\"response.output_item.done\",\"output_index\":0,\"item\":{\"type\":\"function_call\"}}".to_owned()),
                Just(": ping".to_owned()),
                Just(String::new()),
                "data: [ -~]{0,40}",
                "[a-z]{0,6}:[ -~]{0,20}",
            ],
            0..40,
        ),
        ending in prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
    ) {
        let text = lines.join(ending) + ending;
        let cuts: Vec<usize> = (1..text.len()).step_by(7).collect();
        let whole = decode_cut(text.as_bytes(), &[]);
        let split = decode_cut(text.as_bytes(), &cuts);
        prop_assert_eq!(whole, split);
    }

    #[test]
    fn any_split_of_a_fixture_decodes_identically(
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..12),
        which in 0..FIXTURES.len(),
    ) {
        let (name, expected) = FIXTURES[which];
        let bytes = stream_fixture(name);
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len() + 1)).collect();
        cuts.sort_unstable();
        prop_assert_eq!(described(&bytes, &cuts), expected.trim());
    }
}

const TEXT: &str = r#"
created resp_text
in_progress resp_text
item.added 0 message ""
part.added 0/0 output_text ""
Text.delta 0/0 "Hello"
Text.delta 0/0 ", wörld"
Text.delta 0/0 "! ✓ 🎉\n\"quoted\""
text.done 0/0 "Hello, wörld! ✓ 🎉\n\"quoted\""
part.done 0/0 output_text "Hello, wörld! ✓ 🎉\n\"quoted\""
item.done 0 message "Hello, wörld! ✓ 🎉\n\"quoted\""
completed resp_text usage=21/0/12/0 items=1
"#;

const REASONING: &str = r#"
created resp_reason
in_progress resp_reason
item.added 0 reasoning [] enc=false
summary_part.added 0/0 summary_text ""
ReasoningSummary.delta 0/0 "**Planning**\n\n"
ReasoningSummary.delta 0/0 "List the files first."
summary.done 0/0 "**Planning**\n\nList the files first."
summary_part.done 0/0 summary_text "**Planning**\n\nList the files first."
Reasoning.delta 0/0 "The user wants"
Reasoning.delta 0/0 " a listing."
reasoning.done 0/0 "The user wants a listing."
item.done 0 reasoning ["**Planning**\n\nList the files first."] enc=true
item.added 1 message ""
part.added 1/0 output_text ""
Text.delta 1/0 "Done."
text.done 1/0 "Done."
part.done 1/0 output_text "Done."
item.done 1 message "Done."
completed resp_reason usage=1200/1024/300/256 items=2
"#;

const FUNCTION_CALLS: &str = r#"
created resp_calls
in_progress resp_calls
item.added 0 function_call call_ls shell 
Arguments.delta 0/0 "{\"command\":"
Arguments.delta 0/0 "\"ls -la\"}"
arguments.done 0 {"command":"ls -la"}
item.done 0 function_call call_ls shell {"command":"ls -la"}
item.added 1 function_call call_git shell 
Arguments.delta 1/0 "{\"command\":\"git status\",\"workdir\":\"src\",\"timeout_ms\":5000}"
arguments.done 1 {"command":"git status","workdir":"src","timeout_ms":5000}
item.done 1 function_call call_git shell {"command":"git status","workdir":"src","timeout_ms":5000}
completed resp_calls usage=80/0/40/0 items=2
"#;

const REFUSAL: &str = r#"
created resp_refuse
item.added 0 message ""
part.added 0/0 refusal ""
Refusal.delta 0/0 "I can't help "
Refusal.delta 0/0 "with that."
refusal.done 0/0 "I can't help with that."
part.done 0/0 refusal "I can't help with that."
item.done 0 message "" refusal="I can't help with that."
completed resp_refuse usage=9/0/6/0 items=1
"#;

const INCOMPLETE: &str = r#"
created resp_inc
item.added 0 message ""
part.added 0/0 output_text ""
Text.delta 0/0 "The answer is long and"
text.done 0/0 "The answer is long and"
part.done 0/0 output_text "The answer is long and"
item.done 0 message "The answer is long and"
incomplete resp_inc max_output_tokens
"#;

const FAILED: &str = r#"
created resp_fail
in_progress resp_fail
failed resp_fail server_error: The model failed to generate a response.
"#;

const ERROR: &str = r#"
created resp_err
error context_length_exceeded: Your input exceeds the context window of this model. (input)
"#;

const QUIRKS: &str = r#"
created resp_quirks
item.added 0 other web_search_call
item.done 0 other web_search_call
Text.delta 1/0 "no space after colons"
completed resp_quirks usage=5/0/4/0 items=0
"#;
