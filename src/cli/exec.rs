//! `switchboard exec`: one native turn without the workstation. The session is stored like
//! any other (resumable, exportable, continued with `--session`/`--last`); nobody is there to
//! approve, so a command that would need approval is denied unless `--approval never`.

mod json;
mod server;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use super::Context;
use crate::agent::{Agent, AgentConfig, AgentUpdate, ApprovalPolicy};
use crate::event::{Decider, Event, EventKind, TurnOutcome};
use crate::ids::SessionId;
use crate::model::scripted::{DEMO_KEY, Scenario, ScriptedProvider};
use crate::model::{ModelSettings, ResponsesClient, ShellArgs};
use crate::store::Store;
use json::JsonLines;

/// Exit status of a turn that failed (the model, the endpoint, the store).
const EXIT_FAILED: u8 = 1;
/// Exit status after Ctrl+C interrupted the turn (128 + SIGINT, as shells report it).
const EXIT_INTERRUPTED: u8 = 130;

/// Added to the reason a command needed approval; the model reads it after `denied: `.
pub(super) const UNATTENDED: &str = "nobody can approve commands in `switchboard exec`; \
                          rerun with --approval never to allow them";

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// What to ask; `-` reads the prompt from stdin
    pub prompt: String,
    /// Print one JSON object per line for each event instead of the final answer
    #[arg(long)]
    pub json: bool,
    /// Model to use instead of the configured one
    #[arg(long)]
    pub model: Option<String>,
    /// When to ask before running a command: untrusted, on-request or never. exec cannot ask,
    /// so a command that would need approval is denied (except with `never`)
    #[arg(long, default_value = "on-request", value_parser = clap::builder::ValueParser::new(parse_policy))]
    pub approval: ApprovalPolicy,
    /// Also write the final answer to FILE
    #[arg(long, value_name = "FILE")]
    pub output_last_message: Option<PathBuf>,
    /// Use the built-in scripted demo provider (no key, no network)
    #[arg(long)]
    pub demo: bool,
    /// Run in a new git worktree and branch of the current repository (snapshot per turn)
    #[arg(long, conflicts_with_all = ["session", "last"])]
    pub worktree: bool,
    /// Continue this native session (id or unique prefix)
    #[arg(long, value_name = "ID", conflicts_with = "last")]
    pub session: Option<String>,
    /// Continue the most recently active native session
    #[arg(long)]
    pub last: bool,
}

pub fn parse_policy(text: &str) -> Result<ApprovalPolicy, String> {
    text.parse()
}

pub fn run(context: &Context, args: ExecArgs) -> anyhow::Result<ExitCode> {
    let prompt = read_prompt(&args.prompt)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(exec(context, args, prompt))
}

fn read_prompt(arg: &str) -> anyhow::Result<String> {
    let prompt = if arg == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| anyhow::anyhow!("cannot read the prompt from stdin: {e}"))?;
        text
    } else {
        arg.to_owned()
    };
    let prompt = prompt.trim().to_owned();
    if prompt.is_empty() {
        anyhow::bail!("the prompt is empty");
    }
    Ok(prompt)
}

async fn exec(context: &Context, args: ExecArgs, prompt: String) -> anyhow::Result<ExitCode> {
    // One process drives a session: with a server running, the turn runs there (and shows
    // live in a window that has the session open).
    if let Some(stream) = crate::client::connect_existing(context)? {
        return server::exec(context, stream, &args, prompt).await;
    }
    // The provider must outlive the turn; it stops when dropped at the end.
    let (settings, _provider) = if args.demo {
        let provider = ScriptedProvider::start(Scenario::demo()).await?;
        let settings = ModelSettings::local(provider.base_url(), DEMO_KEY);
        (settings, Some(provider))
    } else {
        let env = |name: &str| std::env::var(name).ok();
        let settings = crate::model::resolve(env, &context.config.model, args.model.as_deref());
        (settings, None)
    };
    // Before the store is touched: without a key nothing is created.
    let client = ResponsesClient::new(settings)?;
    let store = context.open_store_async().await?;
    let mut config = AgentConfig::new(client);
    config.compact_at = context.config.model.compact_at();
    config.policy = args.approval;
    if args.approval != ApprovalPolicy::Never {
        config.unattended = Some(UNATTENDED.to_owned());
    }
    let agent = open_agent(context, &store, config, &args).await?;
    let session = agent.session();
    let mut out = std::io::stdout().lock();
    if args.json {
        let line = session_line(
            session,
            &agent.directory().display().to_string(),
            agent.state().worktree.as_ref(),
            args.session.is_some() || args.last,
        );
        writeln!(out, "{line}")?;
        out.flush()?;
    }
    drop(out);

    let mut running = agent.spawn();
    running.handle.submit(prompt)?;
    let mut printer = Printer::new(args.json);
    let mut interrupted = false;
    let finished = loop {
        let update = tokio::select! {
            update = running.updates.recv() => update,
            _ = tokio::signal::ctrl_c(), if !interrupted => {
                interrupted = true;
                let _ = running.handle.interrupt();
                continue;
            }
        };
        match update {
            Some(AgentUpdate::TurnFinished {
                outcome,
                error,
                final_message,
                ..
            }) => break (outcome, error, final_message),
            Some(AgentUpdate::Event(event)) => printer.event(&event)?,
            Some(AgentUpdate::ApprovalNeeded { call_id, .. }) => {
                // Cannot happen (exec is unattended or runs everything), but never hang.
                let _ = running.handle.decide(
                    call_id,
                    crate::agent::ApprovalDecision::Deny {
                        reason: Some(UNATTENDED.to_owned()),
                    },
                );
            }
            None => anyhow::bail!("the agent stopped before the turn ended"),
        }
    };
    drop(running.handle);
    let _ = running.task.await;
    let (outcome, error, final_message) = finished;
    finish(&args, session, outcome, error, final_message).await
}

