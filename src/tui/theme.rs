//! Styles in the 16 ANSI colours, or none at all (`mono`, `NO_COLOR`):
//! the on-call engineer's terminal may have either.

use ratatui::style::{Color, Modifier, Style};

/// The styles the views use.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub banner: Style,
    pub env: Style,
    pub tab: Style,
    pub tab_active: Style,
    pub header: Style,
    pub selected: Style,
    pub dim: Style,
    pub error: Style,
    pub ok: Style,
    pub key: Style,
    pub overdue: Style,
}

impl Theme {
    /// The theme for a config name; `mono` when `no_color` is set.
    pub fn named(name: &str, no_color: bool) -> Theme {
        if no_color || name == "mono" { Theme::mono() } else { Theme::colour() }
    }

    fn colour() -> Theme {
        Theme {
            banner: Style::new().fg(Color::White).bg(Color::Blue),
            env: Style::new().fg(Color::Black).bg(Color::Yellow).add_modifier(Modifier::BOLD),
            tab: Style::new(),
            tab_active: Style::new().fg(Color::Black).bg(Color::Cyan).add_modifier(Modifier::BOLD),
            header: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            selected: Style::new().fg(Color::Black).bg(Color::White),
            dim: Style::new().fg(Color::DarkGray),
            error: Style::new().fg(Color::LightRed).add_modifier(Modifier::BOLD),
            ok: Style::new().fg(Color::LightGreen),
            key: Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            overdue: Style::new().fg(Color::LightRed),
        }
    }

    fn mono() -> Theme {
        let plain = Style::new();
        Theme {
            banner: plain.add_modifier(Modifier::REVERSED),
            env: plain.add_modifier(Modifier::BOLD),
            tab: plain,
            tab_active: plain.add_modifier(Modifier::REVERSED | Modifier::BOLD),
            header: plain.add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            selected: plain.add_modifier(Modifier::REVERSED),
            dim: plain,
            error: plain.add_modifier(Modifier::BOLD),
            ok: plain,
            key: plain.add_modifier(Modifier::BOLD),
            overdue: plain.add_modifier(Modifier::BOLD),
        }
    }
}
