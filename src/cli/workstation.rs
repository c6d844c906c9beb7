//! `switchboard`, `switchboard attach`, `resume` and `fork`: the full-screen workstation, a
//! client of the store's server (started when none runs), optionally opening on a picker or a
//! session.

use std::io::IsTerminal;
use std::process::ExitCode;

use super::Context;
use crate::client::Link;
use crate::protocol::{
    AgentOptions, ClientInfo, ClientKind, Command, Lookup, Notification, Resolved, WireKey,
};
use crate::tui::startup::Startup;

/// How the workstation was asked to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opening {
    Plain,
    Resume {
        id: Option<String>,
        last: bool,
    },
    Fork {
        id: Option<String>,
        turn: Option<u32>,
        at: Option<u64>,
    },
}

/// The workstation's own flags.
#[derive(Debug, Clone)]
pub struct Flags {
    pub slots: Vec<String>,
    pub demo: bool,
    pub model: Option<String>,
    pub approval: crate::agent::ApprovalPolicy,
}

impl From<&super::Cli> for Flags {
    fn from(cli: &super::Cli) -> Self {
        Self {
            slots: cli.slots.clone(),
            demo: cli.demo,
            model: cli.model.clone(),
            approval: cli.approval.unwrap_or_default(),
        }
    }
}

/// Where the workstation's server is.
#[derive(Debug, Clone)]
pub enum Transport {
    /// This machine's server (started when none runs).
    Local,
    /// A server on another machine, over ssh.
    Remote(crate::client::stdio::Remote),
}

/// The endpoint and key this process would use, for agents the server runs on its behalf.
pub fn local_endpoint(context: &Context, model: Option<&str>) -> (Option<String>, Option<WireKey>) {
    let env = |name: &str| std::env::var(name).ok();
    let settings = crate::model::resolve(env, &context.config.model, model);
    (
        Some(settings.base_url),
        settings.api_key.as_ref().map(WireKey::new),
    )
}

/// Who this client is, for the server.
pub fn client_info(flags: &Flags, kind: ClientKind) -> ClientInfo {
    // A headless client shows no pane; without a terminal, asking would run `tput` twice.
    let (cols, rows) = match kind {
        ClientKind::Headless => (80, 24),
        ClientKind::Workstation => crossterm::terminal::size().unwrap_or((80, 24)),
    };
    let key = std::env::var("SWITCHBOARD_CLIENT_KEY")
        .ok()
        .or_else(|| {
            nix::unistd::ttyname(std::io::stdin())
                .ok()
                .map(|p| p.display().to_string())
        })
        .unwrap_or_else(|| "default".to_owned());
    ClientInfo {
        key,
        pid: std::process::id(),
        cols,
        rows,
        cwd: std::env::current_dir()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        agents: AgentOptions {
            demo: flags.demo,
            model: flags.model.clone(),
            approval: flags.approval,
            base_url: None,
            api_key: None,
            output_schema: None,
            reasoning_effort: None,
        },
        kind,
    }
}

/// Asks the server which session (and cut) the command line names.
async fn resolve(link: &mut Link, lookup: Lookup) -> anyhow::Result<Resolved> {
    let answer = link
        .request(Command::Resolve(lookup), |n| match n {
            Notification::Resolved(answer) => Some(answer),
            _ => None,
        })
        .await?;
    answer.map_err(anyhow::Error::msg)
}

/// What to do right after attaching, checked before the terminal is taken over so a typo gets
/// a plain one-line error.
async fn startup(link: &mut Link, opening: Opening) -> anyhow::Result<Vec<Startup>> {
    Ok(match opening {
        Opening::Plain => Vec::new(),
        Opening::Resume {
            id: None,
            last: false,
        } => vec![Startup::ResumePicker],
        Opening::Resume { id, last } => {
            let found = resolve(
                link,
                Lookup {
                    id,
                    last,
                    ..Lookup::default()
                },
            )
            .await?;
            vec![Startup::Resume(found.session)]
        }
        Opening::Fork { id: None, .. } => vec![Startup::ForkPicker],
        Opening::Fork {
            id: Some(id),
            turn: None,
            at: None,
        } => {
            let found = resolve(
                link,
                Lookup {
                    id: Some(id),
                    ..Lookup::default()
                },
            )
            .await?;
            vec![Startup::ForkTurns(found.session)]
        }
        Opening::Fork { id, turn, at } => {
            let found = resolve(
                link,
                Lookup {
                    id,
                    last: false,
                    turn,
                    at,
                    agents_only: false,
                },
            )
            .await?;
            vec![Startup::Fork {
                session: found.session,
                at: found.at,
            }]
        }
    })
}

pub fn run(
    context: &Context,
    opening: Opening,
    flags: Flags,
    transport: Transport,
) -> anyhow::Result<ExitCode> {
    let keymap = context.config.keymap()?;
    if let Some(empty) = flags.slots.iter().find(|s| s.trim().is_empty()) {
        anyhow::bail!("--slot needs a command (got {empty:?})");
    }
    let mut info = client_info(&flags, ClientKind::Workstation);
    if let Transport::Local = transport {
        // A remote server uses its own machine's endpoint and key: ours never leaves here.
        (info.agents.base_url, info.agents.api_key) =
            local_endpoint(context, flags.model.as_deref());
    }
    let cwd = info.cwd.clone();
    // Found (or started) before the runtime: a blocking connect and, at most, a server start.
    let local = match &transport {
        Transport::Local => Some(crate::client::connect_or_start(context)?),
        Transport::Remote(_) => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let outcome = runtime.block_on(async {
        let (mut link, _ssh) = match (local, &transport) {
            (Some(stream), _) => (Link::local(context, stream, info).await?, None),
            (None, Transport::Remote(remote)) => {
                let child = crate::client::stdio::spawn_remote(remote)?;
                let link = Link::open(child.reader, child.writer, info).await?;
                (link, Some(child.child))
            }
            (None, Transport::Local) => anyhow::bail!("no connection to the server"),
        };
        let mut actions = startup(&mut link, opening).await?;
        // After the ids are checked, so a typo is named even without a terminal.
        if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
            anyhow::bail!(
                "the workstation needs a terminal; for scripts use `switchboard sessions …` or `switchboard render`"
            );
        }
        actions.extend(flags.slots.iter().cloned().map(Startup::OpenPane));
        let options = crate::tui::driver::Options {
            keymap,
            startup: actions,
            cwd,
        };
        crate::tui::driver::run(link, options).await
    })?;
    if let Some(farewell) = outcome.farewell {
        eprintln!("switchboard: {farewell}");
    }
    Ok(ExitCode::SUCCESS)
}
