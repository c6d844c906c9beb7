//! History deeper than a pane keeps in memory: a real program prints far more lines than the
//! pane's memory budget, and scrolling to the oldest ones pages them back in from the real
//! store by replaying the recorded output from the nearest history mark.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/pty_wait.rs"]
mod pty_wait;

use pty_wait::{Pane, TIMEOUT, recording, spec, store};
use switchboard::pty::{HOT_SCROLLBACK_LINES, PaneSize, ProgramExit, SlotOptions, SlotStatus};

/// Lines printed; the pane keeps a tenth of them in memory.
const LINES: usize = 60_000;

fn expected(index: usize) -> String {
    format!("line {}", index + 1)
}

#[test]
fn scrolling_past_the_memory_pages_history_in_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let pane = recorded_pane(
        dir.path(),
        "seq 1 60000 | awk '{printf \"\\033[3%dmline %d\\033[0m\\n\", $1 % 8, $1}'",
    );

    // Every line but the last screenful is history, though memory keeps a tenth of it.
    let history = pane.slot.with_screen(|s| s.scrollback_len());
    assert_eq!(history, LINES - 9);

    // The oldest lines, the middle of the history and a page boundary all come back, with
    // their colours, once paged in.
    for offset in [history, history / 2, history - 7_000, history] {
        let rows = pane.wait_for(&format!("history at offset {offset}"), |slot| {
            let view = slot.with_screen_mut(|s| s.view_rows(offset));
            if let Some(index) = view.wanted_history {
                slot.page_history(index);
            }
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

/// A recorded pane (a screen checkpoint every 64 KiB) that ran `command` to its end; memory
/// keeps a tenth of `LINES` lines of history.
fn recorded_pane(dir: &std::path::Path, command: &str) -> Pane {
    let (store, session) = store(dir);
    let options = SlotOptions {
        screen_checkpoint_bytes: Some(64 * 1024),
        ..recording(&store, session)
    };
    let mut spawn = spec(command, dir, PaneSize::new(10, 40));
    spawn.scrollback_lines = HOT_SCROLLBACK_LINES + LINES / 10;
    let pane = Pane::spawn_with(spawn, options);
    assert_eq!(pane.wait_exit(), SlotStatus::Exited(ProgramExit::Code(0)));
    pane.slot.sync_recording(TIMEOUT).unwrap();
    pane
}

/// A recorded pane whose program printed `LINES` coloured lines and, before line 124, one
/// line with `needle`; memory keeps a tenth of the lines, so the needle is only in the store.
fn deep_pane(dir: &std::path::Path, needle: &str) -> Pane {
    recorded_pane(
        dir,
        &format!(
            "seq 1 {LINES} | awk '$1 == 124 {{ print \"{needle}\" }} \
             {{printf \"\\033[3%dmline %d\\033[0m\\n\", $1 % 8, $1}}'"
        ),
    )
}

#[test]
fn searching_back_finds_a_line_only_the_store_still_has() {
    use switchboard::protocol::{PanePoint, PaneSearchOutcome, SearchDirection};
    use switchboard::pty::search::{HistoryQuery, Needle};

    let dir = tempfile::tempdir().unwrap();
    let pane = deep_pane(dir.path(), "a Deep Needle in the haystack");
    let history = pane.slot.with_screen(|s| s.scrollback_len());
    assert_eq!(history, LINES + 1 - 9);
    let needle_row = 123;
    // Not in memory: a view there is blank until paged in.
    let (first_held, shown) = pane.slot.with_screen_mut(|s| {
        let view = s.view_rows(history - needle_row);
        (view.rows[0].text(), s.scrollback_len())
    });
    assert!(
        first_held.is_empty(),
        "the row is not in memory: {first_held:?}"
    );
    assert_eq!(shown, history);

    let search = |query: &str, from: PanePoint, direction| {
        let query = HistoryQuery {
            needle: Needle::new(query).unwrap(),
            from,
            direction,
        };
        pane.slot.search_history(&query, &|| false).unwrap()
    };
    let bottom = PanePoint {
        row: history + 9,
        col: 0,
    };
    // Smart case: lowercase matches "Deep Needle".
    let PaneSearchOutcome::Found(found) = search("deep needle", bottom, SearchDirection::Older)
    else {
        panic!("the needle is in the store");
    };
    assert_eq!((found.start.row, found.start.col), (needle_row, 2));
    assert_eq!((found.end.row, found.end.col), (needle_row, 12));
    assert_eq!(found.history, history);
    // Nothing older; from the top, searching forward finds it again.
    assert_eq!(
        search("deep needle", found.start, SearchDirection::Older),
        PaneSearchOutcome::NotFound
    );
    let top = PanePoint { row: 0, col: 0 };
    let again = search("Deep Needle", top, SearchDirection::Newer);
    assert!(matches!(again, PaneSearchOutcome::Found(m) if m.start == found.start));
    assert_eq!(
        search("DEEP NEEDLE", bottom, SearchDirection::Older),
        PaneSearchOutcome::NotFound,
        "an uppercase query matches case"
    );
    // A line in memory and one deep in the store, both by their own text.
    let PaneSearchOutcome::Found(recent) = search("line 59990", bottom, SearchDirection::Older)
    else {
        panic!("a recent line is found");
    };
    assert_eq!(recent.start.row, 59_990);
    let PaneSearchOutcome::Found(deep) = search("line 7", top, SearchDirection::Newer) else {
        panic!("an old line is found");
    };
    assert_eq!(deep.start.row, 6);
    // A cancelled search ends without an answer.
    let query = HistoryQuery {
        needle: Needle::new("not anywhere").unwrap(),
        from: bottom,
        direction: SearchDirection::Older,
    };
    assert_eq!(pane.slot.search_history(&query, &|| true), None);

    // Scrolling there shows the needle once the page is read from the store.
    let offset = history - needle_row;
    let top_row = pane.wait_for("the needle's row paged in", |slot| {
        let view = slot.with_screen_mut(|s| s.view_rows(offset));
        if let Some(index) = view.wanted_history {
            slot.page_history(index);
        }
        let text = view.rows[0].text();
        (!text.is_empty()).then_some(text)
    });
    assert_eq!(top_row, "a Deep Needle in the haystack");
}
