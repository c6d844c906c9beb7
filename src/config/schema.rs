//! Every `config.toml` key in one table: its path, what its value must be (in the words error
//! messages and `docs/CONFIG.md` use), what it does and an example. The checker, the generated
//! reference and the drift test read this table; the defaults come from `Config::default()`.

/// What a value must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// A `[section]` table.
    Section,
    /// Any string.
    Text,
    /// A URL string.
    Url,
    /// A whole number from 0 to `max`.
    Whole { max: u64 },
    /// A size: bytes, `"256 MiB"`, `"2 GB"` or `"unlimited"`.
    Size,
    /// A key chord string such as `"ctrl-g"`.
    Chord,
    /// A `[keys.MODE]` table of `"chord" = "command"`.
    KeyTable,
    /// A list of strings, e.g. a command and its arguments.
    Strings,
    /// A table of names to strings.
    StringMap,
}

impl ValueKind {
    /// What the value must be, as a phrase after "must be".
    pub fn expected(self, path: &str) -> String {
        match self {
            Self::Section | Self::KeyTable => format!("a table like `[{path}]`"),
            Self::Text => "a string in quotes".to_owned(),
            Self::Url => "a URL in quotes like \"http://localhost:8080/v1\"".to_owned(),
            Self::Whole { max } if max == u64::MAX => "a whole number like 10".to_owned(),
            Self::Whole { max } => format!("a whole number from 0 to {max}"),
            Self::Size => "a size like \"256 MiB\", a number of bytes or \"unlimited\"".to_owned(),
            Self::Chord => "a key chord in quotes like \"ctrl-g\"".to_owned(),
            Self::Strings => "a list of strings like [\"a\", \"b\"]".to_owned(),
            Self::StringMap => format!("a table like `[{path}]` of names = \"strings\""),
        }
    }

    /// The type column of `docs/CONFIG.md`.
    pub fn doc_type(self) -> &'static str {
        match self {
            Self::Section | Self::KeyTable => "table",
            Self::Text => "string",
            Self::Url => "URL string",
            Self::Whole { .. } => "whole number",
            Self::Size => "size",
            Self::Chord => "key chord",
            Self::Strings => "list of strings",
            Self::StringMap => "table of strings",
        }
    }
}

/// A `[section]` of the file.
#[derive(Debug, Clone, Copy)]
pub struct Section {
    pub name: &'static str,
    pub doc: &'static str,
}

/// One key of a section (or of the top level, with [`TOP`] as its section).
#[derive(Debug, Clone, Copy)]
pub struct Key {
    pub section: &'static str,
    pub name: &'static str,
    pub kind: ValueKind,
    /// What it does; for keys without a default value (unset), what unset means.
    pub doc: &'static str,
    /// A value as written in TOML.
    pub example: &'static str,
}

impl Key {
    /// `section.name` (or `name` at the top level), the path errors and the docs use.
    pub fn path(&self) -> String {
        if self.section == TOP {
            self.name.to_owned()
        } else {
            format!("{}.{}", self.section, self.name)
        }
    }
}

/// The section of keys written before any `[section]` header.
pub const TOP: &str = "";

/// The `[keys]` section also takes one `[keys.MODE]` table per mode (see `docs/KEYS.md`).
pub const KEYS_SECTION: &str = "keys";

pub const SECTIONS: &[Section] = &[
    Section {
        name: "store",
        doc: "The event store (`store.redb`): how often sessions are checkpointed and how much terminal output is kept.",
    },
    Section {
        name: "model",
        doc: "Where the native agent's model lives and how hard a request is retried. The API key is never read from this file, only from the environment variable `env_key` names, so the file can be shared.",
    },
    Section {
        name: "pty",
        doc: "PTY panes (shells and programs in slots).",
    },
    Section {
        name: "keys",
        doc: "Key bindings: the leader, and a `[keys.MODE]` table per mode that maps a chord to a command name (`\"none\"` unbinds it). The modes, commands and default keys are in `docs/KEYS.md`.",
    },
    Section {
        name: "tasks",
        doc: "The task board (`docs/TASKS.md`): how many tasks run at once, how agent executors ask for approval, and the commands executors run.",
    },
];

const U32_MAX: u64 = u32::MAX as u64;

