//! Text helpers shared by the views, selection, copy and the server: display width of strings,
//! wrapping into visual rows that remember whether they were soft-wrapped, truncation, and
//! turning terminal output into plain text.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `183402` → `183,402`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Display width of a string in terminal cells.
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// Display width of one char (0 for combining marks and controls).
pub fn char_width(c: char) -> usize {
    UnicodeWidthChar::width(c).unwrap_or(0)
}

/// One visual row of wrapped text: chars `start..end` of the source line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowSpan {
    pub start: usize,
    pub end: usize,
    /// The row continues on the next visual row (no newline between them when copied).
    pub continues: bool,
}

/// Wraps one line (no `\n`) at `width` cells, breaking at character boundaries. Never splits a
/// wide character; a line always yields at least one row.
pub fn wrap_chars(line: &str, width: usize) -> Vec<RowSpan> {
    let width = width.max(1);
    let mut rows = Vec::new();
    let mut start = 0;
    let mut used = 0;
    for (i, c) in line.chars().enumerate() {
        let w = char_width(c);
        if used + w > width && i > start {
            rows.push(RowSpan {
                start,
                end: i,
                continues: true,
            });
            start = i;
            used = 0;
        }
        used += w;
    }
    rows.push(RowSpan {
        start,
        end: line.chars().count(),
        continues: false,
    });
    rows
}

/// Wraps one line at word boundaries where possible (long words are broken), for prose.
pub fn wrap_words(line: &str, width: usize) -> Vec<RowSpan> {
    let width = width.max(1);
    let chars: Vec<char> = line.chars().collect();
    let mut rows = Vec::new();
    let mut start = 0;
    while start < chars.len() {
        let mut used = 0;
        let mut end = start;
        let mut last_space = None;
        while end < chars.len() {
            let w = char_width(chars[end]);
            if used + w > width && end > start {
                break;
            }
            if chars[end] == ' ' {
                last_space = Some(end);
            }
            used += w;
            end += 1;
        }
        if end < chars.len() {
            // Break after the last space that fits, keeping the space on this row.
            if let Some(space) = last_space.filter(|s| *s > start) {
                end = space + 1;
            }
            rows.push(RowSpan {
                start,
                end,
                continues: true,
            });
        } else {
            rows.push(RowSpan {
                start,
                end,
                continues: false,
            });
        }
        start = end;
    }
    if rows.is_empty() {
        rows.push(RowSpan {
            start: 0,
            end: 0,
            continues: false,
        });
    }
    rows
}

/// Chars `start..end` of `line` as a string.
pub fn slice_chars(line: &str, start: usize, end: usize) -> String {
    line.chars()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect()
}

/// Shortens `text` to at most `max` cells, ending with `…` when cut.
/// `text` cut to at most `max` cells at a word boundary, with `…` when cut: for prose that
/// must not break mid-word. A first word longer than `max` falls back to [`truncate`].
pub fn truncate_words(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_owned();
    }
    let mut out = String::new();
    for word in text.split(' ') {
        let next = if out.is_empty() {
            word.to_owned()
        } else {
            format!("{out} {word}")
        };
        if width(&next) + 1 > max {
            break;
        }
        out = next;
    }
    if out.is_empty() {
        return truncate(text, max);
    }
    out.push('…');
    out
}

pub fn truncate(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_owned();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = char_width(c);
        if used + w + 1 > max {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// The end of `text` in at most `max` cells, starting with `…` when cut: what is being typed
/// stays in view when a prompt is too narrow for all of it.
pub fn tail(text: &str, max: usize) -> String {
    if width(text) <= max {
        return text.to_owned();
    }
    if max == 0 {
        return String::new();
    }
    let mut kept = Vec::new();
    let mut used = 0;
    for c in text.chars().rev() {
        let w = char_width(c);
        if used + w + 1 > max {
            break;
        }
        kept.push(c);
        used += w;
    }
    std::iter::once('…').chain(kept.into_iter().rev()).collect()
}

/// Removes terminal escape sequences and control characters other than newlines.
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => match chars.next() {
                Some('[') => {
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                Some(']') => {
                    while let Some(c) = chars.next() {
                        if c == '\x07' || (c == '\x1b' && chars.peek() == Some(&'\\')) {
                            if c == '\x1b' {
                                chars.next();
                            }
                            break;
                        }
                    }
                }
                _ => {}
            },
            '\r' => {
                // A carriage return without a newline redraws the line: keep what follows.
                if chars.peek() != Some(&'\n') {
                    if let Some(start) = out.rfind('\n') {
                        out.truncate(start + 1);
                    } else {
                        out.clear();
                    }
                }
            }
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_end() {
        assert_eq!(tail("abc", 3), "abc");
        assert_eq!(tail("abcdef", 4), "…def");
        assert_eq!(tail("ab漢字", 4), "…字");
        assert_eq!(tail("abc", 0), "");
        assert_eq!(tail("abc", 1), "…");
    }

    #[test]
    fn word_truncation_never_cuts_a_word() {
        assert_eq!(
            truncate_words("run the focused pane", 100),
            "run the focused pane"
        );
        assert_eq!(truncate_words("run the focused pane", 12), "run the…");
        assert_eq!(truncate_words("abcdefghijkl", 5), "abcd…");
    }

    #[test]
    fn char_wrap_keeps_wide_chars_whole() {
        let rows = wrap_chars("ab数据cd", 3);
        let texts: Vec<String> = rows
            .iter()
            .map(|r| slice_chars("ab数据cd", r.start, r.end))
            .collect();
        assert_eq!(texts, vec!["ab", "数", "据c", "d"]);
        assert!(rows[0].continues && !rows[3].continues);
    }

    #[test]
    fn word_wrap_breaks_at_spaces() {
        let line = "the quick brown fox";
        let texts: Vec<String> = wrap_words(line, 10)
            .iter()
            .map(|r| slice_chars(line, r.start, r.end))
            .collect();
        assert_eq!(texts, vec!["the quick ", "brown fox"]);
        let long = "abcdefghijkl";
        assert_eq!(wrap_words(long, 5).len(), 3);
        assert_eq!(wrap_words("", 5).len(), 1);
    }

    #[test]
    fn truncation_marks_the_cut() {
        assert_eq!(truncate("hello world", 6), "hello…");
        assert_eq!(truncate("short", 10), "short");
        assert_eq!(truncate("数据数据", 5), "数据…");
    }
}
