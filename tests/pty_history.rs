//! History deeper than a pane keeps in memory: a real program prints far more lines than the
//! pane's memory budget, and scrolling to the oldest ones pages them back in from the real
//! store by replaying the recorded output from the nearest history mark.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/pty_wait.rs"]
mod pty_wait;

use pty_wait::{Pane, TIMEOUT, spec};
use switchboard::event::{SessionCreated, SessionKind};
use switchboard::pty::{
    HOT_SCROLLBACK_LINES, PaneSize, ProgramExit, Recorder, SlotOptions, SlotStatus,
};
use switchboard::store::{Store, StoreOptions};

/// Lines printed; the pane keeps a tenth of them in memory.
const LINES: usize = 60_000;

fn expected(index: usize) -> String {
    format!("line {}", index + 1)
}

#[test]
fn scrolling_past_the_memory_pages_history_in_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store.redb"), StoreOptions::default()).unwrap();
    let session = store
        .create_session(SessionCreated {
            kind: SessionKind::Pty,
            title: None,
            cwd: dir.path().display().to_string(),
            command: None,
            model: None,
            owner: None,
        })
        .unwrap();
    let options = SlotOptions {
        recorder: Some(Recorder {
            store: store.clone(),
            session,
        }),
        screen_checkpoint_bytes: Some(64 * 1024),
        ..SlotOptions::default()
    };
    let mut spawn = spec(
        "seq 1 60000 | awk '{printf \"\\033[3%dmline %d\\033[0m\\n\", $1 % 8, $1}'",
        dir.path(),
        PaneSize::new(10, 40),
    );
    spawn.scrollback_lines = HOT_SCROLLBACK_LINES + LINES / 10;
    let pane = Pane::spawn_with(spawn, options);
    assert_eq!(pane.wait_exit(), SlotStatus::Exited(ProgramExit::Code(0)));
    pane.slot.sync_recording(TIMEOUT).unwrap();

    // Every line but the last screenful is history, though memory keeps a tenth of it.
    let history = pane.slot.with_screen(|s| s.scrollback_len());
    assert_eq!(history, LINES - 9);

    // The oldest lines, the middle of the history and a page boundary all come back, with
    // their colours, once paged in.
    for offset in [history, history / 2, history - 7_000, history] {
        let rows = pane.wait_for(&format!("history at offset {offset}"), |slot| {
            let view = slot.with_screen_mut(|s| s.view_rows(offset));
            slot.page_history();
            view.rows
                .iter()
                .all(|row| !row.text().is_empty())
                .then_some(view.rows)
        });
        let top = history - offset;
        for (row, got) in rows.iter().enumerate() {
            assert_eq!(got.text(), expected(top + row), "offset {offset} row {row}");
        }
        let colour = rows[0].cells().next().map(|c| c.style.fg);
        assert_eq!(
            colour,
            Some(switchboard::protocol::screen::CellColor::indexed(
                ((top + 1) % 8) as u8
            ))
        );
    }
    // Copying reaches the paged-in rows too.
    let texts = pane.slot.with_screen_mut(|s| s.content_rows(0, 3));
    let texts: Vec<&str> = texts.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(texts, ["line 1", "line 2", "line 3"]);
}
