//! Which command lines are known to be safe to run without asking. Pure and conservative: a
//! command line is known-safe only when it parses completely into plain words and every part
//! of it is a program on the list with arguments the list allows. Anything the parser does not
//! understand — redirects, expansions, substitutions, globs, subshells, background jobs,
//! variable assignments, paths to programs — makes it not known-safe.
//!
//! The lists are documented in `docs/AGENT.md`; keep the two in step.

/// How much the list trusts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SafeList {
    /// Reading and searching only (the `untrusted` policy).
    ReadOnly,
    /// Reading and searching, plus the project's own builds and tests (`on-request`).
    BuildsAndTests,
}

/// Splits a command line into pipeline/chain parts of plain words. `Err` says what made it
/// impossible to tell what would run.
pub fn split(command: &str) -> Result<Vec<Vec<String>>, String> {
    let mut parts: Vec<Vec<String>> = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = command.chars().peekable();
    let end_word = |words: &mut Vec<String>, word: &mut String, in_word: &mut bool| {
        if *in_word {
            words.push(std::mem::take(word));
            *in_word = false;
        }
    };
    let end_part = |parts: &mut Vec<Vec<String>>, words: &mut Vec<String>| -> Result<(), String> {
        if words.is_empty() {
            return Err("an empty command between operators".to_owned());
        }
        parts.push(std::mem::take(words));
        Ok(())
    };
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => end_word(&mut words, &mut word, &mut in_word),
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("an unterminated quote".to_owned()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => word.push(c),
                            Some('\n') => {}
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err("an unterminated quote".to_owned()),
                        },
                        Some('$' | '`') => {
                            return Err("expansions or command substitution".to_owned());
                        }
                        Some(c) => word.push(c),
                        None => return Err("an unterminated quote".to_owned()),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(c) => {
                    in_word = true;
                    word.push(c);
                }
                None => return Err("a trailing backslash".to_owned()),
            },
            ';' | '\n' => {
                end_word(&mut words, &mut word, &mut in_word);
                end_part(&mut parts, &mut words)?;
            }
            '&' => {
                end_word(&mut words, &mut word, &mut in_word);
                if chars.next_if_eq(&'&').is_none() {
                    return Err("background jobs (`&`)".to_owned());
                }
                end_part(&mut parts, &mut words)?;
            }
            '|' => {
                end_word(&mut words, &mut word, &mut in_word);
                if chars.next_if_eq(&'&').is_some() {
                    return Err("redirects (`|&`)".to_owned());
                }
                chars.next_if_eq(&'|');
                end_part(&mut parts, &mut words)?;
            }
            '>' | '<' => return Err(format!("redirects (`{c}`)")),
            '$' | '`' => return Err("expansions or command substitution".to_owned()),
            '(' | ')' | '{' | '}' => return Err("subshells or groups".to_owned()),
            '*' | '?' | '[' | ']' => return Err("glob patterns".to_owned()),
            '#' if !in_word => return Err("comments".to_owned()),
            '~' if !in_word => return Err("home-directory expansion".to_owned()),
            '!' => return Err("history or negation (`!`)".to_owned()),
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    end_word(&mut words, &mut word, &mut in_word);
    if !words.is_empty() {
        parts.push(words);
    } else if !parts.is_empty() {
        // `ls;` is fine; `ls &&` is not a whole command.
        let trimmed = command.trim_end();
        if trimmed.ends_with("&&") || trimmed.ends_with('|') {
            return Err("an empty command between operators".to_owned());
        }
    }
    if parts.is_empty() {
        return Err("an empty command".to_owned());
    }
    Ok(parts)
}

/// `Ok` when every part of `command` is known-safe under `list`; otherwise why not.
pub fn check(list: SafeList, command: &str) -> Result<(), String> {
    for words in split(command)? {
        check_part(list, &words)?;
    }
    Ok(())
}

/// Programs that only read, whatever their arguments.
const READ_ANY_ARGS: &[&str] = &[
    "basename", "cat", "cmp", "cut", "df", "diff", "dirname", "du", "echo", "egrep", "false",
    "fgrep", "grep", "head", "id", "ls", "nl", "printenv", "printf", "pwd", "readlink", "realpath",
    "stat", "tail", "tr", "true", "wc", "which", "whoami",
];

/// Read-only git subcommands (global options other than `--no-pager` are refused, so `-c`
/// cannot inject configuration).
const GIT_READ: &[&str] = &[
    "blame",
    "cat-file",
    "describe",
    "diff",
    "grep",
    "log",
    "ls-files",
    "ls-tree",
    "rev-parse",
    "shortlog",
    "show",
    "status",
];

/// Flags that make a `git branch` only list.
const GIT_BRANCH_LIST_FLAGS: &[&str] = &[
    "-a",
    "--all",
    "-r",
    "--remotes",
    "-v",
    "-vv",
    "--verbose",
    "--list",
    "--show-current",
    "--no-color",
];

/// Build and test subcommands of `cargo` trusted under `on-request`.
const CARGO_BUILD: &[&str] = &[
    "bench", "build", "check", "clippy", "doc", "metadata", "nextest", "test", "tree",
];

/// Build and test subcommands of `go` trusted under `on-request`.
const GO_BUILD: &[&str] = &["build", "list", "test", "vet", "version"];

fn not_listed(program: &str) -> String {
    format!("`{program}` is not on the known-safe list")
}

