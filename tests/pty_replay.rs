//! Replay tier: byte streams recorded once from real programs (`fixtures/pty/*.bin`) replayed
//! through `PaneScreen` and snapshotted as screen text (and, for colour and width, as a
//! rendered ratatui buffer).
//!
//! The fixtures are recorded with this crate's own `PtySlot` at 24×80 and committed; to
//! record a missing one, run `SWITCHBOARD_BLESS_PTY=1 cargo test --test pty_replay`. An
//! existing fixture is never re-recorded: the point is that the bytes stay fixed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/pty_wait.rs"]
mod pty_wait;

use std::path::{Path, PathBuf};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;
use switchboard::event::{EventKind, SessionCreated, SessionKind};
use switchboard::pty::{PaneScreen, PaneSize, PaneView, Recorder, SlotOptions};
use switchboard::store::{Store, StoreOptions};

const SIZE: PaneSize = PaneSize::new(24, 80);

fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/pty")
        .join(format!("{name}.bin"))
}

/// How each fixture was made: a command, and keys to send once a text appears.
struct Recipe {
    name: &'static str,
    command: &'static str,
    steps: &'static [(&'static str, &'static str)],
}

const RECIPES: &[Recipe] = &[
    Recipe {
        name: "ls_color",
        command: "ls --color=always -F",
        steps: &[],
    },
    Recipe {
        name: "progress_cr",
        command: r#"for i in $(seq 0 10 100); do printf '\rDownloading [%-10s] %3d%%' "$(head -c $((i/10)) /dev/zero | tr '\0' '#')" "$i"; sleep 0.02; done; printf '\n\033[1;32mdone\033[0m\n'; for i in 1 2 3; do printf 'step %d\033[K\r' $i; done; printf 'steps finished\033[K\n'"#,
        steps: &[],
    },
    Recipe {
        name: "alt_screen",
        command: "echo before vim; vim -u NONE -N -i NONE -c 'syntax on' -c 'set number' sample.py; echo after vim",
        steps: &[("def greet", ":q\r")],
    },
    Recipe {
        name: "wide_chars",
        command: r#"printf '日本語のテキスト and 中文 and 한국어\n'; printf 'emoji: 😀 🎉 👍 ✅ done\n'; printf 'combining: e\314\201 a\314\210\n'; printf '%079d日 wrapped\n' 0; printf '\033[7m反転\033[0m \033[4m下線\033[0m\n'"#,
        steps: &[],
    },
];

/// Files the recipes work on.
fn prepare(dir: &Path) {
    std::fs::create_dir(dir.join("src")).unwrap();
    std::fs::create_dir(dir.join("target")).unwrap();
    for file in ["README.md", "notes.txt", "Cargo.toml", "archive.tar.gz"] {
        std::fs::write(dir.join(file), "x").unwrap();
    }
    std::fs::write(dir.join("run.sh"), "#!/bin/sh\n").unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(dir.join("run.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::symlink("run.sh", dir.join("link")).unwrap();
    std::os::unix::fs::symlink("nowhere", dir.join("broken")).unwrap();
    std::fs::write(
        dir.join("sample.py"),
        "# A sample file\nimport sys\n\n\ndef greet(name: str) -> str:\n    \"\"\"Say hello.\"\"\"\n    return f\"hello, {name}!\"\n\n\nif __name__ == \"__main__\":\n    print(greet(sys.argv[1] if len(sys.argv) > 1 else \"world\"))\n",
    )
    .unwrap();
}

/// Runs a recipe in a real slot and returns every byte it wrote.
fn record(recipe: &Recipe) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    prepare(dir.path());
    let store_dir = tempfile::tempdir().unwrap();
    let store = Store::open(&store_dir.path().join("rec.redb"), StoreOptions::default()).unwrap();
    let session = store
        .create_session(SessionCreated {
            kind: SessionKind::Pty,
            cwd: dir.path().display().to_string(),
            ..SessionCreated::default()
        })
        .unwrap();
    let options = SlotOptions {
        recorder: Some(Recorder {
            store: store.clone(),
            session,
        }),
        ..SlotOptions::default()
    };
    let pane =
        pty_wait::Pane::spawn_with(pty_wait::spec(recipe.command, dir.path(), SIZE), options);
    for (wait_for, keys) in recipe.steps {
        pane.wait_for_text(wait_for, |t| t.contains(wait_for));
        pane.write(keys);
    }
    pane.wait_exit();
    pane.slot.sync_recording(pty_wait::TIMEOUT).unwrap();
    store
        .events(session)
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::PtyOutput(output) => Some(output.bytes.0),
            _ => None,
        })
        .flatten()
        .collect()
}

