//! Key scripts: what `portaldesk run FILE` and `--keys` feed the app, and
//! what recording a macro writes. A script is read whole before anything
//! runs, so a typo is an error on its line, never a half-run script.
//!
//! One step per line:
//! - `# comment` and blank lines are skipped;
//! - `:LINE` runs a command line (as typing `:`, LINE, Enter);
//! - `action NAME` runs an action by its stable name (what macros record);
//! - `wait /REGEX/ [SECONDS]` waits until the screen matches (default 5 s);
//! - `expect /REGEX/` and `expect-not /REGEX/` check the screen now;
//! - `screenshot FILE` writes the screen as text (`screenshot-ansi FILE` with colours);
//! - `sleep SECONDS` lets the clock and timers run;
//! - `keys TEXT` types keys (for text that starts like a step word);
//! - anything else is keys in the notation of `src/keys.rs`.

pub mod run;

use std::time::Duration;

use regex::Regex;

use crate::action::Action;
use crate::keys::{Key, parse_sequence};

/// One step of a script.
#[derive(Debug, Clone)]
pub enum Step {
    Keys(Vec<Key>),
    Command(String),
    Action(Action),
    Wait(Regex, Duration),
    Expect(Regex),
    ExpectNot(Regex),
    Screenshot { file: String, ansi: bool },
    Sleep(Duration),
}

/// A script line that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}:{line}: {message}")]
pub struct ScriptError {
    pub source_name: String,
    pub line: usize,
    pub message: String,
}

fn regex_arg(rest: &str) -> Result<(Regex, &str), String> {
    let rest = rest.trim_start();
    let Some(body) = rest.strip_prefix('/') else { return Err("a pattern is written /REGEX/".into()) };
    let Some(end) = body.rfind('/') else { return Err("the pattern has no closing /".into()) };
    let re = Regex::new(&body[..end]).map_err(|e| format!("the pattern does not compile: {e}"))?;
    Ok((re, body[end + 1..].trim()))
}

fn seconds(s: &str, what: &str) -> Result<Duration, String> {
    let v: f64 = s.trim().parse().map_err(|_| format!("{what} takes seconds, e.g. 2 or 0.5; got {:?}", s.trim()))?;
    if !(0.0..=3600.0).contains(&v) {
        return Err(format!("{what} takes 0 to 3600 seconds"));
    }
    Ok(Duration::from_secs_f64(v))
}

fn parse_line(line: &str) -> Result<Option<Step>, String> {
    let t = line.trim_end_matches(['\r', '\n']);
    let trimmed = t.trim_start();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok(None);
    }
    let (word, rest) = trimmed.split_once(char::is_whitespace).unwrap_or((trimmed, ""));
    let step = match word {
        _ if trimmed.starts_with(':') => Step::Command(trimmed[1..].to_owned()),
        "action" => Step::Action(
            Action::by_name(rest.trim())
                .ok_or_else(|| format!("no action {:?} (portaldesk actions lists them)", rest.trim()))?,
        ),
        "wait" => {
            let (re, more) = regex_arg(rest)?;
            let limit = if more.is_empty() { Duration::from_secs(5) } else { seconds(more, "wait")? };
            Step::Wait(re, limit)
        }
        "expect" | "expect-not" => {
            let (re, more) = regex_arg(rest)?;
            if !more.is_empty() {
                return Err(format!("{word} takes only a pattern; found {more:?} after it"));
            }
            if word == "expect" { Step::Expect(re) } else { Step::ExpectNot(re) }
        }
        "screenshot" | "screenshot-ansi" => {
            let file = rest.trim();
            if file.is_empty() {
                return Err(format!("{word} needs a file name"));
            }
            Step::Screenshot { file: file.to_owned(), ansi: word == "screenshot-ansi" }
        }
        "sleep" => Step::Sleep(seconds(rest, "sleep")?),
        "keys" => Step::Keys(parse_sequence(rest).map_err(|e| e.to_string())?),
        _ => Step::Keys(parse_sequence(trimmed).map_err(|e| e.to_string())?),
    };
    Ok(Some(step))
}

/// Reads a whole script into (line number, step); the first bad line is the error.
pub fn parse(text: &str, source_name: &str) -> Result<Vec<(usize, Step)>, ScriptError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        match parse_line(line) {
            Ok(Some(s)) => out.push((i + 1, s)),
            Ok(None) => {}
            Err(message) => return Err(ScriptError { source_name: source_name.to_owned(), line: i + 1, message }),
        }
    }
    Ok(out)
}

/// Writes typed text as keys that read back the same (`<` as `<lt>`).
pub fn keys_line(text: &str) -> String {
    text.replace('<', "<lt>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_parses() {
        let s = parse(
            "# a comment\n\n:cases billing\naction case.claim_next\nwait /took C-\\d+/ 2\nexpect /Cases/\nexpect-not /error/\n\
             screenshot out.txt\nscreenshot-ansi out.ansi\nsleep 0.5\nkeys wait<Enter>\n2jj<C-d>\n",
            "t",
        )
        .unwrap();
        let s: Vec<Step> = s.into_iter().map(|(_, s)| s).collect();
        assert_eq!(s.len(), 10);
        assert!(matches!(&s[0], Step::Command(c) if c == "cases billing"));
        assert!(matches!(s[1], Step::Action(Action::CaseClaimNext)));
        assert!(matches!(&s[2], Step::Wait(re, d) if re.is_match("took C-12") && *d == Duration::from_secs(2)));
        assert!(matches!(&s[8], Step::Keys(k) if k.len() == 5));
        assert!(matches!(&s[9], Step::Keys(k) if k.len() == 4));
    }

    #[test]
    fn bad_lines_are_reported_before_anything_runs() {
        let e = |t: &str| parse(t, "x.pd").unwrap_err();
        assert_eq!(e("jj\n<Esc\n").line, 2);
        assert!(e("<Nope>").message.contains("unknown key name"));
        assert!(e("<Esc").message.contains("unbalanced"));
        assert!(e("wait /([/").message.contains("does not compile"));
        assert!(e("wait nope").message.contains("/REGEX/"));
        assert!(e("sleep forever").message.contains("seconds"));
        assert!(e("action case.fly").message.contains("no action"));
        assert!(e("screenshot").message.contains("file name"));
        assert_eq!(
            e("j\nexpect /a/ extra").to_string(),
            "x.pd:2: expect takes only a pattern; found \"extra\" after it"
        );
    }

    #[test]
    fn typed_text_round_trips_as_keys() {
        let line = keys_line("a <b> c");
        assert_eq!(parse_sequence(&line).unwrap().len(), 7);
    }
}
