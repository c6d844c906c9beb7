//! Checks a parsed `config.toml` against the key table before serde sees it, so every mistake
//! reads in the user's words: the line, the key path, what the value must be, and what was
//! found ("`model` must be a table like `[model]`, found an integer (5)"), and an unknown key
//! is named with the closest real one.

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::ByteLimit;
use super::schema::{self, KEYS_SECTION, ValueKind};

/// Longest piece of a found value quoted in a message.
const QUOTE_CHARS: usize = 40;

/// The first problem in the file (by position): its byte offset and the message.
pub fn check(root: &DeTable<'_>) -> Option<(usize, String)> {
    let mut problems = Vec::new();
    for (key, value) in root {
        let name = key.get_ref().as_ref();
        if schema::section(name).is_some() {
            match value.get_ref() {
                DeValue::Table(table) => check_section(name, table, &mut problems),
                other => problems.push((
                    value.span().start,
                    mismatch(name, ValueKind::Section, other),
                )),
            }
        } else if let Some(key_info) = schema::key(schema::TOP, name) {
            if let Some(message) = check_value(name, key_info.kind, value.get_ref()) {
                problems.push((value.span().start, message));
            }
        } else {
            problems.push((key.span().start, unknown_section(name)));
        }
    }
    problems.into_iter().min_by_key(|(at, _)| *at)
}

fn check_section(section: &str, table: &DeTable<'_>, problems: &mut Vec<(usize, String)>) {
    for (key, value) in table {
        let name = key.get_ref().as_ref();
        let path = format!("{section}.{name}");
        match schema::key(section, name) {
            Some(key_info) => {
                if let Some(message) = check_value(&path, key_info.kind, value.get_ref()) {
                    problems.push((value.span().start, message));
                }
            }
            None if section == KEYS_SECTION => check_key_table(name, value, problems),
            None => problems.push((key.span().start, unknown_key(section, name))),
        }
    }
}

/// A `[keys.MODE]` table: a known mode, and command names as strings. Chords and command
/// names themselves are checked when the keymap is built (`tui::keymap`), which names them.
fn check_key_table(mode: &str, value: &Spanned<DeValue<'_>>, problems: &mut Vec<(usize, String)>) {
    use crate::tui::keymap::KeyMode;
    let path = format!("{KEYS_SECTION}.{mode}");
    if KeyMode::by_name(mode).is_none() {
        let mut names: Vec<&str> = KeyMode::ALL.iter().map(|m| m.name()).collect();
        names.insert(0, "leader");
        let hint = match schema::closest(mode, names.iter().copied()) {
            Some(close) => format!(" (did you mean `{KEYS_SECTION}.{close}`?)"),
            None => format!(
                "; [keys] takes `leader` and a table per mode: {}",
                names[1..].join(", ")
            ),
        };
        problems.push((value.span().start, format!("unknown key `{path}`{hint}")));
        return;
    }
    let DeValue::Table(table) = value.get_ref() else {
        problems.push((
            value.span().start,
            format!(
                "`{path}` must be a table like `[{path}]` of {}, found {}",
                schema::KEY_TABLE_EXAMPLE,
                found(value.get_ref())
            ),
        ));
        return;
    };
    for (chord, command) in table {
        if !matches!(command.get_ref(), DeValue::String(_)) {
            problems.push((
                command.span().start,
                format!(
                    "`{path}.\"{}\"` must be a command name in quotes like \"list.down\" (or \"none\"), found {}",
                    chord.get_ref(),
                    found(command.get_ref())
                ),
            ));
        }
    }
}

/// Why `value` cannot be a `kind`, if it cannot.
pub(super) fn check_value(path: &str, kind: ValueKind, value: &DeValue<'_>) -> Option<String> {
    let fits = match (kind, value) {
        (ValueKind::Text | ValueKind::Chord, DeValue::String(_)) => true,
        (ValueKind::Url, DeValue::String(text)) => {
            let text = text.trim();
            text.starts_with("http://") || text.starts_with("https://")
        }
        (ValueKind::Whole { max }, DeValue::Integer(int)) => {
            u64::from_str_radix(int.as_str(), int.radix()).is_ok_and(|n| n <= max)
        }
        (ValueKind::Size, DeValue::Integer(int)) => {
            u64::from_str_radix(int.as_str(), int.radix()).is_ok()
        }
        (ValueKind::Size, DeValue::String(text)) => ByteLimit::parse(text).is_some(),
        (ValueKind::Section | ValueKind::KeyTable, DeValue::Table(_)) => true,
        (ValueKind::Strings, DeValue::Array(items)) => items
            .iter()
            .all(|item| matches!(item.get_ref(), DeValue::String(_))),
        (ValueKind::StringMap, DeValue::Table(table)) => table
            .values()
            .all(|item| matches!(item.get_ref(), DeValue::String(_))),
        _ => false,
    };
    (!fits).then(|| mismatch(path, kind, value))
}

fn mismatch(path: &str, kind: ValueKind, value: &DeValue<'_>) -> String {
    format!(
        "`{path}` must be {}, found {}",
        kind.expected(path),
        found(value)
    )
}

/// A top-level name that is neither a section nor a top-level key.
fn unknown_section(name: &str) -> String {
    let names = schema::SECTIONS
        .iter()
        .map(|s| s.name)
        .chain(schema::keys_of(schema::TOP).map(|k| k.name));
    match schema::closest(name, names) {
        Some(close) if schema::section(close).is_some() => {
            format!("unknown section `[{name}]` (did you mean `[{close}]`?)")
        }
        Some(close) => format!("unknown key `{name}` (did you mean `{close}`?)"),
        None => {
            let all: Vec<String> = schema::SECTIONS
                .iter()
                .map(|s| format!("[{}]", s.name))
                .collect();
            format!(
                "unknown section `[{name}]`; the sections are {}",
                all.join(", ")
            )
        }
    }
}

fn unknown_key(section: &str, name: &str) -> String {
    let names: Vec<&str> = schema::keys_of(section).map(|k| k.name).collect();
    match schema::closest(name, names.iter().copied()) {
        Some(close) => {
            format!("unknown key `{section}.{name}` (did you mean `{section}.{close}`?)")
        }
        None => format!(
            "unknown key `{section}.{name}`; [{section}] takes {}",
            names.join(", ")
        ),
    }
}

/// What was found, in words, with the value when it is short.
fn found(value: &DeValue<'_>) -> String {
    match value {
        DeValue::String(text) => {
            let mut quoted: String = text.chars().take(QUOTE_CHARS).collect();
            if text.chars().count() > QUOTE_CHARS {
                quoted.push('…');
            }
            format!("a string ({quoted:?})")
        }
        DeValue::Integer(int) => format!("an integer ({int})"),
        DeValue::Float(float) => format!("a number with a fraction ({float})"),
        DeValue::Boolean(flag) => format!("a boolean ({flag})"),
        DeValue::Datetime(date) => format!("a date ({date})"),
        DeValue::Array(_) => "a list".to_owned(),
        DeValue::Table(_) => "a table".to_owned(),
    }
}
