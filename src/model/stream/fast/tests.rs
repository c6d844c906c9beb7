//! The fast path against serde: examples, and a property test that they agree.

use super::*;

fn text(data: &str) -> Option<String> {
    delta(data).map(|d| d.as_delta().text.to_owned())
}

#[test]
fn a_plain_delta_borrows_and_an_escaped_one_is_decoded() {
    let data = r#"{"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_1","output_index":1,"content_index":0,"delta":"Hi","logprobs":[],"obfuscation":"k2"}"#;
    let fast = delta(data).unwrap();
    assert!(matches!(fast.text, Cow::Borrowed("Hi")));
    let d = fast.as_delta();
    assert_eq!((d.item_id, d.output_index, d.index), ("msg_1", 1, 0));
    assert_eq!(
        text(
            r#"{"type":"response.output_text.delta","output_index":0,"content_index":0,"delta":"a\n\"b\" \u00e9"}"#
        ),
        Some("a\n\"b\" \u{e9}".to_owned())
    );
    assert_eq!(
        text(
            r#"{"type":"response.output_text.delta","output_index":0,"content_index":0,"delta":"\\ \/ \t\r\b\f \n"}"#
        ),
        Some("\\ / \t\r\u{8}\u{c} \n".to_owned())
    );
}

#[test]
fn special_bytes_are_found_at_every_position() {
    for len in 0..20 {
        for at in 0..=len {
            for special in [b'"', b'\\', 0x00, 0x1f] {
                let mut bytes = vec![b'a'; len];
                // Bytes that sit next to the special ones in value: no false match.
                bytes.iter_mut().step_by(3).for_each(|b| *b = 0x20);
                bytes.iter_mut().skip(1).step_by(4).for_each(|b| *b = 0xe9);
                if at < len {
                    bytes[at] = special;
                    assert_eq!(find_special(&bytes), Some(at), "{bytes:?}");
                } else {
                    assert_eq!(find_special(&bytes), None, "{bytes:?}");
                }
            }
        }
    }
}

#[test]
fn anything_unusual_is_left_to_serde() {
    let base = r#""type":"response.output_text.delta","output_index":0,"content_index":0"#;
    for data in [
        format!(r#"{{{base},"delta":"x"}} extra"#),
        format!(r#"{{{base},"delta":"x","delta":"y"}}"#),
        format!(r#"{{{base},"delta":"x","logprobs":[1]}}"#),
        format!(r#"{{{base},"delta":"x","n":1.5}}"#),
        format!(r#"{{{base},"delta":"x","n":-1}}"#),
        format!(r#"{{{base},"delta":"x","n":01}}"#),
        format!(r#"{{{base},"delta":"x","o":"a\u0041"}}"#),
        format!(r#"{{{base},"delta":"bad \x"}}"#),
        format!("{{{base},\"delta\":\"raw \u{1} control\"}}"),
        format!(r#"{{{base},"delta":null}}"#),
        format!(r#"{{{base},"delta":"x","item":{{}}}}"#),
        format!(r#"{{{base},"delta":"x",}}"#),
        format!(r#"{{{base},"delta":"x","text":"t"}}"#),
        r#"{"type":"response.output_text.delta","output_index":"first","content_index":0,"delta":"x"}"#.to_owned(),
        r#"{"type":"response.output_text.delta","output_index":4294967296,"content_index":0,"delta":"x"}"#.to_owned(),
        r#"{"type":"response.output_text.delta","content_index":0,"delta":"x"}"#.to_owned(),
        r#"{"type":"response.completed","output_index":0,"content_index":0,"delta":"x"}"#.to_owned(),
        r#"{"type":"response.output_text.delta","output_index":0,"content_index":0,"delta":"trunc"#.to_owned(),
    ] {
        assert!(delta(&data).is_none(), "{data}");
    }
    assert_eq!(
        text(&format!(
            " {{ {base} , \"delta\" : \"ok\" , \"x\" : [ ] , \"y\" : true }}\n"
        )),
        Some("ok".to_owned())
    );
}

use crate::model::sse::FrameRef;
use proptest::prelude::*;

/// What serde's general path makes of `data`, owned.
fn serde_view(data: &str) -> Result<Option<crate::model::ResponseEvent>, String> {
    let frame = FrameRef {
        event: None,
        data,
        id: None,
    };
    super::super::parse::parse_with_serde(frame, |e| e.into_owned()).map_err(|e| e.to_string())
}

/// Mostly strings (deltas, with and without escapes, valid or not), sometimes anything.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "\"[a-zA-Z0-9 \u{e9}\u{1f389}]{0,12}\"",
        2 => "\"[a-z \\\\\"\u{e9}\u{1f389}nut0-9]{0,12}\"",
        3 => "\"(\\\\u[0-9a-fA-F]{4}|\\\\[nrtbf/x\"]|[a-z])*\"",
        1 => other_value(),
    ]
}

fn other_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0".to_owned()),
        Just("7".to_owned()),
        Just("01".to_owned()),
        Just("-3".to_owned()),
        Just("1.5".to_owned()),
        Just("4294967296".to_owned()),
        Just("99999999999999999999".to_owned()),
        Just("[]".to_owned()),
        Just("[ 1 ]".to_owned()),
        Just("{}".to_owned()),
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("nul".to_owned()),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => Just("type"),
        1 => Just("item_id"),
        1 => Just("output_index"),
        1 => Just("content_index"),
        1 => Just("summary_index"),
        1 => Just("delta"),
        6 => Just("sequence_number"),
        6 => Just("logprobs"),
        6 => Just("obfuscation"),
        1 => Just("text"),
        1 => Just("part"),
        1 => Just("t\\u0079pe"),
    ]
    .prop_map(str::to_owned)
}

fn kind() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("response.output_text.delta"),
        Just("response.refusal.delta"),
        Just("response.reasoning_summary_text.delta"),
        Just("response.reasoning_text.delta"),
        Just("response.function_call_arguments.delta"),
        Just("response.output_text.done"),
        Just("response.created"),
    ]
    .prop_map(|k| format!("\"{k}\""))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    /// Wherever the fast path answers, serde gives the very same event.
    #[test]
    fn the_fast_path_agrees_with_serde(
        kind in kind(),
        required in proptest::collection::vec(proptest::bool::weighted(0.9), 4),
        extra in proptest::collection::vec((key(), value()), 0..3),
        text in value(),
        space in prop_oneof![Just(""), Just(" "), Just("\n\t ")],
        tail in prop_oneof![4 => Just(""), 2 => Just(" "), 1 => Just("x"), 1 => Just(","), 1 => Just("}")],
    ) {
        let mut pairs = vec![format!("\"type\":{kind}")];
        let fixed = [
            ("item_id", "\"msg_1\"".to_owned()),
            ("output_index", "1".to_owned()),
            ("content_index", "0".to_owned()),
            ("summary_index", "2".to_owned()),
        ];
        for (keep, (k, v)) in required.iter().zip(fixed) {
            if *keep {
                pairs.push(format!("\"{k}\":{v}"));
            }
        }
        pairs.push(format!("\"delta\":{text}"));
        for (k, v) in &extra {
            pairs.push(format!("\"{k}\":{v}"));
        }
        let data = format!("{{{space}{}{space}}}{tail}", pairs.join(&format!(",{space}")));
        if let Some(fast) = delta(&data) {
            let fast = crate::model::EventRef::Delta(fast.as_delta()).into_owned();
            prop_assert_eq!(serde_view(&data), Ok(Some(fast)), "{}", data);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = delta(&text);
        let _ = delta(&format!("{{\"type\":\"response.output_text.delta\",{text}"));
    }
}
