//! Paints a [`PaneScreen`] into a ratatui [`Buffer`]: colours, attributes, wide characters, and
//! where the terminal cursor belongs. Pure: no I/O, no locks, and no heap allocation per cell
//! (cell symbols are at most a few bytes and ratatui stores them inline).

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{StatefulWidget, Widget};

use super::screen::PaneScreen;

/// Whether panes are drawn in colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorMode {
    #[default]
    Full,
    /// Drop every colour but keep bold, dim, italic, underline and inverse, so selections and
    /// highlighted items stay visible (the `NO_COLOR` convention).
    NoColor,
}

impl ColorMode {
    /// `NoColor` when `NO_COLOR` holds a non-empty value (see no-color.org). Reads the
    /// environment, so call it once at startup, not while rendering.
    pub fn from_env() -> Self {
        match std::env::var_os("NO_COLOR") {
            Some(value) if !value.is_empty() => Self::NoColor,
            _ => Self::Full,
        }
    }
}

/// What a render found out that the caller needs for the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PaneRenderState {
    /// Where to put the terminal cursor when this pane has focus: `None` when the program hid
    /// it, the view is scrolled into history, or it falls outside the area.
    pub cursor: Option<Position>,
}

/// A pane's screen as a widget, drawn at its current scroll offset. Cells beyond the screen
/// (an area larger than the pane) are cleared; a screen larger than the area is clipped.
#[derive(Debug, Clone, Copy)]
pub struct PaneView<'a> {
    screen: &'a PaneScreen,
    colors: ColorMode,
}

impl<'a> PaneView<'a> {
    pub fn new(screen: &'a PaneScreen) -> Self {
        Self {
            screen,
            colors: ColorMode::Full,
        }
    }

    pub fn color_mode(mut self, colors: ColorMode) -> Self {
        self.colors = colors;
        self
    }

    fn draw(&self, area: Rect, buf: &mut Buffer) -> Option<Position> {
        let area = area.intersection(buf.area);
        let vt = self.screen.vt();
        let size = self.screen.size();
        for y in 0..area.height {
            let mut x = 0;
            while x < area.width {
                let at = Position::new(area.x + x, area.y + y);
                let cell = if y < size.rows && x < size.cols {
                    vt.cell(y, x)
                } else {
                    None
                };
                let Some(cell) = cell else {
                    buf[at].reset();
                    x += 1;
                    continue;
                };
                let style = self.style(cell);
                let target = &mut buf[at];
                target.reset();
                target.set_style(style);
                let fits_wide = x + 1 < area.width && x + 1 < size.cols;
                if cell.is_wide_continuation() || (cell.is_wide() && !fits_wide) {
                    // The left half is off the area, or the right half would be: a blank
                    // keeps the columns aligned.
                    target.set_symbol(" ");
                    x += 1;
                } else if cell.is_wide() {
                    target.set_symbol(cell.contents());
                    // The right half is covered by the glyph; keep it blank in our colours.
                    let right = &mut buf[Position::new(at.x + 1, at.y)];
                    right.reset();
                    right.set_style(style);
                    x += 2;
                } else {
                    target.set_symbol(if cell.has_contents() {
                        cell.contents()
                    } else {
                        " "
                    });
                    x += 1;
                }
            }
        }
        let modes = self.screen.modes();
        if modes.hide_cursor || !self.screen.scroll_offset().is_bottom() {
            return None;
        }
        let cursor = self.screen.cursor();
        (cursor.row < area.height && cursor.col < area.width)
            .then(|| Position::new(area.x + cursor.col, area.y + cursor.row))
    }

    fn style(&self, cell: &vt100::Cell) -> Style {
        let mut modifier = Modifier::empty();
        if cell.bold() {
            modifier |= Modifier::BOLD;
        }
        if cell.dim() {
            modifier |= Modifier::DIM;
        }
        if cell.italic() {
            modifier |= Modifier::ITALIC;
        }
        if cell.underline() {
            modifier |= Modifier::UNDERLINED;
        }
        if cell.inverse() {
            modifier |= Modifier::REVERSED;
        }
        let (fg, bg) = match self.colors {
            ColorMode::Full => (color(cell.fgcolor()), color(cell.bgcolor())),
            ColorMode::NoColor => (Color::Reset, Color::Reset),
        };
        Style::new().fg(fg).bg(bg).add_modifier(modifier)
    }
}

fn color(color: vt100::Color) -> Color {
    match color {
        vt100::Color::Default => Color::Reset,
        vt100::Color::Idx(index) => Color::Indexed(index),
        vt100::Color::Rgb(r, g, b) => Color::Rgb(r, g, b),
    }
}

