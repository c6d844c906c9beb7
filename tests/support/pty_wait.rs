//! Helpers for tests that drive real PTY slots: spawn a plain bash, record a slot into a real
//! store, and wait for conditions on a pane with a generous timeout, woken by the pane's own
//! change notifications (never a bare sleep). Include with
//! `#[path = "support/pty_wait.rs"] mod pty_wait;` (benches have it as `support::pty_wait`).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use switchboard::event::{SessionCreated, SessionKind};
use switchboard::ids::SessionId;
use switchboard::pty::{
    PaneSize, PaneWakeups, PtySlot, Recorder, SlotOptions, SlotStatus, SpawnSpec, pane_wakeups,
};
use switchboard::store::{Store, StoreOptions};

/// Long enough for a loaded 2-core machine; a passing test never waits this long.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// A slot and the wake-ups of its changes.
pub struct Pane {
    pub slot: PtySlot,
    pub wakeups: PaneWakeups,
}

/// An environment that makes shells predictable: no rc files, a `$ ` prompt.
pub fn quiet_env() -> Vec<(String, String)> {
    vec![
        ("PS1".into(), "$ ".into()),
        ("SHELL".into(), "/bin/bash".into()),
        ("HISTFILE".into(), "/dev/null".into()),
        ("LANG".into(), "C.UTF-8".into()),
        ("LESS".into(), String::new()),
    ]
}

/// `command` through bash in `cwd`, at `size`.
pub fn spec(command: &str, cwd: &Path, size: PaneSize) -> SpawnSpec {
    let mut spec = SpawnSpec::command(command, cwd);
    spec.size = size;
    spec.env = quiet_env();
    spec
}

/// An interactive `bash --norc --noprofile` with a `$ ` prompt.
pub fn bash_spec(cwd: &Path, size: PaneSize) -> SpawnSpec {
    // Through `env`: bash drops PS1 from a non-interactive shell's environment, and the
    // `$SHELL -c` that starts this one is non-interactive.
    spec("exec env PS1='$ ' bash --norc --noprofile", cwd, size)
}

/// A real store in `dir` with one PTY session, for a slot to record into.
pub fn store(dir: &Path) -> (Store, SessionId) {
    let store = Store::open(&dir.join("store.redb"), StoreOptions::default()).unwrap();
    let session = store
        .create_session(SessionCreated {
            kind: SessionKind::Pty,
            title: None,
            cwd: dir.display().to_string(),
            command: None,
            model: None,
            owner: None,
        })
        .unwrap();
    (store, session)
}

/// Options that record a slot's output into `session`.
pub fn recording(store: &Store, session: SessionId) -> SlotOptions {
    SlotOptions {
        recorder: Some(Recorder {
            store: store.clone(),
            session,
        }),
        ..SlotOptions::default()
    }
}

impl Pane {
    pub fn spawn(spec: SpawnSpec) -> Self {
        Self::spawn_with(spec, SlotOptions::default())
    }

    pub fn spawn_with(spec: SpawnSpec, mut options: SlotOptions) -> Self {
        let (waker, wakeups) = pane_wakeups();
        options.waker = Some(waker);
        Self {
            slot: PtySlot::spawn(spec, options),
            wakeups,
        }
    }

    pub fn text(&self) -> String {
        self.slot.with_screen(|screen| screen.text())
    }

    /// Waits until `check` returns `Some`, re-checking only when the pane says it changed
    /// (no polling, so a lost wake-up fails the test); panics naming `what` and showing the
    /// screen on timeout.
    pub fn wait_for<T>(&self, what: &str, mut check: impl FnMut(&PtySlot) -> Option<T>) -> T {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            self.slot.take_changed();
            if let Some(value) = check(&self.slot) {
                return value;
            }
            let now = Instant::now();
            assert!(
                now < deadline,
                "timed out waiting for {what}; status {:?}; screen:\n{}",
                self.slot.status(),
                self.text()
            );
            self.wakeups.wait_timeout(deadline - now);
        }
    }

    /// Waits until the screen text satisfies `check`; returns the text.
    pub fn wait_for_text(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        self.wait_for(what, |slot| {
            let text = slot.with_screen(|screen| screen.text());
            check(&text).then_some(text)
        })
    }

    /// Waits until some screen line is exactly `line` (trailing blanks ignored).
    pub fn wait_for_line(&self, line: &str) -> String {
        self.wait_for_text(&format!("a line {line:?}"), |text| {
            text.lines().any(|l| l.trim_end() == line)
        })
    }

    /// Waits for the program to end; returns its final status.
    pub fn wait_exit(&self) -> SlotStatus {
        self.slot
            .wait_exit(TIMEOUT)
            .unwrap_or_else(|| panic!("program did not exit; screen:\n{}", self.text()))
    }

    pub fn write(&self, text: &str) {
        self.slot.write(text.as_bytes()).expect("write to the pane");
    }
}
