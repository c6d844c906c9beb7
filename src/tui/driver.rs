//! The thin driver around the pure core: reads terminal input on its own thread and the
//! server's notifications from the link, runs effects (commands to the server, clipboard,
//! suspend, leave), tells the server what this window shows, and draws — only when something
//! changed, at most once per frame interval, after draining every queued message, inside
//! synchronized output.

use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyEventKind};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use tokio::sync::mpsc;

use super::app::{AppState, Effect, Msg, Size};
use super::frame_log::FrameLog;
use super::render::render;
use super::slots::SlotKind;
use super::terminal::{self, Tty};
use super::theme::Theme;
use super::update::update;
use crate::client::Link;
use crate::protocol::{Command, ViewLayout, Viewport};

/// At most one frame per this interval (~60 fps) for background changes (output, streams,
/// store acks): a flood of them cannot turn into a flood of draws. Input from the person at
/// the keyboard is drawn at once instead — people type and click far slower than 60 Hz, and
/// the screen must answer a keystroke faster than a frame.
pub const FRAME: Duration = Duration::from_millis(16);

/// Frames for changes the person is not looking at closely — output of panes without the
/// keys, slots in the background — come at most this often (20 fps): a flooding pane costs a
/// fraction of the drawing, and of the terminal's parsing, it would at 60 fps.
const BACKGROUND_FRAME: Duration = Duration::from_millis(50);

/// After a key goes to a pane, its echo is drawn at once if it comes within this window (the
/// program answering the keystroke), instead of waiting for the next frame.
const ECHO_WINDOW: Duration = Duration::from_millis(100);

/// When to draw: at once after input or its echo, at 60 fps for the focused slot, at 20 fps
/// for everything else.
#[derive(Debug)]
struct Pacer {
    last_draw: Instant,
    last_input: Option<Instant>,
}

impl Pacer {
    fn next_frame(&self, focused: bool) -> Instant {
        self.last_draw + if focused { FRAME } else { BACKGROUND_FRAME }
    }

    fn draw_now(&self, now: Instant, input: bool, focused: bool) -> bool {
        let echo = focused
            && self
                .last_input
                .is_some_and(|at| now.duration_since(at) < ECHO_WINDOW);
        input || echo || now >= self.next_frame(focused)
    }
}

/// Frames slower than this are logged (debug level) to find what holds the screen up.
const SLOW_FRAME: Duration = Duration::from_millis(20);

/// Messages that may wait for the UI loop before producers block.
const QUEUE: usize = 4096;

/// Counters a benchmark or test can read after a run.
#[derive(Debug, Default, Clone, Copy)]
pub struct DriverStats {
    pub draws: u64,
    pub messages: u64,
}

fn translate(event: Event, at: Instant) -> Option<Msg> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => Some(Msg::Key(key)),
        Event::Key(_) => None,
        Event::Paste(text) => Some(Msg::Paste(text)),
        Event::Mouse(mouse) => Some(Msg::Mouse(mouse, at)),
        Event::Resize(cols, rows) => Some(Msg::Resize(Size { cols, rows })),
        Event::FocusGained => Some(Msg::FocusGained),
        Event::FocusLost => Some(Msg::FocusLost),
    }
}

/// Reads terminal events on a blocking thread so the loop can drain them with everything else.
fn spawn_input(tx: mpsc::Sender<Msg>) {
    std::thread::Builder::new()
        .name("terminal-input".into())
        .spawn(move || {
            while let Ok(event) = crossterm::event::read() {
                if let Some(msg) = translate(event, Instant::now())
                    && tx.blocking_send(msg).is_err()
                {
                    break;
                }
            }
        })
        .ok();
}

/// SIGTERM, SIGHUP and SIGINT end the workstation cleanly (the terminal is restored).
fn spawn_signals(tx: mpsc::Sender<Msg>) {
    use tokio::signal::unix::{SignalKind, signal};
    for kind in [
        SignalKind::terminate(),
        SignalKind::hangup(),
        SignalKind::interrupt(),
    ] {
        let tx = tx.clone();
        tokio::spawn(async move {
            if let Ok(mut stream) = signal(kind)
                && stream.recv().await.is_some()
            {
                tracing::info!(signal = ?kind, "leaving on a signal");
                let _ = tx.send(Msg::Terminate).await;
            }
        });
    }
}

