//! Table definitions and the store's schema marker.

use redb::TableDefinition;

/// Events keyed `(session, seq)`: one session's events are contiguous for range scans.
pub const EVENTS: TableDefinition<(u128, u64), &[u8]> = TableDefinition::new("events");
/// The session index: one [`super::SessionMeta`] record per session, keyed by id. UUIDv7 ids
/// make a reverse scan "newest first".
pub const SESSIONS: TableDefinition<u128, &[u8]> = TableDefinition::new("sessions");
/// Serialised `SessionState` keyed `(session, seq)`: the fold of the session up to `seq`.
pub const CHECKPOINTS: TableDefinition<(u128, u64), &[u8]> = TableDefinition::new("checkpoints");
/// Every user message by time, `(at_micros, session, seq)` → text: the composer's history
/// across sessions without scanning any session's events. Derived from the events.
pub const PROMPTS: TableDefinition<(i64, u128, u64), &str> = TableDefinition::new("prompts");
/// One record per user message, keyed `(session, seq of the message)`: its prompt and how its
/// turn ended (seq, outcome, snapshot commit). What the fork picker lists. Derived.
pub const TURNS: TableDefinition<(u128, u64), &[u8]> = TableDefinition::new("turns");
/// Sessions that claim to be running, with the process that owns them: what startup
/// reconciliation checks without scanning every session. Derived from the events.
pub const LIVE: TableDefinition<u128, (u32, u64)> = TableDefinition::new("live");
/// Workstation state that is not history: `open_slots` → the sessions open in slots when the
/// workstation last changed them (MessagePack list of ids), so a restart shows them again.
pub const WORKSTATION: TableDefinition<&str, &[u8]> = TableDefinition::new("workstation");
/// Per PTY session, what its history limit dropped: `(looked at through seq, bytes, chunks)`
/// (see `retention`). Derived: the `pty.dropped` events say the same.
pub const PANE_HISTORY: TableDefinition<u128, (u64, u64, u64)> =
    TableDefinition::new("pane_history");
/// The conversation projection (see `conversation`): per agent session, one row per event that
/// changes what a request sends (the items it adds, or a compaction), keyed `(session, seq)`.
/// Derived from the events.
pub const CONVERSATION: TableDefinition<(u128, u64), &[u8]> = TableDefinition::new("conversation");
/// Commands approved for the rest of a session (`tool.approved` with scope `session`), keyed
/// `(session, seq of the approval)`. Derived from the events.
pub const SESSION_RULES: TableDefinition<(u128, u64), &str> = TableDefinition::new("session_rules");
/// Per agent session, how far its own rows in `conversation` and `session_rules` are complete:
/// `(through seq, projection version)`. A session without one (written before the projection
/// existed, or by an older build since) is brought up to date the first time it is read.
pub const PROJECTED: TableDefinition<u128, (u64, u64)> = TableDefinition::new("projected");
/// Store-wide facts (`schema`).
pub const STORE_INFO: TableDefinition<&str, u64> = TableDefinition::new("store_info");

/// Schema of the store's tables. Bumped only for changes old builds cannot read; adding event
/// kinds or payload fields does not bump it.
pub const SCHEMA: u64 = 1;
pub const SCHEMA_KEY: &str = "schema";
