//! switchboard: a full-screen terminal workstation for running many coding-agent sessions at
//! once, on one durable event store.
//!
//! Module map (see `docs/ARCHITECTURE.md` for the event flow and threading):
//!
//! | module | owns |
//! |---|---|
//! | [`ids`] | `SessionId`, `Seq`, `Timestamp` newtypes |
//! | [`event`] | the event envelope and every event kind (the schema) |
//! | [`session`] | `SessionState` and the one reducer every view and resume uses |
//! | [`store`] | redb tables, codec, group-commit writer, checkpoints, fork chains |
//! | [`pty`] | PTY panes: the slot actor, its vt100 screen, replies, rendering, input encoding, recording and replay |
//! | [`paths`], [`config`], [`logging`] | where things live, `config.toml`, the log file |
//! | [`fixture`] | synthetic event streams for fixtures, benches and tests |
//! | [`cli`] | command-line parsing and the headless commands |

pub mod cli;
pub mod config;
pub mod event;
pub mod fixture;
pub mod ids;
pub mod logging;
pub mod paths;
pub mod pty;
pub mod session;
pub mod store;
