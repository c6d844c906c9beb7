//! switchboard: a full-screen terminal workstation for running many coding-agent sessions at
//! once, on one durable event store.
//!
//! Module map (see `docs/ARCHITECTURE.md` for the event flow and threading):
//!
//! | module | owns |
//! |---|---|
//! | [`agent`] | the native agent's turn loop: stream, shell tool in a PTY, approvals, events |
//! | [`ids`] | `SessionId`, `Seq`, `Timestamp` newtypes |
//! | [`event`] | the event envelope and every event kind (the schema) |
//! | [`session`] | `SessionState` and the one reducer every view and resume uses |
//! | [`store`] | redb tables, codec, group-commit writer, checkpoints, fork chains |
//! | [`process`] | which process owns a live session, and whether it still runs |
//! | [`model`] | Responses API: request body, SSE decoding, streaming client with retries, scripted loopback provider |
//! | [`pty`] | PTY panes: the slot actor, its vt100 screen, replies, rendering, input encoding, recording and replay |
//! | [`paths`], [`config`], [`logging`] | where things live, `config.toml`, the log file |
//! | [`fixture`] | synthetic event streams for fixtures, benches and tests |
//! | [`protocol`] | the typed, versioned messages between clients and the server; framing |
//! | [`server`] | the long-lived server owning every slot, the store writer and clients |
//! | [`client`] | finding or starting the server, the hello, `attach --stdio` / `--remote` |
//! | [`tui`] | the workstation (a client): state, update, views, driver, headless render |
//! | [`text`] | width, wrapping, truncation, terminal output to plain text |
//! | [`workspace`] | git worktrees per slot, per-turn snapshot commits, diffs |
//! | [`mcp`] | `switchboard mcp`: the Model Context Protocol over stdio, a client of the server |
//! | [`tasks`] | the task board: dependencies, scheduling under caps, validations, gates, evidence; runs in the server |
//! | [`cli`] | command-line parsing and the headless commands |

pub mod agent;
pub mod cli;
pub mod client;
pub mod config;
pub mod event;
pub mod fixture;
pub mod ids;
pub mod logging;
pub mod mcp;
pub mod model;
pub mod paths;
pub mod process;
pub mod protocol;
pub mod pty;
pub mod server;
pub mod session;
pub mod store;
pub mod tasks;
pub mod text;
pub mod tui;
pub mod workspace;
