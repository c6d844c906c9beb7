//! `switchboard server [status|stop]`, `switchboard attach` and `switchboard detach`: the
//! server's life from the command line.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Subcommand;

use super::Context;
use super::workstation::{Flags, client_info};
use crate::client::{ClientError, Link};
use crate::protocol::{ClientKind, Command, Notification, ServerStatus};

#[derive(Debug, Subcommand)]
pub enum ServerCommand {
    /// Show the running server: pid, version, uptime, paths, clients and live slots
    Status {
        #[arg(long)]
        json: bool,
    },
    /// End every slot (recorded as closed, not interrupted) and the server
    Stop {
        /// Do not wait for slots to end gracefully; kill the server if it does not answer
        #[arg(long)]
        force: bool,
    },
}

/// How long `server stop` waits for the server to leave: slots get `STOP_WAIT` each to
/// end, in parallel, plus slack.
const STOP_TIMEOUT: Duration = Duration::from_secs(15);

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// A headless link to the running server, or `None` when none runs.
async fn headless(context: &Context) -> Result<Option<Link>, ClientError> {
    let Some(stream) = crate::client::connect_existing(context)? else {
        return Ok(None);
    };
    let flags = Flags {
        slots: Vec::new(),
        demo: false,
        model: None,
        approval: Default::default(),
    };
    let info = client_info(&flags, ClientKind::Headless);
    Ok(Some(Link::over_socket(stream, info).await?))
}

/// The running server's status, or `None` when no server runs for this store.
pub fn running_status(context: &Context) -> anyhow::Result<Option<ServerStatus>> {
    runtime()?.block_on(status_of(context))
}

/// As [`running_status`], giving up after `limit`: `doctor` must not hang on a server that
/// accepts connections but does not answer (stopped, or stuck).
pub fn running_status_within(
    context: &Context,
    limit: Duration,
) -> anyhow::Result<Option<ServerStatus>> {
    runtime()?.block_on(async {
        tokio::time::timeout(limit, status_of(context))
            .await
            .map_err(|_| {
                anyhow::anyhow!("the server did not answer within {} s", limit.as_secs())
            })?
    })
}

async fn status_of(context: &Context) -> anyhow::Result<Option<ServerStatus>> {
    let Some(mut link) = headless(context).await? else {
        return Ok(None);
    };
    let status = link
        .request(Command::Status, |n| match n {
            Notification::Status(status) => Some(status),
            _ => None,
        })
        .await?;
    link.close().await;
    Ok(Some(status))
}

pub fn run(context: &Context, command: ServerCommand) -> anyhow::Result<ExitCode> {
    match command {
        ServerCommand::Status { json } => runtime()?.block_on(status(context, json)),
        ServerCommand::Stop { force } => runtime()?.block_on(stop(context, force)),
    }
}

