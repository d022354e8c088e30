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
