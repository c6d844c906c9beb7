//! The client side of the server: finding the store's server (starting one when there is
//! none), the hello exchange, and a connection split into a command sender and a stream of
//! notifications. Used by the workstation, the headless commands that go through the server,
//! and `attach --stdio` / `--remote`.
//!
//! | file | owns |
//! |---|---|
//! | `connect.rs` | locate, start (detached, with a readiness pipe) and connect to the server |
//! | `link.rs` | hello, version check, writer and reader tasks over any byte stream |
//! | `stdio.rs` | `attach --stdio` (a byte bridge to the socket) and `attach --remote` (ssh) |

pub mod connect;
pub mod link;
pub mod stdio;

pub use connect::{ClientError, connect_existing, connect_or_start, server_files};
pub use link::Link;
