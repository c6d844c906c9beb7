#![allow(clippy::unwrap_used, clippy::expect_used)]
//! No declared dependency goes unused: every crate in `Cargo.toml`'s `[dependencies]` and
//! `[dev-dependencies]` must be named in Rust code under `src/`, `benches/` or `tests/`
//! (`name::`, `use name`, `name!`, `extern crate name`, `#[serde(with = "name")]`; `-` read
//! as `_`).
//!
//! A plain test instead of `cargo machete` or `cargo udeps`: it needs no install in CI (a
//! fresh clone each run), runs in milliseconds inside `cargo test`, and a crate that is only
//! mentioned in a comment does not count as used.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Code lines of every Rust file, with `//` comments (doc comments included) dropped.
fn code() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "benches", "tests"] {
        rust_files(&root.join(dir), &mut files);
    }
    let mut code = String::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for line in text.lines() {
            // A comment starts a line or follows a space; `http://` inside a string does not.
            let line = match line.find(" //") {
                _ if line.trim_start().starts_with("//") => "",
                Some(at) => &line[..at],
                None => line,
            };
            code.push_str(line);
            code.push('\n');
        }
    }
    code
}

/// Whether `ident` is used as a crate path in `code`.
fn names_crate(code: &str, ident: &str) -> bool {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    code.match_indices(ident).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = &code[at + ident.len()..];
        let starts_word = !before.is_some_and(is_ident);
        let as_path = after.starts_with("::") || after.starts_with('!');
        let preceded = code[..at].trim_end();
        let imported = (preceded.ends_with("use") || preceded.ends_with("crate"))
            && after.starts_with(|c: char| c == ';' || c.is_whitespace());
        // `#[serde(with = "serde_bytes")]` names a crate as a path in a string.
        let serde_with = preceded.ends_with("with = \"") && after.starts_with('"');
        starts_word && (as_path || imported || serde_with)
    })
}

#[test]
fn every_declared_dependency_is_used() {
    let manifest =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
    let manifest: toml::Table = toml::from_str(&manifest).unwrap();
    let code = code();
    let mut unused = Vec::new();
    let mut checked = 0;
    for section in ["dependencies", "dev-dependencies"] {
        let Some(deps) = manifest.get(section).and_then(toml::Value::as_table) else {
            continue;
        };
        for name in deps.keys() {
            checked += 1;
            if !names_crate(&code, &name.replace('-', "_")) {
                unused.push(format!("{section}.{name}"));
            }
        }
    }
    assert!(checked > 10, "Cargo.toml was read ({checked} dependencies)");
    assert!(
        unused.is_empty(),
        "declared but never used in src/, benches/ or tests/: {unused:?} — remove them from \
         Cargo.toml"
    );
}

#[test]
fn the_check_tells_use_from_mention() {
    assert!(names_crate("use serde_json::Value;", "serde_json"));
    assert!(names_crate("#[tokio::test]", "tokio"));
    assert!(names_crate("let x = json!(1); anyhow!(\"x\")", "anyhow"));
    assert!(names_crate("use memchr;\n", "memchr"));
    assert!(!names_crate("use serde_json::Value;", "serde"));
    assert!(!names_crate("my_tokio::spawn()", "tokio"));
    assert!(!names_crate("a tokio runtime", "tokio"));
}