/// Writes the answer where it was asked for and turns the outcome into the exit status.
async fn finish(
    args: &ExecArgs,
    session: SessionId,
    outcome: TurnOutcome,
    error: Option<String>,
    final_message: Option<String>,
) -> anyhow::Result<ExitCode> {
    if let (Some(path), Some(message)) = (args.output_last_message.clone(), &final_message) {
        let text = format!("{message}\n");
        super::blocking(move || {
            std::fs::write(&path, text)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
        })
        .await?;
    }
    match outcome {
        TurnOutcome::Completed | TurnOutcome::Other => {
            if !args.json
                && let Some(message) = &final_message
            {
                let mut out = std::io::stdout().lock();
                writeln!(out, "{message}")?;
                out.flush()?;
            }
            Ok(ExitCode::SUCCESS)
        }
        TurnOutcome::Interrupted => {
            eprintln!("switchboard: interrupted (session {session})");
            Ok(ExitCode::from(EXIT_INTERRUPTED))
        }
        TurnOutcome::Failed => {
            let error = error.unwrap_or_else(|| "the turn failed".to_owned());
            eprintln!("switchboard: {}", error.replace('\n', " "));
            Ok(ExitCode::from(EXIT_FAILED))
        }
    }
}

/// The first line of `--json`: which session, where.
fn session_line(
    session: SessionId,
    cwd: &str,
    worktree: Option<&crate::event::SessionWorktree>,
    resumed: bool,
) -> serde_json::Value {
    serde_json::json!({
        "type": "session",
        "session": session.to_string(),
        "cwd": cwd,
        "worktree": worktree.map(|w| &w.path),
        "branch": worktree.map(|w| &w.branch),
        "resumed": resumed,
    })
}

/// A new session (in a new worktree with `--worktree`) or the one to continue.
async fn open_agent(
    context: &Context,
    store: &Store,
    config: AgentConfig,
    args: &ExecArgs,
) -> anyhow::Result<Agent> {
    // Store reads and git run on a blocking thread: this runtime has one thread, which also
    // serves the demo provider.
    let reader = store.clone();
    let (session, last) = (args.session.clone(), args.last);
    let continued = super::blocking(move || {
        Ok(match (session, last) {
            (Some(id), _) => Some(reader.resolve(&id)?),
            (None, true) => Some(last_agent_session(&reader)?),
            (None, false) => None,
        })
    })
    .await?;
    if let Some(id) = continued {
        return Ok(Agent::resume(store.clone(), id, config).await?);
    }
    let cwd = std::env::current_dir()?;
    if !args.worktree {
        return Ok(Agent::create(store.clone(), config, &cwd, None, None).await?);
    }
    let worktrees = context.paths.worktrees_dir.clone();
    let worktree = super::blocking(move || {
        let repo = crate::workspace::repo_root(&cwd)?.ok_or_else(|| {
            anyhow::anyhow!(
                "--worktree needs a git repository; {} is not in one",
                cwd.display()
            )
        })?;
        // The random tail of a fresh id keeps branch names unique across runs.
        let id = SessionId::new().to_string();
        let name = format!("exec-{}", &id[id.len() - 12..]);
        Ok(crate::workspace::create(&repo, &worktrees, &name)?)
    })
    .await?;
    Ok(Agent::create(store.clone(), config, &worktree.path, Some(&worktree), None).await?)
}

/// The native session that was active most recently.
fn last_agent_session(store: &Store) -> anyhow::Result<SessionId> {
    store
        .sessions()?
        .into_iter()
        .filter(|meta| meta.kind == crate::event::SessionKind::Agent)
        .max_by_key(|meta| meta.updated_at)
        .map(|meta| meta.id)
        .ok_or_else(|| anyhow::anyhow!("no native agent session to continue yet"))
}

/// What `exec` prints while the turn runs.
pub(super) struct Printer {
    json: Option<JsonLines>,
    /// Commands of requested calls, to name them when they are denied.
    commands: HashMap<String, String>,
}

impl Printer {
    pub(super) fn new(json: bool) -> Self {
        Self {
            json: json.then(JsonLines::default),
            commands: HashMap::new(),
        }
    }

    pub(super) fn event(&mut self, event: &Event) -> anyhow::Result<()> {
        match &event.kind {
            EventKind::ToolRequested(requested) => {
                if let Ok(args) = ShellArgs::parse(&requested.arguments) {
                    self.commands
                        .insert(requested.call_id.clone(), args.command);
                }
            }
            EventKind::ToolDenied(denied) if denied.by == Decider::Policy => {
                let command = self
                    .commands
                    .get(&denied.call_id)
                    .map(String::as_str)
                    .unwrap_or("?");
                let reason = denied.reason.as_deref().unwrap_or("not allowed");
                eprintln!("switchboard: denied `{command}`: {reason}");
            }
            // `--json` has its own line for it.
            EventKind::ConversationCompacted(compacted) if self.json.is_none() => {
                eprintln!(
                    "switchboard: conversation compacted: the model now gets a summary of the ~{} tokens so far (the session keeps all of it)",
                    crate::text::thousands(compacted.tokens_before)
                );
            }
            _ => {}
        }
        if let Some(lines) = &mut self.json
            && let Some(line) = lines.line(event)
        {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{line}")?;
            out.flush()?;
        }
        Ok(())
    }
}
