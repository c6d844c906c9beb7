//! Bench access to the E2E harness in `tests/support/e2e.rs` (one harness, two users).

pub fn bin() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_BIN_EXE_switchboard"))
}

#[path = "../../tests/support/e2e.rs"]
pub mod e2e;

#[path = "../../tests/support/procs.rs"]
pub mod procs;

pub mod threads;
