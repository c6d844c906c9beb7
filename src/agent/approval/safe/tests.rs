//! Tables for the parser and both known-safe lists.

use super::*;

#[test]
fn splitting_respects_quotes_and_operators() {
    let table: &[(&str, &[&[&str]])] = &[
        ("ls -la", &[&["ls", "-la"]]),
        (
            "grep 'a b' \"c d\" e\\ f",
            &[&["grep", "a b", "c d", "e f"]],
        ),
        (
            "git status && git diff",
            &[&["git", "status"], &["git", "diff"]],
        ),
        (
            "cat a | wc -l; echo done",
            &[&["cat", "a"], &["wc", "-l"], &["echo", "done"]],
        ),
        ("ls || true", &[&["ls"], &["true"]]),
        ("grep '$HOME;>' x", &[&["grep", "$HOME;>", "x"]]),
        ("echo a#b", &[&["echo", "a#b"]]),
        ("ls;", &[&["ls"]]),
    ];
    for (command, expected) in table {
        let parts = split(command).unwrap_or_else(|e| panic!("{command}: {e}"));
        let expected: Vec<Vec<String>> = expected
            .iter()
            .map(|p| p.iter().map(|w| w.to_string()).collect())
            .collect();
        assert_eq!(parts, expected, "{command}");
    }
}

#[test]
fn what_the_parser_refuses() {
    for command in [
        "echo hi > out.txt",
        "cat < in",
        "echo $(rm -rf /)",
        "echo `id`",
        "echo \"$HOME\"",
        "echo $HOME",
        "sleep 1 &",
        "ls |& cat",
        "(ls)",
        "{ ls; }",
        "ls *.rs",
        "ls ~",
        "ls # comment",
        "echo 'unterminated",
        "ls &&",
        "&& ls",
        "ls | | wc",
        "",
        "   ",
        "! ls",
    ] {
        assert!(split(command).is_err(), "{command:?} should not parse");
    }
}

#[test]
fn read_only_list() {
    let safe = [
        "ls -la",
        "cat src/main.rs",
        "head -n 20 README.md",
        "grep -rn 'fn main' src",
        "rg --files",
        "rg -n TODO src",
        "find . -name '*.rs' -type f",
        "wc -l a b",
        "git status",
        "git --no-pager log --oneline -5",
        "git diff HEAD~1",
        "git show HEAD:src/lib.rs",
        "git branch -a",
        "git branch",
        "git remote -v",
        "git stash list",
        "sed -n '1,40p' src/lib.rs",
        "sed -n 5p a.txt",
        "pwd && ls",
        "cat a | grep x | wc -l",
        "sort -u names.txt",
        "uniq -c counts.txt",
        "echo done",
    ];
    for command in safe {
        assert_eq!(check(SafeList::ReadOnly, command), Ok(()), "{command}");
        assert_eq!(
            check(SafeList::BuildsAndTests, command),
            Ok(()),
            "{command}"
        );
    }
    let unsafe_ = [
        ("rm -rf build", "`rm` is not on the known-safe list"),
        ("touch x", "`touch` is not on the known-safe list"),
        (
            "find . -delete",
            "`find -delete` can write files or run commands",
        ),
        ("find . -exec rm {} ;", "subshells or groups"),
        (
            "rg --pre=cat x",
            "`rg --pre` can write files or run commands",
        ),
        (
            "sort -o out in",
            "`sort -o` can write files or run commands",
        ),
        ("uniq in out", "`uniq` with an output file writes it"),
        (
            "git commit -m x",
            "`git commit` is not on the known-safe list",
        ),
        (
            "git -c core.pager=sh log",
            "git option `-c` before the subcommand",
        ),
        (
            "git branch -D main",
            "only listing `git branch` is known-safe",
        ),
        (
            "git branch new-feature",
            "only listing `git branch` is known-safe",
        ),
        (
            "git diff --output=x",
            "`git --output` can write files or run commands",
        ),
        ("git push", "`git push` is not on the known-safe list"),
        ("sed -i s/a/b/ f", "only `sed -n 'M,Np' FILE` is known-safe"),
        (
            "sed -n '1p;w out' f",
            "only `sed -n 'M,Np' FILE` is known-safe",
        ),
        ("ls && rm x", "`rm` is not on the known-safe list"),
        (
            "ls; curl example.com",
            "`curl` is not on the known-safe list",
        ),
        ("FOO=1 ls", "variable assignments"),
        ("./run.sh", "`./run.sh` is a path, not a known program"),
        ("/bin/ls", "`/bin/ls` is a path, not a known program"),
        ("cargo test", "`cargo` is not on the known-safe list"),
        (
            "python3 -c 'print(1)'",
            "`python3` is not on the known-safe list",
        ),
        (
            "date -s 2020-01-01",
            "`date -s` can write files or run commands",
        ),
        ("echo hi > f", "redirects (`>`)"),
    ];
    for (command, reason) in unsafe_ {
        assert_eq!(
            check(SafeList::ReadOnly, command),
            Err(reason.to_owned()),
            "{command}"
        );
    }
}

#[test]
fn builds_and_tests_list() {
    let safe = [
        "cargo test",
        "cargo test --all-targets -- --nocapture",
        "cargo build --release",
        "cargo check",
        "cargo clippy --all-targets -- -D warnings",
        "cargo fmt --check",
        "cargo --version",
        "go test ./...",
        "go vet ./...",
        "npm test",
        "pnpm run test",
        "pytest -q",
        "python3 -m pytest tests",
        "make test",
        "cargo build && cargo test",
    ];
    for command in safe {
        assert_eq!(
            check(SafeList::BuildsAndTests, command),
            Ok(()),
            "{command}"
        );
        assert!(check(SafeList::ReadOnly, command).is_err(), "{command}");
    }
    let unsafe_ = [
        ("cargo run", "`cargo run` is not on the known-safe list"),
        ("cargo fmt", "`cargo fmt` is not on the known-safe list"),
        (
            "cargo clippy --fix",
            "`cargo clippy --fix` can write files or run commands",
        ),
        (
            "cargo install ripgrep",
            "`cargo install` is not on the known-safe list",
        ),
        (
            "go run .",
            "only `go build/test/vet/list/version` are known-safe",
        ),
        ("npm install", "only `npm test` is known-safe"),
        ("python3 setup.py", "only `python3 -m pytest` is known-safe"),
        (
            "make install",
            "only `make test` and `make check` are known-safe",
        ),
        ("make", "only `make test` and `make check` are known-safe"),
        ("cargo test > log", "redirects (`>`)"),
    ];
    for (command, reason) in unsafe_ {
        assert_eq!(
            check(SafeList::BuildsAndTests, command),
            Err(reason.to_owned()),
            "{command}"
        );
    }
}
