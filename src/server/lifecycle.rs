//! `switchboard server`: takes the store's server lock, reconciles the store, restores the
//! slots that were open, listens, and runs until stopped. Started in the background by the
//! first client that finds none (`--detached`: its own session, stdio to the log, "ready"
//! or the error on the pipe it was given), or in the foreground for debugging and service
//! managers.

use std::io::Write;
use std::os::unix::io::AsRawFd;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use tokio::net::UnixListener;
use tokio::sync::mpsc;

use super::core::{ClientId, Core, CoreSettings, Input};
use super::models::Models;
use super::socket::{ServerFiles, check_peer, current_uid, make_private};
use crate::cli::Context;
use crate::protocol::{ClientSummary, Notification, ServerStatus, SlotSummary};
use crate::store::Store;

/// Inputs that may wait for the core before producers (connections, agents) wait.
const CORE_QUEUE: usize = 8192;

/// How `switchboard server` runs.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// Started by a client: detach from its terminal, report readiness on stdout, then send
    /// stdout and stderr to the log.
    pub detached: bool,
    /// Leave once no client is attached and nothing runs.
    pub idle_exit: Option<Duration>,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("a server for this store already runs (pid {0}); `switchboard server stop` ends it")]
    Running(String),
    #[error("cannot lock {path}: {source}")]
    Lock {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot listen on {path}: {source}")]
    Bind {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Socket(#[from] super::socket::SocketError),
}

/// Takes the server lock (non-blocking): held for the process's life.
pub fn take_lock(files: &ServerFiles) -> Result<nix::fcntl::Flock<std::fs::File>, ServeError> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&files.lock)
        .map_err(|source| ServeError::Lock {
            path: files.lock.display().to_string(),
            source,
        })?;
    nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusiveNonblock).map_err(|_| {
        let pid = std::fs::read_to_string(&files.pid)
            .map(|p| p.trim().to_owned())
            .unwrap_or_else(|_| "unknown".into());
        ServeError::Running(pid)
    })
}

/// Runs the server until it is stopped.
pub fn run(context: &Context, options: ServeOptions) -> anyhow::Result<ExitCode> {
    if options.detached {
        // Our own session: no controlling terminal, no SIGHUP when the client's closes.
        let _ = nix::unistd::setsid();
    }
    let result = start(context, &options);
    let (files, _lock, store, listener_std, marked) = match result {
        Ok(started) => started,
        Err(err) => {
            if options.detached {
                println!("error: {}", crate::cli::one_line(&err));
                let _ = std::io::stdout().flush();
            }
            return Err(err);
        }
    };
    if options.detached {
        println!("ready {}", std::process::id());
        let _ = std::io::stdout().flush();
        redirect_stdio(&context.paths.log_dir);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let settings = CoreSettings {
        scrollback_lines: context.config.pty.scrollback_lines,
        worktrees_dir: context.paths.worktrees_dir.clone(),
        activity: crate::pty::ActivityPolicy {
            idle_after: Duration::from_secs(context.config.pty.idle_after_secs.max(1)),
            ..Default::default()
        },
        socket: files.socket.clone(),
        idle_exit: options.idle_exit,
        tasks: crate::tasks::runner::Settings::from_config(
            &context.config.tasks,
            context.paths.worktrees_dir.clone(),
        ),
        notify: context.config.notify.clone(),
    };
    let models = Models::new(context.config.model.clone(), true);
    let notes = match marked {
        0 => Vec::new(),
        n => vec![format!(
            "{n} session{} running when the last server ended: marked interrupted",
            if n == 1 { " was" } else { "s were" }
        )],
    };
    runtime.block_on(serve(store, listener_std, settings, models, notes));
    let _ = std::fs::remove_file(&files.socket);
    let _ = std::fs::remove_file(&files.pid);
    tracing::info!("server stopped");
    Ok(ExitCode::SUCCESS)
}

type Started = (
    ServerFiles,
    nix::fcntl::Flock<std::fs::File>,
    Store,
    std::os::unix::net::UnixListener,
    usize,
);

fn start(context: &Context, _options: &ServeOptions) -> anyhow::Result<Started> {
    let files = ServerFiles::new(&context.paths.run_dir, &context.paths.store_file);
    files.prepare()?;
    let lock = take_lock(&files)?;
    let previous: Option<u32> = std::fs::read_to_string(&files.pid)
        .ok()
        .and_then(|p| p.trim().parse().ok());
    let store = Store::open(&context.paths.store_file, context.config.store_options())?;
    for change in store.tightened() {
        tracing::warn!("{change}");
    }
    let marked = store.reconcile_with(|owner| {
        if Some(owner.pid) == previous {
            format!("server ended (pid {})", owner.pid)
        } else {
            format!(
                "owner process {} ended while the session was running",
                owner.pid
            )
        }
    })?;
    if !marked.is_empty() {
        tracing::info!(
            count = marked.len(),
            "marked sessions of dead owners interrupted"
        );
    }
    // We hold the lock: a socket file left here belongs to a dead server.
    let _ = std::fs::remove_file(&files.socket);
    let listener = std::os::unix::net::UnixListener::bind(&files.socket).map_err(|source| {
        ServeError::Bind {
            path: files.socket.display().to_string(),
            source,
        }
    })?;
    make_private(&files.socket)?;
    listener.set_nonblocking(true)?;
    std::fs::write(&files.pid, format!("{}\n", std::process::id()))?;
    Ok((files, lock, store, listener, marked.len()))
}

/// Startup reconciliation: sessions whose owner died while they ran become interrupted; the
/// reason names a dead server as such ("server ended"), whoever opens the store first.
pub fn reconcile(
    store: &Store,
    files: &ServerFiles,
) -> Result<Vec<crate::ids::SessionId>, crate::store::StoreError> {
    let previous: Option<u32> = std::fs::read_to_string(&files.pid)
        .ok()
        .and_then(|p| p.trim().parse().ok());
    store.reconcile_with(|owner| {
        if Some(owner.pid) == previous {
            format!("server ended (pid {})", owner.pid)
        } else {
            format!(
                "owner process {} ended while the session was running",
                owner.pid
            )
        }
    })
}

/// Sends stdout and stderr to the log file (a detached server has no terminal).
fn redirect_stdio(log_dir: &Path) {
    let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_dir.join("server.out"))
    else {
        return;
    };
    let fd = file.as_raw_fd();
    let _ = nix::unistd::dup2(fd, 1);
    let _ = nix::unistd::dup2(fd, 2);
}

