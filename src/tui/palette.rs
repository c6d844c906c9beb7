//! The command palette: fuzzy search (nucleo-matcher) over commands, slots and recent
//! sessions, with the matched characters remembered for highlighting.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::commands::CommandId;
use super::slots::SlotId;
use crate::ids::SessionId;

/// What choosing an entry does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaletteTarget {
    Command(CommandId),
    Slot(SlotId),
    Session(SessionId),
}

/// One entry the palette can show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaletteItem {
    pub target: PaletteTarget,
    /// The searchable, highlighted text.
    pub label: String,
    /// Shown dimmed on the right (keys, status, age); also searched.
    pub detail: String,
    /// "command", "slot" or "session".
    pub kind: &'static str,
}

/// A matching entry: its index in `items`, score, and matched char positions in its label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaletteMatch {
    pub item: usize,
    pub score: u32,
    pub highlight: Vec<usize>,
}

pub struct Palette {
    pub query: String,
    pub items: Vec<PaletteItem>,
    pub matches: Vec<PaletteMatch>,
    pub selected: usize,
    matcher: Matcher,
}

impl std::fmt::Debug for Palette {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Palette")
            .field("query", &self.query)
            .field("matches", &self.matches.len())
            .field("selected", &self.selected)
            .finish()
    }
}

impl Palette {
    pub fn new(items: Vec<PaletteItem>) -> Self {
        let mut palette = Self {
            query: String::new(),
            items,
            matches: Vec::new(),
            selected: 0,
            matcher: Matcher::new(Config::DEFAULT),
        };
        palette.refresh();
        palette
    }

    pub fn set_query(&mut self, query: String) {
        self.query = query;
        self.refresh();
    }

    /// Re-ranks every item against the query; an empty query keeps the given order.
    fn refresh(&mut self) {
        self.selected = 0;
        if self.query.trim().is_empty() {
            self.matches = (0..self.items.len())
                .map(|item| PaletteMatch {
                    item,
                    score: 0,
                    highlight: Vec::new(),
                })
                .collect();
            return;
        }
        let pattern = Pattern::parse(&self.query, CaseMatching::Ignore, Normalization::Smart);
        let mut buf = Vec::new();
        let mut indices = Vec::new();
        let mut matches = Vec::new();
        for (item, entry) in self.items.iter().enumerate() {
            let haystack = format!("{} {}", entry.label, entry.detail);
            indices.clear();
            let Some(score) = pattern.indices(
                Utf32Str::new(&haystack, &mut buf),
                &mut self.matcher,
                &mut indices,
            ) else {
                continue;
            };
            let label_chars = entry.label.chars().count();
            let mut highlight: Vec<usize> = indices
                .iter()
                .map(|&i| i as usize)
                .filter(|&i| i < label_chars)
                .collect();
            highlight.sort_unstable();
            highlight.dedup();
            matches.push(PaletteMatch {
                item,
                score,
                highlight,
            });
        }
        matches.sort_by(|a, b| b.score.cmp(&a.score).then(a.item.cmp(&b.item)));
        self.matches = matches;
    }

    pub fn move_selection(&mut self, delta: isize) {
        if self.matches.is_empty() {
            self.selected = 0;
            return;
        }
        let len = self.matches.len() as isize;
        self.selected = (self.selected as isize + delta).rem_euclid(len) as usize;
    }

    pub fn selected_target(&self) -> Option<PaletteTarget> {
        self.matches
            .get(self.selected)
            .map(|m| self.items[m.item].target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(label: &str) -> PaletteItem {
        PaletteItem {
            target: PaletteTarget::Command(CommandId::Quit),
            label: label.into(),
            detail: String::new(),
            kind: "command",
        }
    }

    #[test]
    fn fuzzy_query_ranks_and_highlights() {
        let mut palette = Palette::new(vec![
            item("Quit"),
            item("New agent slot"),
            item("Next slot"),
            item("Help"),
        ]);
        assert_eq!(palette.matches.len(), 4);
        palette.set_query("nxsl".into());
        assert_eq!(palette.matches.len(), 1);
        let top = &palette.matches[0];
        assert_eq!(palette.items[top.item].label, "Next slot");
        assert_eq!(top.highlight, vec![0, 2, 5, 6]);
        palette.set_query("zzzz".into());
        assert!(palette.matches.is_empty());
        assert_eq!(palette.selected_target(), None);
    }

    #[test]
    fn selection_wraps() {
        let mut palette = Palette::new(vec![item("a"), item("b")]);
        palette.move_selection(-1);
        assert_eq!(palette.selected, 1);
        palette.move_selection(1);
        assert_eq!(palette.selected, 0);
    }
}
