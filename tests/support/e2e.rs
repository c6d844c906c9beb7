//! The human-emulated E2E harness: the real switchboard binary in a real PTY of fixed size,
//! its output parsed by vt100 into a screen, keys typed one by one with human pauses, bracketed
//! paste, resizes, and `wait_until` with generous timeouts instead of sleeps. It answers the
//! terminal queries a real terminal answers (device attributes), and measures keystroke-to-
//! screen latency.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

/// Long enough for a debug build on a loaded two-core machine; a pass is usually far faster.
pub const TIMEOUT: Duration = Duration::from_secs(20);
/// Pause between typed keys: a fast typist.
const KEY_PAUSE: Duration = Duration::from_millis(8);

struct Shared {
    parser: vt100::Parser,
    /// Bumped on every chunk of output, for waiters.
    generation: u64,
    eof: bool,
    raw: Vec<u8>,
    /// While false the terminal only counts what arrives (benches: the fastest terminal).
    parse: bool,
    /// Bytes received in all.
    received: u64,
}

pub struct Tui {
    shared: Arc<(Mutex<Shared>, Condvar)>,
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    master: Box<dyn MasterPty + Send>,
    child: Box<dyn Child + Send + Sync>,
    reader: Option<std::thread::JoinHandle<()>>,
}

/// Replies a terminal sends to queries found in `chunk`: device attributes and cursor
/// position (the kitty keyboard query gets no answer, like a terminal without that protocol).
fn replies(chunk: &[u8], screen: &vt100::Screen) -> Vec<u8> {
    let mut out = Vec::new();
    let text = String::from_utf8_lossy(chunk);
    for _ in text.matches("\x1b[6n") {
        let (row, col) = screen.cursor_position();
        out.extend_from_slice(format!("\x1b[{};{}R", row + 1, col + 1).as_bytes());
    }
    for _ in text.matches("\x1b[c") {
        out.extend_from_slice(b"\x1b[?62;22c");
    }
    for _ in text.matches("\x1b[0c") {
        out.extend_from_slice(b"\x1b[?62;22c");
    }
    out
}

impl Tui {
    /// Starts `switchboard ARGS` with `SWITCHBOARD_HOME=home` in a `cols`×`rows` PTY.
    pub fn start(home: &Path, args: &[&str], cols: u16, rows: u16) -> Self {
        Self::start_with(home, args, cols, rows, &[])
    }

    pub fn start_with(
        home: &Path,
        args: &[&str],
        cols: u16,
        rows: u16,
        env: &[(&str, &str)],
    ) -> Self {
        let mut command = CommandBuilder::new(super::bin());
        command.args(args);
        Self::spawn(command, home, cols, rows, env)
    }

    /// Any program in a `cols`×`rows` PTY read by this harness (a bench's anchor: a tmux
    /// client, as a user would run it).
    /// Stop (or resume) parsing what arrives: the terminal becomes a bare drain, the fastest
    /// terminal there can be. For benches that time what a program can push through.
    #[allow(dead_code)]
    pub fn set_parsing(&self, parse: bool) {
        let (lock, _) = &*self.shared;
        lock.lock().unwrap_or_else(|e| e.into_inner()).parse = parse;
    }

    /// Bytes this terminal has received so far.
    #[allow(dead_code)]
    pub fn received(&self) -> u64 {
        let (lock, _) = &*self.shared;
        lock.lock().unwrap_or_else(|e| e.into_inner()).received
    }

    pub fn start_program(
        home: &Path,
        program: &str,
        args: &[&str],
        cols: u16,
        rows: u16,
        env: &[(&str, &str)],
    ) -> Self {
        let mut command = CommandBuilder::new(program);
        command.args(args);
        Self::spawn(command, home, cols, rows, env)
    }

