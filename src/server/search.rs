//! Searching a pane's history for a client (`SearchPane`): the search runs on a blocking
//! task — a deep history is replayed from the store segment by segment, which can take
//! seconds — and its answer comes back to the core as a reply. The core only starts it,
//! remembers how to cancel it, and forgets it: a newer search of the same pane by the same
//! client, `CancelPaneSearch`, or the client leaving cancels the older one, which then ends
//! at its next window without an answer.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::core::{ClientId, Core, Input};
use super::slots::{PaneState, Runtime};
use crate::ids::SessionId;
use crate::protocol::{Notification, PaneSearch, PaneSearchOutcome};
use crate::pty::search::{HistoryQuery, Needle};

/// The running search of each client and pane: setting the flag cancels it.
pub type Searches = HashMap<(ClientId, SessionId), Arc<AtomicBool>>;

/// A search ready to run off the core: it is given "was I cancelled?".
type SearchJob = Box<dyn FnOnce(&dyn Fn() -> bool) -> Option<PaneSearchOutcome> + Send>;

/// Why a search cannot start; the client shows it.
const NOT_A_PANE: &str = "only a pane's history can be searched";
const EMPTY_QUERY: &str = "nothing to search for";

impl Core {
    pub fn search_pane(&mut self, client: ClientId, request: PaneSearch) {
        let slot = request.slot;
        self.cancel_search(client, slot);
        let answer = |outcome| Notification::PaneSearched {
            slot,
            search: request.search,
            outcome,
        };
        let Some(needle) = Needle::new(&request.query) else {
            let failed = PaneSearchOutcome::Failed(EMPTY_QUERY.into());
            self.send(client, answer(failed));
            return;
        };
        let query = HistoryQuery {
            needle,
            from: request.from,
            direction: request.direction,
        };
        let cancel = Arc::new(AtomicBool::new(false));
        let job: SearchJob = match self.slot_mut(slot).map(|e| &mut e.runtime) {
            Some(Runtime::Pane(PaneState::Live(pane))) => {
                let pane = Arc::clone(pane);
                Box::new(move |cancelled| pane.search_history(&query, cancelled))
            }
            // An ended pane's screen belongs to the core: copy what the search reads (its
            // compact history, a few megabytes at most) and search the copy.
            Some(Runtime::Pane(PaneState::Recorded(screen))) => {
                let snapshot = screen.search_snapshot();
                Box::new(move |cancelled| snapshot.search(&query, cancelled))
            }
            _ => {
                let failed = PaneSearchOutcome::Failed(NOT_A_PANE.into());
                self.send(client, answer(failed));
                return;
            }
        };
        self.searches.insert((client, slot), Arc::clone(&cancel));
        let inputs = self.inputs.clone();
        let search = request.search;
        tokio::task::spawn_blocking(move || {
            let cancelled = || cancel.load(Ordering::Acquire);
            if let Some(outcome) = job(&cancelled) {
                let notification = Notification::PaneSearched {
                    slot,
                    search,
                    outcome,
                };
                let _ = inputs.blocking_send(Input::Reply {
                    client,
                    notification,
                });
            }
        });
    }

    /// Stops a client's running search of a pane, if any.
    pub fn cancel_search(&mut self, client: ClientId, slot: SessionId) {
        if let Some(cancel) = self.searches.remove(&(client, slot)) {
            cancel.store(true, Ordering::Release);
        }
    }

    /// Stops every search of a client that left.
    pub fn cancel_searches_of(&mut self, client: ClientId) {
        self.searches.retain(|(c, _), cancel| {
            if *c == client {
                cancel.store(true, Ordering::Release);
            }
            *c != client
        });
    }
}
