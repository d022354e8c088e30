//! Key notation shared by the keymap, `--keys` and scripts:
//! plain characters, and `<Name>` for the rest (`<Esc>`, `<Enter>`,
//! `<Tab>`, `<S-Tab>`, `<C-c>`, `<Up>`, `<PageDown>`, `<Space>`, `<lt>`, `<F5>`, `<A-x>`).

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// One key press with its modifiers, normalised so that equal presses compare equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

/// A key notation that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("unknown key name <{0}>")]
    UnknownName(String),
    #[error("unbalanced '<' at {0:?}: write <lt> for a literal '<'")]
    Unbalanced(String),
    #[error("empty key")]
    Empty,
}

const NAMED: &[(&str, KeyCode)] = &[
    ("Esc", KeyCode::Esc),
    ("Enter", KeyCode::Enter),
    ("CR", KeyCode::Enter),
    ("Tab", KeyCode::Tab),
    ("BackTab", KeyCode::BackTab),
    ("BS", KeyCode::Backspace),
    ("Backspace", KeyCode::Backspace),
    ("Del", KeyCode::Delete),
    ("Up", KeyCode::Up),
    ("Down", KeyCode::Down),
    ("Left", KeyCode::Left),
    ("Right", KeyCode::Right),
    ("Home", KeyCode::Home),
    ("End", KeyCode::End),
    ("PageUp", KeyCode::PageUp),
    ("PageDown", KeyCode::PageDown),
    ("Space", KeyCode::Char(' ')),
    ("lt", KeyCode::Char('<')),
];

impl Key {
    /// A key with no modifiers.
    pub fn plain(code: KeyCode) -> Key {
        Key::new(code, KeyModifiers::NONE)
    }

    /// Normalises: shift is folded into the character (`S-a` is `A`),
    /// `S-Tab` is `BackTab`.
    pub fn new(code: KeyCode, mods: KeyModifiers) -> Key {
        let mut mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match code {
            KeyCode::Char(c) if mods.contains(KeyModifiers::SHIFT) => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::Char(c.to_ascii_uppercase())
            }
            KeyCode::Char(c) if mods.contains(KeyModifiers::CONTROL) => KeyCode::Char(c.to_ascii_lowercase()),
            KeyCode::Tab if mods.contains(KeyModifiers::SHIFT) => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            other => other,
        };
        Key { code, mods }
    }

    /// From a terminal event.
    pub fn from_event(e: KeyEvent) -> Key {
        Key::new(e.code, e.modifiers)
    }

    /// The terminal event this key stands for (scripts feed these).
    pub fn to_event(self) -> KeyEvent {
        KeyEvent::new(self.code, self.mods)
    }

    /// Parses exactly one key (`j`, `<C-c>`, `<PageDown>`).
    pub fn parse(s: &str) -> Result<Key, KeyError> {
        let keys = parse_sequence(s)?;
        match keys.as_slice() {
            [k] => Ok(*k),
            [] => Err(KeyError::Empty),
            _ => Err(KeyError::UnknownName(s.to_owned())),
        }
    }

    /// A plain character with no modifier: typing it in a list must never change data.
    pub fn is_unmodified_char(self) -> bool {
        matches!(self.code, KeyCode::Char(c) if !c.is_ascii_uppercase()) && self.mods.is_empty()
    }

    /// Keys a terminal or multiplexer may swallow (Ctrl-S/Q/A/B, Alt, F-keys):
    /// never the only way to an action.
    pub fn is_fragile(self) -> bool {
        matches!(self.code, KeyCode::F(_))
            || self.mods.contains(KeyModifiers::ALT)
            || (self.mods.contains(KeyModifiers::CONTROL) && matches!(self.code, KeyCode::Char('s' | 'q' | 'a' | 'b')))
    }
}

