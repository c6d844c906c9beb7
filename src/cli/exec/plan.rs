//! From the command line to one checked [`Plan`]: Codex's flags and `-c key=value` settings
//! mapped onto switchboard's, and everything switchboard cannot honour refused with one line
//! ([`ExecError`]) before anything starts. Pure except for reading `--output-schema` and
//! checking that `--add-dir` directories exist.

use std::path::PathBuf;

use super::args::{ExecArgs, ExecCommand, RefusedFlags};
use super::schema::OutputSchema;
use crate::agent::ApprovalPolicy;

/// What `exec` prints on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputMode {
    /// The final answer only; progress and the session id on stderr.
    Human,
    /// Codex's exec JSON Lines (`--json`, `--experimental-json`).
    Codex,
    /// switchboard's fine-grained event lines (`--events`).
    Events,
}

/// Which session the turn belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    New,
    /// An id or a unique prefix of one.
    Session(String),
    /// The most recently active native session.
    Last,
}

/// Where the prompt comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptSource {
    Text(String),
    Stdin,
}

/// Everything `exec` was asked to do, checked.
#[derive(Debug, Clone)]
pub struct Plan {
    pub output: OutputMode,
    pub target: Target,
    pub prompt: PromptSource,
    pub model: Option<String>,
    pub approval: ApprovalPolicy,
    /// `-c openai_base_url=…`: wins over `OPENAI_BASE_URL` and the config.
    pub base_url: Option<String>,
    pub reasoning_effort: Option<String>,
    pub output_schema: Option<OutputSchema>,
    pub output_last_message: Option<PathBuf>,
    pub demo: bool,
    pub worktree: bool,
    pub cd: Option<PathBuf>,
    pub skip_git_repo_check: bool,
    /// `--thread-source`: metadata, logged with the session id.
    pub thread_source: Option<String>,
}

/// Why `exec` refuses to start; each is one line.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("{flag} is not supported by switchboard exec: {why}")]
    Unsupported { flag: String, why: String },
    #[error("-c {key}: {why}")]
    Setting { key: String, why: String },
    #[error(
        "--sandbox {mode}: switchboard has no sandbox to enforce it, and commands run \
         unconfined; use --sandbox danger-full-access to accept that, or leave --sandbox out \
         (commands outside the known-safe list are then denied)"
    )]
    Sandbox { mode: String },
    #[error("--sandbox {0}: unknown mode (read-only, workspace-write or danger-full-access)")]
    UnknownSandbox(String),
    #[error("{0}")]
    Usage(String),
    #[error("{flag} {path}: {why}")]
    Path {
        flag: &'static str,
        path: String,
        why: String,
    },
}

fn unsupported(flag: &str, why: &str) -> ExecError {
    ExecError::Unsupported {
        flag: flag.to_owned(),
        why: why.to_owned(),
    }
}

/// Settings `-c` understands, for the refusal of the others.
const KNOWN_SETTINGS: &str = "model, openai_base_url, approval_policy, sandbox_mode, \
    model_reasoning_effort, web_search, sandbox_workspace_write.network_access";

