//! The keymap: built-in `config/keymap.toml`, overridden per action by the
//! user's `keymap.toml`, checked at start so a conflict is reported loudly
//! instead of one binding silently winning.

use std::collections::HashMap;
use std::path::Path;

use crate::action::{Action, SPECS};
use crate::keys::Key;

/// The built-in bindings.
pub const DEFAULT_KEYMAP: &str = include_str!("../config/keymap.toml");

/// Resolved bindings in both directions.
#[derive(Debug, Clone)]
pub struct Keymap {
    by_key: HashMap<Key, Action>,
    by_action: HashMap<Action, Vec<Key>>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct KeymapFile {
    keys: toml::Table,
}

fn read(text: &str, source: &str, into: &mut HashMap<Action, Vec<Key>>, problems: &mut Vec<String>) {
    let file: KeymapFile = match toml::from_str(text) {
        Ok(f) => f,
        Err(e) => {
            problems.push(format!("{source}: {}", e.message()));
            return;
        }
    };
    for (name, value) in file.keys {
        let Some(action) = Action::by_name(&name) else {
            problems.push(format!("{source}: unknown action {name:?} (see `portaldesk actions`)"));
            continue;
        };
        let Some(list) = value.as_array() else {
            problems.push(format!("{source}: {name} must be a list of keys, e.g. [\"j\", \"<Down>\"]"));
            continue;
        };
        let mut keys = Vec::new();
        for v in list {
            match v.as_str().map(Key::parse) {
                Some(Ok(k)) => keys.push(k),
                Some(Err(e)) => problems.push(format!("{source}: {name}: {e}")),
                None => problems.push(format!("{source}: {name}: keys are strings")),
            }
        }
        into.insert(action, keys);
    }
}

impl Keymap {
    /// Builds the keymap from the defaults and an optional user file; every
    /// problem (bad syntax, unknown action or key, conflict, a data-changing
    /// action on an unshifted key, a fragile key as the only binding) is
    /// collected so the operator sees all of them at once.
    pub fn load(user_file: Option<&Path>) -> Result<Keymap, Vec<String>> {
        let user = match user_file.filter(|p| p.exists()) {
            Some(p) => match std::fs::read_to_string(p) {
                Ok(t) => Some((t, p.display().to_string())),
                Err(e) => return Err(vec![format!("{}: {e}", p.display())]),
            },
            None => None,
        };
        Keymap::from_texts(user.as_ref().map(|(t, s)| (t.as_str(), s.as_str())))
    }

    /// As `load`, from text (tests and the built-in map).
    pub fn from_texts(user: Option<(&str, &str)>) -> Result<Keymap, Vec<String>> {
        let mut by_action = HashMap::new();
        let mut problems = Vec::new();
        read(DEFAULT_KEYMAP, "built-in keymap", &mut by_action, &mut problems);
        if let Some((text, source)) = user {
            read(text, source, &mut by_action, &mut problems);
        }
        let mut by_key: HashMap<Key, Action> = HashMap::new();
        let mut actions: Vec<_> = by_action.iter().collect();
        actions.sort_by_key(|(a, _)| a.name());
        for (action, keys) in actions {
            for k in keys {
                if let Some(other) = by_key.insert(*k, *action)
                    && other != *action
                {
                    problems.push(format!("key {k} is bound to both {} and {}", other.name(), action.name()));
                }
            }
            let spec = action.spec();
            if spec.writes && keys.iter().any(|k| k.is_unmodified_char()) {
                problems.push(format!("{} changes data and cannot be bound to a single unshifted key", spec.name));
            }
            if !keys.is_empty() && keys.iter().all(|k| k.is_fragile()) {
                problems.push(format!(
                    "{} is bound only to keys a terminal may swallow (Ctrl-S/Q/A/B, Alt, F-keys): add another",
                    spec.name
                ));
            }
        }
        if problems.is_empty() { Ok(Keymap { by_key, by_action }) } else { Err(problems) }
    }

    /// The action a key runs, if any.
    pub fn action(&self, key: Key) -> Option<Action> {
        self.by_key.get(&key).copied()
    }

