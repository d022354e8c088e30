//! Text that came from the database or a user: safe display, search keys,
//! and CSV cells that a spreadsheet will not run as formulas.

use unicode_normalization::UnicodeNormalization;

/// Removes control characters and terminal escape sequences, so text from
/// the database is shown as data and never drives the terminal. Characters
/// that fool the eye (`is_deceptive`) stored before they were refused are
/// shown as visible escapes such as `\u{202E}`, so nobody is misled and
/// nobody is left wondering why two equal-looking names differ.
pub fn sanitize(s: &str) -> String {
    clean(s, false)
}

/// As `sanitize`, borrowing `s` when nothing in it changes (printable
/// ASCII, what nearly every name and number is): an export of millions
/// of cells then copies none of them.
pub fn sanitize_cow(s: &str) -> std::borrow::Cow<'_, str> {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(sanitize(s))
    }
}

/// As `sanitize`, but drops characters that fool the eye instead of
/// escaping them: for a search someone types, where an escape would only
/// make it miss.
pub fn sanitize_query(s: &str) -> String {
    clean(&s.replace(is_deceptive, ""), false)
}

/// As `sanitize`, but keeps line breaks (as `\n`): for notes and comments
/// that people write in paragraphs.
pub fn sanitize_multiline(s: &str) -> String {
    clean(&s.replace("\r\n", "\n"), true)
}

fn clean(s: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // C1 CSI introduces a sequence too.
            '\u{9b}' => skip_csi_body(&mut chars),
            '\n' if keep_newlines => out.push('\n'),
            '\t' | '\n' => out.push(' '),
            c if c.is_control() => {}
            c if is_deceptive(c) => out.push_str(&escaped(c)),
            c => out.push(c),
        }
    }
    out
}

/// Whether a character makes text read otherwise than it is stored:
/// bidirectional controls (U+202A–U+202E, U+2066–U+2069), which reorder
/// what follows, and zero-width characters (U+200B–U+200D, U+2060, U+FEFF),
/// which make two names that look equal differ.
pub fn is_deceptive(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}')
}

/// A character as a visible escape: `\u{202E}`.
pub fn escaped(c: char) -> String {
    format!("\\u{{{:04X}}}", u32::from(c))
}

/// Checks text typed into a field (a form, an import cell): refuses
/// characters that fool the eye, naming the field and the character, so
/// they are never stored.
pub fn check_visible(field: &str, s: &str) -> Result<(), String> {
    match s.chars().find(|c| is_deceptive(*c)) {
        Some(c) => Err(format!(
            "{field} holds an invisible or direction-changing character ({}); type it again without it",
            escaped(c)
        )),
        None => Ok(()),
    }
}

fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.peek() {
        Some('[') => {
            chars.next();
            skip_csi_body(chars);
        }
        // OSC, DCS, APC, PM, SOS: run to BEL or ST (ESC \).
        Some(']' | 'P' | '_' | '^' | 'X') => {
            chars.next();
            while let Some(c) = chars.next() {
                if c == '\u{7}' {
                    break;
                }
                if c == '\u{1b}' {
                    if chars.peek() == Some(&'\\') {
                        chars.next();
                    }
                    break;
                }
            }
        }
        Some(_) => {
            chars.next();
        }
        None => {}
    }
}

fn skip_csi_body(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            break;
        }
    }
}

/// The search key of a name: lower case, accents and punctuation removed,
/// so `O'Brien`, `obrien` and `Ó Brien` meet, and `Müller` is found by `muller`.
pub fn fold_key(s: &str) -> String {
    s.nfkd().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// The exclusive upper bound of a prefix range over folded keys:
/// `key >= p AND key < prefix_end(p)` finds every key starting with `p`
/// and uses the index on both engines (binary collation).
pub fn prefix_end(prefix: &str) -> String {
    format!("{prefix}\u{10ffff}")
}

/// Makes a CSV cell safe to open in a spreadsheet: a cell starting with
/// `=`, `+`, `-`, `@` (or a tab/CR that hides one) is prefixed with `'`.
pub fn csv_safe(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

/// As `csv_safe`, borrowing `cell` when it needs no prefix.
pub fn csv_safe_cow(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => std::borrow::Cow::Owned(csv_safe(cell)),
        _ => std::borrow::Cow::Borrowed(cell),
    }
}

/// At most `n` characters of `s`, with `…` when cut; for quoting input in messages.
pub fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}

