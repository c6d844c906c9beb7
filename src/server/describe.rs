//! One stored session in full, for [`crate::protocol::Command::LoadSession`] (the MCP
//! `session_show` tool): its index entry, turns, counters, the assistant's last message and
//! the preview's tail. Read on a blocking task like every other read.

use super::core::{ClientId, Core};
use crate::event::{EventKind, OutputItem};
use crate::ids::Seq;
use crate::protocol::{Lookup, Notification, SessionDetail, SessionSummary};
use crate::store::{Store, StoreError};

impl Core {
    pub fn load_session(&mut self, client: ClientId, lookup: Lookup) {
        self.reply_with(client, move |store| {
            let detail = super::reads::lookup_session(store, &lookup)
                .map_err(|e| e.to_string())
                .and_then(|found| describe(store, found.session).map_err(|e| e.to_string()));
            Notification::SessionLoaded(detail.map(Box::new))
        });
    }
}

/// Everything [`SessionDetail`] says about `id`.
pub fn describe(store: &Store, id: crate::ids::SessionId) -> Result<SessionDetail, StoreError> {
    let meta = store.meta(id)?;
    let state = store.resume(id)?.state;
    let turns = store.turns(id)?;
    let preview = super::preview::preview_lines(store, id)?;
    let mut last_message = None;
    if let Some(from) = state.last_user_seq {
        store.for_each_event(id, Seq(from.0), meta.last_seq, |event, _| {
            if let EventKind::ResponseItemDone(done) = event.kind
                && let OutputItem::Message { text, .. } = done.item
                && !text.is_empty()
            {
                last_message = Some(text);
            }
            Ok(())
        })?;
    }
    let live = meta.owner.is_some_and(|owner| owner.is_alive());
    Ok(SessionDetail {
        summary: SessionSummary { meta, live },
        turns,
        usage: state.usage,
        user_messages: state.user_messages,
        tool_calls: state.tool_calls,
        last_message,
        preview,
    })
}
