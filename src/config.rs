//! Configuration: built-in defaults < user file < `PORTALDESK_*` env < flags.
//!
//! Every layer is merged as TOML before one typed parse, so a misspelt key
//! in any layer is reported with its name instead of being ignored.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The built-in defaults, documented key by key.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

/// The merged configuration.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub database_url: String,
    pub operator: String,
    pub environment: String,
    pub read_only: bool,
    pub database: DatabaseConfig,
    pub ui: UiConfig,
    pub cases: CasesConfig,
    pub codes: CodesConfig,
    pub maintenance: MaintenanceConfig,
    pub log: LogConfig,
}

/// `[database]`: what one portaldesk asks of a shared PostgreSQL server.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// Connections held at once; 0 leaves it to the surface (2 for the
    /// terminal and scripts, 1 for a CLI command).
    pub max_connections: u32,
    /// What sits between portaldesk and the server.
    pub pooler: Pooler,
    /// A hot standby that lists and lookups read from (empty: none).
    pub replica_url: String,
    /// How far behind (ms) the replica may be and still be read.
    pub replica_max_lag_ms: u64,
}

/// A connection pooler in front of the server.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Pooler {
    /// Straight to the server.
    None,
    /// PgBouncer (or alike) in transaction mode: no session state is kept
    /// from one transaction to the next.
    Transaction,
}

impl DatabaseConfig {
    /// The connections a surface holds: the configured number, else its own default.
    pub fn connections(&self, surface_default: u32) -> u32 {
        if self.max_connections == 0 { surface_default } else { self.max_connections }
    }
}

/// `[ui]`: how the terminal looks and ticks.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UiConfig {
    pub theme: String,
    pub tick_ms: u64,
    pub reveal_seconds: u64,
    pub history_size: usize,
    pub idle_lock_minutes: u64,
    /// The strftime format of dates on every screen; checked at start.
    pub date_format: String,
    /// Mouse wheel scrolling (the terminal's mouse capture is on while the app runs).
    pub mouse: bool,
    /// Live queues: lists and counts follow other sessions' case changes.
    pub live: bool,
    /// How often live queues poll (SQLite, a pooler), and the least time between live reloads.
    pub live_poll_ms: u64,
}

/// `[cases]`: the information-request clock and the sweep.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CasesConfig {
    pub info_due_business_days: u32,
    pub sweep_interval_secs: u64,
}

/// `[codes]`: registration code lifetimes and lockout.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CodesConfig {
    pub employer_days: u32,
    pub broker_hours: u32,
    pub max_attempts: u32,
}

/// `[maintenance]`: how far back a member change may reach without an
/// exception, and how long it can be reverted.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceConfig {
    pub retro_days: u32,
    pub undo_minutes: u32,
}

/// `[log]`: the log file's filter.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    pub level: String,
}

/// Where portaldesk keeps its files.
#[derive(Debug, Clone)]
pub struct Paths {
    pub config_file: PathBuf,
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
}

impl Paths {
    /// The platform directories (XDG on Linux); `PORTALDESK_HOME` puts
    /// everything under one folder instead, for tests and portable installs.
    pub fn discover() -> Paths {
        if let Some(home) = std::env::var_os("PORTALDESK_HOME") {
            let home = PathBuf::from(home);
            return Paths {
                config_file: home.join("config.toml"),
                data_dir: home.join("data"),
                log_dir: home.join("log"),
            };
        }
        match directories::ProjectDirs::from("", "", "portaldesk") {
            Some(d) => Paths {
                config_file: d.config_dir().join("config.toml"),
                data_dir: d.data_dir().to_path_buf(),
                log_dir: d.data_local_dir().join("log"),
            },
            None => {
                let home = PathBuf::from(".portaldesk");
                Paths { config_file: home.join("config.toml"), data_dir: home.join("data"), log_dir: home.join("log") }
            }
        }
    }

    /// The demo database used when no URL is configured.
    pub fn demo_db(&self) -> PathBuf {
        self.data_dir.join("demo.sqlite")
    }

    /// The data key file used when `PORTALDESK_DATA_KEY` is not set.
    pub fn key_file(&self) -> PathBuf {
        self.data_dir.join("data.key")
    }
}

/// Flag values that override everything else (unset flags are `None`).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub database_url: Option<String>,
    pub operator: Option<String>,
    pub read_only: bool,
    /// `--log-level`: the log file's filter.
    pub log_level: Option<String>,
}

