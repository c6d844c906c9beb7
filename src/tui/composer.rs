//! The composer: a multi-line editor with readline keys, history recall and paste
//! placeholders. Pure state; the view lives in `views/composer.rs`.

use super::history::History;

/// Pastes longer than this many characters show as a placeholder until submitted, so a
/// pasted log or file does not push everything else off the screen.
pub const PASTE_PLACEHOLDER_CHARS: usize = 1000;

/// Spaces a typed or short-pasted tab becomes (a tab has no width of its own in a cell grid).
const TAB_SPACES: &str = "    ";

/// Cursor position: line index and char index within the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cursor {
    pub row: usize,
    pub col: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Paste {
    label: String,
    text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Browse {
    index: usize,
    draft: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composer {
    lines: Vec<String>,
    cursor: Cursor,
    pastes: Vec<Paste>,
    kill: String,
    browsing: Option<Browse>,
}

impl Default for Composer {
    fn default() -> Self {
        Self {
            lines: vec![String::new()],
            cursor: Cursor::default(),
            pastes: Vec::new(),
            kill: String::new(),
            browsing: None,
        }
    }
}

fn char_count(s: &str) -> usize {
    s.chars().count()
}

fn byte_at(s: &str, col: usize) -> usize {
    s.char_indices().nth(col).map_or(s.len(), |(i, _)| i)
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

impl Composer {
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    pub fn cursor(&self) -> Cursor {
        self.cursor
    }

    pub fn is_empty(&self) -> bool {
        self.lines.len() == 1 && self.lines[0].is_empty()
    }

    /// The text as shown (placeholders unexpanded).
    pub fn text(&self) -> String {
        self.lines.join("\n")
    }

    /// Replaces everything, cursor at the end.
    pub fn set_text(&mut self, text: &str) {
        self.lines = text.split('\n').map(str::to_owned).collect();
        if self.lines.is_empty() {
            self.lines.push(String::new());
        }
        self.pastes.clear();
        self.move_to_end();
    }

    pub fn clear(&mut self) {
        *self = Self {
            kill: std::mem::take(&mut self.kill),
            ..Self::default()
        };
    }

    fn move_to_end(&mut self) {
        let row = self.lines.len() - 1;
        self.cursor = Cursor {
            row,
            col: char_count(&self.lines[row]),
        };
    }

    fn line(&self) -> &str {
        &self.lines[self.cursor.row]
    }

    fn line_mut(&mut self) -> &mut String {
        &mut self.lines[self.cursor.row]
    }

    /// Inserts typed text (may contain newlines).
    pub fn insert(&mut self, text: &str) {
        self.browsing = None;
        let text = text
            .replace("\r\n", "\n")
            .replace('\r', "\n")
            .replace('\t', TAB_SPACES);
        let mut parts = text.split('\n');
        if let Some(first) = parts.next() {
            self.insert_in_line(first);
        }
        for part in parts {
            self.newline();
            self.insert_in_line(part);
        }
    }

    fn insert_in_line(&mut self, text: &str) {
        let clean: String = text.chars().filter(|c| !c.is_control()).collect();
        let col = self.cursor.col;
        let at = byte_at(self.line(), col);
        self.line_mut().insert_str(at, &clean);
        self.cursor.col += char_count(&clean);
    }

    /// Splits the line at the cursor.
    pub fn newline(&mut self) {
        self.browsing = None;
        let at = byte_at(self.line(), self.cursor.col);
        let rest = self.line_mut().split_off(at);
        self.lines.insert(self.cursor.row + 1, rest);
        self.cursor = Cursor {
            row: self.cursor.row + 1,
            col: 0,
        };
    }

    /// Inserts pasted text as one edit: short pastes inline, long ones as a placeholder.
    pub fn paste(&mut self, text: &str) {
        self.browsing = None;
        let text = text.replace("\r\n", "\n").replace('\r', "\n");
        if char_count(&text) <= PASTE_PLACEHOLDER_CHARS {
            self.insert(&text);
            return;
        }
        let lines = text.lines().count().max(1);
        let base = format!("[pasted {lines} lines");
        let mut label = format!("{base}]");
        let mut n = 1;
        while self.pastes.iter().any(|p| p.label == label) {
            n += 1;
            label = format!("{base} #{n}]");
        }
        self.insert_in_line(&label);
        self.pastes.push(Paste { label, text });
    }

    /// The placeholder ending exactly at the cursor, if any: `(start_col, index)`.
    fn placeholder_before(&self) -> Option<(usize, usize)> {
        let before: String = self.line().chars().take(self.cursor.col).collect();
        self.pastes.iter().enumerate().find_map(|(i, p)| {
            before
                .ends_with(&p.label)
                .then(|| (self.cursor.col - char_count(&p.label), i))
        })
    }

    fn placeholder_after(&self) -> Option<(usize, usize)> {
        let after: String = self.line().chars().skip(self.cursor.col).collect();
        self.pastes.iter().enumerate().find_map(|(i, p)| {
            after
                .starts_with(&p.label)
                .then(|| (self.cursor.col + char_count(&p.label), i))
        })
    }

    fn remove_cols(&mut self, from: usize, to: usize) -> String {
        let line = self.line().to_owned();
        let (a, b) = (byte_at(&line, from), byte_at(&line, to));
        let removed = line[a..b].to_owned();
        self.line_mut().replace_range(a..b, "");
        self.cursor.col = from;
        removed
    }

    /// Deletes the char before the cursor (a whole placeholder at once), joining lines at col 0.
    pub fn backspace(&mut self) {
        self.browsing = None;
        if let Some((start, index)) = self.placeholder_before() {
            self.remove_cols(start, self.cursor.col);
            self.pastes.remove(index);
        } else if self.cursor.col > 0 {
            self.remove_cols(self.cursor.col - 1, self.cursor.col);
        } else if self.cursor.row > 0 {
            let line = self.lines.remove(self.cursor.row);
            self.cursor.row -= 1;
            self.cursor.col = char_count(self.line());
            self.line_mut().push_str(&line);
        }
    }

    /// Deletes the char under the cursor (a whole placeholder at once), joining lines at the end.
    pub fn delete(&mut self) {
        self.browsing = None;
        if let Some((end, index)) = self.placeholder_after() {
            self.remove_cols(self.cursor.col, end);
            self.pastes.remove(index);
        } else if self.cursor.col < char_count(self.line()) {
            self.remove_cols(self.cursor.col, self.cursor.col + 1);
        } else if self.cursor.row + 1 < self.lines.len() {
            let next = self.lines.remove(self.cursor.row + 1);
            self.line_mut().push_str(&next);
        }
    }

    pub fn left(&mut self) {
        if self.cursor.col > 0 {
            self.cursor.col -= 1;
        } else if self.cursor.row > 0 {
            self.cursor.row -= 1;
            self.cursor.col = char_count(self.line());
        }
    }

    pub fn right(&mut self) {
        if self.cursor.col < char_count(self.line()) {
            self.cursor.col += 1;
        } else if self.cursor.row + 1 < self.lines.len() {
            self.cursor.row += 1;
            self.cursor.col = 0;
        }
    }

    pub fn line_start(&mut self) {
        self.cursor.col = 0;
    }

    pub fn line_end(&mut self) {
        self.cursor.col = char_count(self.line());
    }

    /// Alt+B: to the start of the previous word.
    pub fn word_left(&mut self) {
        let chars: Vec<char> = self.line().chars().collect();
        let mut col = self.cursor.col.min(chars.len());
        if col == 0 {
            self.left();
            return;
        }
        while col > 0 && !is_word(chars[col - 1]) {
            col -= 1;
        }
        while col > 0 && is_word(chars[col - 1]) {
            col -= 1;
        }
        self.cursor.col = col;
    }

    /// Alt+F: to the end of the next word.
    pub fn word_right(&mut self) {
        let chars: Vec<char> = self.line().chars().collect();
        let mut col = self.cursor.col;
        if col >= chars.len() {
            self.right();
            return;
        }
        while col < chars.len() && !is_word(chars[col]) {
            col += 1;
        }
        while col < chars.len() && is_word(chars[col]) {
            col += 1;
        }
        self.cursor.col = col;
    }

    /// Ctrl+K: kill to the end of the line (at the end, join the next line).
    pub fn kill_to_end(&mut self) {
        let end = char_count(self.line());
        if self.cursor.col == end {
            self.delete();
            self.kill = "\n".into();
        } else {
            self.kill = self.remove_cols(self.cursor.col, end);
        }
    }

    /// Ctrl+U: kill to the start of the line.
    pub fn kill_to_start(&mut self) {
        let col = self.cursor.col;
        self.kill = self.remove_cols(0, col);
    }

    /// Ctrl+W: kill the word before the cursor.
    pub fn kill_word(&mut self) {
        let end = self.cursor.col;
        if end == 0 {
            self.backspace();
            return;
        }
        let chars: Vec<char> = self.line().chars().collect();
        let mut start = end;
        while start > 0 && chars[start - 1].is_whitespace() {
            start -= 1;
        }
        while start > 0 && !chars[start - 1].is_whitespace() {
            start -= 1;
        }
        self.kill = self.remove_cols(start, end);
    }

    /// Ctrl+Y: insert the last killed text.
    pub fn yank(&mut self) {
        let kill = self.kill.clone();
        self.insert(&kill);
    }

    /// Up: previous line, or the previous history entry when on the first line. Returns
    /// whether anything changed.
    pub fn up(&mut self, history: &History) -> bool {
        if self.cursor.row > 0 {
            self.cursor.row -= 1;
            self.cursor.col = self.cursor.col.min(char_count(self.line()));
            return true;
        }
        let index = match &self.browsing {
            Some(browse) if browse.index == 0 => return false,
            Some(browse) => browse.index - 1,
            None if history.is_empty() => return false,
            None => history.len() - 1,
        };
        let draft = self
            .browsing
            .take()
            .map_or_else(|| self.lines.clone(), |b| b.draft);
        self.recall(history, index, draft);
        true
    }

    /// Down: next line, or the next history entry (then the draft) when on the last line.
    pub fn down(&mut self, history: &History) -> bool {
        if self.cursor.row + 1 < self.lines.len() {
            self.cursor.row += 1;
            self.cursor.col = self.cursor.col.min(char_count(self.line()));
            return true;
        }
        let Some(browse) = self.browsing.take() else {
            return false;
        };
        if browse.index + 1 < history.len() {
            self.recall(history, browse.index + 1, browse.draft);
        } else {
            self.lines = browse.draft;
            self.move_to_end();
        }
        true
    }

    fn recall(&mut self, history: &History, index: usize, draft: Vec<String>) {
        self.set_text(history.get(index).unwrap_or_default());
        self.browsing = Some(Browse { index, draft });
    }

    /// Takes the text to submit with placeholders expanded, leaving the composer empty.
    /// `None` (and nothing cleared) when there is nothing but whitespace.
    pub fn take_submission(&mut self) -> Option<String> {
        if self.text().trim().is_empty() {
            return None;
        }
        let mut text = self.text();
        for paste in &self.pastes {
            text = text.replacen(&paste.label, &paste.text, 1);
        }
        self.clear();
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(text: &str) -> Composer {
        let mut c = Composer::default();
        c.insert(text);
        c
    }

    #[test]
    fn newline_and_join() {
        let mut c = typed("hello world");
        for _ in 0..6 {
            c.left();
        }
        c.newline();
        assert_eq!(c.lines(), ["hello", " world"]);
        c.backspace();
        assert_eq!(c.text(), "hello world");
        assert_eq!(c.cursor(), Cursor { row: 0, col: 5 });
    }

    #[test]
    fn readline_kills_and_yank() {
        let mut c = typed("git commit -m wip");
        c.kill_word();
        assert_eq!(c.text(), "git commit -m ");
        c.line_start();
        c.word_right();
        c.kill_to_end();
        assert_eq!(c.text(), "git");
        c.yank();
        assert_eq!(c.text(), "git commit -m ");
        c.kill_to_start();
        assert!(c.is_empty());
    }

    #[test]
    fn word_motion() {
        let mut c = typed("foo bar_baz  qux");
        c.word_left();
        assert_eq!(c.cursor().col, 13);
        c.word_left();
        assert_eq!(c.cursor().col, 4);
        c.word_right();
        assert_eq!(c.cursor().col, 11);
    }

    #[test]
    fn long_pastes_become_placeholders_that_expand_on_submit() {
        let big: String = (0..100)
            .map(|i| format!("line {i:04} of the log\n"))
            .collect();
        let mut c = typed("look at ");
        c.paste(&big);
        c.insert(" and ");
        c.paste(&big);
        assert_eq!(
            c.text(),
            "look at [pasted 100 lines] and [pasted 100 lines #2]"
        );
        let submitted = c.take_submission().unwrap();
        assert_eq!(submitted, format!("look at {big} and {big}"));
        assert!(c.is_empty());
    }

    #[test]
    fn a_placeholder_is_deleted_whole() {
        let big = "x".repeat(PASTE_PLACEHOLDER_CHARS + 1);
        let mut c = Composer::default();
        c.paste(&big);
        c.backspace();
        assert!(c.is_empty());
        c.paste(&big);
        c.line_start();
        c.delete();
        assert!(c.is_empty());
        assert_eq!(c.take_submission(), None);
    }

    #[test]
    fn short_pastes_are_inline_with_newlines() {
        let mut c = Composer::default();
        c.paste("a\r\nb\tc");
        assert_eq!(c.lines(), ["a", "b    c"]);
    }

    #[test]
    fn history_recall_keeps_the_draft() {
        let history = History::from_entries(["first".to_string(), "second\nline".to_string()]);
        let mut c = typed("draft");
        assert!(c.up(&history));
        assert_eq!(c.text(), "second\nline");
        // Up inside a multi-line entry moves between its lines first.
        assert!(c.up(&history));
        assert_eq!(c.cursor().row, 0);
        assert!(c.up(&history));
        assert_eq!(c.text(), "first");
        assert!(!c.up(&history));
        assert!(c.down(&history));
        assert_eq!(c.text(), "second\nline");
        assert!(c.down(&history));
        assert_eq!(c.text(), "draft");
        assert!(!c.down(&history));
    }

    #[test]
    fn whitespace_is_not_submitted() {
        let mut c = typed("  \n ");
        assert_eq!(c.take_submission(), None);
        assert!(!c.is_empty());
    }
}
