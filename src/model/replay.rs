//! Suppressing what a retried attempt repeats.
//!
//! When a stream breaks before its terminal event, the client sends the whole request again and
//! the new response starts from the beginning. The consumer has already shown (and maybe
//! stored) part of the first attempt, so the filter drops what it already delivered:
//!
//! - **Deltas** are tracked per `(output_index, channel, content/summary index)`: the text
//!   delivered so far on that slot. A retried attempt's deltas on the same slot are counted
//!   against it; the part that falls within the delivered length is dropped, and only text
//!   beyond it passes (a delta straddling the boundary is trimmed). So the consumer sees every
//!   character once, in order.
//! - **One-shot events** (`output_item.added`/`.done`, `content_part.added`/`.done`, summary
//!   parts, and the `*.done` text events) pass once per slot; a repeat is dropped. In
//!   particular an item whose `output_item.done` was delivered is never delivered again, so the
//!   agent never records or runs it twice.
//! - Response-level events (`created`, `in_progress`, terminal ones) always pass.
//!
//! Slots are keyed by position, not item id, because a new attempt's items get new ids. If the
//! retried text differs from what was delivered (models are not deterministic), the rule is
//! still positional: the consumer keeps the first attempt's prefix, continues with the new
//! attempt's text after it, and a warning is logged. The `output_item.done` item, which is
//! authoritative, then carries the new attempt's text in full if it was not delivered before.

use std::collections::{HashMap, HashSet};

use super::stream::ResponseEvent;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Once {
    ItemAdded,
    ItemDone,
    PartAdded,
    PartDone,
    SummaryPartAdded,
    SummaryPartDone,
    TextDone,
    RefusalDone,
    ArgumentsDone,
    SummaryTextDone,
    ReasoningTextDone,
}

#[derive(Debug, Default)]
struct Delivered {
    text: String,
    /// Bytes of this slot the current attempt has replayed so far.
    replayed: usize,
}

/// Per-request memory of what the consumer has seen; one per [`super::ResponseStream`].
#[derive(Debug, Default)]
pub struct ReplayFilter {
    once: HashSet<(Once, u32, u32)>,
    /// Keyed by `(channel as u8, output_index, index)`.
    deltas: HashMap<(u8, u32, u32), Delivered>,
}

impl ReplayFilter {
    pub fn new() -> Self {
        Self::default()
    }

    /// A new attempt starts: its deltas are measured against what was delivered from zero.
    pub fn begin_attempt(&mut self) {
        for slot in self.deltas.values_mut() {
            slot.replayed = 0;
        }
    }