fn refuse_flags(program: &str, args: &[String], flags: &[&str]) -> Result<(), String> {
    for arg in args {
        let name = arg.split('=').next().unwrap_or(arg);
        if flags.contains(&name) {
            return Err(format!(
                "`{program} {name}` can write files or run commands"
            ));
        }
    }
    Ok(())
}

fn check_part(list: SafeList, words: &[String]) -> Result<(), String> {
    let Some((program, args)) = words.split_first() else {
        return Err("an empty command".to_owned());
    };
    let program = program.as_str();
    if program.contains('=') {
        return Err("variable assignments".to_owned());
    }
    if program.contains('/') {
        return Err(format!("`{program}` is a path, not a known program"));
    }
    if READ_ANY_ARGS.contains(&program) {
        return Ok(());
    }
    let builds = list == SafeList::BuildsAndTests;
    match program {
        "find" => refuse_flags(
            program,
            args,
            &[
                "-exec", "-execdir", "-ok", "-okdir", "-delete", "-fls", "-fprint", "-fprint0",
                "-fprintf",
            ],
        ),
        "rg" => refuse_flags(program, args, &["--pre", "--pre-glob"]),
        "sort" => refuse_flags(program, args, &["-o", "--output"]),
        "tree" => refuse_flags(program, args, &["-o"]),
        "date" => refuse_flags(program, args, &["-s", "--set"]),
        "uniq" => {
            // `uniq IN OUT` writes OUT.
            let files = args.iter().filter(|a| !a.starts_with('-')).count();
            if files > 1 {
                Err("`uniq` with an output file writes it".to_owned())
            } else {
                Ok(())
            }
        }
        "sed" => check_sed_print(args),
        "git" => check_git(args),
        "cargo" if builds => check_cargo(args),
        "go" if builds => match args.first().map(String::as_str) {
            Some(sub) if GO_BUILD.contains(&sub) => Ok(()),
            _ => Err("only `go build/test/vet/list/version` are known-safe".to_owned()),
        },
        "npm" | "pnpm" | "yarn" if builds => match args {
            [test] if test == "test" => Ok(()),
            [run, test] if run == "run" && test == "test" => Ok(()),
            _ => Err(format!("only `{program} test` is known-safe")),
        },
        "pytest" if builds => Ok(()),
        "python" | "python3" if builds => match args {
            [m, pytest, ..] if m == "-m" && pytest == "pytest" => Ok(()),
            _ => Err(format!("only `{program} -m pytest` is known-safe")),
        },
        "make" if builds => {
            if !args.is_empty() && args.iter().all(|t| t == "test" || t == "check") {
                Ok(())
            } else {
                Err("only `make test` and `make check` are known-safe".to_owned())
            }
        }
        _ => Err(not_listed(program)),
    }
}

/// `sed -n 'N p'` / `sed -n 'M,Np'` FILE…: printing a line range, the one read-only use.
fn check_sed_print(args: &[String]) -> Result<(), String> {
    let refuse = || Err("only `sed -n 'M,Np' FILE` is known-safe".to_owned());
    let [flag, script, files @ ..] = args else {
        return refuse();
    };
    let numbers = script.strip_suffix('p').unwrap_or("");
    let range_ok = !numbers.is_empty()
        && numbers.split(',').count() <= 2
        && numbers
            .split(',')
            .all(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
    if flag != "-n" || !range_ok || files.iter().any(|f| f.starts_with('-')) {
        return refuse();
    }
    Ok(())
}

fn check_git(args: &[String]) -> Result<(), String> {
    let args = match args.first().map(String::as_str) {
        Some("--no-pager") => &args[1..],
        _ => args,
    };
    let Some((sub, rest)) = args.split_first() else {
        return Err("`git` without a subcommand".to_owned());
    };
    if sub.starts_with('-') {
        return Err(format!("git option `{sub}` before the subcommand"));
    }
    let sub = sub.as_str();
    match sub {
        _ if GIT_READ.contains(&sub) => refuse_flags("git", rest, &["--output", "--ext-diff"]),
        "branch" => {
            let listing = rest
                .iter()
                .all(|a| GIT_BRANCH_LIST_FLAGS.contains(&a.as_str()));
            if listing {
                Ok(())
            } else {
                Err("only listing `git branch` is known-safe".to_owned())
            }
        }
        "remote" => match rest {
            [] => Ok(()),
            [v] if v == "-v" => Ok(()),
            _ => Err("only `git remote -v` is known-safe".to_owned()),
        },
        "stash" => match rest {
            [list] if list == "list" => Ok(()),
            _ => Err("only `git stash list` is known-safe".to_owned()),
        },
        other => Err(format!("`git {other}` is not on the known-safe list")),
    }
}

fn check_cargo(args: &[String]) -> Result<(), String> {
    let Some((sub, rest)) = args.split_first() else {
        return Err("`cargo` without a subcommand".to_owned());
    };
    match sub.as_str() {
        "--version" | "-V" | "version" => Ok(()),
        "fmt" if rest.iter().any(|a| a == "--check") => Ok(()),
        "clippy" => refuse_flags("cargo clippy", rest, &["--fix"]),
        sub if CARGO_BUILD.contains(&sub) => Ok(()),
        other => Err(format!("`cargo {other}` is not on the known-safe list")),
    }
}

#[cfg(test)]
mod tests;