fn draw(
    terminal: &mut Tty,
    state: &AppState,
    stats: &mut DriverStats,
    frames: &mut FrameLog,
) -> std::io::Result<()> {
    let started = Instant::now();
    let stamp = frames.start();
    // One write per frame (see `terminal::Output`).
    terminal::hold_output();
    crossterm::queue!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    let mut rendered = started;
    terminal.draw(|frame| {
        render(state, frame);
        rendered = Instant::now();
    })?;
    crossterm::queue!(terminal.backend_mut(), EndSynchronizedUpdate)?;
    terminal::release_output(terminal)?;
    stats.draws += 1;
    let took = started.elapsed();
    let render = rendered.duration_since(started);
    if let Some(stamp) = stamp {
        frames.drawn(stamp, rendered);
    }
    if took > SLOW_FRAME {
        tracing::debug!(?took, ?render, "slow frame (render = building the buffer)");
    }
    Ok(())
}

/// What the workstation is set up with.
#[derive(Debug, Clone)]
pub struct Options {
    pub keymap: super::keymap::Keymap,
    pub startup: Vec<super::startup::Startup>,
    /// The directory the client runs in.
    pub cwd: String,
}

/// How the workstation ended.
#[derive(Debug, Default)]
pub struct Outcome {
    pub stats: DriverStats,
    /// What to tell the user once the terminal is restored (detached, the server stopped…).
    pub farewell: Option<String>,
}

