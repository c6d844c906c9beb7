//! The thin driver around the pure core: reads terminal input on its own thread, runs effects
//! (store reads and writes, clipboard, suspend), feeds results back as messages, and draws —
//! only when something changed, at most once per frame interval, after draining every queued
//! message, inside synchronized output.

use std::io::Write;
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyEventKind};
use crossterm::terminal::{BeginSynchronizedUpdate, EndSynchronizedUpdate};
use tokio::sync::mpsc;

use super::app::{AppState, Effect, Msg, Size};
use super::core::Core;
use super::render::render;
use super::terminal::{self, Tty};
use super::theme::Theme;
use super::update::update;

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
                let _ = tx.send(Msg::Terminate).await;
            }
        });
    }
}

fn draw(terminal: &mut Tty, state: &AppState, stats: &mut DriverStats) -> std::io::Result<()> {
    let started = Instant::now();
    crossterm::queue!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    let mut rendered = started;
    terminal.draw(|frame| {
        render(state, frame);
        rendered = Instant::now();
    })?;
    crossterm::queue!(terminal.backend_mut(), EndSynchronizedUpdate)?;
    terminal.backend_mut().flush()?;
    stats.draws += 1;
    let took = started.elapsed();
    if took > SLOW_FRAME {
        let render = rendered.duration_since(started);
        tracing::debug!(?took, ?render, "slow frame (render = building the buffer)");
    }
    Ok(())
}

/// Runs the workstation until the user quits or a signal arrives.
/// What the workstation is set up with.
#[derive(Debug, Clone)]
pub struct Options {
    pub leader: super::commands::Chord,
    pub activity: crate::pty::ActivityPolicy,
    pub startup: Vec<super::startup::Startup>,
}

/// How often pane activity (idle, waiting) is re-checked while PTY slots exist: fine enough for
/// a badge, coarse enough to cost nothing.
const ACTIVITY_TICK: Duration = Duration::from_millis(500);

/// Forwards activity ticks into the message queue. ("Some pane changed" is awaited by the
/// loop itself: one thread wake-up fewer between a program's echo and its frame.)
fn spawn_activity_ticks(tx: mpsc::Sender<Msg>) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(ACTIVITY_TICK);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            interval.tick().await;
            if tx.send(Msg::Tick(Instant::now())).await.is_err() {
                break;
            }
        }
    });
}

pub async fn run(core: Core, options: Options) -> anyhow::Result<DriverStats> {
    let (mut terminal, _guard) = terminal::enter()?;
    let area = terminal.size()?;
    let mut state = AppState::new(
        Size {
            cols: area.width,
            rows: area.height,
        },
        Theme::from_env(),
    );
    state.cwd = core.cwd().to_owned();
    state.leader = options.leader;
    state.model = core.model_label();
    state.in_repo = core.in_repo();
    state.activity = options.activity;
    let (tx, mut rx) = mpsc::channel(QUEUE);
    spawn_input(tx.clone());
    spawn_signals(tx.clone());
    spawn_activity_ticks(tx.clone());
    let wakeups = core.wakeups();
    // False once every waker is gone (cannot happen while `core` lives; then stop asking).
    let mut panes_open = true;
    for msg in core.preload() {
        for effect in update(&mut state, msg) {
            core.run(effect, &tx);
        }
    }
    for action in options.startup {
        for effect in super::startup::apply(&mut state, action) {
            core.run(effect, &tx);
        }
    }
    let mut stats = DriverStats::default();
    draw(&mut terminal, &state, &mut stats)?;
    state.dirty = false;
    let mut pacer = Pacer {
        last_draw: Instant::now(),
        last_input: None,
    };
    let mut applied: std::collections::HashMap<super::slots::SlotId, crate::pty::PaneSize> =
        std::collections::HashMap::new();
    let mut paced: (Option<super::slots::SlotId>, usize) = (None, 0);
    loop {
        let next_frame = pacer.next_frame(state.focus_dirty);
        let frame_due = tokio::time::sleep_until(next_frame.into());
        let received = tokio::select! {
            msg = rx.recv() => msg,
            open = wakeups.wait(), if panes_open => {
                panes_open = open;
                Some(Msg::PanesChanged)
            }
            () = frame_due, if state.dirty => {
                draw(&mut terminal, &state, &mut stats)?;
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
        let mut input = false;
        for msg in pending {
            stats.messages += 1;
            input |= matches!(
                msg,
                Msg::Key(_) | Msg::Paste(_) | Msg::Mouse(..) | Msg::Resize(_)
            );
            if let Msg::Resize(size) = &msg {
                let _ = terminal.resize(ratatui::layout::Rect::new(0, 0, size.cols, size.rows));
            }
            let effects = update(&mut state, msg);
            any_dirty |= state.dirty;
            for effect in effects {
                match effect {
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
                    other => core.run(other, &tx),
                }
            }
        }
        state.dirty = any_dirty;
        if state.quit {
            break;
        }
        // One resize per pane whose cell changed, after the whole batch (a program gets one
        // SIGWINCH however many layout changes the batch held).
        let sizes = super::layout::pane_sizes(&state);
        let changed: Vec<_> = sizes
            .iter()
            .filter(|(slot, size)| applied.get(slot) != Some(size))
            .copied()
            .collect();
        if !changed.is_empty() {
            core.resize_panes(&changed);
            applied.extend(changed);
        }
        // A new pane or a focus change: the focused pane parses at full speed.
        let panes = state.slots.iter().filter(|s| s.pane.is_some()).count();
        if (state.focused, panes) != paced {
            paced = (state.focused, panes);
            core.focus_panes(state.focused);
        }
        let now = Instant::now();
        if input {
            pacer.last_input = Some(now);
        }
        if state.dirty && pacer.draw_now(now, input, state.focus_dirty) {
            draw(&mut terminal, &state, &mut stats)?;
            state.dirty = false;
            state.focus_dirty = false;
            pacer.last_draw = Instant::now();
        }
    }
    tracing::info!(
        draws = stats.draws,
        messages = stats.messages,
        "workstation closed"
    );
    Ok(stats)
}
