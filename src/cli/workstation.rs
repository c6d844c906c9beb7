//! `switchboard`, `switchboard resume` and `switchboard fork`: the full-screen workstation,
//! optionally opening on a picker or a session.

use std::io::IsTerminal;
use std::process::ExitCode;

use super::Context;
use super::sessions::Cut;
use crate::agent::AgentConfig;
use crate::model::scripted::{DEMO_KEY, Scenario, ScriptedProvider};
use crate::model::{ModelSettings, ResponsesClient};
use crate::store::Store;
use crate::tui::core::Core;
use crate::tui::core::ModelSetup;
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
            approval: cli.approval,
        }
    }
}

/// What agents will talk to: the configured endpoint, or — with `--demo`, or when no key is
/// set — the built-in scripted provider, clearly labelled. The provider lives as long as the
/// returned guard.
async fn model_setup(
    context: &Context,
    flags: &Flags,
) -> anyhow::Result<(ModelSetup, Option<ScriptedProvider>)> {
    let env = |name: &str| std::env::var(name).ok();
    let settings = crate::model::resolve(env, &context.config.model, flags.model.as_deref());
    let (client, label, provider) = match (flags.demo, ResponsesClient::new(settings.clone())) {
        (false, Ok(client)) => (client, settings.model.clone(), None),
        (demo, _) => {
            let provider = ScriptedProvider::start(Scenario::demo()).await?;
            let client = ResponsesClient::new(ModelSettings::local(provider.base_url(), DEMO_KEY))?;
            let label = if demo {
                "demo provider (scripted, --demo)".to_owned()
            } else {
                format!("demo provider: no {} set", settings.key_var)
            };
            (client, label, Some(provider))
        }
    };
    let mut config = AgentConfig::new(client);
    config.policy = flags.approval;
    Ok((ModelSetup { config, label }, provider))
}

/// Checks ids before the terminal is taken over, so a typo gets a plain one-line error.
fn startup(store: &Store, opening: Opening) -> anyhow::Result<Vec<Startup>> {
    Ok(match opening {
        Opening::Plain => Vec::new(),
        Opening::Resume {
            id: None,
            last: false,
        } => vec![Startup::ResumePicker],
        Opening::Resume {
            id: None,
            last: true,
        } => {
            let latest = store
                .sessions()?
                .into_iter()
                .max_by_key(|meta| meta.updated_at)
                .ok_or_else(|| anyhow::anyhow!("there is no session to resume yet"))?;
            vec![Startup::Resume(latest.id)]
        }
        Opening::Resume { id: Some(id), .. } => vec![Startup::Resume(store.resolve(&id)?)],
        Opening::Fork { id: None, .. } => vec![Startup::ForkPicker],
        Opening::Fork {
            id: Some(id),
            turn: None,
            at: None,
        } => vec![Startup::ForkTurns(store.resolve(&id)?)],
        Opening::Fork {
            id: Some(id),
            turn,
            at,
        } => {
            let session = store.resolve(&id)?;
            let at = Cut::from_args(at, turn).resolve(store, session)?;
            if let Some(at) = at {
                let last = store.meta(session)?.last_seq;
                anyhow::ensure!(
                    at.0 >= 1 && at <= last,
                    "session {session} has no event {at} (its last is {last})"
                );
            }
            vec![Startup::Fork { session, at }]
        }
    })
}

pub fn run(context: &Context, opening: Opening, flags: Flags) -> anyhow::Result<ExitCode> {
    let slots = flags.slots.clone();
    let leader = context.config.leader().map_err(anyhow::Error::msg)?;
    if let Some(empty) = slots.iter().find(|s| s.trim().is_empty()) {
        anyhow::bail!("--slot needs a command (got {empty:?})");
    }
    let store = context.open_store()?;
    let core_probe = store.clone();
    let mut actions: Vec<Startup> = core_probe
        .open_slots()?
        .into_iter()
        .filter_map(|id| store.meta(id).ok())
        .filter(|meta| meta.status != crate::session::SessionStatus::Closed)
        .map(|meta| Startup::Restore {
            session: meta.id,
            kind: meta.kind,
        })
        .collect();
    actions.extend(startup(&store, opening)?);
    actions.extend(slots.into_iter().map(Startup::OpenPane));
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        anyhow::bail!(
            "the workstation needs a terminal; for scripts use `switchboard sessions …` or `switchboard render`"
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let options = crate::tui::driver::Options {
        leader,
        activity: crate::pty::ActivityPolicy {
            idle_after: std::time::Duration::from_secs(context.config.pty.idle_after_secs.max(1)),
            ..Default::default()
        },
        startup: actions,
    };
    let scrollback = context.config.pty.scrollback_lines;
    runtime.block_on(async {
        let (model, _provider) = model_setup(context, &flags).await?;
        let core = Core::new(
            store,
            crate::tui::core::CoreOptions {
                scrollback_lines: scrollback,
                worktrees_dir: context.paths.worktrees_dir.clone(),
                model: Some(model),
            },
        );
        let result = crate::tui::driver::run(core.clone(), options).await;
        core.shutdown();
        result.map(|_| ExitCode::SUCCESS)
    })
}