fn parse_named(name: &str) -> Result<Key, KeyError> {
    let mut mods = KeyModifiers::NONE;
    let mut rest = name;
    while let Some((m, r)) = rest.split_once('-').filter(|(m, r)| m.len() == 1 && !r.is_empty()) {
        match m {
            "C" | "c" => mods |= KeyModifiers::CONTROL,
            "A" | "a" | "M" | "m" => mods |= KeyModifiers::ALT,
            "S" | "s" => mods |= KeyModifiers::SHIFT,
            _ => return Err(KeyError::UnknownName(name.to_owned())),
        }
        rest = r;
    }
    let code = if let Some((_, c)) = NAMED.iter().find(|(n, _)| n.eq_ignore_ascii_case(rest)) {
        *c
    } else if let Some(n) =
        rest.strip_prefix(['F', 'f']).and_then(|n| n.parse::<u8>().ok()).filter(|n| (1..=12).contains(n))
    {
        KeyCode::F(n)
    } else {
        let mut chars = rest.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if !mods.is_empty() => KeyCode::Char(c),
            _ => return Err(KeyError::UnknownName(name.to_owned())),
        }
    };
    Ok(Key::new(code, mods))
}

/// Parses a key sequence: `gg`, `:cases billing<Enter>`, `<C-c>`.
pub fn parse_sequence(s: &str) -> Result<Vec<Key>, KeyError> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            let Some(end) = rest.find('>') else {
                return Err(KeyError::Unbalanced(crate::domain::text::clip(rest, 20)));
            };
            let name = &rest[1..end];
            if name.is_empty() || name.contains('<') {
                return Err(KeyError::Unbalanced(crate::domain::text::clip(rest, 20)));
            }
            out.push(parse_named(name)?);
            rest = &rest[end + 1..];
        } else {
            out.push(Key::new(KeyCode::Char(c), KeyModifiers::NONE));
            rest = &rest[c.len_utf8()..];
        }
    }
    Ok(out)
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut prefix = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            prefix.push_str("C-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            prefix.push_str("A-");
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            prefix.push_str("S-");
        }
        let name = match self.code {
            KeyCode::Char('<') => "lt".to_owned(),
            KeyCode::Char(' ') => "Space".to_owned(),
            KeyCode::Char(c) if prefix.is_empty() => return write!(f, "{c}"),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::F(n) => format!("F{n}"),
            code => NAMED
                .iter()
                .find(|(_, c)| *c == code)
                .map(|(n, _)| (*n).to_owned())
                .unwrap_or_else(|| format!("{code:?}")),
        };
        write!(f, "<{prefix}{name}>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_named_and_modified_keys() {
        let k = parse_sequence(":q<Enter>").unwrap();
        assert_eq!(k.len(), 3);
        assert_eq!(k[2], Key::plain(KeyCode::Enter));
        assert_eq!(Key::parse("<C-c>").unwrap(), Key::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
        assert_eq!(Key::parse("<S-Tab>").unwrap(), Key::plain(KeyCode::BackTab));
        assert_eq!(Key::parse("<S-t>").unwrap(), Key::parse("T").unwrap());
        assert_eq!(Key::parse("<lt>").unwrap(), Key::plain(KeyCode::Char('<')));
        assert_eq!(Key::parse("<F5>").unwrap(), Key::plain(KeyCode::F(5)));
    }

    #[test]
    fn rejects_unknown_and_unbalanced() {
        assert_eq!(parse_sequence("<Bogus>"), Err(KeyError::UnknownName("Bogus".into())));
        assert!(matches!(parse_sequence("ab<Esc"), Err(KeyError::Unbalanced(_))));
        assert!(matches!(parse_sequence("<>"), Err(KeyError::Unbalanced(_))));
        assert!(matches!(parse_sequence("<a<b>"), Err(KeyError::Unbalanced(_))));
    }

    #[test]
    fn display_round_trips() {
        for s in ["j", "G", "<C-c>", "<Enter>", "<PageDown>", "<lt>", "<Space>", "<BackTab>", "<F2>", "<A-x>"] {
            let k = Key::parse(s).unwrap();
            assert_eq!(Key::parse(&k.to_string()).unwrap(), k, "{s}");
        }
    }

    #[test]
    fn classifies_risky_keys() {
        assert!(Key::parse("t").unwrap().is_unmodified_char());
        assert!(!Key::parse("T").unwrap().is_unmodified_char());
        assert!(Key::parse("<C-s>").unwrap().is_fragile());
        assert!(Key::parse("<F1>").unwrap().is_fragile());
        assert!(!Key::parse("<C-c>").unwrap().is_fragile());
    }
}
