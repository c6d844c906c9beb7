//! How a reply's ending damages its stream: cuts and stalls drop the events after a point,
//! malformed and truncated events garble one. Works on framed events (`event: …\ndata:
//! …\n\n`), before they are split into writes.

use serde_json::Value;

use super::scenario::End;

/// The events to write for `end`, from the rendered (complete) stream.
pub(super) fn apply(end: &End, mut events: Vec<String>) -> Vec<String> {
    let all_but_terminal = events.len().saturating_sub(1);
    let half = events.len() / 2;
    match end {
        End::Completed | End::Incomplete { .. } | End::Failed { .. } | End::Error { .. } => {}
        End::Cut { after_events, .. } | End::Stall { after_events } => {
            events.truncate(after_events.unwrap_or(all_but_terminal));
        }
        End::Malformed { after_events } => {
            if let Some(event) = events.get_mut(after_events.unwrap_or(half)) {
                *event = malformed(event);
            }
        }
        End::TruncatedEvent {
            after_events,
            end_stream,
        } => {
            let at = after_events.unwrap_or(half);
            if let Some(event) = events.get_mut(at) {
                *event = truncated(event, !end_stream);
            }
            if *end_stream {
                events.truncate(at + 1);
            }
        }
    }
    events
}

/// `(event line, data JSON)` of one framed event.
fn split(framed: &str) -> (&str, &str) {
    let framed = framed.trim_end_matches('\n');
    match framed.split_once("\ndata: ") {
        Some((head, data)) => (head, data),
        None => ("", framed),
    }
}

/// The same event with `output_index` as a string: valid JSON that no decoder accepts for a
/// known event type, as a buggy proxy or a schema change would produce.
fn malformed(framed: &str) -> String {
    let (head, data) = split(framed);
    let data = match serde_json::from_str::<Value>(data) {
        Ok(Value::Object(mut body)) => {
            body.insert("output_index".into(), Value::from("first"));
            Value::Object(body).to_string()
        }
        _ => data.to_owned(),
    };
    format!("{head}\ndata: {data}\n\n")
}

/// The event with its JSON cut in the middle (at a character boundary); closed by a blank
/// line when `close_frame`, otherwise left hanging mid-line.
fn truncated(framed: &str, close_frame: bool) -> String {
    let (head, data) = split(framed);
    let mut cut = data.len() / 2;
    while !data.is_char_boundary(cut) {
        cut -= 1;
    }
    let end = if close_frame { "\n\n" } else { "" };
    format!("{head}\ndata: {}{end}", &data[..cut])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(data: &str) -> String {
        format!("event: response.output_text.delta\ndata: {data}\n\n")
    }

    fn stream() -> Vec<String> {
        (0..4)
            .map(|i| {
                frame(&format!(
                    r#"{{"type":"x","output_index":{i},"delta":"é{i}"}}"#
                ))
            })
            .collect()
    }

    #[test]
    fn malformed_changes_one_event_and_keeps_the_rest() {
        let out = apply(&End::Malformed { after_events: None }, stream());
        assert_eq!(out.len(), 4);
        assert!(out[2].contains(r#""output_index":"first""#), "{}", out[2]);
        assert!(out[2].ends_with("}\n\n"));
        assert_eq!(out[3], stream()[3]);
    }

    #[test]
    fn truncated_events_are_cut_mid_json() {
        let closed = apply(
            &End::TruncatedEvent {
                after_events: Some(1),
                end_stream: false,
            },
            stream(),
        );
        assert_eq!(closed.len(), 4);
        assert!(closed[1].ends_with("\n\n") && !closed[1].contains('}'));
        let open = apply(
            &End::TruncatedEvent {
                after_events: Some(1),
                end_stream: true,
            },
            stream(),
        );
        assert_eq!(open.len(), 2);
        assert!(!open[1].ends_with('\n'), "{:?}", open[1]);
        // Every cut point of a multi-byte text stays on a character boundary.
        for text in ["ééééé", "a", ""] {
            let _ = truncated(&frame(text), true);
        }
    }
}
