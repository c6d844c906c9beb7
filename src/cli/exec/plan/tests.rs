use clap::Parser;

use super::*;
use crate::cli::{Cli, Command};

fn parse(args: &[&str]) -> Result<Plan, String> {
    let argv = ["switchboard", "exec"].iter().chain(args);
    let cli = Cli::try_parse_from(argv).map_err(|e| format!("clap: {e}"))?;
    match cli.command {
        Some(Command::Exec(args)) => Plan::from_args(*args).map_err(|e| e.to_string()),
        other => Err(format!("not exec: {other:?}")),
    }
}

fn plan(args: &[&str]) -> Plan {
    parse(args).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

fn refused(args: &[&str]) -> String {
    match parse(args) {
        Ok(plan) => panic!("{args:?} should be refused, got {plan:?}"),
        Err(error) => {
            assert!(!error.contains('\n'), "not one line: {error}");
            error
        }
    }
}

#[test]
fn what_the_codex_sdk_passes_is_understood() {
    // `Codex.startThread({...}).run(prompt)` as the SDK's exec.ts builds it.
    let started = plan(&[
        "--experimental-json",
        "--config",
        "openai_base_url=\"http://127.0.0.1:9/v1\"",
        "--model",
        "gpt-test",
        "--thread-source",
        "user",
        "--sandbox",
        "danger-full-access",
        "--cd",
        "/tmp",
        "--add-dir",
        "/tmp",
        "--skip-git-repo-check",
        "--config",
        "model_reasoning_effort=\"high\"",
        "--config",
        "sandbox_workspace_write.network_access=true",
        "--config",
        "web_search=\"disabled\"",
        "--config",
        "approval_policy=\"never\"",
    ]);
    assert_eq!(started.output, OutputMode::Codex);
    assert_eq!(started.target, Target::New);
    assert_eq!(started.prompt, PromptSource::Stdin);
    assert_eq!(started.base_url.as_deref(), Some("http://127.0.0.1:9/v1"));
    assert_eq!(started.model.as_deref(), Some("gpt-test"));
    assert_eq!(started.reasoning_effort.as_deref(), Some("high"));
    assert_eq!(started.approval, ApprovalPolicy::Never);
    assert_eq!(started.thread_source.as_deref(), Some("user"));
    assert!(started.skip_git_repo_check);
    assert_eq!(started.cd.as_deref(), Some(std::path::Path::new("/tmp")));

    // `codex.resumeThread(id).run(prompt)`: `resume ID` after the options, images after it.
    let resumed = plan(&[
        "--experimental-json",
        "--config",
        "openai_base_url=\"http://h/v1\"",
        "resume",
        "0199abc",
    ]);
    assert_eq!(resumed.target, Target::Session("0199abc".into()));
    assert_eq!(resumed.prompt, PromptSource::Stdin);
    let error = refused(&[
        "--experimental-json",
        "resume",
        "0199abc",
        "--image",
        "a.png",
    ]);
    assert!(error.starts_with("--image is not supported"), "{error}");
    let error = refused(&["--json", "--cyber-access-program", "standard"]);
    assert!(error.starts_with("--cyber-access-program"), "{error}");
}

#[test]
fn resume_forms_match_codex() {
    let last = plan(&["resume", "--last", "go on"]);
    assert_eq!(last.target, Target::Last);
    assert_eq!(last.prompt, PromptSource::Text("go on".into()));
    let last_stdin = plan(&["resume", "--last"]);
    assert_eq!(last_stdin.prompt, PromptSource::Stdin);
    let by_id = plan(&["resume", "0199", "-"]);
    assert_eq!(by_id.target, Target::Session("0199".into()));
    assert_eq!(by_id.prompt, PromptSource::Stdin);
    let flags_after = plan(&[
        "resume", "0199", "more", "--json", "-m", "m2", "-o", "out.txt",
    ]);
    assert_eq!(flags_after.output, OutputMode::Codex);
    assert_eq!(flags_after.model.as_deref(), Some("m2"));
    assert_eq!(flags_after.prompt, PromptSource::Text("more".into()));
    // Today's flags keep working.
    assert_eq!(
        plan(&["--session", "0199", "x"]).target,
        Target::Session("0199".into())
    );
    assert_eq!(plan(&["--last", "x"]).target, Target::Last);
    assert!(refused(&["resume"]).contains("SESSION_ID or --last"));
    assert!(refused(&["--last", "resume", "0199"]).contains("after it"));
    assert!(refused(&["review"]).starts_with("exec review is not supported"));
}

#[test]
fn approval_flags_map_onto_policies() {
    assert_eq!(plan(&["x"]).approval, ApprovalPolicy::OnRequest);
    assert_eq!(
        plan(&["--full-auto", "x"]).approval,
        ApprovalPolicy::OnRequest
    );
    for flag in ["--dangerously-bypass-approvals-and-sandbox", "--yolo"] {
        assert_eq!(plan(&[flag, "x"]).approval, ApprovalPolicy::Never);
    }
    assert_eq!(
        plan(&["--approval", "untrusted", "x"]).approval,
        ApprovalPolicy::Untrusted
    );
    assert_eq!(
        plan(&["-c", "approval_policy=untrusted", "x"]).approval,
        ApprovalPolicy::Untrusted
    );
    // A flag wins over a -c setting, as in Codex.
    let both = plan(&[
        "-c",
        "approval_policy=\"never\"",
        "--approval",
        "untrusted",
        "x",
    ]);
    assert_eq!(both.approval, ApprovalPolicy::Untrusted);
    assert!(refused(&["-c", "approval_policy=\"on-failure\"", "x"]).contains("no sandbox"));
    assert!(
        refused(&["-c", "approval_policy=\"sometimes\"", "x"]).contains("unknown approval policy")
    );
    assert!(
        parse(&["--full-auto", "--yolo", "x"])
            .unwrap_err()
            .starts_with("clap")
    );
}

#[test]
fn sandbox_modes_we_cannot_enforce_are_refused() {
    assert_eq!(
        plan(&["-s", "danger-full-access", "x"]).approval,
        ApprovalPolicy::OnRequest
    );
    for mode in ["read-only", "workspace-write"] {
        let error = refused(&["--sandbox", mode, "x"]);
        assert!(error.contains("no sandbox to enforce it"), "{error}");
        let error = refused(&["-c", &format!("sandbox_mode=\"{mode}\""), "x"]);
        assert!(error.contains(mode), "{error}");
    }
    assert!(refused(&["-s", "jail", "x"]).contains("unknown mode"));
    assert!(
        refused(&["-c", "sandbox_workspace_write.network_access=false", "x"]).contains("network")
    );
    assert!(refused(&["-c", "web_search=\"live\"", "x"]).contains("no web search tool"));
}

#[test]
fn settings_parse_as_toml_or_bare_strings() {
    assert_eq!(plan(&["-c", "model=o3", "x"]).model.as_deref(), Some("o3"));
    assert_eq!(
        plan(&["-c", "model='o3'", "x"]).model.as_deref(),
        Some("o3")
    );
    // -m wins over -c model.
    assert_eq!(
        plan(&["-c", "model=o3", "-m", "o4", "x"]).model.as_deref(),
        Some("o4")
    );
    assert!(refused(&["-c", "model", "x"]).contains("expected key=value"));
    assert!(refused(&["-c", "=1", "x"]).contains("key is empty"));
    assert!(refused(&["-c", "model=3", "x"]).contains("expected a name"));
    assert!(refused(&["-c", "openai_base_url=ftp://x", "x"]).contains("http"));
    assert!(refused(&["-c", "model_reasoning_effort=\"HIGH!\"", "x"]).contains("effort"));
    let unknown = refused(&["-c", "profile.x=1", "x"]);
    assert!(
        unknown.starts_with("-c profile.x: not a setting"),
        "{unknown}"
    );
}

#[test]
fn output_modes_and_other_codex_flags() {
    assert_eq!(plan(&["x"]).output, OutputMode::Human);
    assert_eq!(plan(&["--json", "x"]).output, OutputMode::Codex);
    assert_eq!(plan(&["--events", "x"]).output, OutputMode::Events);
    assert!(
        parse(&["--json", "--events", "x"])
            .unwrap_err()
            .starts_with("clap")
    );
    assert_eq!(plan(&["-"]).prompt, PromptSource::Stdin);
    assert_eq!(plan(&[]).prompt, PromptSource::Stdin);
    assert!(
        plan(&["--color", "never", "--ignore-rules", "x"]).prompt == PromptSource::Text("x".into())
    );
    assert!(refused(&["--color", "pink", "x"]).contains("always, never or auto"));
    assert!(refused(&["--add-dir", "/no/such/dir", "x"]).contains("not a directory"));
    assert!(refused(&["--worktree", "resume", "--last"]).contains("--worktree"));
    for (flag, value) in [
        ("--profile", Some("p")),
        ("--oss", None),
        ("--local-provider", Some("ollama")),
        ("--ephemeral", None),
        ("--ignore-user-config", None),
        ("--not-so-yolo", None),
    ] {
        let mut args = vec![flag];
        args.extend(value);
        args.push("x");
        let error = refused(&args);
        assert!(
            error.contains("is not supported by switchboard exec"),
            "{error}"
        );
    }
}
