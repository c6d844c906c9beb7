//! Command-line interface: clap definitions and dispatch. Each subcommand lives in its own
//! file under `cli/`; this file only parses and routes.
//!
//! | module | owns |
//! |---|---|
//! | `cli/workstation.rs` | the workstation (no subcommand, `resume`, `fork`, `attach`) |
//! | `cli/exec.rs`, `cli/exec/` | `exec`: one native turn without the workstation |
//! | `cli/sessions.rs`, `cli/sessions/` | `sessions list/show/export/fork/rm/prune` |
//! | `cli/worktrees.rs` | `worktrees`: the worktrees sessions made, and their state |
//! | `cli/doctor.rs`, `cli/doctor/` | `doctor`: one line per check of the setup |
//! | `cli/server_cmd.rs` | `server [status/stop]`, `attach --stdio`, `detach` |
//! | `cli/maintenance.rs` | `store check/repair/compact` |
//! | `mcp` (crate root) | `mcp`: the MCP server over stdio (`crate::mcp`) |
//! | `cli/render.rs` | `render`: the workstation frame as text |
//! | `cli/debug.rs`, `cli/model_debug.rs` | `debug …`: fixtures, generated docs, the model |

mod debug;
mod doctor;
mod exec;
mod maintenance;
mod model_debug;
mod render;
mod server_cmd;
pub(crate) mod sessions;
pub mod task;
pub mod workstation;
mod worktrees;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::paths::Paths;
use crate::store::Store;

