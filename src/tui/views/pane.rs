//! Paints this window's copy of a pane's screen: colours, attributes, wide characters, and
//! where the terminal cursor belongs. The pane's program may have a smaller terminal than the
//! cell (another client is smaller); the rest of the cell stays blank.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};

use crate::protocol::ScreenCopy;
use crate::protocol::screen::{CellAttrs, CellColor, CellStyle, ColorValue};

/// Draws `copy` into `area`; returns where the cursor goes (`None`: hidden or scrolled away).
pub fn draw(copy: &ScreenCopy, area: Rect, no_color: bool, buf: &mut Buffer) -> Option<Position> {
    let area = area.intersection(buf.area);
    for y in 0..area.height {
        let mut x = 0u16;
        if let Some(row) = copy.rows.get(y as usize) {
            let mut cells = row.cells().peekable();
            while x < area.width {
                let Some(cell) = cells.next() else {
                    break;
                };
                let at = Position::new(area.x + x, area.y + y);
                let style = style(cell.style, no_color);
                let target = &mut buf[at];
                target.reset();
                target.set_style(style);
                let fits_wide = x + 1 < area.width;
                if cell.wide && fits_wide {
                    target.set_symbol(if cell.text.is_empty() { " " } else { cell.text });
                    // The right half is covered by the glyph: keep it blank in our colours.
                    let right = &mut buf[Position::new(at.x + 1, at.y)];
                    right.reset();
                    right.set_style(style);
                    cells.next();
                    x += 2;
                } else {
                    // A wide character cut by the edge shows as a blank, never half a glyph.
                    let text = if cell.wide || cell.text.is_empty() {
                        " "
                    } else {
                        cell.text
                    };
                    target.set_symbol(text);
                    x += 1;
                }
            }
        }
        while x < area.width {
            buf[Position::new(area.x + x, area.y + y)].reset();
            x += 1;
        }
    }
    let (row, col) = copy.cursor?;
    (row < area.height && col < area.width).then(|| Position::new(area.x + col, area.y + row))
}

fn style(cell: CellStyle, no_color: bool) -> Style {
    let mut modifier = Modifier::empty();
    for (bit, m) in [
        (CellAttrs::BOLD, Modifier::BOLD),
        (CellAttrs::DIM, Modifier::DIM),
        (CellAttrs::ITALIC, Modifier::ITALIC),
        (CellAttrs::UNDERLINE, Modifier::UNDERLINED),
        (CellAttrs::INVERSE, Modifier::REVERSED),
    ] {
        if cell.attrs.has(bit) {
            modifier |= m;
        }
    }
    let (fg, bg) = if no_color {
        (Color::Reset, Color::Reset)
    } else {
        (color(cell.fg), color(cell.bg))
    };
    Style::new().fg(fg).bg(bg).add_modifier(modifier)
}

fn color(color: CellColor) -> Color {
    match color.value() {
        ColorValue::Default => Color::Reset,
        ColorValue::Indexed(i) => Color::Indexed(i),
        ColorValue::Rgb(r, g, b) => Color::Rgb(r, g, b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pty::{PaneScreen, PaneSize};
    use std::sync::Arc;

    fn copy_of(screen: &mut PaneScreen) -> ScreenCopy {
        let view = screen.view_rows(0);
        ScreenCopy {
            size: screen.size(),
            cursor: view.cursor,
            modes: screen.modes(),
            title: String::new(),
            scroll: Default::default(),
            input_hidden: false,
            rows: view.rows.into_iter().map(Arc::new).collect(),
        }
    }

    #[test]
    fn colours_wide_characters_and_the_cursor_reach_the_buffer() {
        let mut screen = PaneScreen::new(PaneSize::new(2, 6), 10);
        screen.feed("\x1b[1;31mR\x1b[0ma日".as_bytes());
        let copy = copy_of(&mut screen);
        let mut buf = Buffer::empty(Rect::new(0, 0, 8, 3));
        let cursor = draw(&copy, Rect::new(1, 1, 6, 2), false, &mut buf);
        let r = &buf[(1, 1)];
        assert_eq!(
            (r.symbol(), r.fg, r.modifier),
            ("R", Color::Indexed(1), Modifier::BOLD)
        );
        assert_eq!(buf[(3, 1)].symbol(), "日");
        assert_eq!(buf[(4, 1)].symbol(), " ");
        assert_eq!(cursor, Some(Position::new(5, 1)));
        // Cut through a wide character: a blank, never half a glyph.
        let mut narrow = Buffer::empty(Rect::new(0, 0, 3, 1));
        draw(&copy, Rect::new(0, 0, 3, 1), true, &mut narrow);
        assert_eq!(narrow[(2, 0)].symbol(), " ");
        assert_eq!(narrow[(0, 0)].fg, Color::Reset);
    }
}
