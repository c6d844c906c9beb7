//! What the benches share:
//!
//! | module | what |
//! |---|---|
//! | `e2e` | the E2E harness of `tests/support/e2e.rs` (one harness, two users) |
//! | `procs` | the servers a home's clients started (`tests/support/procs.rs`) |
//! | `pty_wait` | PTY slots recorded into a real store (`tests/support/pty_wait.rs`) |
//! | `procfs` | what `/proc` says about a process: CPU, memory, fds, threads |
//! | `tmux` | tmux on a private socket, the anchor the benches compare with |

/// The binary under test: this build's, or `SWITCHBOARD_BENCH_BIN` (an older build, to compare
/// two in one run).
pub fn bin() -> std::path::PathBuf {
    std::env::var_os("SWITCHBOARD_BENCH_BIN")
        .map_or_else(|| env!("CARGO_BIN_EXE_switchboard").into(), Into::into)
}

#[path = "../../tests/support/e2e.rs"]
pub mod e2e;

#[path = "../../tests/support/procs.rs"]
pub mod procs;

#[path = "../../tests/support/pty_wait.rs"]
pub mod pty_wait;

pub mod procfs;
pub mod tmux;