/// Where a setting's effective value came from, lowest layer first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// config/default.toml, built in.
    Default,
    /// The user's config file.
    UserFile,
    /// A `PORTALDESK_*` environment variable.
    Env,
    /// A command-line flag.
    Flag,
}

/// One setting of the effective configuration and where it came from
/// (`portaldesk config show`): which file, variable or flag.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Setting {
    /// Dotted key, as in the file (`ui.tick_ms`).
    pub key: String,
    pub value: serde_json::Value,
    pub origin: Origin,
    /// The file's path, the variable's or the flag's name; empty for defaults.
    pub from: String,
}

/// A configuration that could not be read, with where and why.
#[derive(Debug, thiserror::Error)]
#[error("{source_name}: {message}")]
pub struct ConfigError {
    pub source_name: String,
    pub message: String,
}

fn merge(base: &mut toml::Table, top: toml::Table) {
    for (k, v) in top {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(t)) => merge(b, t),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// Turns `PORTALDESK_SECTION__KEY=value` variables into a table. Only keys
/// the defaults know are taken, since other `PORTALDESK_*` variables (the
/// data key, test URLs) are not configuration.
fn env_layer(defaults: &toml::Table, vars: impl Iterator<Item = (String, String)>) -> Result<toml::Table, ConfigError> {
    let mut out = toml::Table::new();
    for (name, value) in vars {
        let Some(rest) = name.strip_prefix("PORTALDESK_") else { continue };
        let path: Vec<String> = rest.split("__").map(str::to_ascii_lowercase).collect();
        let (section, key) = match path.as_slice() {
            [k] => (None, k.as_str()),
            [s, k] => (Some(s.as_str()), k.as_str()),
            _ => continue,
        };
        let known = match section {
            None => defaults.get(key).filter(|v| !v.is_table()),
            Some(s) => defaults.get(s).and_then(|t| t.as_table()).and_then(|t| t.get(key)),
        };
        let Some(default) = known else { continue };
        let parsed = match default {
            toml::Value::String(_) => toml::Value::String(value.clone()),
            toml::Value::Integer(_) => value.trim().parse().map(toml::Value::Integer).map_err(|_| ConfigError {
                source_name: name.clone(),
                message: format!("expected a whole number, got {value:?}"),
            })?,
            toml::Value::Boolean(_) => match value.trim() {
                "1" | "true" | "yes" | "on" => toml::Value::Boolean(true),
                "0" | "false" | "no" | "off" | "" => toml::Value::Boolean(false),
                _ => {
                    return Err(ConfigError {
                        source_name: name,
                        message: format!("expected true or false, got {value:?}"),
                    });
                }
            },
            _ => continue,
        };
        let target = match section {
            None => &mut out,
            Some(s) => out
                .entry(s.to_owned())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()))
                .as_table_mut()
                .expect("inserted as table"),
        };
        target.insert(key.to_owned(), parsed);
    }
    Ok(out)
}

fn parse_table(text: &str, source_name: &str) -> Result<toml::Table, ConfigError> {
    text.parse::<toml::Table>().map_err(|e| ConfigError {
        source_name: source_name.to_owned(),
        message: e.message().to_owned() + &e.span().map(|s| format!(" (at byte {})", s.start)).unwrap_or_default(),
    })
}