/// Accepts clients and runs the core until it stops.
pub async fn serve(
    store: Store,
    listener: std::os::unix::net::UnixListener,
    settings: CoreSettings,
    models: Models,
    notes: Vec<String>,
) {
    let Ok(listener) = UnixListener::from_std(listener) else {
        tracing::error!("cannot register the listener with the runtime");
        return;
    };
    let (inputs, rx) = mpsc::channel(CORE_QUEUE);
    let (waker, wakeups) = crate::pty::pane_wakeups();
    let mut core = Core::new(store.clone(), settings, models, inputs.clone(), waker);
    restore_open_slots(&store, &inputs);
    let panes = core.panes.clone();
    spawn_signals(inputs.clone());
    let accept = tokio::spawn(accept_loop(listener, inputs.clone(), panes));
    core.notes = notes;
    core.run(rx, wakeups).await;
    accept.abort();
}

/// The slots open when the last server ended come back (panes as their recorded screens).
fn restore_open_slots(store: &Store, inputs: &mpsc::Sender<Input>) {
    let store = store.clone();
    let inputs = inputs.clone();
    tokio::task::spawn_blocking(move || {
        let ids = store.open_slots().unwrap_or_default();
        for id in ids {
            let open = store
                .meta(id)
                .is_ok_and(|m| m.status != crate::session::SessionStatus::Closed);
            if !open {
                continue;
            }
            match super::reads::restore(&store, id) {
                Ok(entry) => {
                    let _ = inputs.blocking_send(Input::Restored {
                        client: None,
                        entry: Box::new(entry),
                        forked: None,
                    });
                }
                Err(err) => tracing::warn!(%id, error = %err, "cannot restore a slot"),
            }
        }
    });
}

async fn accept_loop(
    listener: UnixListener,
    inputs: mpsc::Sender<Input>,
    panes: super::core::PaneDirectory,
) {
    let me = current_uid();
    let version = crate::protocol::announced_version();
    let mut next: ClientId = 1;
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let peer = stream
            .peer_cred()
            .map(|cred| cred.uid())
            .map_err(|e| e.to_string());
        if let Err(refused) = check_peer(peer, me) {
            tracing::warn!(%refused, "refused a connection");
            continue;
        }
        let client = next;
        next += 1;
        let inputs = inputs.clone();
        let panes = panes.clone();
        tokio::spawn(async move {
            let (reader, writer) = stream.into_split();
            if let Err(err) =
                super::conn::serve(client, reader, writer, inputs, panes, version).await
            {
                tracing::info!(client, %err, "connection closed");
            }
        });
    }
}