impl Plan {
    pub fn from_args(args: ExecArgs) -> Result<Self, ExecError> {
        let ExecArgs {
            command,
            prompt,
            flags,
        } = args;
        refuse_codex_only(&flags.refused)?;
        let (target, prompt) = target_and_prompt(command, prompt, flags.session, flags.last)?;
        if flags.worktree && target != Target::New {
            return Err(ExecError::Usage(
                "--worktree starts a new session; it cannot continue one".into(),
            ));
        }
        let settings = Settings::parse(&flags.config)?;
        for mode in settings.sandbox.iter().chain(flags.sandbox.iter()) {
            check_sandbox(mode)?;
        }
        let approval = if flags.dangerously_bypass_approvals_and_sandbox {
            ApprovalPolicy::Never
        } else if let Some(approval) = flags.approval {
            approval
        } else if flags.full_auto {
            // Codex's --full-auto is "-a on-request" inside a workspace-write sandbox; the
            // approval half maps as is, and without a sandbox nothing more is allowed.
            ApprovalPolicy::OnRequest
        } else {
            settings.approval.unwrap_or_default()
        };
        for dir in &flags.add_dir {
            if !dir.is_dir() {
                return Err(ExecError::Path {
                    flag: "--add-dir",
                    path: dir.display().to_string(),
                    why: "not a directory".into(),
                });
            }
        }
        if let Some(color) = &flags.color
            && !["always", "never", "auto"].contains(&color.as_str())
        {
            return Err(ExecError::Usage(format!(
                "--color {color}: use always, never or auto"
            )));
        }
        let output_schema = flags
            .output_schema
            .as_deref()
            .map(OutputSchema::load)
            .transpose()?;
        let output = match (flags.json, flags.events) {
            (true, _) => OutputMode::Codex,
            (false, true) => OutputMode::Events,
            (false, false) => OutputMode::Human,
        };
        Ok(Self {
            output,
            target,
            prompt,
            model: flags.model.or(settings.model),
            approval,
            base_url: settings.base_url,
            reasoning_effort: settings.reasoning_effort,
            output_schema,
            output_last_message: flags.output_last_message,
            demo: flags.demo,
            worktree: flags.worktree,
            cd: flags.cd,
            skip_git_repo_check: flags.skip_git_repo_check,
            thread_source: flags.thread_source.filter(|s| !s.trim().is_empty()),
        })
    }
}

fn refuse_codex_only(refused: &RefusedFlags) -> Result<(), ExecError> {
    if !refused.image.is_empty() {
        return Err(unsupported(
            "--image",
            "prompts are text only; attaching images is not supported yet",
        ));
    }
    if refused.cyber_access_program.is_some() {
        return Err(unsupported(
            "--cyber-access-program",
            "it selects a program of OpenAI's built-in provider, which switchboard does not use",
        ));
    }
    if refused.profile.is_some() {
        return Err(unsupported(
            "--profile",
            "switchboard has no config profiles; use -c key=value or config.toml",
        ));
    }
    if refused.oss || refused.local_provider.is_some() {
        return Err(unsupported(
            "--oss",
            "local providers are reached with -c openai_base_url=URL",
        ));
    }
    if refused.ephemeral {
        return Err(unsupported(
            "--ephemeral",
            "every session is kept in the event store",
        ));
    }
    if refused.ignore_user_config {
        return Err(unsupported(
            "--ignore-user-config",
            "a running server applies config.toml to every turn",
        ));
    }
    if refused.not_so_yolo {
        return Err(unsupported(
            "--not-so-yolo",
            "switchboard has no automatic reviewer of approvals",
        ));
    }
    Ok(())
}

/// `PROMPT`, `resume ID [PROMPT]`, `resume --last [PROMPT]`, `--session ID`, `--last`.
fn target_and_prompt(
    command: Option<ExecCommand>,
    prompt: Option<String>,
    session: Option<String>,
    last: bool,
) -> Result<(Target, PromptSource), ExecError> {
    let source = |prompt: Option<String>| match prompt {
        None => PromptSource::Stdin,
        Some(text) if text == "-" => PromptSource::Stdin,
        Some(text) => PromptSource::Text(text),
    };
    match command {
        None => {
            let target = match (session, last) {
                (Some(id), _) => Target::Session(id),
                (None, true) => Target::Last,
                (None, false) => Target::New,
            };
            Ok((target, source(prompt)))
        }
        Some(ExecCommand::Review { .. }) => Err(unsupported(
            "exec review",
            "ask for a review in the prompt instead",
        )),
        Some(ExecCommand::Resume(resume)) => {
            if prompt.is_some() || session.is_some() || last {
                return Err(ExecError::Usage(
                    "with `resume`, give the session and the prompt after it: \
                     exec resume SESSION_ID [PROMPT] or exec resume --last [PROMPT]"
                        .into(),
                ));
            }
            // As Codex: with --last and one positional, that positional is the prompt.
            match (resume.last, resume.session_id, resume.prompt) {
                (true, first, None) => Ok((Target::Last, source(first))),
                (true, Some(_), Some(_)) => {
                    Err(ExecError::Usage("resume --last takes no SESSION_ID".into()))
                }
                (false, Some(id), prompt) => Ok((Target::Session(id), source(prompt))),
                (_, None, _) => Err(ExecError::Usage(
                    "resume needs a SESSION_ID or --last".into(),
                )),
            }
        }
    }
}

