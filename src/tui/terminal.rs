//! Terminal hygiene: raw mode, alternate screen, bracketed paste, focus and mouse events on
//! entry; always restored on exit, on panic (hook), on signals, and around Ctrl+Z.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::cursor::Show;
use crossterm::event::{
    DisableBracketedPaste, DisableFocusChange, DisableMouseCapture, EnableBracketedPaste,
    EnableFocusChange, EnableMouseCapture, KeyboardEnhancementFlags, PopKeyboardEnhancementFlags,
    PushKeyboardEnhancementFlags,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
    supports_keyboard_enhancement,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Tty = Terminal<CrosstermBackend<Output>>;

/// The workstation's terminal output. While a frame is drawn it is held in memory and then
/// written in one piece: drawing flushes after the diff, after the cursor and after the end
/// of the synchronized update, and stdout's 1 KiB line buffer cut a large frame into 1 KiB
/// writes — a terminal woke for every piece, and one that read slowly stalled the frame in
/// the middle (seen with `strace` in the "Many slots" bench). Outside a frame every flush
/// writes at once.
#[derive(Debug, Default)]
pub struct Output {
    held: Vec<u8>,
}

/// Whether a frame is being drawn (one workstation terminal per process, like `ACTIVE`).
static HOLDING: AtomicBool = AtomicBool::new(false);

/// Holds the terminal's output until [`release_output`].
pub fn hold_output() {
    HOLDING.store(true, Ordering::SeqCst);
}

/// Writes what was held since [`hold_output`], in one piece.
pub fn release_output(terminal: &mut Tty) -> io::Result<()> {
    HOLDING.store(false, Ordering::SeqCst);
    ratatui::backend::Backend::flush(terminal.backend_mut())
}

impl Output {
    fn send(&mut self) -> io::Result<()> {
        if self.held.is_empty() {
            return Ok(());
        }
        let mut out = io::stdout().lock();
        let result = out.write_all(&self.held).and_then(|()| out.flush());
        // Written or not, these bytes are done: a failed write ends the workstation anyway.
        self.held.clear();
        result
    }
}

impl Write for Output {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.held.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if HOLDING.load(Ordering::SeqCst) {
            return Ok(());
        }
        self.send()
    }
}

/// Whether the terminal is currently set up (so restoring twice is harmless).
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// Whether keyboard enhancement was pushed and must be popped.
static ENHANCED: AtomicBool = AtomicBool::new(false);
/// Whether the terminal supports keyboard enhancement, asked once at start: asking again on
/// resume would race the input thread for the terminal's answer.
static SUPPORTS_ENHANCEMENT: AtomicBool = AtomicBool::new(false);

/// Restores the terminal when dropped, also on early returns and errors.
#[derive(Debug)]
pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// Puts the terminal in workstation mode and returns a ratatui terminal plus a restore guard.
pub fn enter() -> io::Result<(Tty, Guard)> {
    install_panic_hook();
    enable_raw_mode()?;
    SUPPORTS_ENHANCEMENT.store(
        supports_keyboard_enhancement().unwrap_or(false),
        Ordering::SeqCst,
    );
    setup()?;
    let terminal = Terminal::new(CrosstermBackend::new(Output::default()))?;
    Ok((terminal, Guard))
}

fn setup() -> io::Result<()> {
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut out = io::stdout();
    execute!(
        out,
        EnterAlternateScreen,
        EnableBracketedPaste,
        EnableFocusChange,
        EnableMouseCapture
    )?;
    // Lets terminals that support it report Shift+Enter and friends distinctly.
    if SUPPORTS_ENHANCEMENT.load(Ordering::SeqCst) {
        execute!(
            out,
            PushKeyboardEnhancementFlags(KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES)
        )?;
        ENHANCED.store(true, Ordering::SeqCst);
    }
    Ok(())
}

/// Leaves workstation mode. Safe to call more than once and from a panic hook.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut out = io::stdout();
    if ENHANCED.swap(false, Ordering::SeqCst) {
        let _ = execute!(out, PopKeyboardEnhancementFlags);
    }
    let _ = execute!(
        out,
        DisableMouseCapture,
        DisableFocusChange,
        DisableBracketedPaste,
        LeaveAlternateScreen,
        Show
    );
    let _ = disable_raw_mode();
    let _ = out.flush();
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // A panic inside redb on a damaged store file is caught by the store and becomes an
        // error the workstation shows; the terminal must stay as it is.
        if !crate::store::in_guarded_call() {
            restore();
        }
        previous(info);
    }));
}

/// Whether stopping the process would be undone at once: a session leader (started straight
/// in a terminal, not from a job-control shell) has no one to resume it, and the kernel
/// discards stop signals sent to such orphaned process groups.
pub fn can_suspend() -> bool {
    let pid = nix::unistd::getpid();
    nix::unistd::getsid(None).is_ok_and(|sid| sid != pid)
}

/// Ctrl+Z: restore the terminal, stop the process, and set everything up again on `fg`.
/// The screen is repainted by drawing a blank frame first (so the next frame differs in every
/// cell), not with `Terminal::clear`, which would ask the terminal for the cursor position.
pub fn suspend(terminal: &mut Tty) -> io::Result<()> {
    restore();
    nix::sys::signal::raise(nix::sys::signal::Signal::SIGTSTP).map_err(io::Error::other)?;
    setup()?;
    terminal.draw(|frame| {
        let area = frame.area();
        ratatui::widgets::Widget::render(ratatui::widgets::Clear, area, frame.buffer_mut());
    })?;
    Ok(())
}

/// Puts `text` on the clipboard with OSC 52, which terminals honour over SSH and in tmux.
pub fn copy_to_clipboard(text: &str) -> io::Result<()> {
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = io::stdout();
    write!(out, "\x1b]52;c;{encoded}\x07")?;
    out.flush()
}
