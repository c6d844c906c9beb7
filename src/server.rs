//! The long-lived server: one per store, owning everything that must outlive a window — the
//! store writer, every slot (PTY programs, agent turns, pending approvals), worktrees and
//! startup reconciliation. Clients (workstations, headless commands, `attach --stdio`
//! bridges) connect over a Unix socket and speak [`crate::protocol`].
//!
//! | file | owns |
//! |---|---|
//! | `lifecycle.rs` | `switchboard server`: the lock, the socket, readiness, signals, stop, status |
//! | `socket.rs` | where the socket lives, its permissions, the peer check |
//! | `conn.rs` | one connection: hello, reader (keys straight to panes), writer task |
//! | `core.rs` | the task owning slots and clients: inputs in, notifications out |
//! | `slots.rs` | a slot: what clients see of it and what runs it |
//! | `agents.rs` | agent slots: start with the first prompt, queue prompts, stream updates |
//! | `panes.rs` | pane slots: spawn, restart, size for clients, activity badges, close |
//! | `frames.rs` | pane screens for clients: full, then changed rows, paced per client |
//! | `reads.rs` | store reads for clients: transcripts, lists, previews, forks, restores |
//! | `search.rs` | pane history searches: started off the core, cancelled when replaced |
//! | `runs.rs` | headless turns (`exec`): in the slot showing the session, or a hidden one |
//! | `models.rs` | what agents talk to, per client's options |
//! | `tasks.rs` | the task runner's place in the core: its effects, "needs you" |
//! | `audit.rs` | the store's MCP log: tool calls `switchboard mcp` served, one event each |
//! | `describe.rs` | one stored session in full (`LoadSession`, the MCP `session_show` tool) |
//! | `worktree.rs`, `diffs.rs`, `preview.rs` | worktrees for slots, their diffs, session previews |

mod agents;
pub mod audit;
mod conn;
pub mod core;
mod describe;
mod diffs;
mod frames;
pub mod lifecycle;
pub mod models;
mod panes;
pub mod preview;
pub mod reads;
pub mod runs;
mod search;
pub mod slots;
pub mod socket;
mod tasks;
mod worktree;

use std::time::Duration;

pub use lifecycle::{ServeOptions, run};
pub use socket::ServerFiles;

/// How often pane activity (running, waiting, idle) is re-checked while some pane's badge
/// may still change: fine enough for a badge, and no timer at all once every pane is idle.
pub const ACTIVITY_TICK: Duration = Duration::from_millis(500);

/// How long stopping waits for a slot's turn or program to end before recording its close.
pub const STOP_WAIT: Duration = Duration::from_secs(5);

/// A server a client started leaves this long after its last client detached, when nothing
/// runs: a quick re-attach (a restart of the window) still finds it, and an idle machine is
/// not left with a process holding the store open for nothing. The slots that were open come
/// back with the next server.
pub const IDLE_EXIT: Duration = Duration::from_secs(3);

/// How long a stopped server waits for its clients' goodbyes to be written before leaving.
pub const FAREWELL: Duration = Duration::from_millis(200);

/// Most rows of pane text one request returns (a copy reaching deep into history is cut
/// here: 100,000 rows of 200 columns is already ~20 MB).
pub const MAX_TEXT_ROWS: usize = 100_000;