fn check_sandbox(mode: &str) -> Result<(), ExecError> {
    match mode {
        "danger-full-access" => Ok(()),
        "read-only" | "workspace-write" => Err(ExecError::Sandbox {
            mode: mode.to_owned(),
        }),
        other => Err(ExecError::UnknownSandbox(other.to_owned())),
    }
}

/// The `-c key=value` settings switchboard understands.
#[derive(Debug, Default, PartialEq)]
struct Settings {
    model: Option<String>,
    base_url: Option<String>,
    approval: Option<ApprovalPolicy>,
    sandbox: Option<String>,
    reasoning_effort: Option<String>,
}

impl Settings {
    fn parse(raw: &[String]) -> Result<Self, ExecError> {
        let mut settings = Self::default();
        for item in raw {
            let (key, value) = split_setting(item)?;
            let bad = |why: &str| ExecError::Setting {
                key: key.clone(),
                why: why.to_owned(),
            };
            match key.as_str() {
                "model" => {
                    settings.model = Some(text(&value).ok_or_else(|| bad("expected a name"))?)
                }
                "openai_base_url" => {
                    let url = text(&value).ok_or_else(|| bad("expected a URL"))?;
                    if !(url.starts_with("http://") || url.starts_with("https://")) {
                        return Err(bad("expected an http:// or https:// URL"));
                    }
                    settings.base_url = Some(url);
                }
                "approval_policy" => {
                    let policy = text(&value).ok_or_else(|| bad("expected a policy"))?;
                    settings.approval = Some(match policy.as_str() {
                        "on-failure" => {
                            return Err(bad(
                                "on-failure retries a command outside a sandbox after it failed \
                             inside one; switchboard has no sandbox (use untrusted, on-request \
                             or never)",
                            ));
                        }
                        other => other.parse().map_err(|e: String| bad(&e))?,
                    });
                }
                "sandbox_mode" => {
                    settings.sandbox = Some(text(&value).ok_or_else(|| bad("expected a mode"))?);
                }
                "model_reasoning_effort" => {
                    let effort = text(&value).ok_or_else(|| bad("expected an effort"))?;
                    if !effort
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '_' || c == '-')
                    {
                        return Err(bad("expected an effort such as low, medium or high"));
                    }
                    settings.reasoning_effort = Some(effort);
                }
                "web_search" => match text(&value).as_deref() {
                    // There is no web search tool: disabled is what the model gets anyway.
                    Some("disabled") => {}
                    _ => return Err(bad("switchboard's agent has no web search tool")),
                },
                "sandbox_workspace_write.network_access" => match value {
                    // Nothing confines commands, so they have the network.
                    toml::Value::Boolean(true) => {}
                    toml::Value::Boolean(false) => {
                        return Err(bad(
                            "switchboard has no sandbox to cut commands off the network",
                        ));
                    }
                    _ => return Err(bad("expected true or false")),
                },
                _ => {
                    return Err(bad(&format!(
                        "not a setting switchboard knows (it understands {KNOWN_SETTINGS})"
                    )));
                }
            }
        }
        Ok(settings)
    }
}

/// `key=value`, the value parsed as TOML (as Codex does), else taken as a bare string.
fn split_setting(item: &str) -> Result<(String, toml::Value), ExecError> {
    let Some((key, raw)) = item.split_once('=') else {
        return Err(ExecError::Usage(format!("-c {item}: expected key=value")));
    };
    let key = key.trim().to_owned();
    if key.is_empty() {
        return Err(ExecError::Usage(format!("-c {item}: the key is empty")));
    }
    let raw = raw.trim();
    let value = toml::from_str::<toml::Table>(&format!("v = {raw}"))
        .ok()
        .and_then(|mut table| table.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.trim_matches(['"', '\'']).to_owned()));
    Ok((key, value))
}

fn text(value: &toml::Value) -> Option<String> {
    value
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests;