/// What this window shows, as the server needs to know it.
fn viewport_of(state: &AppState) -> Viewport {
    let panes = super::layout::areas(state)
        .map(|areas| {
            areas
                .cells
                .iter()
                .filter(|(id, _)| state.slot(*id).is_some_and(|s| s.kind == SlotKind::Pty))
                .map(|(id, rect)| {
                    let content = super::layout::inner(*rect);
                    (
                        *id,
                        crate::pty::PaneSize::new(content.height, content.width),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Viewport {
        panes,
        focused: state.focused,
        typing: state.focus == super::app::Focus::Pane,
    }
}

/// Runs the workstation on an open link until the user leaves, the server goes away or a
/// signal arrives.
pub async fn run(link: Link, options: Options) -> anyhow::Result<Outcome> {
    let Link {
        commands,
        mut notifications,
        writer,
        ..
    } = link;
    let (mut terminal, _guard) = terminal::enter()?;
    let area = terminal.size()?;
    let mut state = AppState::new(
        Size {
            cols: area.width,
            rows: area.height,
        },
        Theme::from_env(),
    );
    state.cwd = options.cwd.clone();
    state.keymap = options.keymap;
    let (tx, mut rx) = mpsc::channel(QUEUE);
    spawn_input(tx.clone());
    spawn_signals(tx.clone());
    {
        let tx = tx.clone();
        tokio::spawn(async move {
            while let Some(notification) = notifications.recv().await {
                if tx.send(Msg::Server(notification)).await.is_err() {
                    return;
                }
            }
            let _ = tx.send(Msg::ServerGone).await;
        });
    }
    let mut outbox: Vec<Command> = Vec::new();
    for action in options.startup {
        for effect in super::startup::apply(&mut state, action) {
            if let Effect::Send(command) = effect {
                outbox.push(command);
            }
        }
    }
    for command in outbox.drain(..) {
        send(&commands, command).await;
    }
    let mut stats = DriverStats::default();
    let mut frames = FrameLog::from_env();
    draw(&mut terminal, &state, &mut stats, &mut frames)?;
    state.dirty = false;
    let mut pacer = Pacer {
        last_draw: Instant::now(),
        last_input: None,
    };
    let mut sent_viewport: Option<Viewport> = None;
    let mut sent_layout: Option<ViewLayout> = None;
    loop {
        let next_frame = pacer.next_frame(state.focus_dirty);
        let frame_due = tokio::time::sleep_until(next_frame.into());
        let received = tokio::select! {
            msg = rx.recv() => msg,
            () = frame_due, if state.dirty => {
                draw(&mut terminal, &state, &mut stats, &mut frames)?;
                state.dirty = false;
                state.focus_dirty = false;
                pacer.last_draw = Instant::now();
                continue;
            }
        };
        let Some(first) = received else { break };
        let mut pending = vec![first];
        while let Ok(msg) = rx.try_recv() {
            pending.push(msg);
        }
        let mut any_dirty = state.dirty;
        // Input arrived (the echo window opens), and input that changed what is shown (drawn
        // at once). A key sent to a pane changes nothing here: drawing the other panes'
        // pending changes for it would hold the echo's frame behind that one.
        let mut typed = false;
        let mut input = false;
        state.now = crate::ids::Timestamp::now();
        let applying = frames.start();
        for msg in pending {
            stats.messages += 1;
            let is_input = matches!(
                msg,
                Msg::Key(_) | Msg::Paste(_) | Msg::Mouse(..) | Msg::Resize(_)
            );
            if let Msg::Resize(size) = &msg {
                let _ = terminal.resize(ratatui::layout::Rect::new(0, 0, size.cols, size.rows));
            }
            let effects = update(&mut state, msg);
            any_dirty |= state.dirty;
            typed |= is_input;
            input |= is_input && state.dirty;
            for effect in effects {
                match effect {
                    Effect::Send(command) => outbox.push(command),
                    Effect::Quit => state.quit = true,
                    Effect::Suspend if terminal::can_suspend() => {
                        terminal::suspend(&mut terminal)?;
                        any_dirty = true;
                    }
                    Effect::Suspend => {
                        state.notify_error(
                            "cannot suspend: not started from a shell with job control",
                        );
                        any_dirty = true;
                    }
                    Effect::Copy(text) => {
                        if let Err(err) = terminal::copy_to_clipboard(&text) {
                            tracing::warn!(error = %err, "clipboard write failed");
                        }
                    }
                    Effect::Alert(text) => {
                        use std::io::Write;
                        let mut out = std::io::stdout();
                        let _ = out.write_all(&super::board::alert_bytes(&text));
                        let _ = out.flush();
                    }
                }
            }
        }
        if let Some(started) = applying {
            frames.applied(started);
        }
        state.dirty = any_dirty;
        // Keystrokes first, then what this window shows: one resize per pane per batch.
        for command in outbox.drain(..) {
            send(&commands, command).await;
        }
        let viewport = viewport_of(&state);
        if sent_viewport.as_ref() != Some(&viewport) {
            send(&commands, Command::Viewport(viewport.clone())).await;
            sent_viewport = Some(viewport);
        }
        let layout = super::server_ui::layout_of(&state);
        if sent_layout.as_ref() != Some(&layout) {
            send(&commands, Command::SaveLayout(layout.clone())).await;
            sent_layout = Some(layout);
        }
        if state.quit {
            break;
        }
        let now = Instant::now();
        if typed {
            pacer.last_input = Some(now);
        }
        if state.dirty && pacer.draw_now(now, input, state.focus_dirty) {
            draw(&mut terminal, &state, &mut stats, &mut frames)?;
            state.dirty = false;
            state.focus_dirty = false;
            pacer.last_draw = Instant::now();
        }
    }
    // Let the writer send what is queued (the layout) before the process ends.
    drop(commands);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), writer).await;
    tracing::info!(
        draws = stats.draws,
        messages = stats.messages,
        "workstation closed"
    );
    Ok(Outcome {
        stats,
        farewell: state.farewell.take(),
    })
}

/// Queues a command for the server; a gone server is noticed by the notification stream.
async fn send(commands: &mpsc::Sender<Command>, command: Command) {
    let _ = commands.send(command).await;
}