    /// The keys of an action, in the order the keymap lists them.
    pub fn keys(&self, action: Action) -> &[Key] {
        self.by_action.get(&action).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The first key of an action as text, for footers and help (`-` if unbound).
    pub fn label(&self, action: Action) -> String {
        // An action with no key shows the `:` word that runs it.
        self.keys(action)
            .first()
            .map(|k| k.to_string())
            .or_else(|| action.spec().command.map(|w| format!(":{w}")))
            .unwrap_or_else(|| "-".into())
    }

    /// Every action with its keys, in table order (help, docs, `actions`).
    pub fn bindings(&self) -> Vec<(Action, Vec<Key>)> {
        SPECS.iter().map(|s| (s.action, self.keys(s.action).to_vec())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_keymap_loads_and_reaches_every_action() {
        let km = Keymap::from_texts(None).unwrap();
        assert_eq!(km.action(Key::parse("j").unwrap()), Some(Action::Down));
        assert_eq!(km.action(Key::parse("T").unwrap()), Some(Action::CaseClaimNext));
        // Every action has a key, or (like code.redeem, the portal's side) a `:` command;
        // the unlock is reached by typing the login on the lock screen; the
        // data key's rotation and status are shell-only (`portaldesk key …`); a member's
        // record opens with Enter on its row (`:member` finds members: area.members);
        // report jobs are shell-only until the Reports area (`portaldesk report …`), and a
        // group's billing has neither key nor word until the group view (issue 24); a full
        // 834 file's terminations are shell-only (`portaldesk import terminations`).
        let elsewhere = [
            Action::SessionUnlock,
            Action::KeyRotate,
            Action::KeyStatus,
            Action::MemberView,
            Action::ReportRun,
            Action::ReportCancel,
            Action::ReportSchedule,
            Action::ReportUnschedule,
            Action::ReportPause,
            Action::ReportResume,
            Action::GroupBilling,
            Action::CommissionList,
            Action::CommissionGet,
            Action::CommissionPurge,
            Action::ImportTerminateMissing,
        ];
        for s in SPECS.iter().filter(|s| !elsewhere.contains(&s.action)) {
            assert!(!km.keys(s.action).is_empty() || s.command.is_some(), "{} has no key", s.name);
        }
    }

    #[test]
    fn user_file_replaces_an_actions_keys() {
        let km = Keymap::from_texts(Some(("[keys]\n\"nav.down\" = [\"x\"]\n", "user"))).unwrap();
        assert_eq!(km.action(Key::parse("x").unwrap()), Some(Action::Down));
        assert_eq!(km.action(Key::parse("j").unwrap()), None);
    }

    #[test]
    fn conflicts_are_reported_with_both_actions() {
        let err = Keymap::from_texts(Some(("[keys]\n\"nav.down\" = [\"k\"]\n", "user"))).unwrap_err();
        assert!(
            err.iter().any(|e| e.contains("bound to both") && e.contains("nav.down") && e.contains("nav.up")),
            "{err:?}"
        );
    }

    #[test]
    fn unsafe_and_unknown_bindings_are_reported() {
        let err = Keymap::from_texts(Some(("[keys]\n\"case.claim_next\" = [\"t\"]\n\"nav.nowhere\" = [\"x\"]\n\"nav.top\" = [\"<Bogus>\"]\n\"ui.help\" = [\"<F1>\"]\n", "user"))).unwrap_err();
        assert!(err.iter().any(|e| e.contains("case.claim_next") && e.contains("unshifted")), "{err:?}");
        assert!(err.iter().any(|e| e.contains("nav.nowhere")), "{err:?}");
        assert!(err.iter().any(|e| e.contains("Bogus")), "{err:?}");
        assert!(err.iter().any(|e| e.contains("ui.help") && e.contains("swallow")), "{err:?}");
        let err = Keymap::from_texts(Some(("keys = 3", "user"))).unwrap_err();
        assert!(err[0].starts_with("user:"), "{err:?}");
    }
}
