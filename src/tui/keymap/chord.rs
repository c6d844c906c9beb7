//! A key chord: a key and its modifiers, how it matches what the terminal sends, how it reads
//! in hints ("Ctrl+P") and how it is written in `config.toml` ("ctrl-p").

use crossterm::event::{KeyCode, KeyModifiers};

/// When a binding applies beyond its mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Always,
    /// At least one slot is open.
    HasSlots,
    /// The composer is empty (so a printable key like `?` is a command, not text).
    ComposerEmpty,
}

/// A key chord, and when it is bound (e.g. `?` only while the composer is empty, where it
/// would otherwise be text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chord {
    pub code: KeyCode,
    pub mods: KeyModifiers,
    pub when: When,
}

pub const C: KeyModifiers = KeyModifiers::CONTROL;
pub const S: KeyModifiers = KeyModifiers::SHIFT;
pub const A: KeyModifiers = KeyModifiers::ALT;

impl Chord {
    pub const fn new(code: KeyCode, mods: KeyModifiers) -> Self {
        Self {
            code,
            mods,
            when: When::Always,
        }
    }

    /// The same chord, bound only while the composer is empty.
    pub const fn if_composer_empty(self) -> Self {
        Self {
            when: When::ComposerEmpty,
            ..self
        }
    }

    pub const fn plain(code: KeyCode) -> Self {
        Self::new(code, KeyModifiers::NONE)
    }

    pub const fn key(c: char) -> Self {
        Self::plain(KeyCode::Char(c))
    }

    pub const fn ctrl(c: char) -> Self {
        Self::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    pub const fn alt(c: char) -> Self {
        Self::new(KeyCode::Char(c), KeyModifiers::ALT)
    }

    /// Whether a pressed key matches. Shift is ignored for printable characters (the
    /// character already carries it), never for other keys; a bound capital letter (`R`)
    /// matches only the capital.
    pub fn matches(&self, code: KeyCode, mods: KeyModifiers) -> bool {
        let relevant = KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT;
        let (mut want, mut got) = (self.mods & relevant, mods & relevant);
        if let KeyCode::Char(c) = code {
            want.remove(KeyModifiers::SHIFT);
            got.remove(KeyModifiers::SHIFT);
            let lower = |k: KeyCode| match k {
                KeyCode::Char(x) if !want.is_empty() => KeyCode::Char(x.to_ascii_lowercase()),
                other => other,
            };
            return lower(self.code) == lower(KeyCode::Char(c)) && want == got;
        }
        // Terminals send Shift+Tab as BackTab, with or without the Shift flag.
        if code == KeyCode::BackTab {
            return self.code == KeyCode::BackTab;
        }
        self.code == code && want == got
    }

    /// Whether two chords are the same key (their conditions aside).
    pub fn same_key(&self, other: &Chord) -> bool {
        self.code == other.code && self.mods == other.mods
    }

    /// "Ctrl+P", "Shift+Enter", "F1", "?" (with a note when the binding is conditional).
    pub fn label(&self) -> String {
        match self.when {
            When::ComposerEmpty => format!("{} (empty prompt)", self.key_label()),
            When::Always | When::HasSlots => self.key_label(),
        }
    }

    /// The key alone, as hints show it: a plain letter as typed (`y`), a chord in title case
    /// (`Ctrl+P`).
    pub fn key_label(&self) -> String {
        if let (KeyCode::Char(c), true) = (self.code, self.mods.is_empty())
            && c.is_ascii_lowercase()
        {
            return c.to_string();
        }
        let mut parts = Vec::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            parts.push("Ctrl".to_owned());
        }
        if self.mods.contains(KeyModifiers::ALT) {
            parts.push("Alt".to_owned());
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            parts.push("Shift".to_owned());
        }
        parts.push(key_label(self.code));
        parts.join("+")
    }

    /// Parses a chord as `config.toml` writes it: `ctrl-g`, `ctrl+]`, `alt-x`, `shift-tab`,
    /// `f12`, `esc`, `enter`, `pgdn`, `j`, `R`.
    pub fn parse(text: &str) -> Option<Chord> {
        let trimmed = text.trim();
        let mut mods = KeyModifiers::NONE;
        let mut rest = trimmed;
        loop {
            let lower = rest.to_ascii_lowercase();
            let strip = |prefix: &str| {
                lower
                    .strip_prefix(&format!("{prefix}-"))
                    .or_else(|| lower.strip_prefix(&format!("{prefix}+")))
                    .map(|r| &rest[rest.len() - r.len()..])
            };
            if let Some(r) = strip("ctrl") {
                mods |= KeyModifiers::CONTROL;
                rest = r;
            } else if let Some(r) = strip("alt") {
                mods |= KeyModifiers::ALT;
                rest = r;
            } else if let Some(r) = strip("shift") {
                mods |= KeyModifiers::SHIFT;
                rest = r;
            } else {
                break;
            }
        }
        let named = match rest.to_ascii_lowercase().as_str() {
            "esc" | "escape" => Some(KeyCode::Esc),
            "enter" | "return" => Some(KeyCode::Enter),
            "tab" => Some(KeyCode::Tab),
            "backtab" => Some(KeyCode::BackTab),
            "backspace" => Some(KeyCode::Backspace),
            "delete" | "del" => Some(KeyCode::Delete),
            "up" => Some(KeyCode::Up),
            "down" => Some(KeyCode::Down),
            "left" => Some(KeyCode::Left),
            "right" => Some(KeyCode::Right),
            "home" => Some(KeyCode::Home),
            "end" => Some(KeyCode::End),
            "pgup" | "pageup" => Some(KeyCode::PageUp),
            "pgdn" | "pagedown" => Some(KeyCode::PageDown),
            "space" => Some(KeyCode::Char(' ')),
            f if f.starts_with('f')
                && f.len() > 1
                && f[1..].chars().all(|c| c.is_ascii_digit()) =>
            {
                f[1..]
                    .parse()
                    .ok()
                    .filter(|n| (1..=24).contains(n))
                    .map(KeyCode::F)
            }
            _ => None,
        };
        let code = match named {
            Some(KeyCode::Tab) if mods.contains(KeyModifiers::SHIFT) => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            Some(code) => code,
            None if rest.chars().count() == 1 => {
                let c = rest.chars().next()?;
                if mods.is_empty() {
                    KeyCode::Char(c)
                } else {
                    KeyCode::Char(c.to_ascii_lowercase())
                }
            }
            None => return None,
        };
        Some(Chord::new(code, mods))
    }

