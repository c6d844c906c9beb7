//! The typed, versioned conversation between a client (a workstation, a headless command, an
//! `attach --stdio` bridge) and the server that owns every live slot. A leaf: data types and
//! pure framing only — no UI types, no sockets, no threads — so the TUI, the headless
//! commands, the tests and any later surface (MCP, web) all speak it the same way.
//!
//! ```text
//! client                                   server
//!   Hello {version, build, client info} ──▶
//!                                       ◀── HelloReply {version, build, pid, refused?}
//!   Command … (frames)                   ──▶
//!                                       ◀── Notification … (Welcome first, then events,
//!                                            screen patches, replies)
//! ```
//!
//! | file | owns |
//! |---|---|
//! | `frame.rs` | 4-byte length + MessagePack framing, size limits, the incremental decoder |
//! | `messages.rs` | hello, commands, notifications, slot and session summaries |
//! | `screen.rs` | a pane's screen on the wire: rows, styles, patches, a client's copy |
//! | `search.rs` | searching a pane's history: the query, where it starts, the match |
//! | `wire.rs` | stored events on the wire, through the store's own codec |
//! | `tasks.rs` | the task board's requests and answers |
//!
//! A version mismatch is refused in the hello exchange with both versions named; a malformed
//! or oversized frame closes that one connection.

pub mod frame;
pub mod messages;
pub mod screen;
pub mod search;
pub mod tasks;
pub mod wire;

pub use frame::{FrameDecoder, FrameError};
pub use messages::*;
pub use screen::{ScreenCopy, ScreenPatch, ScreenRow, TextRow};
pub use search::{PaneMatch, PanePoint, PaneSearch, PaneSearchOutcome, SearchDirection};

/// This build's protocol version. Bump it whenever a message changes shape.
pub const VERSION: u32 = 5;

/// This build's name for mismatch messages.
pub const BUILD: &str = env!("CARGO_PKG_VERSION");

/// Largest frame a client may send: commands are small; the largest is a paste, and 16 MiB
/// of pasted text is far past anything a person means to paste.
pub const MAX_COMMAND_FRAME: usize = 16 * 1024 * 1024;

/// Largest frame the server sends: a transcript load carries up to a few thousand events whose
/// tool outputs are capped at 8 MiB each (`agent::output`), so the bound is generous; it
/// exists to stop a corrupt length from allocating without limit.
pub const MAX_NOTIFICATION_FRAME: usize = 512 * 1024 * 1024;

/// The protocol version this process announces. Tests set `SWITCHBOARD_TEST_PROTOCOL` to
/// pretend to be another version and see the mismatch message; nothing else reads it.
pub fn announced_version() -> u32 {
    std::env::var("SWITCHBOARD_TEST_PROTOCOL")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(VERSION)
}

/// The one-line refusal both sides print for a version mismatch.
pub fn mismatch_message(client: (u32, &str), server: (u32, &str)) -> String {
    format!(
        "this switchboard speaks protocol {} (build {}) but the running server speaks {} \
         (build {}); run `switchboard server stop` and start again",
        client.0, client.1, server.0, server.1
    )
}
