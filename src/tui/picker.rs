//! The session picker behind resume and fork: every stored session newest first, fuzzy search
//! over title, kind, directory, branch and status, filters (this directory only, include
//! finished sessions), a preview of the selected session, and — for fork — a second stage
//! choosing the turn to fork after.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use crate::event::SessionKind;
use crate::ids::{SessionId, Timestamp};
use crate::store::{SessionMeta, TurnRecord};

/// What choosing a session does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickerPurpose {
    Resume,
    Fork,
}

impl PickerPurpose {
    pub fn title(self) -> &'static str {
        match self {
            Self::Resume => "Resume a session",
            Self::Fork => "Fork a session",
        }
    }
}

/// A session's state as the picker shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickerStatus {
    /// Its owner process runs (this workstation or another).
    Live,
    Exited,
    Interrupted,
    /// Waiting for the next prompt, or never started.
    Idle,
    Failed,
    Closed,
}

impl PickerStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Live => "live",
            Self::Exited => "exited",
            Self::Interrupted => "interrupted",
            Self::Idle => "idle",
            Self::Failed => "failed",
            Self::Closed => "closed",
        }
    }

    /// Finished sessions are hidden unless "include exited" is on.
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Exited | Self::Closed)
    }

    pub fn of(meta: &SessionMeta, owner_alive: bool) -> Self {
        use crate::session::SessionStatus as S;
        // An ended session reads as ended whoever still holds it; the words are the store's
        // (`sessions list` says the same).
        match meta.status {
            S::Exited => Self::Exited,
            S::Failed => Self::Failed,
            S::Closed => Self::Closed,
            _ if owner_alive => Self::Live,
            S::Interrupted | S::Running => Self::Interrupted,
            S::New | S::Idle | S::Other => Self::Idle,
        }
    }
}

/// One session in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickerRow {
    pub id: SessionId,
    pub title: String,
    pub kind: SessionKind,
    pub cwd: String,
    pub branch: Option<String>,
    pub status: PickerStatus,
    pub events: u64,
    pub updated_at: Timestamp,
    /// Title, kind, directory, branch and status in one string: what the query matches.
    haystack: String,
}

impl PickerRow {
    /// A row for a session the server listed.
    pub fn from_summary(summary: &crate::protocol::SessionSummary) -> Self {
        let meta = &summary.meta;
        Self::new(
            meta,
            PickerStatus::of(meta, summary.live),
            meta.branch.clone(),
        )
    }

    pub fn new(meta: &SessionMeta, status: PickerStatus, branch: Option<String>) -> Self {
        let haystack = format!(
            "{} {} {} {} {}",
            meta.title,
            meta.kind.label(),
            meta.cwd,
            branch.as_deref().unwrap_or(""),
            status.label()
        );
        Self {
            id: meta.id,
            title: meta.title.clone(),
            kind: meta.kind,
            cwd: meta.cwd.clone(),
            branch,
            status,
            events: meta.events(),
            updated_at: meta.updated_at,
            haystack,
        }
    }
}

/// The second stage of a fork: which turn to fork after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnChoice {
    pub session: SessionId,
    pub title: String,
    pub turns: Vec<TurnRecord>,
    pub selected: usize,
}

pub struct Picker {
    pub purpose: PickerPurpose,
    pub rows: Vec<PickerRow>,
    pub query: String,
    /// Show only sessions started in this directory.
    pub here: Option<String>,
    pub include_finished: bool,
    /// Indices into `rows` that pass the filters and the query, best first, with the matched
    /// char positions of each title.
    pub visible: Vec<(usize, Vec<usize>)>,
    pub selected: usize,
    /// Preview lines of the selected session, once loaded.
    pub preview: Option<(SessionId, Vec<String>)>,
    pub turn_choice: Option<TurnChoice>,
    /// Set while the session list is being read.
    pub loading: bool,
    matcher: Matcher,
}

impl std::fmt::Debug for Picker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Picker")
            .field("purpose", &self.purpose)
            .field("rows", &self.rows.len())
            .field("query", &self.query)
            .field("visible", &self.visible.len())
            .finish()
    }
}

impl Picker {
    pub fn new(purpose: PickerPurpose, cwd: Option<String>) -> Self {
        Self {
            purpose,
            rows: Vec::new(),
            query: String::new(),
            here: cwd,
            include_finished: false,
            visible: Vec::new(),
            selected: 0,
            preview: None,
            turn_choice: None,
            loading: true,
            matcher: Matcher::new(Config::DEFAULT),
        }
    }

    /// Whether the directory filter is on.
    pub fn this_directory_only(&self) -> bool {
        self.here.is_some()
    }

    pub fn set_rows(&mut self, rows: Vec<PickerRow>) {
        self.rows = rows;
        self.loading = false;
        self.refresh();
    }

