//! `switchboard exec`: one native turn without the workstation, speaking Codex's `exec`
//! interface (its flags, `--json` event lines, `resume`) so scripts and the Codex SDK can drive
//! it. The session is stored like any other (resumable, exportable); nobody is there to
//! approve, so a command that would need approval is denied unless `--approval never`.
//!
//! | file | owns |
//! |---|---|
//! | `exec/args.rs` | the command line (clap), Codex's flag names included |
//! | `exec/plan.rs` | flags and `-c` settings checked into one [`plan::Plan`]; refusals |
//! | `exec/schema.rs` | `--output-schema`: loading, and checking the final message |
//! | `exec/printer.rs` | stdout/stderr while the turn runs, the exit status at its end |
//! | `exec/codex.rs` | `--json`: Codex's exec event lines |
//! | `exec/events.rs` | `--events`: switchboard's fine-grained event lines |
//! | `exec/local.rs` | the turn in this process (no server running) |
//! | `exec/server.rs` | the turn in the running server |
//!
//! `docs/EXEC.md` documents the flags, the Codex flag table and both JSON schemas.

mod args;
mod codex;
mod events;
mod local;
mod plan;
mod printer;
mod schema;
mod server;

use std::io::{IsTerminal, Read};
use std::path::Path;
use std::process::ExitCode;

pub use args::ExecArgs;

use super::Context;
use crate::agent::ApprovalPolicy;
use crate::model::settings::CODEX_KEY_VAR;
use crate::model::{ApiKey, ModelSettings};
use plan::{ExecError, Plan, PromptSource};

/// Added to the reason a command needed approval; the model reads it after `denied: `.
pub(super) const UNATTENDED: &str = "nobody can approve commands in `switchboard exec`; \
                          rerun with --approval never to allow them";

pub fn parse_policy(text: &str) -> Result<ApprovalPolicy, String> {
    text.parse()
}

pub fn run(context: &Context, args: ExecArgs) -> anyhow::Result<ExitCode> {
    let plan = Plan::from_args(args)?;
    enter_directory(&plan)?;
    let prompt = read_prompt(&plan.prompt)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(exec(context, &plan, prompt))
}

async fn exec(context: &Context, plan: &Plan, prompt: String) -> anyhow::Result<ExitCode> {
    // One process drives a session: with a server running, the turn runs there (and shows
    // live in a window that has the session open).
    if let Some(stream) = crate::client::connect_existing(context)? {
        return server::exec(context, stream, plan, prompt).await;
    }
    local::exec(context, plan, prompt).await
}

/// `--cd DIR`, then Codex's guard: without `--skip-git-repo-check`, exec runs only inside a
/// git repository.
fn enter_directory(plan: &Plan) -> Result<(), ExecError> {
    if let Some(dir) = &plan.cd {
        std::env::set_current_dir(dir).map_err(|e| ExecError::Path {
            flag: "--cd",
            path: dir.display().to_string(),
            why: e.to_string(),
        })?;
    }
    if plan.skip_git_repo_check {
        return Ok(());
    }
    let cwd = std::env::current_dir().map_err(|e| ExecError::Usage(e.to_string()))?;
    if inside_git_repo(&cwd) {
        Ok(())
    } else {
        Err(ExecError::Usage(format!(
            "{} is not inside a git repository; pass --skip-git-repo-check to run here anyway",
            cwd.display()
        )))
    }
}

/// A `.git` directory or file (worktrees, submodules) here or in a parent, as Codex looks.
fn inside_git_repo(dir: &Path) -> bool {
    dir.ancestors().any(|d| d.join(".git").exists())
}

fn read_prompt(source: &PromptSource) -> Result<String, ExecError> {
    let prompt = match source {
        PromptSource::Text(text) => text.clone(),
        PromptSource::Stdin => {
            let mut stdin = std::io::stdin();
            if stdin.is_terminal() {
                return Err(ExecError::Usage(
                    "no prompt: give it as an argument or pipe it into stdin".into(),
                ));
            }
            let mut text = String::new();
            stdin
                .read_to_string(&mut text)
                .map_err(|e| ExecError::Usage(format!("cannot read the prompt from stdin: {e}")))?;
            text
        }
    };
    let prompt = prompt.trim().to_owned();
    if prompt.is_empty() {
        return Err(ExecError::Usage("the prompt is empty".into()));
    }
    Ok(prompt)
}

/// The endpoint, model and key for this run: `docs/MODEL.md`'s resolution, then
/// `-c openai_base_url` over the endpoint and `CODEX_API_KEY` (the Codex SDK's variable) over
/// the key. Fails without a key.
fn model_settings(context: &Context, plan: &Plan) -> anyhow::Result<ModelSettings> {
    let env = |name: &str| std::env::var(name).ok();
    let mut settings = crate::model::resolve(env, &context.config.model, plan.model.as_deref());
    if let Some(base_url) = &plan.base_url {
        settings.base_url = base_url.trim_end_matches('/').to_owned();
    }
    if let Some(key) = env(CODEX_KEY_VAR).filter(|key| !key.trim().is_empty()) {
        settings.api_key = Some(ApiKey::new(key.trim()));
    }
    if settings.api_key.is_none() {
        anyhow::bail!(
            "no API key: set {} or {CODEX_KEY_VAR} (or run with --demo for the scripted provider)",
            settings.key_var
        );
    }
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_repositories_are_found_from_any_subdirectory() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        assert!(!inside_git_repo(&nested));
        // A worktree or submodule has a `.git` file, not a directory.
        std::fs::write(dir.path().join("a/.git"), "gitdir: elsewhere\n").unwrap();
        assert!(inside_git_repo(&nested));
    }
}
