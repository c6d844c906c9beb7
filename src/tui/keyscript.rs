//! Key scripts in tmux's `send-keys` notation, so `switchboard render --keys "C-p quit Enter"`
//! (and a bug report, or a test) can drive the headless workstation into any state.
//!
//! Tokens are separated by spaces. A token that names a key (`Enter`, `Escape`, `Up`, `F5`,
//! `BSpace`, …), optionally with modifiers (`C-p`, `M-x`, `S-Tab`, `C-M-Left`), is that key;
//! any other token is typed as text, one key per character. `Space` types a space (a literal
//! space separates tokens).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};

/// Named keys, as tmux spells them (case-insensitive), with a few common aliases.
const NAMED: &[(&str, KeyCode)] = &[
    ("enter", KeyCode::Enter),
    ("escape", KeyCode::Esc),
    ("esc", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("btab", KeyCode::BackTab),
    ("space", KeyCode::Char(' ')),
    ("bspace", KeyCode::Backspace),
    ("backspace", KeyCode::Backspace),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pageup", KeyCode::PageUp),
    ("ppage", KeyCode::PageUp),
    ("pgup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
    ("npage", KeyCode::PageDown),
    ("pgdn", KeyCode::PageDown),
    ("dc", KeyCode::Delete),
    ("delete", KeyCode::Delete),
    ("ic", KeyCode::Insert),
    ("insert", KeyCode::Insert),
];

/// Why a key script was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyScriptError {
    #[error("'{0}': a modifier needs a key after it (e.g. C-p)")]
    MissingKey(String),
    #[error(
        "'{token}': '{key}' is not a key (try a single character, Enter, Escape, Tab, Up, F5, …)"
    )]
    UnknownKey { token: String, key: String },
}

/// The keys a script presses, in order.
pub fn parse(script: &str) -> Result<Vec<KeyEvent>, KeyScriptError> {
    let mut keys = Vec::new();
    for token in script.split(' ').filter(|t| !t.is_empty()) {
        match chord(token)? {
            Some(key) => keys.push(key),
            None => keys.extend(
                token
                    .chars()
                    .map(|c| press(KeyCode::Char(c), KeyModifiers::NONE)),
            ),
        }
    }
    Ok(keys)
}

/// A token as one key, or `None` when it is text to type.
fn chord(token: &str) -> Result<Option<KeyEvent>, KeyScriptError> {
    let mut mods = KeyModifiers::NONE;
    let mut rest = token;
    while let Some((prefix, tail)) = split_modifier(rest) {
        mods |= prefix;
        rest = tail;
    }
    if mods != KeyModifiers::NONE && is_bare_modifier(rest) {
        return Err(KeyScriptError::MissingKey(token.to_owned()));
    }
    if let Some(code) = named(rest) {
        return Ok(Some(press(code, mods)));
    }
    let mut chars = rest.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if mods != KeyModifiers::NONE || token.len() == rest.len() => {
            // A single character: with modifiers, the chord; alone, a typed character.
            let c = if mods.contains(KeyModifiers::CONTROL) {
                c.to_ascii_lowercase()
            } else {
                c
            };
            Ok(Some(press(KeyCode::Char(c), mods)))
        }
        _ if mods == KeyModifiers::NONE => Ok(None),
        _ => Err(KeyScriptError::UnknownKey {
            token: token.to_owned(),
            key: rest.to_owned(),
        }),
    }
}

/// `C-`, `M-` or `S-` at the front (tmux's modifiers), and what follows. A lone `C` or a
/// trailing `-` (typing "C-" as text) is not a modifier.
fn split_modifier(text: &str) -> Option<(KeyModifiers, &str)> {
    let bytes = text.as_bytes();
    if bytes.len() < 3 || bytes[1] != b'-' {
        return None;
    }
    let mods = match bytes[0] {
        b'C' | b'c' => KeyModifiers::CONTROL,
        b'M' | b'm' => KeyModifiers::ALT,
        b'S' | b's' => KeyModifiers::SHIFT,
        _ => return None,
    };
    Some((mods, &text[2..]))
}

