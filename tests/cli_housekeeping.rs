//! Command-line housekeeping through the real binary: global flags anywhere on the line,
//! config errors in the user's words, shell completion.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod support;

use std::process::Command;

#[test]
fn global_flags_work_after_the_subcommand() {
    let home = support::Home::new();
    let elsewhere = support::Home::new();
    // `--home` after a nested subcommand wins over SWITCHBOARD_HOME.
    let listed = home.ok(&[
        "sessions",
        "list",
        "--home",
        elsewhere.path().to_str().unwrap(),
    ]);
    assert!(listed.contains("no sessions yet"), "{listed}");
    assert!(
        listed.contains(&elsewhere.store_file().display().to_string()),
        "{listed}"
    );
    assert!(elsewhere.store_file().exists());
    assert!(!home.store_file().exists());

    // Every top-level flag parses after a subcommand (and a nested one).
    for args in [
        &["sessions", "list", "--demo"][..],
        &["sessions", "list", "--model", "m"],
        &["sessions", "list", "--approval", "never"],
        &["sessions", "list", "--slot", "bash"],
        &["server", "status", "--demo", "--json"],
    ] {
        let output = home.run(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_ne!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("unexpected argument"),
            "{args:?}: {stderr}"
        );
    }

    // `resume --demo` is parsed; what stops it here is the missing terminal.
    let refused = home.fails(&["resume", "--demo"]);
    assert!(refused.contains("needs a terminal"), "{refused}");
    assert!(!refused.contains("unexpected argument"), "{refused}");

    // A global flag given before the subcommand reaches `exec`'s own options: with
    // `--approval never` in front, the demo's command runs instead of being denied.
    let answer = home.ok(&[
        "--approval",
        "never",
        "exec",
        "--skip-git-repo-check",
        "--demo",
        "list files",
    ]);
    assert!(answer.contains("whole native flow"), "{answer}");
    let events: Vec<serde_json::Value> = home
        .ok(&[
            "sessions",
            "export",
            "--format",
            "jsonl",
            &last_session(&home),
        ])
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert!(events.iter().any(|e| e["kind"] == "tool.finished"));
    assert!(!events.iter().any(|e| e["kind"] == "tool.denied"));
}

fn last_session(home: &support::Home) -> String {
    let list: serde_json::Value =
        serde_json::from_str(&home.ok(&["sessions", "list", "--json"])).unwrap();
    list[0]["id"].as_str().unwrap().to_owned()
}

#[test]
fn config_errors_name_the_file_the_key_and_what_was_expected() {
    let home = support::Home::new();
    let config = home.path().join("config.toml");
    for (text, wanted) in [
        (
            "model = 5\n",
            "`model` must be a table like `[model]`, found an integer (5)",
        ),
        (
            "[model]\nmodel = 5\n",
            "`model.model` must be a string in quotes, found an integer (5)",
        ),
        (
            "[store]\npane_history = true\n",
            "`store.pane_history` must be a size like \"256 MiB\"",
        ),
        (
            "[modle]\n",
            "unknown section `[modle]` (did you mean `[model]`?)",
        ),
        (
            "[pty]\nscrollback = 5\n",
            "unknown key `pty.scrollback` (did you mean `pty.scrollback_lines`?)",
        ),
    ] {
        std::fs::write(&config, text).unwrap();
        let line = home.fails(&["sessions", "list"]);
        assert!(line.contains(&config.display().to_string()), "{line}");
        assert!(line.contains(wanted), "{text:?}: {line}");
        assert!(!line.contains("struct"), "{line}");
    }
}