/// `s` in at most `width` characters: cut with `…` as its last when longer,
/// so a table's columns keep their gaps.
pub fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width { s.to_owned() } else { clip(s, width.saturating_sub(1)) }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_borrowing_forms_change_what_the_owning_ones_do() {
        let cells = [
            "",
            "plain",
            "Díaz, Rosa",
            "tab\there",
            "line\nbreak",
            "\u{1b}[31mred",
            "a\u{202E}b",
            "\u{9b}2J",
            "=SUM(A1)",
            "+1",
            "-5",
            "@me",
            "\tx",
            "\rx",
            "~ok~",
            "\u{7f}del",
            "zero\u{200B}width",
            "'quoted'",
            "\"q\"",
        ];
        for c in cells {
            assert_eq!(super::sanitize_cow(c), super::sanitize(c), "{c:?}");
            assert_eq!(super::csv_safe_cow(c), super::csv_safe(c), "{c:?}");
        }
        for b in 0_u8..=0x7f {
            let c = format!("a{}b", b as char);
            assert_eq!(super::sanitize_cow(&c), super::sanitize(&c), "{b}");
            let c = format!("{}b", b as char);
            assert_eq!(super::csv_safe_cow(&c), super::csv_safe(&c), "{b}");
        }
    }

    use super::*;

    #[test]
    fn fit_keeps_text_within_its_width() {
        assert_eq!(fit("Acme", 4), "Acme");
        assert_eq!(fit("Acme Tools", 5), "Acme…");
        assert_eq!(fit("Acme Tools", 5).chars().count(), 5);
    }

    #[test]
    fn sanitize_strips_escapes_and_controls() {
        assert_eq!(sanitize("a\u{1b}[31mred\u{1b}[0m"), "ared");
        assert_eq!(sanitize("x\u{1b}]0;title\u{7}y"), "xy");
        assert_eq!(sanitize("x\u{1b}]52;c;Zm9v\u{1b}\\y"), "xy");
        assert_eq!(sanitize("bell\u{7}\r\nnext\tcol"), "bell nextcol".replace("nextcol", "next col"));
        assert_eq!(sanitize("\u{9b}2Jclear"), "clear");
        assert_eq!(sanitize("Zoë O'Brien-Nguyễn"), "Zoë O'Brien-Nguyễn");
    }

    #[test]
    fn characters_that_fool_the_eye_are_shown_as_escapes() {
        // "evil\u{202E}txt.exe" would read as "evilexe.txt".
        assert_eq!(sanitize("evil\u{202e}txt.exe"), "evil\\u{202E}txt.exe");
        assert_eq!(sanitize("Ann\u{200b}a"), "Ann\\u{200B}a");
        assert_eq!(sanitize("\u{2066}x\u{2069}"), "\\u{2066}x\\u{2069}");
        assert_eq!(sanitize("a\u{feff}b\u{2060}c\u{200d}"), "a\\u{FEFF}b\\u{2060}c\\u{200D}");
        assert_eq!(sanitize_multiline("x\u{202a}\ny"), "x\\u{202A}\ny");
        for c in ['\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}'] {
            assert!(is_deceptive(c), "{c:?}");
        }
        for c in ['\u{2069}', '\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}', '\u{feff}'] {
            assert!(is_deceptive(c), "{c:?}");
        }
        // Neighbours that are ordinary text are not.
        for c in ['\u{2029}', '\u{202f}', '\u{2065}', '\u{206a}', '\u{200e}', '\u{2061}', 'é', 'ễ'] {
            assert!(!is_deceptive(c), "{c:?}");
        }
    }

    #[test]
    fn a_typed_query_just_loses_them() {
        assert_eq!(sanitize_query("Smi\u{200b}th\u{202e}"), "Smith");
        assert_eq!(sanitize_query("a\u{1b}[2Jb"), "ab");
    }

    #[test]
    fn typed_text_with_such_characters_is_refused() {
        assert_eq!(check_visible("last name", "Nguyễn O'Brien"), Ok(()));
        let e = check_visible("last name", "Smith\u{202e}htims").unwrap_err();
        assert!(e.contains("last name") && e.contains("\\u{202E}"), "{e}");
        assert!(check_visible("first name", "Jo\u{200b}hn").unwrap_err().contains("\\u{200B}"));
    }

    #[test]
    fn multiline_keeps_line_breaks_only() {
        assert_eq!(sanitize_multiline("one\r\ntwo\u{1b}[2J\nthree\u{7}"), "one\ntwo\nthree");
    }

    #[test]
    fn fold_key_meets_accents_case_and_apostrophes() {
        assert_eq!(fold_key("O'Brien"), "obrien");
        assert_eq!(fold_key("Müller"), "muller");
        assert_eq!(fold_key("NGUYỄN"), "nguyen");
        assert_eq!(fold_key("García-López"), "garcialopez");
    }

    #[test]
    fn prefix_range_covers_longer_keys_only() {
        let end = prefix_end("smi");
        assert!("smith" < end.as_str() && "smi" < end.as_str());
        assert!("smj" > end.as_str());
    }

    #[test]
    fn csv_cells_that_start_a_formula_are_neutralised() {
        assert_eq!(csv_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_safe("+1"), "'+1");
        assert_eq!(csv_safe("-2"), "'-2");
        assert_eq!(csv_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_safe("Smith"), "Smith");
    }

    #[test]
    fn clip_marks_cut_text() {
        assert_eq!(clip("abcdef", 3), "abc…");
        assert_eq!(clip("ab", 3), "ab");
    }
}