/// `C-`, `M-` or `S-` with nothing after it.
fn is_bare_modifier(text: &str) -> bool {
    matches!(
        text.as_bytes(),
        [b'C' | b'c' | b'M' | b'm' | b'S' | b's', b'-']
    )
}

fn named(name: &str) -> Option<KeyCode> {
    let lower = name.to_ascii_lowercase();
    if let Some(n) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok())
        && (1..=12).contains(&n)
    {
        return Some(KeyCode::F(n));
    }
    NAMED
        .iter()
        .find(|(spelled, _)| *spelled == lower)
        .map(|(_, code)| *code)
}

fn press(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
    KeyEvent {
        code,
        modifiers: mods,
        kind: KeyEventKind::Press,
        state: KeyEventState::NONE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        press(code, mods)
    }

    #[test]
    fn tmux_notation() {
        let cases: &[(&str, Vec<KeyEvent>)] = &[
            ("C-p", vec![key(KeyCode::Char('p'), KeyModifiers::CONTROL)]),
            ("C-P", vec![key(KeyCode::Char('p'), KeyModifiers::CONTROL)]),
            ("M-s", vec![key(KeyCode::Char('s'), KeyModifiers::ALT)]),
            (
                "C-M-Left",
                vec![key(
                    KeyCode::Left,
                    KeyModifiers::CONTROL | KeyModifiers::ALT,
                )],
            ),
            ("S-Tab", vec![key(KeyCode::Tab, KeyModifiers::SHIFT)]),
            ("Enter", vec![key(KeyCode::Enter, KeyModifiers::NONE)]),
            ("escape", vec![key(KeyCode::Esc, KeyModifiers::NONE)]),
            ("F5", vec![key(KeyCode::F(5), KeyModifiers::NONE)]),
            ("BSpace", vec![key(KeyCode::Backspace, KeyModifiers::NONE)]),
            (
                "hi Space x",
                vec![
                    key(KeyCode::Char('h'), KeyModifiers::NONE),
                    key(KeyCode::Char('i'), KeyModifiers::NONE),
                    key(KeyCode::Char(' '), KeyModifiers::NONE),
                    key(KeyCode::Char('x'), KeyModifiers::NONE),
                ],
            ),
            ("?", vec![key(KeyCode::Char('?'), KeyModifiers::NONE)]),
            // Text that merely looks like a modifier is typed.
            (
                "C-",
                vec![
                    key(KeyCode::Char('C'), KeyModifiers::NONE),
                    key(KeyCode::Char('-'), KeyModifiers::NONE),
                ],
            ),
            ("  ", vec![]),
        ];
        for (script, want) in cases {
            assert_eq!(&parse(script).unwrap_or_default(), want, "{script}");
        }
    }

    #[test]
    fn bad_scripts_say_which_token() {
        let err = parse("C-p C-Nope").err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "'C-Nope': 'Nope' is not a key (try a single character, Enter, Escape, Tab, Up, F5, …)"
            )
        );
        assert!(matches!(
            parse("F13x C-M-"),
            Err(KeyScriptError::MissingKey(_))
        ));
    }

    proptest! {
        /// Any text parses or is refused with a message; never a panic. Plain words (no
        /// modifier prefix, not a key name) type one key per character.
        #[test]
        fn never_panics_and_words_are_typed(script in "\\PC{0,40}") {
            let _ = parse(&script);
        }

        #[test]
        fn words_type_their_characters(word in "[a-z0-9./]{2,12}") {
            prop_assume!(named(&word).is_none() && split_modifier(&word).is_none());
            let keys = parse(&word).unwrap_or_default();
            let typed: String = keys
                .iter()
                .filter_map(|k| match k.code { KeyCode::Char(c) => Some(c), _ => None })
                .collect();
            prop_assert_eq!(typed, word);
        }
    }
}
