//! Table tests of parsing, the checker's messages and the reference's coverage.

use super::*;

#[test]
fn empty_config_is_defaults() {
    assert_eq!(Config::parse("").unwrap(), Config::default());
}

#[test]
fn pane_history_takes_sizes() {
    for (text, bytes) in [
        ("pane_history = \"256 MiB\"", Some(256 << 20)),
        ("pane_history = \"2GB\"", Some(2_000_000_000)),
        ("pane_history = 33554432", Some(32 << 20)),
        ("pane_history = \"unlimited\"", None),
    ] {
        let config = Config::parse(&format!("[store]\n{text}\n")).unwrap();
        assert_eq!(config.store.pane_history, ByteLimit(bytes), "{text}");
        assert_eq!(config.store_options().pane_history, bytes);
    }
    assert_eq!(
        Config::default().store_options().pane_history,
        Some(crate::store::DEFAULT_PANE_HISTORY)
    );
    let err = Config::parse("[store]\npane_history = \"lots\"\n").unwrap_err();
    assert!(err.starts_with("line 2:"), "{err}");
    assert!(err.contains("256 MiB"), "{err}");
}

#[test]
fn errors_name_the_line() {
    let err = Config::parse("[store]\ncheckpoint_every = 10\nbogus = 1\n").unwrap_err();
    assert!(err.starts_with("line 3:"), "{err}");
    assert!(err.contains("bogus"), "{err}");
    assert!(!err.contains('\n'));
}

#[test]
fn model_section_parses_and_rejects_typos() {
    let config = Config::parse(
        "[model]\nbase_url = \"http://localhost:9/v1\"\nmodel = \"m\"\nenv_key = \"K\"\n\
         idle_timeout_secs = 9\nmax_attempts = 2\nretry_base_ms = 5\n",
    )
    .unwrap();
    assert_eq!(
        config.model.base_url.as_deref(),
        Some("http://localhost:9/v1")
    );
    assert_eq!(config.model.max_attempts, 2);
    assert_eq!(config.model.retry_base_ms, 5);
    let err = Config::parse("[model]\napi_key = \"sk\"\n").unwrap_err();
    assert!(err.contains("api_key"), "{err}");
}

/// Every kind of mistake, with the whole message it gives: one line, the line number, the key
/// path, what was expected in plain words and what was found.
#[test]
fn mistakes_read_in_the_users_words() {
    for (text, wanted) in [
        (
            "model = 5\n",
            "line 1: `model` must be a table like `[model]`, found an integer (5)",
        ),
        (
            "[model]\nmodel = 5\n",
            "line 2: `model.model` must be a string in quotes, found an integer (5)",
        ),
        (
            "[model]\nbase_url = \"localhost:8080\"\n",
            "line 2: `model.base_url` must be a URL in quotes like \"http://localhost:8080/v1\", found a string (\"localhost:8080\")",
        ),
        (
            "[model]\nmax_attempts = -1\n",
            "line 2: `model.max_attempts` must be a whole number from 0 to 4294967295, found an integer (-1)",
        ),
        (
            "[model]\nidle_timeout_secs = 1.5\n",
            "line 2: `model.idle_timeout_secs` must be a whole number like 10, found a number with a fraction (1.5)",
        ),
        (
            "[store]\npane_history = true\n",
            "line 2: `store.pane_history` must be a size like \"256 MiB\", a number of bytes or \"unlimited\", found a boolean (true)",
        ),
        (
            "[store]\npane_history = \"lots\"\n",
            "line 2: `store.pane_history` must be a size like \"256 MiB\", a number of bytes or \"unlimited\", found a string (\"lots\")",
        ),
        (
            "[pty]\nscrollback_lines = \"many\"\n",
            "line 2: `pty.scrollback_lines` must be a whole number like 10, found a string (\"many\")",
        ),
        (
            "[keys]\nleader = 7\n",
            "line 2: `keys.leader` must be a key chord in quotes like \"ctrl-g\", found an integer (7)",
        ),
        (
            "keys = [1]\n",
            "line 1: `keys` must be a table like `[keys]`, found a list",
        ),
        (
            "[keys]\npalette = \"x\"\n",
            "line 2: `keys.palette` must be a table like `[keys.palette]` of \"ctrl-j\" = \"list.down\", found a string (\"x\")",
        ),
        (
            "[keys.palette]\n\"ctrl-j\" = 1\n",
            "line 2: `keys.palette.\"ctrl-j\"` must be a command name in quotes like \"list.down\" (or \"none\"), found an integer (1)",
        ),
        (
            "[keys.palete]\n",
            "line 1: unknown key `keys.palete` (did you mean `keys.palette`?)",
        ),
        (
            "[modle]\nmodel = \"m\"\n",
            "line 1: unknown section `[modle]` (did you mean `[model]`?)",
        ),
        (
            "[colours]\n",
            "line 1: unknown section `[colours]`; the sections are [store], [model], [pty], [keys], [tasks]",
        ),
        (
            "[pty]\nscrollback = 5\n",
            "line 2: unknown key `pty.scrollback` (did you mean `pty.scrollback_lines`?)",
        ),
        (
            "[model]\napi_key = \"sk\"\n",
            "line 2: unknown key `model.api_key`; [model] takes base_url, model, env_key, idle_timeout_secs, max_attempts, retry_base_ms, compact_at",
        ),
        // The first mistake in the file is the one reported.
        (
            "[store]\nbogus = 1\n[model]\nmodel = 5\n",
            "line 2: unknown key `store.bogus`; [store] takes checkpoint_every, pane_history",
        ),
    ] {
        let err = Config::parse(text).unwrap_err();
        assert_eq!(err, wanted, "{text:?}");
        assert!(!err.contains('\n'));
    }
}

