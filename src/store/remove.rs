//! Removing sessions (`sessions rm`, `sessions prune`): every row keyed by the session goes —
//! its events, checkpoints, index entry, turn records, prompts, live-owner row, pane-history
//! row and its place in the open-slots list — in one write transaction that also decides what
//! may go, so a fork or an owner that appears meanwhile is seen.
//!
//! What stays, and why: a session with a fork that stays (a fork reads its parent's events
//! through the chain, so removing the parent would cut the fork's history), a session a live
//! process owns, and (while a server runs) a session open in one of its slots. A dry run takes
//! the same decisions in a transaction that is then dropped.

use std::collections::{BTreeMap, HashSet};

use redb::ReadableTable;

use super::Store;
use super::codec::{decode_record, encode_record};
use super::error::StoreError;
use super::meta::SessionMeta;
use super::tables::{
    CHECKPOINTS, EVENTS, LIVE, PANE_HISTORY, PROMPTS, SESSIONS, TURNS, WORKSTATION,
};
use crate::ids::SessionId;
use crate::process::ProcessOwner;

/// The key of the open-slots list in the `workstation` table.
const OPEN_SLOTS: &str = "open_slots";

/// Why a session was not removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kept {
    /// Forks of it stay (not asked for, or kept themselves).
    Forks(Vec<SessionId>),
    /// A live process owns it.
    Live(ProcessOwner),
    /// It is open in a slot of the running server.
    Open,
}

/// How a removal runs.
#[derive(Debug, Clone, Default)]
pub struct RemoveOptions {
    /// Decide, report, and remove nothing.
    pub dry_run: bool,
    /// The pid of the server running for this store, if one runs: sessions in the open-slots
    /// list it keeps in the store stay (read inside the transaction, a second guard beside
    /// `open`), and a session it owns is reported as open in its slot, not as a process.
    pub server_pid: Option<u32>,
    /// Sessions the running server said are open in its slots.
    pub open: Vec<SessionId>,
}

/// What a removal did (or, dry, would do).
#[derive(Debug, Clone, Default)]
pub struct Removal {
    /// Index entries of the removed sessions, in the order asked.
    pub removed: Vec<SessionMeta>,
    pub kept: Vec<(SessionMeta, Kept)>,
}

impl Store {
    /// Removes the sessions `ids` that may go (see the module comment); ids not in the store
    /// are skipped.
    pub fn remove_sessions(
        &self,
        ids: &[SessionId],
        options: &RemoveOptions,
    ) -> Result<Removal, StoreError> {
        let path = self.inner.path.clone();
        let fail = |e: redb::Error| StoreError::storage(&path, e);
        let removal = self.guarded(|| {
            let txn = self.inner.db.begin_write().map_err(|e| fail(e.into()))?;
            let removal = {
                let metas = all_metas(&txn, &path)?;
                let mut open = options.open.clone();
                if options.server_pid.is_some() {
                    open.extend(open_slots(&txn, &path)?);
                }
                let removal = decide(ids, &metas, &open, options.server_pid);
                if !options.dry_run && !removal.removed.is_empty() {
                    let gone: HashSet<u128> = removal.removed.iter().map(|m| m.id.0).collect();
                    delete_rows(&txn, &gone).map_err(&fail)?;
                    forget_open_slots(&txn, &gone, &path)?;
                }
                removal
            };
            if options.dry_run || removal.removed.is_empty() {
                txn.abort().map_err(|e| fail(e.into()))?;
            } else {
                txn.commit().map_err(|e| fail(e.into()))?;
                self.inner
                    .committed
                    .store(true, std::sync::atomic::Ordering::Relaxed);
            }
            Ok(removal)
        })?;
        Ok(removal)
    }
}

/// Every index entry by id.
fn all_metas(
    txn: &redb::WriteTransaction,
    path: &std::path::Path,
) -> Result<BTreeMap<SessionId, SessionMeta>, StoreError> {
    let fail = |e: redb::Error| StoreError::storage(path, e);
    let table = txn.open_table(SESSIONS).map_err(|e| fail(e.into()))?;
    let mut metas = BTreeMap::new();
    for entry in table.iter().map_err(|e| fail(e.into()))? {
        let (key, value) = entry.map_err(|e| fail(e.into()))?;
        let id = SessionId(key.value());
        let meta: SessionMeta =
            decode_record(value.value()).map_err(|source| StoreError::CorruptIndex {
                session: id,
                source,
            })?;
        metas.insert(id, meta);
    }
    Ok(metas)
}