impl Config {
    /// Builds the configuration from every layer. `user_file` may be absent.
    pub fn load(
        user_file: Option<&Path>,
        env: impl Iterator<Item = (String, String)>,
        flags: &Overrides,
    ) -> Result<Config, ConfigError> {
        let defaults = parse_table(DEFAULT_TOML, "built-in defaults")?;
        let mut merged = defaults.clone();
        if let Some(path) = user_file.filter(|p| p.exists()) {
            let shown = path.display().to_string();
            let text = std::fs::read_to_string(path)
                .map_err(|e| ConfigError { source_name: shown.clone(), message: e.to_string() })?;
            merge(&mut merged, parse_table(&text, &shown)?);
        }
        merge(&mut merged, env_layer(&defaults, env)?);
        let mut cfg: Config = toml::Value::Table(merged).try_into().map_err(|e: toml::de::Error| ConfigError {
            source_name: user_file.map(|p| p.display().to_string()).unwrap_or_else(|| "configuration".into()),
            message: e.message().to_owned(),
        })?;
        if let Some(u) = &flags.database_url {
            cfg.database_url = u.clone();
        }
        if let Some(o) = &flags.operator {
            cfg.operator = o.clone();
        }
        cfg.read_only |= flags.read_only;
        if let Some(l) = &flags.log_level {
            cfg.log.level = l.clone();
        }
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let bad =
            |k: &str, m: &str| Err(ConfigError { source_name: "configuration".into(), message: format!("{k}: {m}") });
        if !["default", "mono"].contains(&self.ui.theme.as_str()) {
            return bad("ui.theme", "must be \"default\" or \"mono\"");
        }
        if self.ui.tick_ms < 16 || self.ui.tick_ms > 5000 {
            return bad("ui.tick_ms", "must be between 16 and 5000");
        }
        if self.ui.live_poll_ms < 100 || self.ui.live_poll_ms > 10_000 {
            return bad("ui.live_poll_ms", "must be between 100 and 10000");
        }
        if let Err(m) = crate::domain::date_format::DateFormat::parse(&self.ui.date_format) {
            return bad("ui.date_format", &m);
        }
        if self.codes.max_attempts == 0 {
            return bad("codes.max_attempts", "must be at least 1");
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            return bad(
                "log.level",
                "must be a level (error, warn, info, debug, trace) or a filter such as portaldesk=debug",
            );
        }
        Ok(())
    }

    /// Every setting of the configuration these layers make, each with
    /// where its value came from (the highest layer that sets it). The
    /// database URL's password is hidden.
    pub fn explain(
        user_file: Option<&Path>,
        env: impl Iterator<Item = (String, String)>,
        flags: &Overrides,
    ) -> Result<Vec<Setting>, ConfigError> {
        let env: Vec<(String, String)> = env.collect();
        let cfg = Config::load(user_file, env.iter().cloned(), flags)?;
        let defaults = parse_table(DEFAULT_TOML, "built-in defaults")?;
        let user = match user_file.filter(|p| p.exists()) {
            Some(path) => {
                let shown = path.display().to_string();
                let text = std::fs::read_to_string(path)
                    .map_err(|e| ConfigError { source_name: shown.clone(), message: e.to_string() })?;
                Some((parse_table(&text, &shown)?, shown))
            }
            None => None,
        };
        let effective = serde_json::to_value(&cfg)
            .map_err(|e| ConfigError { source_name: "configuration".into(), message: e.to_string() })?;
        let flag = |key: &str| match key {
            "database_url" => flags.database_url.is_some().then_some("--db"),
            "operator" => flags.operator.is_some().then_some("--operator"),
            "read_only" => flags.read_only.then_some("--read-only"),
            "log.level" => flags.log_level.is_some().then_some("--log-level"),
            _ => None,
        };
        let mut out = Vec::new();
        for (key, path) in keys(&defaults) {
            let value = path.iter().fold(&effective, |v, k| &v[k.as_str()]).clone();
            let value = match (key.as_str(), value) {
                ("database_url" | "database.replica_url", serde_json::Value::String(u)) => {
                    serde_json::Value::String(crate::store::redact_url(&u))
                }
                (_, v) => v,
            };
            let in_user = user.as_ref().is_some_and(|(t, _)| lookup(t, &path).is_some());
            let var = env.iter().rev().find(|(name, _)| env_path(name).as_deref() == Some(path.as_slice()));
            let (origin, from) = if let Some(f) = flag(&key) {
                (Origin::Flag, f.to_owned())
            } else if let Some((name, _)) = var {
                (Origin::Env, name.clone())
            } else if in_user {
                (Origin::UserFile, user.as_ref().map(|(_, p)| p.clone()).unwrap_or_default())
            } else {
                (Origin::Default, String::new())
            };
            out.push(Setting { key, value, origin, from });
        }
        Ok(out)
    }

    /// The operator login: config/flag, else the OS user name.
    pub fn operator_login(&self) -> String {
        if !self.operator.trim().is_empty() {
            return self.operator.trim().to_owned();
        }
        os_user().unwrap_or_else(|| "unknown".into())
    }
}

/// Every key of the defaults, dotted, with its path, in the file's order
/// of sections (top-level keys first).
fn keys(defaults: &toml::Table) -> Vec<(String, Vec<String>)> {
    let mut top = Vec::new();
    let mut nested = Vec::new();
    for (k, v) in defaults {
        match v.as_table() {
            Some(section) => nested.extend(section.keys().map(|sk| (format!("{k}.{sk}"), vec![k.clone(), sk.clone()]))),
            None => top.push((k.clone(), vec![k.clone()])),
        }
    }
    top.extend(nested);
    top
}

