//! Colours and emphasis in one place. With `NO_COLOR` set every style keeps its modifiers
//! (bold, dim, reversed) and drops its colours.

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Theme {
    pub no_color: bool,
}

impl Theme {
    pub fn from_env() -> Self {
        Self {
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        }
    }

    fn paint(&self, style: Style) -> Style {
        if self.no_color {
            Style {
                fg: None,
                bg: None,
                underline_color: None,
                ..style
            }
        } else {
            style
        }
    }

    pub fn fg(&self, color: Color) -> Style {
        self.paint(Style::new().fg(color))
    }

    pub fn border(&self, focused: bool) -> Style {
        if focused {
            self.paint(Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD))
        } else {
            self.paint(Style::new().fg(Color::DarkGray))
        }
    }

    /// Border of the pane that has the keys: unmistakable, also without colour (thick lines).
    pub fn pane_focus(&self) -> Style {
        self.paint(
            Style::new()
                .fg(Color::LightGreen)
                .add_modifier(Modifier::BOLD),
        )
    }

    pub fn title(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn dim(&self) -> Style {
        self.paint(Style::new().fg(Color::DarkGray))
    }

    pub fn hint_key(&self) -> Style {
        self.paint(Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD))
    }

    pub fn selected(&self) -> Style {
        if self.no_color {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
                .bg(Color::Rgb(40, 60, 90))
                .add_modifier(Modifier::BOLD)
        }
    }

    pub fn matched(&self) -> Style {
        self.paint(
            Style::new()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
        )
    }

    pub fn selection(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn code(&self) -> Style {
        self.paint(Style::new().fg(Color::LightYellow))
    }

    pub fn reasoning(&self) -> Style {
        self.paint(
            Style::new()
                .fg(Color::DarkGray)
                .add_modifier(Modifier::ITALIC),
        )
    }

    pub fn user(&self) -> Style {
        self.paint(Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD))
    }

    pub fn error(&self) -> Style {
        self.paint(Style::new().fg(Color::Red).add_modifier(Modifier::BOLD))
    }

    pub fn ok(&self) -> Style {
        self.paint(Style::new().fg(Color::Green))
    }

    pub fn warn(&self) -> Style {
        self.paint(Style::new().fg(Color::Yellow))
    }
}
