//! Readable rendering of the model's markdown in a terminal: paragraphs word-wrapped, lists with
//! hanging indents, headings bold, fenced code blocks in a gutter without re-wrapping words,
//! inline `code` highlighted. Not a full CommonMark renderer: what matters in agent answers.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::VisualRow;
use crate::tui::text::{slice_chars, wrap_chars, wrap_words};
use crate::tui::theme::Theme;

/// Splits a line into spans, styling `inline code` and **bold** segments (markers dropped).
fn inline(text: &str, base: Style, code: Style) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    for (i, part) in text.split('`').enumerate() {
        if part.is_empty() {
            continue;
        }
        if i % 2 == 1 {
            spans.push(Span::styled(part.to_owned(), code));
            continue;
        }
        for (j, piece) in part.split("**").enumerate() {
            if piece.is_empty() {
                continue;
            }
            let style = if j % 2 == 1 {
                base.add_modifier(ratatui::style::Modifier::BOLD)
            } else {
                base
            };
            spans.push(Span::styled(piece.to_owned(), style));
        }
    }
    spans
}

/// Text without inline markers, as copied.
pub fn plain(text: &str) -> String {
    text.replace("**", "").replace('`', "")
}

/// The list marker and its indent width, if `line` starts a list item.
fn list_marker(line: &str) -> Option<(String, String)> {
    let trimmed = line.trim_start();
    let indent = line.len() - trimmed.len();
    for bullet in ["- ", "* ", "+ "] {
        if let Some(rest) = trimmed.strip_prefix(bullet) {
            return Some((format!("{}• ", " ".repeat(indent)), rest.to_owned()));
        }
    }
    let digits: String = trimmed.chars().take_while(char::is_ascii_digit).collect();
    if !digits.is_empty()
        && let Some(rest) = trimmed[digits.len()..].strip_prefix(". ")
    {
        return Some((format!("{}{digits}. ", " ".repeat(indent)), rest.to_owned()));
    }
    None
}

/// Renders markdown `text` into rows `width` cells wide, each starting with `gutter` cells of
/// `lead` (the first row) or blanks.
pub fn render(
    text: &str,
    width: usize,
    lead: &str,
    lead_style: Style,
    base: Style,
    theme: &Theme,
) -> Vec<VisualRow> {
    let gutter = crate::tui::text::width(lead);
    let body_width = width.saturating_sub(gutter).max(1);
    let code_style = theme.code();
    let mut rows: Vec<VisualRow> = Vec::new();
    let mut in_code = false;
    let push = |rows: &mut Vec<VisualRow>,
                spans: Vec<Span<'static>>,
                text: String,
                continues: bool,
                extra_gutter: u16| {
        let first = rows.is_empty();
        let mut line = vec![Span::styled(
            if first {
                lead.to_owned()
            } else {
                " ".repeat(gutter)
            },
            lead_style,
        )];
        line.extend(spans);
        rows.push(VisualRow {
            line: Line::from(line),
            text,
            gutter: gutter as u16 + extra_gutter,
            continues,
        });
    };
    for source in text.split('\n') {
        if source.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            // Code keeps its spacing; long lines wrap at characters, marked by the gutter.
            let code_width = body_width.saturating_sub(2).max(1);
            for span in wrap_chars(source, code_width) {
                let piece = slice_chars(source, span.start, span.end);
                let spans = vec![
                    Span::styled("│ ", theme.dim()),
                    Span::styled(piece.clone(), code_style),
                ];
                push(&mut rows, spans, piece, span.continues, 2);
            }
            continue;
        }
        if let Some(heading) = source.strip_prefix('#') {
            let heading = heading.trim_start_matches('#').trim();
            for span in wrap_words(heading, body_width) {
                let piece = slice_chars(heading, span.start, span.end);
                push(
                    &mut rows,
                    vec![Span::styled(piece.clone(), theme.title())],
                    piece,
                    span.continues,
                    0,
                );
            }
            continue;
        }
        let (marker, rest) = list_marker(source).unwrap_or_default();
        let marker_width = crate::tui::text::width(&marker);
        let (content, item_width) = if marker.is_empty() {
            (source.to_owned(), body_width)
        } else {
            (rest, body_width.saturating_sub(marker_width).max(1))
        };
        for (i, span) in wrap_words(&content, item_width).iter().enumerate() {
            let piece = slice_chars(&content, span.start, span.end);
            let mut spans = Vec::new();
            if !marker.is_empty() {
                let lead = if i == 0 {
                    marker.clone()
                } else {
                    " ".repeat(marker_width)
                };
                spans.push(Span::styled(lead, theme.dim()));
            }
            spans.extend(inline(&piece, base, code_style));
            push(
                &mut rows,
                spans,
                plain(&piece),
                span.continues,
                marker_width as u16,
            );
        }
    }
    if rows.is_empty() {
        push(&mut rows, Vec::new(), String::new(), false, 0);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(rows: &[VisualRow]) -> Vec<String> {
        rows.iter()
            .map(|r| r.line.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn lists_code_and_headings() {
        let md = "# Plan\n- first item that wraps around\n2. second\n```rust\nfn main() {}\n```\nuse `cargo`";
        let rows = render(md, 24, "• ", Style::new(), Style::new(), &Theme::default());
        assert_eq!(
            texts(&rows),
            vec![
                "• Plan",
                "  • first item that ",
                "    wraps around",
                "  2. second",
                "  │ fn main() {}",
                "  use cargo",
            ]
        );
        // Copying skips markers and gutters.
        assert_eq!(rows[2].gutter, 4);
        assert_eq!(rows[4].text, "fn main() {}");
    }
}