    pub fn set_query(&mut self, query: String) {
        self.query = query;
        self.refresh();
    }

    /// Turns the directory filter on (with `cwd`) or off.
    pub fn toggle_here(&mut self, cwd: &str) {
        self.here = match self.here {
            Some(_) => None,
            None => Some(cwd.to_owned()),
        };
        self.refresh();
    }

    pub fn toggle_finished(&mut self) {
        self.include_finished = !self.include_finished;
        self.refresh();
    }

    fn passes_filters(&self, row: &PickerRow) -> bool {
        (self.include_finished || !row.status.is_finished())
            && self.here.as_ref().is_none_or(|here| &row.cwd == here)
    }

    /// Applies filters and query. Rows keep newest-first order when the query is empty.
    fn refresh(&mut self) {
        let previous = self.selected_row().map(|r| r.id);
        let query = self.query.trim();
        let mut visible = Vec::new();
        if query.is_empty() {
            for (i, row) in self.rows.iter().enumerate() {
                if self.passes_filters(row) {
                    visible.push((i, 0u32, Vec::new()));
                }
            }
        } else {
            let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
            let mut buf = Vec::new();
            let mut indices = Vec::new();
            for (i, row) in self.rows.iter().enumerate() {
                if !self.passes_filters(row) {
                    continue;
                }
                indices.clear();
                let haystack = Utf32Str::new(&row.haystack, &mut buf);
                if let Some(score) = pattern.indices(haystack, &mut self.matcher, &mut indices) {
                    let title_len = row.title.chars().count();
                    let mut highlight: Vec<usize> = indices
                        .iter()
                        .map(|&i| i as usize)
                        .filter(|&i| i < title_len)
                        .collect();
                    highlight.sort_unstable();
                    highlight.dedup();
                    visible.push((i, score, highlight));
                }
            }
            visible.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        }
        self.visible = visible.into_iter().map(|(i, _, h)| (i, h)).collect();
        self.selected = previous
            .and_then(|id| {
                self.visible
                    .iter()
                    .position(|(i, _)| self.rows[*i].id == id)
            })
            .unwrap_or(0);
    }

    pub fn selected_row(&self) -> Option<&PickerRow> {
        self.visible.get(self.selected).map(|(i, _)| &self.rows[*i])
    }

    pub fn move_selection(&mut self, delta: isize) {
        if let Some(choice) = &mut self.turn_choice {
            let len = choice.turns.len() as isize;
            if len > 0 {
                choice.selected = (choice.selected as isize + delta).clamp(0, len - 1) as usize;
            }
            return;
        }
        let len = self.visible.len() as isize;
        if len > 0 {
            self.selected = (self.selected as isize + delta).clamp(0, len - 1) as usize;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::SessionStatus;

    fn meta(title: &str, cwd: &str, status: SessionStatus) -> SessionMeta {
        SessionMeta {
            id: SessionId::new(),
            title: title.into(),
            kind: SessionKind::Agent,
            cwd: cwd.into(),
            command: None,
            model: None,
            created_at: Timestamp(0),
            updated_at: Timestamp(0),
            last_seq: crate::ids::Seq(3),
            status,
            parent: None,
            owner: None,
            turns: 1,
            last_prompt: None,
            exit_code: None,
            last_error: None,
            worktree: None,
            branch: None,
        }
    }

    fn picker() -> Picker {
        let metas = [
            meta("fix the flaky test", "/work/a", SessionStatus::Idle),
            meta("write docs", "/work/b", SessionStatus::Interrupted),
            meta("htop", "/work/a", SessionStatus::Exited),
        ];
        let mut picker = Picker::new(PickerPurpose::Resume, None);
        picker.set_rows(
            metas
                .iter()
                .map(|m| PickerRow::new(m, PickerStatus::of(m, false), None))
                .collect(),
        );
        picker
    }

    #[test]
    fn finished_sessions_are_hidden_until_asked_for() {
        let mut picker = picker();
        assert_eq!(picker.visible.len(), 2);
        picker.toggle_finished();
        assert_eq!(picker.visible.len(), 3);
        picker.toggle_here("/work/a");
        assert_eq!(picker.visible.len(), 2);
    }

    #[test]
    fn queries_match_status_and_directory_too() {
        let mut picker = picker();
        picker.set_query("interrupted".into());
        assert_eq!(
            picker.selected_row().map(|r| r.title.as_str()),
            Some("write docs")
        );
        picker.set_query("work/a flaky".into());
        assert_eq!(picker.visible.len(), 1);
        let (_, highlight) = &picker.visible[0];
        assert!(!highlight.is_empty());
    }

    #[test]
    fn selection_survives_a_refresh() {
        let mut picker = picker();
        picker.move_selection(1);
        let chosen = picker.selected_row().map(|r| r.id);
        picker.toggle_finished();
        assert_eq!(picker.selected_row().map(|r| r.id), chosen);
    }
}
