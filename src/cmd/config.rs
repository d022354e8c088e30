//! `portaldesk config path|show`: where the configuration file is, and
//! what each setting is in effect and why.

use crate::config::{Config, Origin, Overrides, Paths};
use crate::fatal::Fatal;

/// Prints the configuration file's path, with a note when it does not exist yet.
pub fn path(paths: &Paths) -> Result<u8, Fatal> {
    let note = if paths.config_file.exists() { "" } else { " (not present: the built-in defaults apply)" };
    println!("{}{note}", paths.config_file.display());
    Ok(0)
}

/// Prints every setting as `key = value  # origin`, or as JSON.
pub fn show(paths: &Paths, overrides: &Overrides, json_out: bool) -> Result<u8, Fatal> {
    let settings = Config::explain(Some(&paths.config_file), std::env::vars(), overrides)?;
    if json_out {
        super::json::print_ok(&super::json::ConfigShown { config_file: paths.config_file.clone(), settings });
        return Ok(0);
    }
    let shown: Vec<(String, String)> =
        settings.iter().map(|s| (format!("{} = {}", s.key, s.value), origin_text(&s.origin, &s.from))).collect();
    let width = shown.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(0);
    for (line, origin) in shown {
        println!("{line:<width$}  # {origin}");
    }
    Ok(0)
}

fn origin_text(origin: &Origin, from: &str) -> String {
    match origin {
        Origin::Default => "default".into(),
        Origin::UserFile => format!("user file {from}"),
        Origin::Env => format!("env {from}"),
        Origin::Flag => format!("flag {from}"),
    }
}
