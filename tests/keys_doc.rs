//! `docs/KEYS.md` is generated from the command registry; this fails when they drift.
//! Regenerate with `cargo run -q -- debug keys-doc > docs/KEYS.md`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

#[test]
fn keys_doc_matches_the_registry() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/KEYS.md");
    let on_disk = std::fs::read_to_string(path).expect("docs/KEYS.md exists");
    let generated = switchboard::tui::keymap::Keymap::default().markdown();
    assert!(
        on_disk == generated,
        "docs/KEYS.md drifted from src/tui/commands.rs; run `cargo run -q -- debug keys-doc > docs/KEYS.md`"
    );
}