    /// How `config.toml` writes this chord (the inverse of [`Self::parse`]).
    pub fn config_text(&self) -> String {
        let mut out = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            out.push_str("ctrl-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            out.push_str("alt-");
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            out.push_str("shift-");
        }
        out.push_str(&match self.code {
            KeyCode::Char(' ') => "space".into(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::F(n) => format!("f{n}"),
            KeyCode::Esc => "esc".into(),
            KeyCode::Enter => "enter".into(),
            KeyCode::Tab => "tab".into(),
            KeyCode::BackTab => "shift-tab".into(),
            KeyCode::Backspace => "backspace".into(),
            KeyCode::Delete => "delete".into(),
            KeyCode::Up => "up".into(),
            KeyCode::Down => "down".into(),
            KeyCode::Left => "left".into(),
            KeyCode::Right => "right".into(),
            KeyCode::Home => "home".into(),
            KeyCode::End => "end".into(),
            KeyCode::PageUp => "pgup".into(),
            KeyCode::PageDown => "pgdn".into(),
            other => format!("{other:?}").to_lowercase(),
        });
        out
    }
}

fn key_label(code: KeyCode) -> String {
    match code {
        KeyCode::Char(' ') => "Space".into(),
        KeyCode::Char(c) if c.is_ascii_lowercase() => c.to_ascii_uppercase().to_string(),
        KeyCode::Char(c) if c.is_ascii_uppercase() => format!("Shift+{c}"),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::F(n) => format!("F{n}"),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Backspace => "Backspace".into(),
        KeyCode::Delete => "Delete".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => "Shift+Tab".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        other => format!("{other:?}"),
    }
}

/// Takes keys back from a focused pane: rarely used by programs (it is the terminal bell in
/// shells), unlike Ctrl+A, Ctrl+B or Ctrl+] which tmux, screen and telnet users expect.
pub const DEFAULT_LEADER: Chord = Chord::ctrl('g');

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn chords_match_like_a_terminal_sends_them() {
        let ctrl_p = Chord::ctrl('p');
        assert!(ctrl_p.matches(KeyCode::Char('p'), KeyModifiers::CONTROL));
        assert!(!ctrl_p.matches(KeyCode::Char('p'), KeyModifiers::NONE));
        let question = Chord::plain(KeyCode::Char('?'));
        assert!(question.matches(KeyCode::Char('?'), KeyModifiers::SHIFT));
        let shift_enter = Chord::new(KeyCode::Enter, KeyModifiers::SHIFT);
        assert!(!shift_enter.matches(KeyCode::Enter, KeyModifiers::NONE));
        assert_eq!(
            Chord::new(KeyCode::PageDown, KeyModifiers::CONTROL).label(),
            "Ctrl+PgDn"
        );
        let capital = Chord::key('R');
        assert!(capital.matches(KeyCode::Char('R'), KeyModifiers::SHIFT));
        assert!(!capital.matches(KeyCode::Char('r'), KeyModifiers::NONE));
        assert_eq!(capital.label(), "Shift+R");
        let back = Chord::plain(KeyCode::BackTab);
        assert!(back.matches(KeyCode::BackTab, KeyModifiers::SHIFT));
    }

    #[test]
    fn config_texts_parse_and_round_trip() {
        let table = [
            ("ctrl-g", Chord::ctrl('g')),
            ("Ctrl+]", Chord::ctrl(']')),
            ("alt-x", Chord::alt('x')),
            ("f12", Chord::plain(KeyCode::F(12))),
            ("esc", Chord::plain(KeyCode::Esc)),
            ("shift-tab", Chord::plain(KeyCode::BackTab)),
            ("ctrl-pgdn", Chord::new(KeyCode::PageDown, C)),
            ("j", Chord::key('j')),
            ("R", Chord::key('R')),
            ("space", Chord::key(' ')),
        ];
        for (text, chord) in table {
            assert_eq!(Chord::parse(text), Some(chord), "{text}");
            assert_eq!(Chord::parse(&chord.config_text()), Some(chord), "{text}");
        }
        for bad in ["", "ctrl-", "f99", "hyper-x", "ab"] {
            assert_eq!(Chord::parse(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn parsing_never_panics(text in ".{0,24}") {
            let _ = Chord::parse(&text);
        }
    }
}
