//! Layout helpers every drawing shares: a box centred on the screen, text
//! wrapped into rows. They name no other module of the TUI.

use ratatui::layout::Rect;

/// A `w` by `h` box in the middle of `r`, shrunk to fit.
pub fn centered(r: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(r.width);
    let h = h.min(r.height);
    Rect { x: r.x + (r.width - w) / 2, y: r.y + (r.height - h) / 2, width: w, height: h }
}

/// Breaks `line` into rows of at most `width` columns at spaces; rows after
/// the first start `indent` columns in.
pub fn wrap(line: &str, width: usize, indent: usize) -> Vec<String> {
    let mut rows = Vec::new();
    let mut rest = line.to_owned();
    while rest.chars().count() > width {
        let head: String = rest.chars().take(width).collect();
        let cut = head.rfind(' ').filter(|&i| i > indent).unwrap_or(head.len());
        rows.push(rest[..cut].trim_end().to_owned());
        rest = format!("{}{}", " ".repeat(indent), rest[cut..].trim_start());
    }
    rows.push(rest);
    rows
}

/// Draws `text` (who else is here: presence) on the first row of `r`, in
/// `style`, and returns the rest of `r` for the view; with no text, all of
/// `r`, so a view nobody else has open looks as it always did.
pub fn presence_line(f: &mut ratatui::Frame, text: Option<String>, style: ratatui::style::Style, r: Rect) -> Rect {
    let Some(text) = text.filter(|_| r.height > 1) else { return r };
    let top = Rect { height: 1, ..r };
    let line = crate::domain::text::clip(&format!("● {text}"), usize::from(r.width));
    f.render_widget(ratatui::widgets::Paragraph::new(line).style(style), top);
    Rect { y: r.y + 1, height: r.height - 1, ..r }
}