/// The value at `path` in a table, if set.
fn lookup<'t>(table: &'t toml::Table, path: &[String]) -> Option<&'t toml::Value> {
    let (last, sections) = path.split_last()?;
    let mut t = table;
    for s in sections {
        t = t.get(s)?.as_table()?;
    }
    t.get(last)
}

/// The key path a `PORTALDESK_SECTION__KEY` variable names (as `env_layer` reads it).
fn env_path(name: &str) -> Option<Vec<String>> {
    let rest = name.strip_prefix("PORTALDESK_")?;
    Some(rest.split("__").map(str::to_ascii_lowercase).collect())
}

/// The operating-system user: `$USER`, `$LOGNAME`, else the name of this
/// process's uid in /etc/passwd (services and containers often set neither).
pub fn os_user() -> Option<String> {
    for var in ["USER", "LOGNAME"] {
        if let Ok(v) = std::env::var(var)
            && !v.trim().is_empty()
        {
            return Some(v);
        }
    }
    let uid = {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata("/proc/self").ok()?.uid()
    };
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() > 2 && f[2].parse() == Ok(uid)).then(|| f[0].to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(v: &[(&str, &str)]) -> impl Iterator<Item = (String, String)> {
        v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>().into_iter()
    }

    #[test]
    fn connections_are_the_surfaces_unless_configured_and_the_pooler_is_named() {
        let c = Config::load(None, env(&[]), &Overrides::default()).unwrap();
        assert_eq!((c.database.connections(2), c.database.connections(1)), (2, 1));
        assert_eq!(c.database.pooler, Pooler::None);
        let e = env(&[("PORTALDESK_DATABASE__MAX_CONNECTIONS", "5"), ("PORTALDESK_DATABASE__POOLER", "transaction")]);
        let c = Config::load(None, e, &Overrides::default()).unwrap();
        assert_eq!((c.database.connections(2), c.database.pooler), (5, Pooler::Transaction));
        let bad = Config::load(None, env(&[("PORTALDESK_DATABASE__POOLER", "session")]), &Overrides::default());
        assert!(bad.unwrap_err().to_string().contains("transaction"), "the accepted values are named");
    }

    #[test]
    fn defaults_parse_and_are_documented() {
        let c = Config::load(None, env(&[]), &Overrides::default()).unwrap();
        assert_eq!(c.cases.info_due_business_days, 10);
        assert_eq!(c.ui.reveal_seconds, 30);
        // Every key in the defaults has a comment line just above it.
        let lines: Vec<&str> = DEFAULT_TOML.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            if l.contains(" = ") && !l.starts_with('#') {
                assert!(i > 0 && lines[i - 1].starts_with('#'), "undocumented key: {l}");
            }
        }
    }

    #[test]
    fn precedence_defaults_file_env_flags() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("config.toml");
        std::fs::write(&f, "operator = \"file\"\nenvironment = \"training\"\n[cases]\ninfo_due_business_days = 5\n[ui]\ntick_ms = 100\n").unwrap();
        let c = Config::load(Some(&f), env(&[]), &Overrides::default()).unwrap();
        assert_eq!(
            (c.operator.as_str(), c.environment.as_str(), c.cases.info_due_business_days),
            ("file", "training", 5)
        );

        let e = env(&[
            ("PORTALDESK_OPERATOR", "env"),
            ("PORTALDESK_CASES__INFO_DUE_BUSINESS_DAYS", "7"),
            ("PORTALDESK_DATA_KEY", "zz"),
        ]);
        let c = Config::load(Some(&f), e, &Overrides::default()).unwrap();
        assert_eq!((c.operator.as_str(), c.cases.info_due_business_days, c.ui.tick_ms), ("env", 7, 100));

        let e = env(&[("PORTALDESK_OPERATOR", "env")]);
        let flags = Overrides {
            operator: Some("flag".into()),
            database_url: Some("sqlite://x.db".into()),
            read_only: true,
            ..Default::default()
        };
        let c = Config::load(Some(&f), e, &flags).unwrap();
        assert_eq!(
            (c.operator.as_str(), c.database_url.as_str(), c.read_only, c.environment.as_str()),
            ("flag", "sqlite://x.db", true, "training")
        );
    }

    #[test]
    fn malformed_and_misspelt_config_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("config.toml");
        std::fs::write(&f, "operator = \n").unwrap();
        let e = Config::load(Some(&f), env(&[]), &Overrides::default()).unwrap_err();
        assert!(e.source_name.contains("config.toml"), "{e}");
        std::fs::write(&f, "[ui]\ntick_mss = 3\n").unwrap();
        let e = Config::load(Some(&f), env(&[]), &Overrides::default()).unwrap_err();
        assert!(e.to_string().contains("tick_mss"), "{e}");
        let e = Config::load(None, env(&[("PORTALDESK_UI__TICK_MS", "fast")]), &Overrides::default()).unwrap_err();
        assert!(e.to_string().contains("PORTALDESK_UI__TICK_MS"), "{e}");
        std::fs::write(&f, "[ui]\ntheme = \"neon\"\n").unwrap();
        assert!(Config::load(Some(&f), env(&[]), &Overrides::default()).is_err());
        // A date format that could show two dates alike is refused, in one line.
        std::fs::write(&f, "[ui]\ndate_format = \"%m/%d\"\n").unwrap();
        let e = Config::load(Some(&f), env(&[]), &Overrides::default()).unwrap_err().to_string();
        assert!(e.contains("ui.date_format") && e.contains("alike") && !e.contains('\n'), "{e}");
        std::fs::write(&f, "[ui]\ndate_format = \"%Y-%m-%d %Q\"\n").unwrap();
        let e = Config::load(Some(&f), env(&[]), &Overrides::default()).unwrap_err().to_string();
        assert!(e.contains("not a chrono date format"), "{e}");
        std::fs::write(&f, "[ui]\ndate_format = \"%d/%m/%Y\"\n").unwrap();
        let c = Config::load(Some(&f), env(&[]), &Overrides::default()).unwrap();
        assert_eq!(c.ui.date_format, "%d/%m/%Y");
    }

    #[test]
    fn explain_says_where_each_value_came_from() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("config.toml");
        std::fs::write(&f, "environment = \"training\"\n[ui]\ntick_ms = 100\n[log]\nlevel = \"warn\"\n").unwrap();
        let e = env(&[("PORTALDESK_UI__TICK_MS", "120"), ("PORTALDESK_DATA_KEY", "zz")]);
        let flags = Overrides {
            database_url: Some("postgres://u:secret@h/db".into()),
            log_level: Some("debug".into()),
            ..Default::default()
        };
        let all = Config::explain(Some(&f), e, &flags).unwrap();
        let get = |k: &str| all.iter().find(|s| s.key == k).unwrap_or_else(|| panic!("no {k}")).clone();
        let shown = f.display().to_string();
        assert_eq!(get("environment").value, serde_json::json!("training"));
        assert_eq!((get("environment").origin, get("environment").from), (Origin::UserFile, shown));
        assert_eq!((get("ui.tick_ms").value, get("ui.tick_ms").origin), (serde_json::json!(120), Origin::Env));
        assert_eq!(get("ui.tick_ms").from, "PORTALDESK_UI__TICK_MS");
        assert_eq!((get("log.level").value, get("log.level").origin), (serde_json::json!("debug"), Origin::Flag));
        assert_eq!(get("log.level").from, "--log-level");
        assert_eq!(get("database_url").value, serde_json::json!("postgres://u:***@h/db"));
        assert_eq!((get("ui.theme").origin, get("ui.theme").from), (Origin::Default, String::new()));
        assert_eq!(get("read_only").value, serde_json::json!(false));
        // Every key of the defaults, once.
        let defaults: toml::Table = DEFAULT_TOML.parse().unwrap();
        let keys = defaults.values().map(|v| v.as_table().map_or(1, toml::Table::len)).sum::<usize>();
        assert_eq!(all.len(), keys);
        assert!(all.iter().any(|s| s.key == "ui.idle_lock_minutes"));
        assert_eq!(all[0].key, "database_url");
    }

    #[test]
    fn a_log_level_that_is_no_filter_is_refused() {
        let flags = Overrides { log_level: Some("portaldesk=loud".into()), ..Default::default() };
        let e = Config::load(None, env(&[]), &flags).unwrap_err();
        assert!(e.to_string().contains("log.level"), "{e}");
    }
}