#[test]
fn completion_scripts_come_from_the_clap_definitions() {
    let home = support::Home::new();
    let bash = home.ok(&["completion", "bash"]);
    for word in ["sessions", "doctor", "worktrees", "completion", "--home"] {
        assert!(bash.contains(word), "bash completion lacks {word}");
    }
    assert!(
        home.ok(&["completion", "zsh"])
            .contains("#compdef switchboard")
    );
    assert!(
        home.ok(&["completion", "fish"])
            .contains("complete -c switchboard")
    );
    let refused = home.run(&["completion", "tcsh"]);
    assert!(!refused.status.success());

    // The bash script parses (`bash -n`) and completes words from the clap definitions.
    let script = home.path().join("switchboard.bash");
    std::fs::write(&script, &bash).unwrap();
    let parsed = Command::new("bash")
        .arg("--norc")
        .arg("-n")
        .arg(&script)
        .output()
        .expect("bash runs");
    assert!(
        parsed.status.success(),
        "{}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    let complete = |words: &[&str]| -> Vec<String> {
        let cword = words.len() - 1;
        let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        let snippet = format!(
            "source \"$1\"; COMP_WORDS=({}); COMP_CWORD={cword}; COMP_LINE=\"${{COMP_WORDS[*]}}\"; \
             COMP_POINT=${{#COMP_LINE}}; _switchboard switchboard '{}' '{}'; echo \"${{COMPREPLY[*]}}\"",
            quoted.join(" "),
            words[cword],
            words[cword - 1],
        );
        let output = Command::new("bash")
            .args(["--norc", "-c", &snippet, "bash"])
            .arg(&script)
            .output()
            .expect("bash runs");
        String::from_utf8_lossy(&output.stdout)
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(complete(&["switchboard", "wor"]), vec!["worktrees"]);
    let sessions = complete(&["switchboard", "sessions", ""]);
    for word in ["list", "show", "export", "rm", "prune", "--home"] {
        assert!(sessions.iter().any(|w| w == word), "{word}: {sessions:?}");
    }
    assert_eq!(
        complete(&["switchboard", "sessions", "export", "x", "--format", ""]),
        vec!["jsonl", "markdown"]
    );

    // bash accepts the script and registers it.
    let status = Command::new("bash")
        .arg("--norc")
        .arg("-c")
        .arg("source <(\"$SB\" completion bash) && complete -p switchboard")
        .env("SB", support::bin())
        .env("SWITCHBOARD_HOME", home.path())
        .output()
        .expect("bash runs");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    assert!(String::from_utf8_lossy(&status.stdout).contains("switchboard"));
}

/// A loopback HTTP endpoint that answers every request with 401 (as a real one does without a
/// key) and hands back what it was sent.
fn endpoint() -> (String, std::sync::mpsc::Receiver<String>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let (sent, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let _ = stream.write_all(
                b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
            let _ = sent.send(String::from_utf8_lossy(&request).into_owned());
        }
    });
    (url, received)
}

/// A port nothing listens on (bound, then released).
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    drop(listener);
    url
}

/// `doctor` with `env` set, run without a terminal: its lines, and whether it passed. The
/// endpoint is a closed loopback port unless `env` names one: no test waits on the network.
fn doctor(home: &support::Home, env: &[(&str, &str)]) -> (Vec<String>, bool) {
    let mut command = home.command();
    command
        .arg("doctor")
        .env("SHELL", "/bin/sh")
        .env("OPENAI_BASE_URL", closed_port_url());
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let lines: Vec<String> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    for line in &lines {
        assert!(
            ["ok    ", "warn  ", "fail  "]
                .iter()
                .any(|level| line.starts_with(level)),
            "every line starts with its level: {line}"
        );
    }
    (lines, output.status.success())
}

fn line<'a>(lines: &'a [String], name: &str) -> &'a str {
    lines
        .iter()
        .find(|l| l[6..].starts_with(name))
        .unwrap_or_else(|| panic!("no {name} line in {lines:#?}"))
}

