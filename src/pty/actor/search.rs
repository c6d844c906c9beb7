//! Searching a live pane's history ([`PtySlot::search_history`]): its memory read under the
//! screen lock one window at a time — the parser takes the lock for every slice of output,
//! so it never waits behind more than a window — and, for a recording slot, the rows older
//! than memory replayed from the store segment by segment, with no lock at all.

use std::ops::Range;

use super::super::history::ColdHistory;
use super::super::record::{HistoryMark, Recorder};
use super::super::replay::{history_rows, history_segment};
use super::super::search::{self, Bounds, HistoryQuery, Needle, SearchMemory, SearchRow};
use super::{PtySlot, Shared};
use crate::protocol::PaneSearchOutcome;
use crate::store::StoreError;

/// A live pane's memory: each call takes the lock for one window.
struct Locked<'a>(&'a Shared);

impl SearchMemory for Locked<'_> {
    fn bounds(&mut self) -> Bounds {
        self.0.screen.lock().bounds()
    }

    fn window(&mut self, range: Range<u64>, needle: &Needle) -> (u64, Vec<SearchRow>) {
        self.0.screen.lock().window(range, needle)
    }
}

/// The recording: pages of history replayed from the store.
struct Recorded<'a> {
    recorder: &'a Recorder,
    marks: Vec<HistoryMark>,
}

impl search::SearchStore for Recorded<'_> {
    fn segment(&self, line: u64) -> Option<Range<u64>> {
        history_segment(&self.marks, line)
    }

    fn page(&mut self, line: u64, keep: Range<u64>) -> Result<Option<ColdHistory>, StoreError> {
        history_rows(
            &self.recorder.store,
            self.recorder.session,
            &self.marks,
            line,
            keep,
        )
    }
}

impl PtySlot {
    /// Searches this pane's history, on the calling thread (a blocking task: replaying from
    /// the store can take a while); `None` when `cancelled` stopped it.
    pub fn search_history(
        &self,
        query: &HistoryQuery,
        cancelled: &dyn Fn() -> bool,
    ) -> Option<PaneSearchOutcome> {
        let mut memory = Locked(&self.shared);
        let mut store = match (&self.source, &self.record) {
            (Some(recorder), Some(queue)) => Some(Recorded {
                recorder,
                marks: queue.marks(),
            }),
            _ => None,
        };
        search::run(
            &mut memory,
            store.as_mut().map(|s| s as &mut dyn search::SearchStore),
            query,
            cancelled,
        )
    }
}
