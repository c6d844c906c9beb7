//! Composer history: the user's past prompts, newest last, loaded from the store at start so
//! it survives restarts, plus reverse incremental search (Ctrl+R).

/// How many prompts are kept in memory; older ones stay in the store.
pub const HISTORY_LIMIT: usize = 1000;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    entries: Vec<String>,
}

impl History {
    /// Builds history from prompts, oldest first.
    pub fn from_entries(entries: impl IntoIterator<Item = String>) -> Self {
        let mut history = Self::default();
        for entry in entries {
            history.push(entry);
        }
        history
    }

    /// Records a prompt; repeats of the newest entry and blank text are skipped.
    pub fn push(&mut self, text: String) {
        if text.trim().is_empty() || self.entries.last() == Some(&text) {
            return;
        }
        self.entries.push(text);
        if self.entries.len() > HISTORY_LIMIT {
            let excess = self.entries.len() - HISTORY_LIMIT;
            self.entries.drain(..excess);
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, index: usize) -> Option<&str> {
        self.entries.get(index).map(String::as_str)
    }

    /// Oldest entry newer than `after` containing `query`, case-insensitively.
    pub fn search_after(&self, query: &str, after: usize) -> Option<usize> {
        let needle = query.to_lowercase();
        self.entries
            .iter()
            .enumerate()
            .skip(after + 1)
            .find(|(_, entry)| entry.to_lowercase().contains(&needle))
            .map(|(i, _)| i)
    }

    /// Newest entry older than `before` (exclusive; `None` = from the newest) containing
    /// `query`, case-insensitively.
    pub fn search(&self, query: &str, before: Option<usize>) -> Option<usize> {
        let end = before.unwrap_or(self.entries.len()).min(self.entries.len());
        let needle = query.to_lowercase();
        self.entries[..end]
            .iter()
            .rposition(|entry| entry.to_lowercase().contains(&needle))
    }
}

/// State of an open Ctrl+R search.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistorySearch {
    pub query: String,
    /// Index of the current match in the history.
    pub found: Option<usize>,
}

impl HistorySearch {
    /// Re-runs the search after the query changed, from the newest entry.
    pub fn refresh(&mut self, history: &History) {
        self.found = history.search(&self.query, None);
    }

    /// Moves to the next older match (Ctrl+R again); stays put when there is none.
    pub fn older(&mut self, history: &History) {
        if let Some(next) = history.search(&self.query, self.found) {
            self.found = Some(next);
        }
    }

    /// Moves back to the next newer match; stays put at the newest.
    pub fn newer(&mut self, history: &History) {
        let Some(current) = self.found else {
            return;
        };
        if let Some(next) = history.search_after(&self.query, current) {
            self.found = Some(next);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_walks_back_through_matches() {
        let history = History::from_entries(
            ["cargo test", "git status", "cargo build", "ls"].map(String::from),
        );
        let mut search = HistorySearch {
            query: "CARGO".into(),
            found: None,
        };
        search.refresh(&history);
        assert_eq!(search.found, Some(2));
        search.older(&history);
        assert_eq!(search.found, Some(0));
        search.older(&history);
        assert_eq!(search.found, Some(0));
        search.newer(&history);
        assert_eq!(search.found, Some(2));
        search.newer(&history);
        assert_eq!(search.found, Some(2));
    }

    #[test]
    fn duplicates_and_blanks_are_skipped() {
        let mut history = History::default();
        history.push("a".into());
        history.push("a".into());
        history.push("  ".into());
        assert_eq!(history.len(), 1);
    }
}
