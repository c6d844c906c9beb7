//! The task board: tasks with dependencies, validation gates and evidence per attempt, run
//! inside the server so they progress with no window open. Every change is an event in the
//! store (in one session of kind `tasks`, [`BOARD`]); the board is a fold of those events
//! ([`Board::apply`]), rebuilt on server start, where tasks whose attempt was running become
//! interrupted with their worktree kept. `docs/TASKS.md` is the prose form.
//!
//! | file | owns |
//! |---|---|
//! | `board.rs` | [`Board`], [`Task`], [`Attempt`] and the reducer over `task.*` events (pure) |
//! | `dag.rs` | admission checks of new tasks: names, dependencies, cycles (pure) |
//! | `plan.rs` | plan files (TOML) into drafts (pure) |
//! | `draft.rs` | a task as submitted, before the server resolves it; executors, durations |
//! | `schedule.rs` | which queued tasks start or become blocked, under the caps (pure) |
//! | `outcome.rs` | `--wait` exit codes per final state |
//! | `view.rs` | what clients get: summaries, records, JSON |
//! | `git.rs` | attempt worktrees, dependency merges, result commits, patches, file hashes |
//! | `evidence.rs` | SHA-256, bounded logs, `task evidence --export` |
//! | `process.rs` | a command in its own process group, with a deadline and captured output |
//! | `codex.rs` | the Codex CLI's JSON Lines as session events |
//! | `runner.rs`, `runner/` | the server component: admission, attempts, validations, actions, reconciliation |

pub mod board;
pub mod codex;
pub mod dag;
pub mod draft;
pub mod evidence;
pub mod git;
pub mod outcome;
pub mod plan;
pub mod process;
pub mod runner;
pub mod schedule;
pub mod view;

pub use board::{Attempt, Board, Task};
pub use draft::{Executor, TaskDraft};
pub use runner::Runner;

use crate::ids::SessionId;

/// The session holding the board's events: one per store, a fixed id (a UUIDv7 of time zero,
/// so it sorts as the oldest session and never crowds the newest-first lists).
pub const BOARD: SessionId = SessionId(0x0000_0000_0000_7000_8000_7461_736b_7321);

/// Attempts a task gets unless it says otherwise: a failed validation starts a second one
/// with the failure as context, which is what fixes most near misses; more is a loop.
pub const DEFAULT_ATTEMPTS: u32 = 2;