/// SIGTERM and SIGINT stop the server cleanly; SIGHUP is ignored (a detached server has no
/// terminal to lose).
fn spawn_signals(inputs: mpsc::Sender<Input>) {
    use tokio::signal::unix::{SignalKind, signal};
    for kind in [SignalKind::terminate(), SignalKind::interrupt()] {
        let inputs = inputs.clone();
        tokio::spawn(async move {
            if let Ok(mut stream) = signal(kind)
                && stream.recv().await.is_some()
            {
                let _ = inputs
                    .send(Input::Command {
                        client: 0,
                        command: crate::protocol::Command::StopServer,
                    })
                    .await;
            }
        });
    }
    tokio::spawn(async move {
        if let Ok(mut hangups) = signal(SignalKind::hangup()) {
            while hangups.recv().await.is_some() {}
        }
    });
}

impl Core {
    /// Ends every slot cleanly (programs hung up, turns interrupted), records each session as
    /// closed, tells every client, then leaves.
    pub fn stop(&mut self) {
        if self.stopping {
            return;
        }
        self.stopping = true;
        tracing::info!("stopping the server");
        let slots: Vec<_> = self.slots.iter().map(|s| s.info.slot).collect();
        let mut waits = Vec::new();
        let effects = self.tasks.take();
        self.task_effects(effects);
        waits.push(self.tasks.stop());
        let effects = self.tasks.take();
        self.task_effects(effects);
        for slot in slots {
            if let Some(index) = self.slots.iter().position(|s| s.info.slot == slot) {
                let entry = self.slots.remove(index);
                self.panes.write().remove(&slot);
                waits.push(super::slots::stop_entry(
                    entry,
                    self.store.clone(),
                    "server stopped",
                ));
            }
        }
        // The open-slot list stays: the sessions are closed, so nothing is restored.
        let inputs = self.inputs.clone();
        tokio::spawn(async move {
            for wait in waits {
                if let Err(error) = wait.await {
                    tracing::warn!(%error, "a slot's stop failed");
                }
            }
            let _ = inputs.send(Input::Stopped).await;
        });
    }

    /// Every slot has ended and recorded its close: tell the clients (they leave knowing
    /// their sessions are closed), give their writers a moment, then leave.
    pub fn stopped(&mut self) {
        tracing::info!("every slot ended; the server leaves");
        let clients: Vec<ClientId> = self.clients.keys().copied().collect();
        for client in clients {
            self.send(
                client,
                Notification::Detached {
                    reason: "the server stopped; every slot was closed".into(),
                },
            );
            if let Some(c) = self.clients.get(&client) {
                let _ = c.out.tx.try_send(super::core::Outgoing::Close);
            }
        }
        self.exit_at = Some(std::time::Instant::now() + super::FAREWELL);
    }

    /// What `switchboard server status` shows.
    pub fn status(&self) -> ServerStatus {
        ServerStatus {
            pid: std::process::id(),
            version: crate::protocol::VERSION,
            build: crate::protocol::BUILD.to_owned(),
            uptime_secs: self.started.elapsed().as_secs(),
            store: self.store.path().display().to_string(),
            socket: self.settings.socket.display().to_string(),
            clients: self
                .clients
                .values()
                .map(|c| ClientSummary {
                    pid: c.info.pid,
                    key: c.info.key.clone(),
                    kind: c.info.kind,
                    cols: c.info.cols,
                    rows: c.info.rows,
                    focused: c.viewport.focused,
                })
                .collect(),
            slots: self
                .slots
                .iter()
                .map(|s| SlotSummary {
                    slot: s.info.slot,
                    kind: s.info.kind,
                    name: s.info.name.clone(),
                    status: s.info.status.label(),
                    pid: s.live_pane().and_then(|p| p.pid()),
                    size: s.size,
                    cwd: s.info.cwd.clone(),
                    approval: s.info.approval.clone(),
                    hidden: s.hidden,
                })
                .collect(),
        }
    }
}