    /// An interactive bash with job control (prompt `$ `), for tests that need a shell
    /// around switchboard (Ctrl+Z and `fg`). `SB` holds the switchboard binary's path.
    pub fn start_shell(home: &Path, cols: u16, rows: u16) -> Self {
        let mut command = CommandBuilder::new("bash");
        command.args(["--norc", "--noprofile", "-i"]);
        command.env("PS1", "$ ");
        command.env("SB", super::bin());
        Self::spawn(command, home, cols, rows, &[])
    }

    fn spawn(
        mut command: CommandBuilder,
        home: &Path,
        cols: u16,
        rows: u16,
        env: &[(&str, &str)],
    ) -> Self {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        command.cwd(home);
        command.env("SWITCHBOARD_HOME", home);
        command.env("TERM", "xterm-256color");
        command.env_remove("OPENAI_API_KEY");
        for (k, v) in env {
            command.env(k, v);
        }
        let child = pty.slave.spawn_command(command).expect("spawn switchboard");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let writer = Arc::new(Mutex::new(pty.master.take_writer().expect("writer")));
        #[allow(clippy::disallowed_methods)] // the harness is a terminal, not a pane
        let parser = vt100::Parser::new(nz(rows), nz(cols), 0);
        let shared = Arc::new((
            Mutex::new(Shared {
                parser,
                generation: 0,
                eof: false,
                raw: Vec::new(),
                parse: true,
                received: 0,
            }),
            Condvar::new(),
        ));
        let thread_shared = Arc::clone(&shared);
        let thread_writer = Arc::clone(&writer);
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            loop {
                let n = match reader.read(&mut buf) {
                    Ok(0) | Err(_) => 0,
                    Ok(n) => n,
                };
                let (lock, cvar) = &*thread_shared;
                let mut shared = lock.lock().unwrap_or_else(|e| e.into_inner());
                if n == 0 {
                    shared.eof = true;
                    cvar.notify_all();
                    return;
                }
                shared.received += n as u64;
                shared.generation += 1;
                if !shared.parse {
                    cvar.notify_all();
                    continue;
                }
                shared.parser.process(&buf[..n]);
                shared.raw.extend_from_slice(&buf[..n]);
                let reply = replies(&buf[..n], shared.parser.screen());
                cvar.notify_all();
                drop(shared);
                if !reply.is_empty() {
                    let _ = thread_writer
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .write_all(&reply);
                }
            }
        });
        Self {
            shared,
            writer,
            master: pty.master,
            child,
            reader: Some(reader),
        }
    }

    /// The screen as text, one line per row, trailing spaces trimmed.
    pub fn screen(&self) -> String {
        let shared = self.shared.0.lock().unwrap_or_else(|e| e.into_inner());
        screen_text(shared.parser.screen())
    }

    /// Runs `check` on the parsed screen.
    pub fn with_screen<T>(&self, check: impl FnOnce(&vt100::Screen) -> T) -> T {
        check(
            self.shared
                .0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .parser
                .screen(),
        )
    }

    /// Waits (without sleeping blindly) until `pred` holds for the screen text; panics with
    /// `what` and the screen when `timeout` passes.
    pub fn wait_until(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) {
        self.wait_until_screen(what, timeout, |screen| pred(&screen_text(screen)));
    }

    /// Like [`Self::wait_until`], with the parsed screen (modes, cursor) for the predicate.
    pub fn wait_until_screen(
        &self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&vt100::Screen) -> bool,
    ) {
        let deadline = Instant::now() + timeout;
        let (lock, cvar) = &*self.shared;
        let mut shared = lock.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if pred(shared.parser.screen()) {
                return;
            }
            let now = Instant::now();
            if now >= deadline || shared.eof {
                let text = screen_text(shared.parser.screen());
                panic!("timed out waiting for {what}; screen:\n{text}");
            }
            shared = cvar.wait_timeout(shared, deadline - now).unwrap().0;
        }
    }

    /// The screen once `pred` holds for it, or as it is when `timeout` passes (no panic: the
    /// caller compares and reports, e.g. a snapshot assertion that shows the difference).
    pub fn screen_when(&self, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout;
        let (lock, cvar) = &*self.shared;
        let mut shared = lock.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let text = screen_text(shared.parser.screen());
            let now = Instant::now();
            if pred(&text) || now >= deadline || shared.eof {
                return text;
            }
            shared = cvar.wait_timeout(shared, deadline - now).unwrap().0;
        }
    }

    /// Waits until the screen contains `needle`.
    pub fn wait_for(&self, needle: &str) {
        self.wait_until(&format!("{needle:?} on screen"), TIMEOUT, |s| {
            s.contains(needle)
        });
    }

    pub fn send(&self, bytes: &[u8]) {
        let mut writer = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        writer.write_all(bytes).expect("write to pty");
        writer.flush().expect("flush pty");
    }

    /// Types text key by key, as a person would.
    pub fn type_text(&self, text: &str) {
        for c in text.chars() {
            let mut buf = [0u8; 4];
            self.send(c.encode_utf8(&mut buf).as_bytes());
            std::thread::sleep(KEY_PAUSE);
        }
    }

    pub fn ctrl(&self, c: char) {
        self.send(&[(c.to_ascii_lowercase() as u8) & 0x1f]);
        std::thread::sleep(KEY_PAUSE);
    }

    pub fn enter(&self) {
        self.send(b"\r");
    }

    pub fn esc(&self) {
        self.send(b"\x1b");
        std::thread::sleep(KEY_PAUSE);
    }

    pub fn alt_enter(&self) {
        self.send(b"\x1b\r");
    }

    pub fn f1(&self) {
        self.send(b"\x1bOP");
    }

    /// A bracketed paste, as a terminal delivers one.
    pub fn paste(&self, text: &str) {
        let mut bytes = b"\x1b[200~".to_vec();
        bytes.extend_from_slice(text.as_bytes());
        bytes.extend_from_slice(b"\x1b[201~");
        self.send(&bytes);
    }

    /// A left-button press at a 0-based cell, in SGR mouse encoding.
    pub fn mouse_down(&self, col: u16, row: u16) {
        self.send(format!("\x1b[<0;{};{}M", col + 1, row + 1).as_bytes());
    }

    /// A drag with the left button held, to a 0-based cell.
    pub fn mouse_drag(&self, col: u16, row: u16) {
        self.send(format!("\x1b[<32;{};{}M", col + 1, row + 1).as_bytes());
    }

    /// A left-button release at a 0-based cell.
    pub fn mouse_up(&self, col: u16, row: u16) {
        self.send(format!("\x1b[<0;{};{}m", col + 1, row + 1).as_bytes());
    }

    /// Every byte the program has written so far.
    pub fn output(&self) -> Vec<u8> {
        self.shared
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .raw
            .clone()
    }

    /// Number of bytes the program has written so far.
    pub fn output_len(&self) -> usize {
        self.shared
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .raw
            .len()
    }

    /// Waits until the raw output satisfies `pred` (for sequences the screen does not show,
    /// such as OSC 52 clipboard writes).
    pub fn wait_output(&self, what: &str, pred: impl Fn(&[u8]) -> bool) {
        let deadline = Instant::now() + TIMEOUT;
        let (lock, cvar) = &*self.shared;
        let mut shared = lock.lock().unwrap_or_else(|e| e.into_inner());
        while !pred(&shared.raw) {
            let now = Instant::now();
            assert!(
                now < deadline && !shared.eof,
                "timed out waiting for {what}"
            );
            shared = cvar.wait_timeout(shared, deadline - now).unwrap().0;
        }
    }

    /// Resizes the PTY (the program gets SIGWINCH) and the emulated screen.
    pub fn resize(&self, cols: u16, rows: u16) {
        self.shared
            .0
            .lock()
            .unwrap()
            .parser
            .set_size(nz(rows), nz(cols));
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize");
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.process_id()
    }

    /// Waits for the program to exit and returns whether it succeeded.
    pub fn wait_exit(&mut self) -> bool {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                // Let the reader drain what the program wrote before exiting.
                let (lock, cvar) = &*self.shared;
                let mut shared = lock.lock().unwrap_or_else(|e| e.into_inner());
                while !shared.eof && Instant::now() < deadline {
                    shared = cvar
                        .wait_timeout(shared, Duration::from_millis(100))
                        .unwrap()
                        .0;
                }
                return status.success();
            }
            assert!(
                Instant::now() < deadline,
                "switchboard did not exit; screen:\n{}",
                self.screen()
            );
            let (lock, cvar) = &*self.shared;
            let shared = lock.lock().unwrap_or_else(|e| e.into_inner());
            let _ = cvar
                .wait_timeout(shared, Duration::from_millis(20))
                .unwrap();
        }
    }

    /// Whether the terminal is back to normal: main screen, cursor visible, no mouse
    /// reporting, no bracketed paste.
    pub fn terminal_restored(&self) -> Result<(), String> {
        self.with_screen(restored)
    }

    /// Types `count` characters into the composer, each timed from the write until it shows
    /// on screen. The composer is cleared (Ctrl+U, untimed) every few keys so the typed text
    /// never wraps.
    pub fn keystroke_latencies(&self, count: usize) -> Vec<Duration> {
        self.timed_keys(
            count,
            24,
            |typed| format!("│{typed}"),
            |s, _| s.contains("Type a prompt"),
        )
    }

    /// Types `count` characters into the focused shell pane (prompt `$ `), each timed from the
    /// write until the pane's line shows it; the line is cleared (Ctrl+U, untimed) every 20.
    pub fn shell_keystroke_latencies(&self, count: usize) -> Vec<Duration> {
        self.timed_keys(
            count,
            20,
            |typed| format!("$ {typed}"),
            |s, typed| !s.contains(&format!("$ {typed}")),
        )
    }

    /// The keystroke loop: `needle(typed)` on screen means the key arrived; after `run` keys
    /// Ctrl+U clears the line until `cleared(screen, typed)`.
    fn timed_keys(
        &self,
        count: usize,
        run: usize,
        needle: impl Fn(&str) -> String,
        cleared: impl Fn(&str, &str) -> bool,
    ) -> Vec<Duration> {
        let mut out = Vec::with_capacity(count);
        let mut typed = String::new();
        for i in 0..count {
            if typed.len() == run {
                self.ctrl('u');
                self.wait_until("line cleared", TIMEOUT, |s| cleared(s, &typed));
                typed.clear();
            }
            let c = (b'a' + (i % 26) as u8) as char;
            typed.push(c);
            let needle = needle(&typed);
            let start = Instant::now();
            self.send(&[c as u8]);
            self.wait_until("typed text on screen", TIMEOUT, |s| s.contains(&needle));
            out.push(start.elapsed());
            std::thread::sleep(KEY_PAUSE);
        }
        out
    }
}

/// Whether a terminal is back to normal: main screen, cursor visible, no mouse reporting, no
/// bracketed paste.
pub fn restored(s: &vt100::Screen) -> Result<(), String> {
    let mut problems = Vec::new();
    if s.alternate_screen() {
        problems.push("still on the alternate screen");
    }
    if s.hide_cursor() {
        problems.push("cursor hidden");
    }
    if s.mouse_protocol_mode() != vt100::MouseProtocolMode::None {
        problems.push("mouse reporting on");
    }
    if s.bracketed_paste() {
        problems.push("bracketed paste on");
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join(", "))
    }
}

fn nz(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n.max(1)).expect("non-zero")
}

fn screen_text(screen: &vt100::Screen) -> String {
    let (rows, cols) = (screen.size().0.get(), screen.size().1.get());
    (0..rows)
        .map(|r| screen.contents_between(r, 0, r, cols).trim_end().to_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

impl Drop for Tui {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        drop(self.reader.take());
    }
}

/// p50 and p99 of durations.
pub fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let p =
        |q: f64| samples[((samples.len() as f64 * q).ceil() as usize).clamp(1, samples.len()) - 1];
    (p(0.5), p(0.99))
}
