//! Command-line interface: clap definitions and dispatch. Each subcommand lives in its own
//! file under `cli/`; this file only parses and routes.

mod debug;
mod exec;
mod model_debug;
mod render;
mod server_cmd;
pub(crate) mod sessions;
pub mod workstation;

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
    #[arg(long = "slot", value_name = "CMD")]
    pub slots: Vec<String>,
    /// Agents use the built-in scripted demo provider (no key, no network)
    #[arg(long)]
    pub demo: bool,
    /// Model for agents (default: config, then gpt-5)
    #[arg(long)]
    pub model: Option<String>,
    /// When agents ask before running a command: untrusted, on-request or never
    #[arg(long, default_value = "on-request", value_parser = clap::builder::ValueParser::new(exec::parse_policy))]
    pub approval: crate::agent::ApprovalPolicy,
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
    /// Print the workstation frame as plain text, without a terminal
    Render {
        /// Frame size as COLSxROWS
        #[arg(long, default_value = "120x40", value_parser = render::parse_size)]
        size: crate::tui::app::Size,
        /// Open this session (id or unique prefix) in a slot
        #[arg(long)]
        session: Option<String>,
    },
    /// Developer tools: fixtures and diagnostics
    #[command(hide = true)]
    Debug {
        #[command(subcommand)]
        command: debug::DebugCommand,
    },
}

/// What every command needs: where things live and the parsed config.
pub struct Context {
    pub paths: Paths,
    pub config: Config,
}

impl Context {
    pub fn from_env() -> anyhow::Result<Self> {
        let paths = Paths::from_env().map_err(anyhow::Error::msg)?;
        let config = Config::load(&paths.config_file).map_err(anyhow::Error::msg)?;
        if let Err(err) = crate::logging::init(&paths.log_dir) {
            eprintln!("switchboard: warning: {err}");
        }
        Ok(Self { paths, config })
    }

    /// Opens the store and reconciles it: sessions whose owner process died while they ran
    /// are marked interrupted (every command does this, headless ones included).
    pub fn open_store(&self) -> anyhow::Result<Store> {
        let store = Store::open(&self.paths.store_file, self.config.store_options())?;
        let files = crate::server::ServerFiles::new(&self.paths.run_dir, &self.paths.store_file);
        let interrupted = crate::server::lifecycle::reconcile(&store, &files)?;
        if !interrupted.is_empty() {
            tracing::info!(
                count = interrupted.len(),
                "marked sessions of dead owners interrupted"
            );
        }
        Ok(store)
    }
}

/// Parses arguments and runs the command; errors become one line on stderr and exit code 1.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
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

fn run(mut cli: Cli) -> anyhow::Result<ExitCode> {
    use workstation::Transport::Local;
    let context = Context::from_env()?;
    match cli.command.take() {
        Some(Command::Exec(args)) => exec::run(&context, *args),
        Some(Command::Sessions { command }) => sessions::run(&context, command),
        Some(Command::Debug { command }) => debug::run(&context, command),
        Some(Command::Render { size, session }) => render::run(&context, size, session),
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
