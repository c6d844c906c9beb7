//! `docs/CONFIG.md`, generated from the key table and `Config::default()` by
//! `switchboard debug config-doc`; `tests/config_doc.rs` fails when the file drifts.

use std::fmt::Write;

use super::Config;
use super::schema::{self, KEYS_SECTION, ValueKind};

/// The reference as Markdown.
pub fn markdown() -> String {
    let defaults = serde_json::to_value(Config::default()).unwrap_or_default();
    let mut out = String::new();
    out.push_str(
        "# Configuration\n\n\
         <!-- Generated from src/config/schema.rs by `switchboard debug config-doc`; do not edit by hand. -->\n\n\
         `config.toml` is optional and every key has a default. It lives in `$SWITCHBOARD_HOME` \
         (or the directory `--home` names), else in `$XDG_CONFIG_HOME/switchboard/` \
         (`~/.config/switchboard/`). A key or section this page does not list is an error, so a \
         typo never silently does nothing; every error names the line, the key and what its \
         value must be.\n\n\
         Types: a *whole number* is written bare (`10`); a *string* in quotes; a *size* is a \
         number of bytes, a quoted size with a unit (`\"512 KiB\"`, `\"256 MiB\"`, `\"2 GB\"`) \
         or `\"unlimited\"`; a *key chord* is a quoted chord such as `\"ctrl-g\"`, `\"alt-n\"`, \
         `\"f12\"`.\n",
    );
    if schema::keys_of(schema::TOP).next().is_some() {
        out.push_str(
            "\n## Top-level keys\n\nWritten before any `[section]`.\n\n| key | type | default | what it does |\n|---|---|---|---|\n",
        );
        for key in schema::keys_of(schema::TOP) {
            let default = defaults.get(key.name).map(default_text);
            key_row(&mut out, key, default);
        }
    }
    for section in schema::SECTIONS {
        let _ = write!(
            out,
            "\n## `[{}]`\n\n{}\n\n| key | type | default | what it does |\n|---|---|---|---|\n",
            section.name, section.doc
        );
        let mut example = format!("[{}]\n", section.name);
        for key in schema::keys_of(section.name) {
            let default = defaults
                .get(key.section)
                .and_then(|s| s.get(key.name))
                .map(default_text);
            key_row(&mut out, key, default);
            let _ = writeln!(example, "{} = {}", key.name, key.example);
        }
        if section.name == KEYS_SECTION {
            let modes: Vec<String> = crate::tui::keymap::KeyMode::ALL
                .iter()
                .map(|m| format!("`{}`", m.name()))
                .collect();
            let _ = writeln!(
                out,
                "| `[keys.MODE]` | {} of `\"chord\" = \"command\"` | the keys in `docs/KEYS.md` | Rebinds keys in one mode; MODE is one of {}. |",
                ValueKind::KeyTable.doc_type(),
                modes.join(", ")
            );
            let _ = write!(example, "\n[keys.palette]\n{}\n", schema::KEY_TABLE_EXAMPLE);
        }
        let _ = write!(out, "\nExample:\n\n```toml\n{example}```\n");
    }
    out
}

fn key_row(out: &mut String, key: &schema::Key, default: Option<String>) {
    let _ = writeln!(
        out,
        "| `{}` | {} | {} | {} |",
        key.name,
        key.kind.doc_type(),
        default.unwrap_or_else(|| "unset".to_owned()),
        key.doc
    );
}

/// A default as written in TOML (sizes with their unit), or `unset`.
fn default_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "unset".to_owned(),
        serde_json::Value::String(text) => format!("`{text:?}`"),
        serde_json::Value::Object(map) if map.is_empty() => "empty".to_owned(),
        serde_json::Value::Array(items) if items.is_empty() => "`[]`".to_owned(),
        other => format!("`{other}`"),
    }
}

/// Every example section of the reference, as TOML text (for the tests: each must parse).
pub fn examples() -> Vec<String> {
    let doc = markdown();
    doc.split("```toml\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .map(str::to_owned)
        .collect()
}