fn fixture(name: &str) -> Vec<u8> {
    let path = fixture_path(name);
    if std::env::var_os("SWITCHBOARD_BLESS_PTY").is_some() && !path.exists() {
        let recipe = RECIPES.iter().find(|r| r.name == name).unwrap();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, record(recipe)).unwrap();
    }
    std::fs::read(&path).unwrap_or_else(|_| {
        panic!(
            "{} is missing: it is recorded once and committed",
            path.display()
        )
    })
}

fn replay(bytes: &[u8]) -> PaneScreen {
    let mut screen = PaneScreen::new(SIZE, 1000);
    screen.feed(bytes);
    screen
}

/// The screen as a snapshot: a header with what is not text, then the rows.
fn describe(screen: &PaneScreen) -> String {
    let modes = screen.modes();
    let cursor = screen.cursor();
    let mut out = format!(
        "size {}, cursor {}:{}{}, alternate screen: {}, title: {:?}, history: {} lines\n",
        screen.size(),
        cursor.row,
        cursor.col,
        if modes.hide_cursor { " (hidden)" } else { "" },
        modes.alternate_screen,
        screen.title(),
        screen.scrollback_len(),
    );
    for row in 0..screen.size().rows {
        let text = screen.row_text(row, 0..screen.size().cols);
        let mark = if screen.is_wrapped(row) { "↩" } else { "" };
        out.push_str(&format!("{row:2}│{text}{mark}\n"));
    }
    out
}

fn rendered(screen: &PaneScreen) -> String {
    let area = Rect::new(0, 0, SIZE.cols, SIZE.rows);
    let mut buf = Buffer::empty(area);
    PaneView::new(screen).render(area, &mut buf);
    format!("{buf:?}")
}

macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"),
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

/// Replaying in any chunking gives the same screen as replaying at once.
fn assert_chunking_is_invisible(bytes: &[u8]) {
    let whole = replay(bytes);
    for size in [1, 3, 7, 4096] {
        let mut screen = PaneScreen::new(SIZE, 1000);
        for chunk in bytes.chunks(size) {
            screen.feed(chunk);
        }
        assert_eq!(describe(&screen), describe(&whole), "chunks of {size}");
        assert_eq!(
            screen.vt().contents_formatted(),
            whole.vt().contents_formatted()
        );
    }
}

#[test]
fn colour_ls() {
    let bytes = fixture("ls_color");
    assert!(bytes.windows(2).any(|w| w == b"\x1b["), "has colours");
    let screen = replay(&bytes);
    snapshot!("pty_ls_color", describe(&screen));
    snapshot!("pty_ls_color_rendered", rendered(&screen));
    assert_chunking_is_invisible(&bytes);
}

#[test]
fn progress_bar_with_carriage_returns() {
    let bytes = fixture("progress_cr");
    assert!(bytes.contains(&b'\r'));
    let screen = replay(&bytes);
    snapshot!("pty_progress_cr", describe(&screen));
    assert_chunking_is_invisible(&bytes);
}

#[test]
fn alternate_screen_program() {
    let bytes = fixture("alt_screen");
    // The screen while the program runs: up to where it leaves the alternate screen.
    let leave = bytes
        .windows(8)
        .rposition(|w| w == b"\x1b[?1049l")
        .expect("the program leaves the alternate screen");
    let running = replay(&bytes[..leave]);
    assert!(running.modes().alternate_screen);
    snapshot!("pty_alt_screen_running", describe(&running));
    snapshot!("pty_alt_screen_rendered", rendered(&running));
    let after = replay(&bytes);
    assert!(!after.modes().alternate_screen);
    assert_eq!(after.text(), "before vim\nafter vim");
    snapshot!("pty_alt_screen_after", describe(&after));
    assert_chunking_is_invisible(&bytes);
}

#[test]
fn wide_characters() {
    let bytes = fixture("wide_chars");
    let screen = replay(&bytes);
    snapshot!("pty_wide_chars", describe(&screen));
    snapshot!("pty_wide_chars_rendered", rendered(&screen));
    assert_chunking_is_invisible(&bytes);
}

#[test]
fn every_recipe_has_a_test() {
    let names: Vec<&str> = RECIPES.iter().map(|r| r.name).collect();
    assert_eq!(
        names,
        ["ls_color", "progress_cr", "alt_screen", "wide_chars"]
    );
}