#[test]
fn syntax_errors_keep_their_line() {
    let err = Config::parse("[store]\ncheckpoint_every = = 3\n").unwrap_err();
    assert!(err.starts_with("line 2:"), "{err}");
    assert!(!err.contains('\n'), "{err}");
}

#[test]
fn load_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "model = 5\n").unwrap();
    let err = Config::load(&path).unwrap_err();
    assert!(
        err.starts_with(&format!("config {}: line 1: `model`", path.display())),
        "{err}"
    );
}

/// Every key `Config::default()` has is in the schema (so in `docs/CONFIG.md`), and every key
/// of the schema is a real one.
#[test]
fn the_schema_covers_every_key() {
    let defaults = serde_json::to_value(Config::default()).unwrap();
    let mut real = Vec::new();
    for (name, value) in defaults.as_object().unwrap() {
        match (schema::section(name), value.as_object()) {
            (Some(_), Some(keys)) => {
                real.extend(keys.keys().map(|key| format!("{name}.{key}")));
            }
            _ => real.push(name.clone()),
        }
    }
    let documented: Vec<String> = schema::KEYS.iter().map(schema::Key::path).collect();
    for path in &real {
        assert!(
            documented.contains(path),
            "{path} is not in config/schema.rs"
        );
    }
    for path in &documented {
        assert!(
            real.contains(path),
            "{path} is in the schema but not in Config"
        );
    }
    for section in schema::SECTIONS {
        assert!(
            defaults[section.name].is_object(),
            "[{}] is not in Config",
            section.name
        );
    }
}

/// Every example parses, and sets its key to something other than the default (so an example
/// that silently does nothing is caught).
#[test]
fn every_example_parses_and_changes_its_key() {
    let defaults = serde_json::to_value(Config::default()).unwrap();
    for key in schema::KEYS {
        let top = key.section == schema::TOP;
        let text = if top {
            format!("{} = {}\n", key.name, key.example)
        } else {
            format!("[{}]\n{} = {}\n", key.section, key.name, key.example)
        };
        let config = Config::parse(&text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        let value = serde_json::to_value(&config).unwrap();
        let (got, default) = if top {
            (&value[key.name], &defaults[key.name])
        } else {
            (
                &value[key.section][key.name],
                &defaults[key.section][key.name],
            )
        };
        assert_ne!(got, default, "the example of {} is its default", key.path());
    }
    let examples = doc::examples();
    assert!(examples.len() >= schema::SECTIONS.len());
    for example in examples {
        let config = Config::parse(&example).unwrap_or_else(|e| panic!("{example:?}: {e}"));
        config.keymap().unwrap();
    }
}

#[test]
fn sizes_print_in_their_unit() {
    for (limit, text) in [
        (ByteLimit(Some(256 << 20)), "256 MiB"),
        (ByteLimit(Some(3 << 30)), "3 GiB"),
        (ByteLimit(Some(3072)), "3 KiB"),
        (ByteLimit(Some(1000)), "1000"),
        (ByteLimit(None), "unlimited"),
    ] {
        assert_eq!(limit.to_string(), text);
        assert_eq!(ByteLimit::parse(text), Some(limit));
    }
}

/// `docs/CONFIG.md` is generated from the schema; this fails when they drift.
#[test]
fn config_doc_matches_the_schema() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/CONFIG.md");
    let on_disk = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        on_disk == doc::markdown(),
        "docs/CONFIG.md drifted from src/config/schema.rs; run `cargo run -q -- debug config-doc > docs/CONFIG.md`"
    );
}

/// Kinds no key of today's schema uses yet still check their values.
#[test]
fn lists_and_string_tables_are_checked() {
    use schema::ValueKind::{StringMap, Strings};
    fn value(text: &str) -> toml::de::DeValue<'_> {
        toml::de::DeValue::parse(text).unwrap().into_inner()
    }
    assert_eq!(
        check::check_value("notify", Strings, &value("[\"a\", \"b\"]")),
        None
    );
    assert_eq!(
        check::check_value("notify", Strings, &value("[\"a\", 1]")).unwrap(),
        "`notify` must be a list of strings like [\"a\", \"b\"], found a list"
    );
    assert_eq!(
        check::check_value("t.c", StringMap, &value("{ a = \"x\" }")),
        None
    );
    assert_eq!(
        check::check_value("t.c", StringMap, &value("\"x\"")).unwrap(),
        "`t.c` must be a table like `[t.c]` of names = \"strings\", found a string (\"x\")"
    );
}