pub const KEYS: &[Key] = &[
    Key {
        section: "store",
        name: "checkpoint_every",
        kind: ValueKind::Whole { max: u64::MAX },
        doc: "Events between a session's checkpoints: a resume replays at most this many events after the latest one. Checkpoints are also written at every turn's end. 0 counts as 1.",
        example: "1024",
    },
    Key {
        section: "store",
        name: "pane_history",
        kind: ValueKind::Size,
        doc: "Terminal output each PTY session keeps in the store. Older output is dropped in whole chunks (never past the pane's latest screen, so resume stays exact); limits under 16 MiB count as 16 MiB. `store compact` gives the space back.",
        example: "\"1 GiB\"",
    },
    Key {
        section: "model",
        name: "base_url",
        kind: ValueKind::Url,
        doc: "Root of the Responses API endpoint; requests go to `{base_url}/responses`. `OPENAI_BASE_URL` overrides it. Unset: `https://api.openai.com/v1`.",
        example: "\"http://localhost:8080/v1\"",
    },
    Key {
        section: "model",
        name: "model",
        kind: ValueKind::Text,
        doc: "Model for native agents; `--model` overrides it. Unset: `gpt-5`.",
        example: "\"gpt-5-mini\"",
    },
    Key {
        section: "model",
        name: "env_key",
        kind: ValueKind::Text,
        doc: "Name of the environment variable that holds the API key. Unset: `OPENAI_API_KEY`.",
        example: "\"MY_PROXY_KEY\"",
    },
    Key {
        section: "model",
        name: "idle_timeout_secs",
        kind: ValueKind::Whole { max: u64::MAX },
        doc: "Seconds without a byte from a response stream before the attempt counts as failed (and is retried). 0 counts as 1.",
        example: "600",
    },
    Key {
        section: "model",
        name: "max_attempts",
        kind: ValueKind::Whole { max: U32_MAX },
        doc: "Attempts per request in total, the first included. 0 counts as 1.",
        example: "3",
    },
    Key {
        section: "model",
        name: "retry_base_ms",
        kind: ValueKind::Whole { max: u64::MAX },
        doc: "Milliseconds before the first retry; doubled for each later one (at most 30 s; a server's `retry-after` wins).",
        example: "1000",
    },
    Key {
        section: "model",
        name: "compact_at",
        kind: ValueKind::Whole { max: u64::MAX },
        doc: "Compact an agent's conversation once it is estimated (or reported) to pass this many tokens: the model writes a handoff summary, recorded as a `conversation.compacted` event, and later requests start from it; the session keeps every event. 0 never compacts.",
        example: "120000",
    },
    Key {
        section: "pty",
        name: "scrollback_lines",
        kind: ValueKind::Whole { max: u64::MAX },
        doc: "Lines of history each pane keeps in memory: the newest 200 as full cells, older ones compact (a few bytes for a short line, at most 8 MiB a pane). A recorded pane scrolls further back than this: older lines are paged in from the store.",
        example: "5000",
    },
    Key {
        section: "pty",
        name: "idle_after_secs",
        kind: ValueKind::Whole { max: u64::MAX },
        doc: "Seconds without output after which a pane shows as idle.",
        example: "10",
    },
    Key {
        section: "keys",
        name: "leader",
        kind: ValueKind::Chord,
        doc: "The chord that takes the keys back from a focused pane (then one more key: `d` detaches). It needs Ctrl, Alt or a function key.",
        example: "\"ctrl-]\"",
    },
    Key {
        section: TOP,
        name: "notify",
        kind: ValueKind::Strings,
        doc: "A command run, with a JSON payload as its last argument, whenever a task or a slot waits for a person (Codex's `notify`). Unset: only the terminal bell and OSC 9/777.",
        example: "[\"notify-send-wrapper\"]",
    },
    Key {
        section: "tasks",
        name: "max_running",
        kind: ValueKind::Whole { max: U32_MAX },
        doc: "Tasks running at once, across every repository.",
        example: "8",
    },
    Key {
        section: "tasks",
        name: "max_running_per_repo",
        kind: ValueKind::Whole { max: U32_MAX },
        doc: "Tasks of one repository running at once (`task submit --max-running` overrides it).",
        example: "1",
    },
    Key {
        section: "tasks",
        name: "approval",
        kind: ValueKind::Text,
        doc: "Approval policy of agent executors unless a task gives its own: `untrusted`, `on-request` or `never`.",
        example: "\"never\"",
    },
    Key {
        section: "tasks",
        name: "validation_timeout_secs",
        kind: ValueKind::Whole { max: u64::MAX },
        doc: "Seconds one validation command may run before it counts as failed.",
        example: "1200",
    },
    Key {
        section: "tasks",
        name: "codex",
        kind: ValueKind::Strings,
        doc: "The command (and leading arguments) that runs the Codex CLI for the `codex` executor.",
        example: "[\"npx\", \"-y\", \"@openai/codex\"]",
    },
    Key {
        section: "tasks",
        name: "commands",
        kind: ValueKind::StringMap,
        doc: "Executor presets: a name → a command line with a `{prompt}` placeholder (`task submit --executor NAME`).",
        example: "{ claude = \"claude -p {prompt}\" }",
    },
];

/// The example of a `[keys.MODE]` table in errors and docs.
pub const KEY_TABLE_EXAMPLE: &str = "\"ctrl-j\" = \"list.down\"";

pub fn section(name: &str) -> Option<&'static Section> {
    SECTIONS.iter().find(|s| s.name == name)
}

pub fn key(section: &str, name: &str) -> Option<&'static Key> {
    KEYS.iter().find(|k| k.section == section && k.name == name)
}

/// The keys of one section, in table order.
pub fn keys_of(section: &str) -> impl Iterator<Item = &'static Key> + '_ {
    KEYS.iter().filter(move |k| k.section == section)
}

/// The candidate closest to `typed`, when it is close enough to be a typo: at most a third
/// of its letters differ (two for short names), or one contains the other.
pub fn closest<'a>(typed: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let typed = typed.to_ascii_lowercase();
    candidates
        .into_iter()
        .filter_map(|candidate| {
            let distance = edit_distance(&typed, candidate);
            let budget = (candidate.len() / 3).max(2);
            let contains = typed.len() >= 3
                && (candidate.contains(typed.as_str()) || typed.contains(candidate));
            (distance <= budget || contains).then_some((distance, candidate))
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitute.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_key() {
        let names = ["scrollback_lines", "idle_after_secs"];
        for (typed, wanted) in [
            ("scrollback", Some("scrollback_lines")),
            ("scrolback_lines", Some("scrollback_lines")),
            ("idle_after", Some("idle_after_secs")),
            ("colour", None),
        ] {
            assert_eq!(closest(typed, names), wanted, "{typed}");
        }
        assert_eq!(
            closest("modle", ["store", "model", "pty", "keys"]),
            Some("model")
        );
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