#[derive(Debug, Parser)]
#[command(
    name = "switchboard",
    version,
    about = "A terminal workstation for running many coding-agent sessions at once",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Open a PTY slot running CMD through your shell (repeatable)
    #[arg(long = "slot", value_name = "CMD", global = true)]
    pub slots: Vec<String>,
    /// Agents use the built-in scripted demo provider (no key, no network)
    #[arg(long, global = true)]
    pub demo: bool,
    /// Model for agents (default: config, then gpt-5)
    #[arg(long, global = true)]
    pub model: Option<String>,
    /// When agents ask before running a command: untrusted, on-request or never (default:
    /// on-request; for tasks, `[tasks] approval`)
    // No clap default: `task submit` must see whether it was given.
    #[arg(long, global = true, value_parser = clap::builder::ValueParser::new(exec::parse_policy))]
    pub approval: Option<crate::agent::ApprovalPolicy>,
    /// Keep everything (config, store, logs, worktrees, the server's socket) under DIR
    /// instead of the XDG directories; the same as setting SWITCHBOARD_HOME
    #[arg(long, global = true, value_name = "DIR")]
    pub home: Option<std::path::PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the workstation on a stored session: a picker, the latest one, or one by id
    Resume {
        /// Session id or a unique prefix of it (default: open the picker)
        id: Option<String>,
        /// Resume the most recently updated session
        #[arg(long, conflicts_with = "id")]
        last: bool,
    },
    /// Open the workstation on a fork of a stored session (picker when no id)
    Fork {
        /// Session id or a unique prefix of it (default: open the fork picker)
        id: Option<String>,
        /// Fork after turn N ends
        #[arg(long, requires = "id", conflicts_with = "at")]
        turn: Option<u32>,
        /// Fork after event SEQ
        #[arg(long, requires = "id")]
        at: Option<u64>,
    },
    /// Run one native agent turn without the workstation (Codex's `exec` interface)
    Exec(Box<exec::ExecArgs>),
    /// Attach a workstation to the store's server (started when none runs), here or over ssh
    Attach {
        /// Speak the protocol over stdin/stdout (what `--remote` runs on the other machine)
        #[arg(long, conflicts_with = "remote")]
        stdio: bool,
        /// Attach to the server on `[user@]host` through the system `ssh`
        #[arg(long, value_name = "HOST")]
        remote: Option<String>,
        /// The switchboard binary on the remote host
        #[arg(
            long,
            value_name = "PATH",
            default_value = "switchboard",
            requires = "remote"
        )]
        remote_bin: String,
        /// Extra arguments for ssh (after `--`)
        #[arg(last = true, requires = "remote")]
        ssh_args: Vec<String>,
    },
    /// Detach the windows showing this pane (type it inside a switchboard pane)
    Detach,
    /// Run the store's server in the foreground, or ask the running one
    Server {
        #[command(subcommand)]
        command: Option<server_cmd::ServerCommand>,
        /// Started by a client: detach, report readiness on stdout, leave when idle
        #[arg(long, hide = true)]
        detached: bool,
    },
    /// List, inspect, export and fork stored sessions
    Sessions {
        #[command(subcommand)]
        command: sessions::SessionsCommand,
    },
    /// List the worktrees sessions, forks and slots made: branch, session, state
    Worktrees {
        /// Print a JSON array instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Check the setup: git, shell, terminal, API key, endpoint, store, server, agent CLIs
    Doctor {
        /// Print one JSON object instead of lines
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script: `source <(switchboard completion bash)`
    Completion {
        /// bash, zsh or fish
        #[arg(value_enum)]
        shell: CompletionShell,
    },
    /// Check, repair or compact the store file
    Store {
        #[command(subcommand)]
        command: maintenance::StoreCommand,
    },
    /// Submit, inspect and act on tasks of the board (run by the server)
    Task {
        #[command(subcommand)]
        command: task::TaskCommandLine,
    },
    /// Serve the Model Context Protocol over stdio: MCP clients (Codex, Claude, an IDE) drive
    /// sessions and tasks through the store's server (see docs/MCP.md)
    Mcp,
    /// Print the workstation frame as plain text, without a terminal
    Render {
        /// Frame size as COLSxROWS
        #[arg(long, default_value = "120x40", value_parser = render::parse_size)]
        size: crate::tui::app::Size,
        /// Open this session (id or unique prefix) in a slot
        #[arg(long)]
        session: Option<String>,
        /// Press these keys first, in tmux send-keys notation (e.g. "C-p quit", "M-t", "? Down")
        #[arg(long)]
        keys: Option<String>,
    },
    /// Developer tools: fixtures and diagnostics
    #[command(hide = true)]
    Debug {
        #[command(subcommand)]
        command: debug::DebugCommand,
    },
}

/// The shells `completion` writes scripts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

/// What every command needs: where things live and the parsed config.
pub struct Context {
    pub paths: Paths,
    pub config: Config,
    /// `--home DIR`, when given: passed on as `SWITCHBOARD_HOME` to a server this process
    /// starts, so the server uses the same store.
    pub home: Option<std::path::PathBuf>,
}

impl Context {
    /// Paths from `--home` when given, else from the environment; then the config.
    pub fn from_env(home: Option<std::path::PathBuf>) -> anyhow::Result<Self> {
        let (context, config_error) = Self::lenient(home)?;
        match config_error {
            Some(error) => Err(anyhow::Error::msg(error)),
            None => Ok(context),
        }
    }

    /// [`Self::from_env`], with the defaults in place of a config that does not load, and
    /// why it did not (for `doctor`, which reports it as one of its checks).
    pub fn lenient(home: Option<std::path::PathBuf>) -> anyhow::Result<(Self, Option<String>)> {
        let home = home.map(absolute).transpose()?;
        let paths = match &home {
            Some(home) => Paths::under(home),
            None => Paths::from_env().map_err(anyhow::Error::msg)?,
        };
        let mut tightened = match paths.prepare_private() {
            Ok(tightened) => tightened,
            Err(err) => {
                eprintln!("switchboard: warning: {err}");
                Vec::new()
            }
        };
        let (config, config_error) = match Config::load(&paths.config_file) {
            Ok(config) => (config, None),
            Err(error) => (Config::default(), Some(error)),
        };
        match crate::logging::init(&paths.log_dir) {
            Ok(more) => tightened.extend(more),
            Err(err) => eprintln!("switchboard: warning: {err}"),
        }
        for change in &tightened {
            notice(&change.to_string());
        }
        Ok((
            Self {
                paths,
                config,
                home,
            },
            config_error,
        ))
    }

    /// Opens the store and reconciles it: sessions whose owner process died while they ran
    /// are marked interrupted (every command does this, headless ones included).
    pub fn open_store(&self) -> anyhow::Result<Store> {
        open_and_reconcile(&self.paths, self.config.store_options())
    }

    /// [`Self::open_store`] for async commands: opening reads (and may repair) the file and
    /// reconciling waits for commits, so both run on a blocking thread, never on a thread that
    /// drives the runtime.
    pub async fn open_store_async(&self) -> anyhow::Result<Store> {
        let paths = self.paths.clone();
        let options = self.config.store_options();
        blocking(move || open_and_reconcile(&paths, options)).await
    }
}

/// `--home` relative to the current directory, so a server started elsewhere finds it too.
fn absolute(path: std::path::PathBuf) -> anyhow::Result<std::path::PathBuf> {
    if path.as_os_str().is_empty() {
        anyhow::bail!("--home needs a directory");
    }
    std::path::absolute(&path).map_err(|e| anyhow::anyhow!("--home {}: {e}", path.display()))
}

fn open_and_reconcile(paths: &Paths, options: crate::store::StoreOptions) -> anyhow::Result<Store> {
    let store = Store::open(&paths.store_file, options)?;
    for change in store.tightened() {
        notice(&change.to_string());
    }
    let files = crate::server::ServerFiles::new(&paths.run_dir, &paths.store_file);
    let interrupted = crate::server::lifecycle::reconcile(&store, &files)?;
    if !interrupted.is_empty() {
        tracing::info!(
            count = interrupted.len(),
            "marked sessions of dead owners interrupted"
        );
    }
    Ok(store)
}

/// A one-line notice for the user (stderr, before any terminal takeover) and the log.
fn notice(text: &str) {
    eprintln!("switchboard: note: {text}");
    tracing::warn!("{text}");
}

/// Runs blocking work (store reads and commits, git, file I/O) off the async runtime's
/// threads and waits for it without blocking them.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| anyhow::anyhow!("a background task failed: {e}"))?
}

