//! The command line of `switchboard exec`: switchboard's own flags and Codex's `exec` flags
//! with the same names. Flags that may also follow `resume` (where Codex accepts them, and
//! where the Codex SDK puts `--image`) are global. Codex flags switchboard cannot honour are
//! still parsed, so [`super::plan`] refuses them with one clear line instead of clap's usage
//! dump; `docs/EXEC.md` has the table. Flags that share a name with a top-level flag get their
//! own id: clap hands a global's value between parent and subcommand by id, and the top-level
//! `--approval` default would otherwise reach exec as if given.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::agent::ApprovalPolicy;

#[derive(Debug, Args)]
#[command(
    override_usage = "switchboard exec [OPTIONS] [PROMPT]\n       switchboard exec [OPTIONS] resume [SESSION_ID] [PROMPT]"
)]
pub struct ExecArgs {
    #[command(subcommand)]
    pub command: Option<ExecCommand>,
    /// What to ask; without it, or with `-`, the prompt is read from stdin
    pub prompt: Option<String>,
    #[command(flatten)]
    pub flags: ExecFlags,
}

#[derive(Debug, Subcommand)]
pub enum ExecCommand {
    /// Continue a stored session (by id, or the latest with --last) with one more turn
    Resume(ResumeArgs),
    /// Codex's code review mode (not supported; refused with a message)
    #[command(hide = true)]
    Review {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
        rest: Vec<String>,
    },
}

#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// Session id or a unique prefix of it (with --last: the prompt)
    pub session_id: Option<String>,
    /// Continue the most recently active native session
    #[arg(long)]
    pub last: bool,
    /// Accepted for Codex compatibility: --last already looks at every directory
    #[arg(long)]
    pub all: bool,
    /// What to ask; without it, or with `-`, the prompt is read from stdin
    pub prompt: Option<String>,
}

/// Every flag of `exec`, before or after `resume`.
#[derive(Debug, Args)]
pub struct ExecFlags {
    /// Print Codex's exec events as JSON Lines (thread.started, turn.*, item.*)
    #[arg(
        long,
        alias = "experimental-json",
        global = true,
        conflicts_with = "events"
    )]
    pub json: bool,
    /// Print switchboard's fine-grained event stream as JSON Lines (every delta, with seqs)
    #[arg(long, global = true)]
    pub events: bool,
    /// Model to use instead of the configured one
    #[arg(
        id = "model",
        short = 'm',
        long = "model",
        value_name = "MODEL",
        global = true
    )]
    pub model: Option<String>,
    /// When to ask before running a command: untrusted, on-request (default) or never. exec
    /// cannot ask, so a command that would need approval is denied (except with `never`)
    #[arg(id = "approval", long = "approval", value_name = "POLICY", global = true, value_parser = clap::builder::ValueParser::new(super::parse_policy))]
    pub approval: Option<ApprovalPolicy>,
    /// Codex's automatic mode, mapped to --approval on-request (no sandbox is implied)
    #[arg(long, global = true, conflicts_with_all = ["dangerously_bypass_approvals_and_sandbox", "approval"])]
    pub full_auto: bool,
    /// Run every command without asking: --approval never (switchboard has no sandbox)
    #[arg(long, alias = "yolo", global = true, conflicts_with = "approval")]
    pub dangerously_bypass_approvals_and_sandbox: bool,
    /// Sandbox mode: only danger-full-access (no sandbox) is accepted; the others are refused
    #[arg(short = 's', long, value_name = "MODE", global = true)]
    pub sandbox: Option<String>,
    /// Work in DIR (the session's directory and where the repository check looks)
    #[arg(short = 'C', long = "cd", value_name = "DIR", global = true)]
    pub cd: Option<PathBuf>,
    /// Run outside a git repository
    #[arg(long, global = true)]
    pub skip_git_repo_check: bool,
    /// Also write the final answer to FILE
    #[arg(short = 'o', long, value_name = "FILE", global = true)]
    pub output_last_message: Option<PathBuf>,
    /// A JSON Schema the final answer must match (sent as strict structured output)
    #[arg(long, value_name = "FILE", global = true)]
    pub output_schema: Option<PathBuf>,
    /// Override a setting: model, openai_base_url, approval_policy, sandbox_mode,
    /// model_reasoning_effort, web_search, sandbox_workspace_write.network_access
    #[arg(short = 'c', long = "config", value_name = "key=value", global = true)]
    pub config: Vec<String>,
    /// Another directory the work may write to (nothing confines writes; must exist)
    #[arg(long, value_name = "DIR", global = true)]
    pub add_dir: Vec<PathBuf>,
    /// Where the thread comes from (metadata: logged, changes nothing)
    #[arg(long, value_name = "SOURCE", global = true)]
    pub thread_source: Option<String>,
    /// Colour of the output: always, never or auto (exec output is never coloured)
    #[arg(long, value_name = "WHEN", global = true)]
    pub color: Option<String>,
    /// Accepted for Codex compatibility: switchboard reads no execpolicy rule files
    #[arg(long, global = true, hide = true)]
    pub ignore_rules: bool,
    /// Use the built-in scripted demo provider (no key, no network)
    #[arg(id = "demo", long = "demo", global = true)]
    pub demo: bool,
    /// Run in a new git worktree and branch of the current repository (snapshot per turn)
    #[arg(long, conflicts_with_all = ["session", "last"])]
    pub worktree: bool,
    /// Continue this native session (id or unique prefix); `resume ID` says the same
    #[arg(long, value_name = "ID", conflicts_with = "last")]
    pub session: Option<String>,
    /// Continue the most recently active native session; `resume --last` says the same
    #[arg(long)]
    pub last: bool,
    #[command(flatten)]
    pub refused: RefusedFlags,
}

/// Codex flags switchboard cannot honour yet: parsed only to be refused by name.
#[derive(Debug, Args)]
pub struct RefusedFlags {
    #[arg(short = 'i', long, value_name = "FILE", global = true, hide = true)]
    pub image: Vec<PathBuf>,
    #[arg(long, value_name = "PROGRAM", global = true, hide = true)]
    pub cyber_access_program: Option<String>,
    #[arg(short = 'p', long, value_name = "NAME", global = true, hide = true)]
    pub profile: Option<String>,
    #[arg(long, global = true, hide = true)]
    pub oss: bool,
    #[arg(long, value_name = "NAME", global = true, hide = true)]
    pub local_provider: Option<String>,
    #[arg(long, global = true, hide = true)]
    pub ephemeral: bool,
    #[arg(long, global = true, hide = true)]
    pub ignore_user_config: bool,
    #[arg(long, global = true, hide = true)]
    pub not_so_yolo: bool,
}
