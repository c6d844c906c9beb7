//! One transcript entry and how it lays out: user messages, the assistant's answer (markdown),
//! reasoning (dimmed, collapsible), tool cells (command, status, live output, exit, duration),
//! notices and errors.

use std::cell::RefCell;
use std::rc::Rc;

use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::{VisualRow, markdown};
use crate::tui::text::{slice_chars, truncate, wrap_chars, wrap_words};
use crate::tui::theme::Theme;

/// Output lines of a tool shown in its cell (the full output is in the store).
pub const TOOL_PREVIEW_LINES: usize = 8;
/// Output kept per tool cell for its preview; older output scrolls away.
const TOOL_OUTPUT_KEEP: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    User,
    Assistant,
    Reasoning,
    Tool,
    Notice,
    Error,
}

/// Where a tool call is in its life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolStatus {
    /// Asked for; waiting for approval or to start.
    Requested,
    Running,
    Finished {
        exit_code: Option<i32>,
        duration_ms: u64,
        killed: Option<String>,
    },
    Denied {
        reason: Option<String>,
    },
    /// The turn ended (interrupted, failed) before the call ran.
    NotRun,
}

impl ToolStatus {
    /// The status in a few words ("exit 0 · 1.2s", "denied"): the cell's badge, and what
    /// `sessions show --transcript` prints.
    pub fn label(&self) -> String {
        match self {
            Self::Requested => "waiting".to_owned(),
            Self::Running => "running".to_owned(),
            Self::Finished {
                exit_code: Some(0),
                duration_ms,
                ..
            } => format!("exit 0 · {}", duration(*duration_ms)),
            Self::Finished {
                exit_code,
                duration_ms,
                killed,
            } => {
                let what = match (killed, exit_code) {
                    (Some(why), _) => format!("killed ({why})"),
                    (None, Some(code)) => format!("exit {code}"),
                    (None, None) => "ended".to_owned(),
                };
                format!("{what} · {}", duration(*duration_ms))
            }
            Self::Denied { .. } => "denied".to_owned(),
            Self::NotRun => "not run".to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCell {
    pub call_id: String,
    pub command: String,
    pub cwd: Option<String>,
    pub status: ToolStatus,
    /// Escape-free output tail.
    pub output: String,
    pub approval: Option<String>,
}

impl ToolCell {
    /// Where the command ran, who decided, why it was denied: the same notes in the
    /// workstation's transcript and in `sessions show --transcript`.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if let Some(cwd) = &self.cwd {
            notes.push(format!("in {cwd}"));
        }
        if let Some(approval) = &self.approval {
            notes.push(approval.clone());
        }
        if let ToolStatus::Denied {
            reason: Some(reason),
        } = &self.status
        {
            notes.push(format!("reason: {reason}"));
        }
        notes
    }
}

impl ToolCell {
    pub fn push_output(&mut self, text: &str) {
        self.output.push_str(text);
        if self.output.len() > TOOL_OUTPUT_KEEP {
            let mut cut = self.output.len() - TOOL_OUTPUT_KEEP;
            while !self.output.is_char_boundary(cut) {
                cut += 1;
            }
            self.output.drain(..cut);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    Text(String),
    Tool(ToolCell),
}

/// An entry's rows laid out for one width, theme and fold state.
#[derive(Debug, Clone)]
struct RowCache {
    key: (u16, bool, bool),
    rows: Rc<[VisualRow]>,
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub kind: EntryKind,
    body: Body,
    /// Reasoning entries fold to one line unless expanded.
    pub expanded: bool,
    /// Inherited from the parent of a fork.
    pub inherited: bool,
    cache: RefCell<Option<RowCache>>,
}

impl Entry {
    pub fn new(kind: EntryKind, text: impl Into<String>) -> Self {
        Self::with_body(kind, Body::Text(text.into()))
    }

    pub fn tool(cell: ToolCell) -> Self {
        Self::with_body(EntryKind::Tool, Body::Tool(cell))
    }

    fn with_body(kind: EntryKind, body: Body) -> Self {
        Self {
            kind,
            body,
            expanded: false,
            inherited: false,
            cache: RefCell::new(None),
        }
    }

    pub fn body(&self) -> &Body {
        &self.body
    }

    /// Changes the body; the cached layout is dropped.
    pub fn body_mut(&mut self) -> &mut Body {
        self.cache.get_mut().take();
        &mut self.body
    }

    pub fn text(&self) -> &str {
        match &self.body {
            Body::Text(text) => text,
            Body::Tool(cell) => &cell.command,
        }
    }

    pub fn set_inherited(&mut self, inherited: bool) {
        self.cache.get_mut().take();
        self.inherited = inherited;
    }

    pub fn set_expanded(&mut self, expanded: bool) {
        self.cache.get_mut().take();
        self.expanded = expanded;
    }

    /// The entry's rows at `width`, laid out once per width, theme and fold state.
    pub fn rows(&self, width: u16, theme: &Theme) -> Rc<[VisualRow]> {
        let key = (width, theme.no_color, self.expanded);
        if let Some(cache) = &*self.cache.borrow()
            && cache.key == key
        {
            return Rc::clone(&cache.rows);
        }
        let mut rows = self.layout(width as usize, theme);
        if self.inherited {
            // History a fork inherited is dimmed, so the fork's own work stands out.
            for row in &mut rows {
                for span in &mut row.line.spans {
                    span.style = span.style.add_modifier(ratatui::style::Modifier::DIM);
                }
            }
        }
        rows.push(VisualRow::blank());
        let rows: Rc<[VisualRow]> = rows.into();
        *self.cache.borrow_mut() = Some(RowCache {
            key,
            rows: Rc::clone(&rows),
        });
        rows
    }

    fn layout(&self, width: usize, theme: &Theme) -> Vec<VisualRow> {
        match (&self.body, self.kind) {
            (Body::Tool(cell), _) => tool_rows(cell, width, theme),
            (Body::Text(text), EntryKind::Assistant) => {
                markdown::render(text, width, "• ", theme.dim(), Style::new(), theme)
            }
            (Body::Text(text), EntryKind::Reasoning) => {
                reasoning_rows(text, self.expanded, width, theme)
            }
            (Body::Text(text), kind) => {
                let (marker, marker_style, body_style) = match kind {
                    EntryKind::User => ("› ", theme.user(), Style::new()),
                    EntryKind::Error => ("✗ ", theme.error(), theme.error()),
                    _ => ("· ", theme.dim(), theme.dim()),
                };
                plain_rows(text, width, marker, marker_style, body_style)
            }
        }
    }
}

/// Word-wrapped text with a marker on the first row and a matching gutter below it.
pub fn plain_rows(
    text: &str,
    width: usize,
    marker: &str,
    marker_style: Style,
    body: Style,
) -> Vec<VisualRow> {
    let gutter = crate::tui::text::width(marker);
    let body_width = width.saturating_sub(gutter).max(1);
    let mut rows = Vec::new();
    for (n, source) in text.split('\n').enumerate() {
        for (i, span) in wrap_words(source, body_width).iter().enumerate() {
            let piece = slice_chars(source, span.start, span.end);
            let lead = if n == 0 && i == 0 {
                marker.to_owned()
            } else {
                " ".repeat(gutter)
            };
            rows.push(VisualRow {
                line: Line::from(vec![
                    Span::styled(lead, marker_style),
                    Span::styled(piece.clone(), body),
                ]),
                text: piece,
                gutter: gutter as u16,
                continues: span.continues,
            });
        }
    }
    rows
}

fn reasoning_rows(text: &str, expanded: bool, width: usize, theme: &Theme) -> Vec<VisualRow> {
    let text = &markdown::plain(text);
    if expanded {
        return plain_rows(text, width, "▾ ", theme.dim(), theme.reasoning());
    }
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("thinking");
    let more = text.lines().filter(|l| !l.trim().is_empty()).count() > 1;
    let summary = format!("{}{}", first.trim(), if more { " …" } else { "" });
    let shown = truncate(&summary, width.saturating_sub(2));
    vec![VisualRow {
        line: Line::from(vec![
            Span::styled("▸ ", theme.dim()),
            Span::styled(shown.clone(), theme.reasoning()),
        ]),
        text: shown,
        gutter: 2,
        continues: false,
    }]
}

fn tool_rows(cell: &ToolCell, width: usize, theme: &Theme) -> Vec<VisualRow> {
    let badge = cell.status.label();
    let badge_style = match &cell.status {
        ToolStatus::Requested => theme.warn(),
        ToolStatus::Running
        | ToolStatus::Finished {
            exit_code: Some(0), ..
        } => theme.ok(),
        ToolStatus::Finished { .. } | ToolStatus::Denied { .. } => theme.error(),
        ToolStatus::NotRun => theme.dim(),
    };
    let mut rows = plain_rows(
        &cell.command,
        width.saturating_sub(badge.len() + 3),
        "$ ",
        theme.hint_key(),
        theme.title(),
    );
    if let Some(first) = rows.first_mut() {
        first
            .line
            .spans
            .push(Span::styled(format!("  {badge}"), badge_style));
    }
    let notes = cell.notes();
    if !notes.is_empty() {
        rows.extend(plain_rows(
            &notes.join(" · "),
            width,
            "  ",
            theme.dim(),
            theme.dim(),
        ));
    }
    let lines: Vec<&str> = cell.output.lines().collect();
    let skip = lines.len().saturating_sub(TOOL_PREVIEW_LINES);
    if skip > 0 {
        rows.extend(plain_rows(
            &format!("… {skip} earlier lines"),
            width,
            "  │ ",
            theme.dim(),
            theme.dim(),
        ));
    }
    for line in &lines[skip..] {
        for span in wrap_chars(line, width.saturating_sub(4).max(1)) {
            let piece = slice_chars(line, span.start, span.end);
            rows.push(VisualRow {
                line: Line::from(vec![
                    Span::styled("  │ ", theme.dim()),
                    Span::styled(piece.clone(), theme.dim()),
                ]),
                text: piece,
                gutter: 4,
                continues: span.continues,
            });
        }
    }
    rows
}

fn duration(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        format!("{:.1}s", ms as f64 / 1000.0)
    } else {
        format!("{}m{:02}s", ms / 60_000, (ms / 1000) % 60)
    }
}