fn open_slots(
    txn: &redb::WriteTransaction,
    path: &std::path::Path,
) -> Result<Vec<SessionId>, StoreError> {
    let fail = |e: redb::Error| StoreError::storage(path, e);
    let table = txn.open_table(WORKSTATION).map_err(|e| fail(e.into()))?;
    let ids: Vec<u128> = match table.get(OPEN_SLOTS).map_err(|e| fail(e.into()))? {
        Some(value) => decode_record(value.value()).unwrap_or_default(),
        None => Vec::new(),
    };
    Ok(ids.into_iter().map(SessionId).collect())
}

/// Which of `ids` may go. A fork that stays keeps its parent, so parents are decided after
/// their forks: the decision repeats until nothing changes. A session the running server
/// (`server`) owns is one of its slots.
fn decide(
    ids: &[SessionId],
    metas: &BTreeMap<SessionId, SessionMeta>,
    open: &[SessionId],
    server: Option<u32>,
) -> Removal {
    let mut children: BTreeMap<SessionId, Vec<SessionId>> = BTreeMap::new();
    for meta in metas.values() {
        if let Some(parent) = meta.parent {
            children.entry(parent.id).or_default().push(meta.id);
        }
    }
    let me = ProcessOwner::current();
    let mut asked: Vec<SessionId> = Vec::new();
    for id in ids {
        if metas.contains_key(id) && !asked.contains(id) {
            asked.push(*id);
        }
    }
    let mut kept: BTreeMap<SessionId, Kept> = BTreeMap::new();
    for id in &asked {
        let meta = &metas[id];
        let owner = meta.owner.filter(|o| *o != me && o.is_alive());
        if owner.is_some_and(|o| Some(o.pid) == server) {
            kept.insert(*id, Kept::Open);
        } else if let Some(owner) = owner {
            kept.insert(*id, Kept::Live(owner));
        } else if open.contains(id) {
            kept.insert(*id, Kept::Open);
        }
    }
    loop {
        let mut changed = false;
        for id in &asked {
            if kept.contains_key(id) {
                continue;
            }
            let staying: Vec<SessionId> = children
                .get(id)
                .into_iter()
                .flatten()
                .filter(|child| !asked.contains(child) || kept.contains_key(child))
                .copied()
                .collect();
            if !staying.is_empty() {
                kept.insert(*id, Kept::Forks(staying));
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut removal = Removal::default();
    for id in asked {
        let meta = metas[&id].clone();
        match kept.remove(&id) {
            Some(reason) => removal.kept.push((meta, reason)),
            None => removal.removed.push(meta),
        }
    }
    removal
}

/// Deletes every row of the sessions in `gone`.
fn delete_rows(txn: &redb::WriteTransaction, gone: &HashSet<u128>) -> Result<(), redb::Error> {
    let mut events = txn.open_table(EVENTS)?;
    let mut checkpoints = txn.open_table(CHECKPOINTS)?;
    let mut turns = txn.open_table(TURNS)?;
    let mut sessions = txn.open_table(SESSIONS)?;
    let mut live = txn.open_table(LIVE)?;
    let mut pane_history = txn.open_table(PANE_HISTORY)?;
    for &id in gone {
        let range = (id, 0u64)..=(id, u64::MAX);
        events.retain_in(range.clone(), |_, _| false)?;
        checkpoints.retain_in(range.clone(), |_, _| false)?;
        turns.retain_in(range, |_, _| false)?;
        sessions.remove(id)?;
        live.remove(id)?;
        pane_history.remove(id)?;
    }
    // Prompts are keyed by time first; the table holds one row per user message.
    txn.open_table(PROMPTS)?
        .retain(|(_, session, _), _| !gone.contains(&session))?;
    Ok(())
}

/// Drops removed sessions from the open-slots list, so the next server does not look for them.
fn forget_open_slots(
    txn: &redb::WriteTransaction,
    gone: &HashSet<u128>,
    path: &std::path::Path,
) -> Result<(), StoreError> {
    let before = open_slots(txn, path)?;
    if !before.iter().any(|id| gone.contains(&id.0)) {
        return Ok(());
    }
    let after: Vec<u128> = before
        .iter()
        .map(|id| id.0)
        .filter(|id| !gone.contains(id))
        .collect();
    let bytes = encode_record("open slots", &after)?;
    let fail = |e: redb::Error| StoreError::storage(path, e);
    txn.open_table(WORKSTATION)
        .map_err(|e| fail(e.into()))?
        .insert(OPEN_SLOTS, bytes.as_slice())
        .map_err(|e| fail(e.into()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{Seq, Timestamp};
    use crate::session::SessionStatus;
    use crate::store::ParentRef;

    fn meta(id: u128, parent: Option<u128>) -> SessionMeta {
        SessionMeta {
            id: SessionId(id),
            title: format!("s{id}"),
            kind: Default::default(),
            cwd: String::new(),
            command: None,
            model: None,
            created_at: Timestamp::default(),
            updated_at: Timestamp::default(),
            last_seq: Seq(3),
            status: SessionStatus::Idle,
            parent: parent.map(|p| ParentRef {
                id: SessionId(p),
                seq: Seq(1),
            }),
            owner: None,
            turns: 0,
            last_prompt: None,
            exit_code: None,
            last_error: None,
            worktree: None,
            branch: None,
        }
    }

    fn ids(metas: &[SessionMeta]) -> Vec<u128> {
        metas.iter().map(|m| m.id.0).collect()
    }

    #[test]
    fn parents_go_only_with_every_fork() {
        // 1 ← 2 ← 3, and 1 ← 4.
        let all: BTreeMap<SessionId, SessionMeta> = [
            meta(1, None),
            meta(2, Some(1)),
            meta(3, Some(2)),
            meta(4, Some(1)),
        ]
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
        let asked =
            |list: &[u128]| -> Vec<SessionId> { list.iter().map(|&i| SessionId(i)).collect() };

        let r = decide(&asked(&[1]), &all, &[], None);
        assert!(r.removed.is_empty());
        assert_eq!(r.kept[0].1, Kept::Forks(vec![SessionId(2), SessionId(4)]));

        // A leaf goes alone; a chain goes together; an unknown id is skipped.
        assert_eq!(
            ids(&decide(&asked(&[3, 99]), &all, &[], None).removed),
            vec![3]
        );
        let r = decide(&asked(&[1, 2, 3, 4]), &all, &[], None);
        assert_eq!(ids(&r.removed), vec![1, 2, 3, 4]);

        // A fork kept for another reason keeps its parent and grandparent.
        let r = decide(&asked(&[1, 2, 3, 4]), &all, &[SessionId(3)], None);
        assert_eq!(ids(&r.removed), vec![4]);
        let reasons: Vec<(u128, Kept)> = r.kept.iter().map(|(m, k)| (m.id.0, k.clone())).collect();
        assert!(reasons.contains(&(3, Kept::Open)));
        assert!(reasons.contains(&(2, Kept::Forks(vec![SessionId(3)]))));
        assert!(reasons.contains(&(1, Kept::Forks(vec![SessionId(2)]))));
    }

    #[test]
    fn a_live_owner_keeps_its_session() {
        let mut live = meta(1, None);
        // The parent of this process is alive for as long as the test runs.
        live.owner = Some(ProcessOwner {
            pid: std::os::unix::process::parent_id(),
            started: 0,
        });
        let server = live.owner.map(|o| o.pid);
        let all: BTreeMap<SessionId, SessionMeta> = [(live.id, live)].into_iter().collect();
        let r = decide(&[SessionId(1)], &all, &[], None);
        assert!(matches!(r.kept[0].1, Kept::Live(_)), "{r:?}");
        // Owned by the running server: one of its slots.
        let r = decide(&[SessionId(1)], &all, &[], server);
        assert_eq!(r.kept[0].1, Kept::Open, "{r:?}");
    }
}