impl StatefulWidget for PaneView<'_> {
    type State = PaneRenderState;

    fn render(self, area: Rect, buf: &mut Buffer, state: &mut PaneRenderState) {
        state.cursor = self.draw(area, buf);
    }
}

impl Widget for PaneView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        self.draw(area, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pty::{PaneSize, ScrollOffset};

    fn render(screen: &PaneScreen, area: Rect, colors: ColorMode) -> (Buffer, PaneRenderState) {
        let mut buf = Buffer::empty(Rect::new(0, 0, area.right() + 2, area.bottom() + 2));
        let mut state = PaneRenderState::default();
        StatefulWidget::render(
            PaneView::new(screen).color_mode(colors),
            area,
            &mut buf,
            &mut state,
        );
        (buf, state)
    }

    #[test]
    fn colours_and_attributes_reach_the_buffer() {
        let mut screen = PaneScreen::new(PaneSize::new(3, 10), 10);
        screen.feed(b"\x1b[1;31mR\x1b[0;38;2;1;2;3;48;5;200mG\x1b[0;2;3;4;7mX\x1b[0m.");
        let (buf, state) = render(&screen, Rect::new(1, 1, 10, 3), ColorMode::Full);
        let r = &buf[(1, 1)];
        assert_eq!(
            (r.symbol(), r.fg, r.modifier),
            ("R", Color::Indexed(1), Modifier::BOLD)
        );
        let g = &buf[(2, 1)];
        assert_eq!((g.fg, g.bg), (Color::Rgb(1, 2, 3), Color::Indexed(200)));
        let x = &buf[(3, 1)];
        assert_eq!(
            x.modifier,
            Modifier::DIM | Modifier::ITALIC | Modifier::UNDERLINED | Modifier::REVERSED
        );
        assert_eq!(buf[(4, 1)].modifier, Modifier::empty());
        assert_eq!(state.cursor, Some(Position::new(5, 1)));

        let (buf, _) = render(&screen, Rect::new(1, 1, 10, 3), ColorMode::NoColor);
        let r = &buf[(1, 1)];
        assert_eq!(
            (r.fg, r.bg, r.modifier),
            (Color::Reset, Color::Reset, Modifier::BOLD)
        );
        assert!(buf[(3, 1)].modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn wide_characters_take_two_cells() {
        let mut screen = PaneScreen::new(PaneSize::new(2, 6), 10);
        screen.feed("a日😀".as_bytes());
        let (buf, state) = render(&screen, Rect::new(0, 0, 6, 2), ColorMode::Full);
        let row: Vec<&str> = (0..6).map(|x| buf[(x, 0)].symbol()).collect();
        assert_eq!(row, ["a", "日", " ", "😀", " ", " "]);
        assert_eq!(state.cursor, Some(Position::new(5, 0)));

        // Clipped through the middle of a wide character: a blank, never a half glyph.
        let (buf, _) = render(&screen, Rect::new(0, 0, 2, 2), ColorMode::Full);
        assert_eq!([buf[(0, 0)].symbol(), buf[(1, 0)].symbol()], ["a", " "]);
    }

    #[test]
    fn stale_cells_are_cleared_and_the_cursor_hidden_when_asked() {
        let mut screen = PaneScreen::new(PaneSize::new(2, 4), 10);
        screen.feed(b"ab\x1b[?25l");
        let area = Rect::new(0, 0, 6, 3);
        let mut buf = Buffer::empty(area);
        for x in 0..6 {
            for y in 0..3 {
                buf[(x, y)].set_symbol("#");
            }
        }
        let mut state = PaneRenderState::default();
        StatefulWidget::render(PaneView::new(&screen), area, &mut buf, &mut state);
        assert_eq!(state.cursor, None);
        assert_eq!(buf[(5, 2)].symbol(), " ");
        assert_eq!(buf[(2, 0)].symbol(), " ");
    }

    #[test]
    fn scrolled_views_draw_history_without_a_cursor() {
        let mut screen = PaneScreen::new(PaneSize::new(2, 8), 10);
        screen.feed(b"one\r\ntwo\r\nthree");
        screen.set_scroll_offset(ScrollOffset(1));
        let (buf, state) = render(&screen, Rect::new(0, 0, 8, 2), ColorMode::Full);
        assert_eq!(buf[(0, 0)].symbol(), "o");
        assert_eq!(state.cursor, None);
    }
}