/// Parses arguments and runs the command; errors become one line on stderr and exit code 1.
pub fn main() -> ExitCode {
    crate::store::install_quiet_hook();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err),
    };
    match run(cli) {
        Ok(code) => code,
        // The reader of our output went away (`… | head`): nothing to report.
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("switchboard: {}", one_line(&err));
            ExitCode::FAILURE
        }
    }
}

/// clap's refusals (an unknown flag, a bad value, a missing argument) in one line like our
/// own errors, its suggestion kept; `--help` and `--version` print as clap renders them.
fn usage_error(err: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        err.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) || err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    {
        let _ = err.print();
        return ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2));
    }
    eprintln!("switchboard: {}", usage_line(&err.render().to_string()));
    ExitCode::from(2)
}

/// The first line of clap's message without its `error: `, then its `tip:`, then where the
/// usage is.
fn usage_line(rendered: &str) -> String {
    let mut lines = rendered.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("bad arguments");
    let mut line = first.strip_prefix("error: ").unwrap_or(first).to_owned();
    if let Some(tip) = lines.find_map(|l| l.strip_prefix("tip: ")) {
        line.push_str("; ");
        line.push_str(tip);
    }
    line.push_str(" (see --help)");
    line
}

fn run(mut cli: Cli) -> anyhow::Result<ExitCode> {
    use workstation::Transport::Local;
    // Neither needs the store or the config: completion runs on every new shell, and doctor
    // reports a broken config as one of its checks.
    match cli.command.take() {
        Some(Command::Completion { shell }) => return completion(shell),
        Some(Command::Doctor { json }) => {
            let (context, config_error) = Context::lenient(cli.home.clone())?;
            return doctor::run(&context, config_error, json);
        }
        other => cli.command = other,
    }
    let context = Context::from_env(cli.home.clone())?;
    match cli.command.take() {
        // Run above, without a context.
        Some(Command::Completion { .. } | Command::Doctor { .. }) => Ok(ExitCode::SUCCESS),
        Some(Command::Worktrees { json }) => worktrees::run(&context, json),
        Some(Command::Exec(args)) => exec::run(&context, *args),
        Some(Command::Sessions { command }) => sessions::run(&context, command),
        Some(Command::Store { command }) => maintenance::run(&context, command),
        Some(Command::Task { command }) => task::run(&context, command),
        Some(Command::Mcp) => {
            let approval = cli.approval.unwrap_or_default();
            let settings =
                crate::mcp::Settings::resolve(&context, cli.demo, cli.model.clone(), approval)?;
            crate::mcp::run(context, settings)
        }
        Some(Command::Debug { command }) => debug::run(&context, command),
        Some(Command::Render {
            size,
            session,
            keys,
        }) => render::run(&context, size, session, keys),
        Some(Command::Resume { id, last }) => {
            let opening = workstation::Opening::Resume { id, last };
            workstation::run(&context, opening, workstation::Flags::from(&cli), Local)
        }
        Some(Command::Fork { id, turn, at }) => {
            let opening = workstation::Opening::Fork { id, turn, at };
            workstation::run(&context, opening, workstation::Flags::from(&cli), Local)
        }
        Some(Command::Attach { stdio: true, .. }) => server_cmd::stdio(&context),
        Some(Command::Attach {
            remote,
            remote_bin,
            ssh_args,
            ..
        }) => {
            let transport = match remote {
                Some(host) => workstation::Transport::Remote(crate::client::stdio::Remote {
                    host,
                    ssh_args,
                    remote_bin,
                }),
                None => Local,
            };
            let flags = workstation::Flags::from(&cli);
            workstation::run(&context, workstation::Opening::Plain, flags, transport)
        }
        Some(Command::Detach) => server_cmd::detach(&context),
        Some(Command::Server {
            command: Some(command),
            ..
        }) => server_cmd::run(&context, command),
        Some(Command::Server {
            command: None,
            detached,
        }) => crate::server::run(
            &context,
            crate::server::ServeOptions {
                detached,
                idle_exit: detached.then_some(crate::server::IDLE_EXIT),
            },
        ),
        None => workstation::run(
            &context,
            workstation::Opening::Plain,
            workstation::Flags::from(&cli),
            Local,
        ),
    }
}

/// Writes the completion script of `shell` for the clap definitions above.
fn completion(shell: CompletionShell) -> anyhow::Result<ExitCode> {
    use clap::CommandFactory;
    use clap_complete::Shell;
    let shell = match shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
    };
    // Into a buffer first: clap_complete panics when its writer fails (`… | head`).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "switchboard", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// An error chain as one line: "outer: inner: root".
pub fn one_line(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = cause.to_string().replace('\n', " ");
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_errors_read_in_one_line() {
        for (args, wanted) in [
            (
                vec!["switchboard", "--bogus"],
                "unexpected argument '--bogus' found",
            ),
            (
                vec!["switchboard", "exec", "--approval", "sometimes", "hi"],
                "unknown approval policy 'sometimes'",
            ),
            (
                vec!["switchboard", "sesions"],
                "unrecognized subcommand 'sesions'; a similar subcommand exists: 'sessions'",
            ),
        ] {
            let err = Cli::try_parse_from(&args).unwrap_err();
            let line = usage_line(&err.render().to_string());
            assert!(!line.contains('\n'), "{line}");
            assert!(line.ends_with("(see --help)"), "{line}");
            assert!(line.contains(wanted), "{args:?}: {line}");
        }
    }
}
