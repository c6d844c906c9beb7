//! Searching a pane's history: the client names a query, where to start and which way; the
//! server, which holds every row (the client holds only those on screen), answers with the
//! nearest match or none. Rows are content rows as [`super::Command::LoadPaneText`] and the
//! scroll state count them: 0 is the oldest history line a view can reach, the live screen
//! follows the history.

use serde::{Deserialize, Serialize};

use crate::ids::SessionId;

/// Which way a search goes from its starting point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SearchDirection {
    /// Up, into older history (a backward search).
    Older,
    /// Down, toward the live screen.
    Newer,
}

impl SearchDirection {
    pub fn reversed(self) -> Self {
        match self {
            Self::Older => Self::Newer,
            Self::Newer => Self::Older,
        }
    }
}

/// A cell of a pane's content: a content row and a cell column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub struct PanePoint {
    pub row: usize,
    pub col: u16,
}

/// "Search slot S for Q, from R, direction D" ([`super::Command::SearchPane`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaneSearch {
    pub slot: SessionId,
    /// The client's number for this search; the answer carries it, so an answer to a search
    /// the client has since replaced is recognised and dropped.
    pub search: u64,
    /// The text to find. Smart case: a query without an uppercase letter matches any case.
    pub query: String,
    /// Matches start strictly before (older) or after (newer) this cell.
    pub from: PanePoint,
    pub direction: SearchDirection,
}

/// Where a match is: its first and last cell (a match across a soft wrap ends on a later
/// row), and the history length its rows are counted against, so the client can scroll there
/// even if its own scroll state is a frame behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaneMatch {
    pub start: PanePoint,
    pub end: PanePoint,
    /// Lines of history the pane kept when the match was found (the scroll state's
    /// `history`).
    pub history: usize,
}

/// The answer to a search ([`super::Notification::PaneSearched`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PaneSearchOutcome {
    Found(PaneMatch),
    /// No match between the starting point and the end of the history in that direction.
    NotFound,
    /// The search could not run (no such pane, an empty query, the store failed).
    Failed(String),
}