#[test]
fn doctor_checks_the_setup_and_fails_on_a_problem() {
    let home = support::Home::new();
    let key = "sk-doctor-secret-0123456789";
    let (url, requests) = endpoint();
    // A fake agent CLI on PATH, in front of the real one.
    let bin = tempfile::tempdir().unwrap();
    let codex = bin.path().join("codex");
    std::fs::write(&codex, "#!/bin/sh\necho 'codex-cli 9.8.7'\n").unwrap();
    std::fs::set_permissions(&codex, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap()
    );
    home.gen_fixture(5);

    let (lines, passed) = doctor(
        &home,
        &[
            ("OPENAI_API_KEY", key),
            ("OPENAI_BASE_URL", &url),
            ("PATH", &path),
        ],
    );
    assert!(passed, "{lines:#?}");
    assert!(line(&lines, "git").starts_with("ok    git         git version "));
    assert!(line(&lines, "shell").contains("/bin/sh"));
    assert!(line(&lines, "api key").contains("OPENAI_API_KEY is set"));
    assert!(
        line(&lines, "endpoint").contains(&format!("{url} answers (HTTP 401)")),
        "{lines:#?}"
    );
    let store = line(&lines, "store");
    assert!(
        store.starts_with("ok") && store.contains(", 1 session") && !store.contains("1 sessions"),
        "{store}"
    );
    assert!(line(&lines, "server").contains("not running"));
    let clis = line(&lines, "agent CLIs");
    assert!(clis.contains("codex codex-cli 9.8.7"), "{clis}");
    assert!(clis.contains("not on PATH: claude, aider"), "{clis}");
    // Without a terminal, the terminal lines say so rather than guess.
    assert!(line(&lines, "terminal").starts_with("warn  terminal    not a terminal"));
    // The key is never printed, nor sent to the endpoint.
    assert!(!lines.iter().any(|l| l.contains(key)));
    let request = requests.recv().unwrap();
    assert!(!request.contains(key), "{request}");

    // An endpoint out of reach fails when a key is set (the native agent cannot work) …
    let closed = closed_port_url();
    let (lines, passed) = doctor(
        &home,
        &[("OPENAI_API_KEY", key), ("OPENAI_BASE_URL", &closed)],
    );
    assert!(!passed);
    let endpoint = line(&lines, "endpoint");
    assert!(endpoint.starts_with("fail"), "{endpoint}");
    assert!(endpoint.contains("cannot be reached"), "{endpoint}");
    assert!(
        endpoint.contains("OPENAI_BASE_URL"),
        "says what to do: {endpoint}"
    );
    // … and only warns without one (agent CLIs and --demo do not need it).
    let (lines, passed) = doctor(&home, &[("OPENAI_BASE_URL", &closed)]);
    assert!(passed, "{lines:#?}");
    assert!(line(&lines, "endpoint").starts_with("warn"));
    assert!(line(&lines, "api key").starts_with("warn  api key     OPENAI_API_KEY is not set"));

    // A shell that cannot run fails, and the JSON says the same.
    let (lines, passed) = doctor(&home, &[("SHELL", "/nonexistent/sh")]);
    assert!(!passed);
    assert!(line(&lines, "shell").starts_with("fail  shell       SHELL=/nonexistent/sh"));
    let json = home
        .command()
        .args(["doctor", "--json"])
        .env("SHELL", "/nonexistent/sh")
        .env("OPENAI_BASE_URL", &closed)
        .output()
        .unwrap();
    assert!(!json.status.success());
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["ok"], false);
    let shell = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "shell")
        .unwrap();
    assert_eq!(shell["status"], "fail");
    assert!(shell["hint"].as_str().unwrap().contains("SHELL"));

    // A broken config fails its line; the other checks still run, on the defaults.
    std::fs::write(home.path().join("config.toml"), "model = 5\n").unwrap();
    let (lines, passed) = doctor(&home, &[("OPENAI_BASE_URL", &closed)]);
    assert!(!passed);
    assert!(line(&lines, "config").starts_with("fail"));
    assert!(line(&lines, "config").contains("`model` must be a table"));
    assert!(line(&lines, "store").starts_with("ok"));
}

/// Every command line `docs/CLI.md` shows parses, and every flag it names is one the command
/// has: the page cannot drift from the clap definitions unnoticed.
#[test]
fn cli_doc_names_only_real_commands_and_flags() {
    let home = support::Home::new();
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/CLI.md")).unwrap();
    let mut checked = 0;
    for line in doc.lines().filter(|l| l.starts_with("switchboard ")) {
        let line = line.split(" #").next().unwrap();
        let words: Vec<&str> = line
            .split_whitespace()
            .skip(1)
            .take_while(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase()))
            .collect();
        let mut args = words.clone();
        args.push("--help");
        let help = home.ok(&args);
        for flag in line
            .split(|c: char| !(c.is_ascii_lowercase() || c == '-'))
            .filter(|w| w.starts_with("--") && w.len() > 2)
        {
            assert!(
                help.contains(flag),
                "docs/CLI.md: `{line}`: {words:?} has no {flag}"
            );
        }
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} command lines found");
}