    /// The event as the consumer should see it, or `None` when it repeats a delivered one.
    pub fn filter(&mut self, mut event: ResponseEvent) -> Option<ResponseEvent> {
        use ResponseEvent as E;
        let once = match &event {
            E::OutputItemAdded { output_index, .. } => Some((Once::ItemAdded, *output_index, 0)),
            E::OutputItemDone { output_index, .. } => Some((Once::ItemDone, *output_index, 0)),
            E::ContentPartAdded { at, .. } => Some((Once::PartAdded, at.output_index, at.index)),
            E::ContentPartDone { at, .. } => Some((Once::PartDone, at.output_index, at.index)),
            E::ReasoningSummaryPartAdded { at, .. } => {
                Some((Once::SummaryPartAdded, at.output_index, at.index))
            }
            E::ReasoningSummaryPartDone { at, .. } => {
                Some((Once::SummaryPartDone, at.output_index, at.index))
            }
            E::OutputTextDone { at, .. } => Some((Once::TextDone, at.output_index, at.index)),
            E::RefusalDone { at, .. } => Some((Once::RefusalDone, at.output_index, at.index)),
            E::FunctionCallArgumentsDone { at, .. } => {
                Some((Once::ArgumentsDone, at.output_index, 0))
            }
            E::ReasoningSummaryTextDone { at, .. } => {
                Some((Once::SummaryTextDone, at.output_index, at.index))
            }
            E::ReasoningTextDone { at, .. } => {
                Some((Once::ReasoningTextDone, at.output_index, at.index))
            }
            _ => None,
        };
        if let Some(key) = once {
            return self.once.insert(key).then_some(event);
        }
        let Some(delta) = event.delta() else {
            return Some(event);
        };
        let key = (delta.channel as u8, delta.output_index, delta.index);
        let slot = self.deltas.entry(key).or_default();
        let start = slot.replayed;
        let delivered = slot.text.len();
        let text = event.delta_text_mut()?;
        slot.replayed = start + text.len();
        if start >= delivered {
            slot.text.push_str(text);
            return Some(event);
        }
        let overlap = (delivered - start).min(text.len());
        let fresh = text.get(overlap..);
        if slot.text.as_bytes().get(start..start + overlap) != text.as_bytes().get(..overlap)
            || fresh.is_none()
        {
            tracing::warn!(
                output_index = key.1,
                "retried response differs from the text already shown; continuing after it"
            );
        }
        match fresh {
            Some(fresh) if !fresh.is_empty() => {
                let fresh = fresh.to_owned();
                slot.text.push_str(&fresh);
                *text = fresh;
                Some(event)
            }
            // Fully replayed, or a boundary that splits a character of a diverged text.
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::OutputItem;
    use crate::model::stream::PartAt;

    fn text(index: u32, delta: &str) -> ResponseEvent {
        ResponseEvent::OutputTextDelta {
            at: PartAt {
                item_id: format!("msg_{index}"),
                output_index: index,
                index: 0,
            },
            delta: delta.to_owned(),
        }
    }

    fn pass(filter: &mut ReplayFilter, events: Vec<ResponseEvent>) -> String {
        events
            .into_iter()
            .filter_map(|e| filter.filter(e))
            .filter_map(|e| e.delta().map(|d| d.text.to_owned()))
            .collect::<Vec<_>>()
            .join("|")
    }

    #[test]
    fn replayed_prefix_is_dropped_and_straddling_delta_trimmed() {
        let mut filter = ReplayFilter::new();
        assert_eq!(
            pass(&mut filter, vec![text(0, "Hel"), text(0, "lo w")]),
            "Hel|lo w"
        );
        filter.begin_attempt();
        assert_eq!(
            pass(
                &mut filter,
                vec![
                    text(0, "He"),
                    text(0, "llo"),
                    text(0, " wor"),
                    text(0, "ld")
                ]
            ),
            "or|ld"
        );
        filter.begin_attempt();
        assert_eq!(pass(&mut filter, vec![text(0, "Hello world!")]), "!");
    }

    #[test]
    fn slots_are_independent_and_one_shot_events_pass_once() {
        let mut filter = ReplayFilter::new();
        let done = ResponseEvent::OutputItemDone {
            output_index: 0,
            item: OutputItem::default(),
        };
        assert!(filter.filter(done.clone()).is_some());
        assert_eq!(pass(&mut filter, vec![text(1, "ab")]), "ab");
        filter.begin_attempt();
        assert!(filter.filter(done).is_none());
        assert_eq!(pass(&mut filter, vec![text(1, "abc"), text(2, "x")]), "c|x");
    }

    #[test]
    fn divergent_retry_continues_after_the_delivered_length() {
        let mut filter = ReplayFilter::new();
        assert_eq!(pass(&mut filter, vec![text(0, "Hello")]), "Hello");
        filter.begin_attempt();
        assert_eq!(pass(&mut filter, vec![text(0, "Howdy, all")]), ", all");
        filter.begin_attempt();
        // A boundary inside a multi-byte character of diverged text is dropped, not a panic.
        assert_eq!(
            pass(
                &mut filter,
                vec![text(0, "a\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}")]
            ),
            ""
        );
    }

    /// Splits `text` into deltas of the given character counts (cycled).
    fn deltas(text: &str, sizes: &[usize]) -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        let mut out = Vec::new();
        let mut at = 0;
        for size in sizes.iter().cycle() {
            if at >= chars.len() {
                break;
            }
            let end = (at + size.max(&1)).min(chars.len());
            out.push(chars[at..end].iter().collect());
            at = end;
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn any_cuts_and_splits_deliver_the_text_exactly_once(
            full in "\\PC{0,60}",
            attempts in proptest::collection::vec(
                (proptest::collection::vec(1usize..7, 1..4), 0usize..30),
                1..4,
            ),
            last_sizes in proptest::collection::vec(1usize..7, 1..4),
        ) {
            let mut filter = ReplayFilter::new();
            let mut seen = String::new();
            let plans = attempts
                .iter()
                .map(|(sizes, cut)| (sizes.clone(), Some(*cut)))
                .chain(std::iter::once((last_sizes, None)));
            for (sizes, cut) in plans {
                filter.begin_attempt();
                let pieces = deltas(&full, &sizes);
                let keep = cut.unwrap_or(pieces.len()).min(pieces.len());
                for piece in &pieces[..keep] {
                    if let Some(event) = filter.filter(text(0, piece)) {
                        seen.push_str(event.delta().map_or("", |d| d.text));
                    }
                }
            }
            proptest::prop_assert_eq!(seen, full);
        }
    }
}