async fn status(context: &Context, json: bool) -> anyhow::Result<ExitCode> {
    let Some(mut link) = headless(context).await? else {
        if json {
            println!("{}", serde_json::json!({ "running": false }));
        } else {
            eprintln!("switchboard: no server is running for this store");
        }
        return Ok(ExitCode::FAILURE);
    };
    let status = link
        .request(Command::Status, |n| match n {
            Notification::Status(status) => Some(status),
            _ => None,
        })
        .await?;
    let mut out = std::io::stdout().lock();
    if json {
        writeln!(out, "{}", status_json(&status))?;
    } else {
        write!(out, "{}", describe(&status))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `server status --json` (ids as strings: JSON numbers cannot hold them).
pub fn status_json(status: &ServerStatus) -> serde_json::Value {
    serde_json::json!({
        "running": true,
        "pid": status.pid,
        "protocol": status.version,
        "build": status.build,
        "uptime_secs": status.uptime_secs,
        "store": status.store,
        "socket": status.socket,
        "clients": status.clients.iter().map(|c| serde_json::json!({
            "pid": c.pid,
            "key": c.key,
            "kind": format!("{:?}", c.kind).to_lowercase(),
            "cols": c.cols,
            "rows": c.rows,
            "focused": c.focused.map(|id| id.to_string()),
        })).collect::<Vec<_>>(),
        "slots": status.slots.iter().map(|s| serde_json::json!({
            "slot": s.slot.to_string(),
            "kind": s.kind.label(),
            "name": s.name,
            "status": s.status,
            "pid": s.pid,
            "size": s.size.map(|size| serde_json::json!({"cols": size.cols, "rows": size.rows})),
        })).collect::<Vec<_>>(),
    })
}

/// `server status` as text.
pub fn describe(status: &ServerStatus) -> String {
    let mut out = format!(
        "server pid {} · protocol {} · build {} · up {}\nstore  {}\nsocket {}\n",
        status.pid,
        status.version,
        status.build,
        humantime::format_duration(Duration::from_secs(status.uptime_secs)),
        status.store,
        status.socket
    );
    out.push_str(&format!("{} client(s)\n", status.clients.len()));
    for client in &status.clients {
        out.push_str(&format!(
            "  pid {} {:?} {}×{} {}\n",
            client.pid, client.kind, client.cols, client.rows, client.key
        ));
    }
    out.push_str(&format!("{} slot(s)\n", status.slots.len()));
    for slot in &status.slots {
        let pid = slot.pid.map(|p| format!(" pid {p}")).unwrap_or_default();
        let size = slot.size.map(|s| format!(" {s}")).unwrap_or_default();
        out.push_str(&format!(
            "  {} {} {} · {}{pid}{size}\n",
            slot.slot,
            slot.kind.label(),
            slot.name,
            slot.status
        ));
    }
    out
}

async fn stop(context: &Context, force: bool) -> anyhow::Result<ExitCode> {
    let Some(mut link) = headless(context).await? else {
        eprintln!("switchboard: no server is running for this store");
        return Ok(ExitCode::FAILURE);
    };
    let pid = link.server.pid;
    link.commands
        .send(Command::StopServer)
        .await
        .map_err(|_| ClientError::Closed(String::new()))?;
    let wait = if force {
        Duration::from_secs(2)
    } else {
        STOP_TIMEOUT
    };
    // The server says goodbye and closes; then the process ends.
    let _ = tokio::time::timeout(wait, async {
        while link.notifications.recv().await.is_some() {}
    })
    .await;
    let deadline = Instant::now() + wait;
    while process_runs(pid) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    if process_runs(pid) {
        if !force {
            anyhow::bail!(
                "the server (pid {pid}) has not stopped within {wait:?}; `switchboard server stop --force` kills it"
            );
        }
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid as i32),
            nix::sys::signal::Signal::SIGKILL,
        );
        eprintln!("switchboard: killed the server (pid {pid})");
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("switchboard: stopped the server (pid {pid}); every slot was closed");
    Ok(ExitCode::SUCCESS)
}

/// Whether `pid` is a process that has not ended (a zombie has).
fn process_runs(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

/// `switchboard detach`, typed into a pane: detaches the windows showing that pane.
pub fn detach(context: &Context) -> anyhow::Result<ExitCode> {
    let slot = std::env::var("SWITCHBOARD_SLOT").map_err(|_| {
        anyhow::anyhow!(
            "`switchboard detach` works inside a switchboard pane; elsewhere press Ctrl+Q"
        )
    })?;
    let slot = uuid::Uuid::parse_str(&slot)
        .map(|id| crate::ids::SessionId(id.as_u128()))
        .map_err(|_| anyhow::anyhow!("SWITCHBOARD_SLOT={slot} is not a session id"))?;
    runtime()?.block_on(async {
        let Some(link) = headless(context).await? else {
            anyhow::bail!("no server is running for this store");
        };
        link.commands
            .send(Command::DetachViewers { slot })
            .await
            .map_err(|_| ClientError::Closed(String::new()))?;
        link.close().await;
        Ok(ExitCode::SUCCESS)
    })
}

/// `switchboard attach --stdio`: the remote end of `attach --remote`.
pub fn stdio(context: &Context) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(crate::client::stdio::bridge(context))?;
    Ok(ExitCode::SUCCESS)
}
