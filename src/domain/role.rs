//! Staff roles, ordered by what they may do.

use serde::{Deserialize, Serialize};

/// A staff account's role. Each role may do everything the one before may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Agent,
    Supervisor,
    Admin,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }

    /// Parses a stored or typed name.
    pub fn parse(s: &str) -> Option<Role> {
        match s.trim().to_ascii_lowercase().as_str() {
            "agent" => Some(Role::Agent),
            "supervisor" => Some(Role::Supervisor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A role as typed, or a message naming the three.
pub fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("no role {:?}: agent, supervisor or admin", crate::domain::text::clip(s, 20)))
}

/// A staff login as typed: 2 to 32 of a-z, 0-9, `.`, `_`, `-` (it names the
/// person in audit rows and on every screen, so nothing that needs escaping).
pub fn check_login(login: &str) -> Result<String, String> {
    let l = login.trim();
    let ok = (2..=32).contains(&l.len())
        && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_' || b == b'-');
    if !ok {
        return Err(format!("{:?} is not a login: 2 to 32 of a-z, 0-9, . _ -", crate::domain::text::clip(l, 40)));
    }
    Ok(l.to_owned())
}

/// A staff member's name as typed: something visible, nothing that fools the eye.
pub fn check_staff_name(name: &str) -> Result<String, String> {
    crate::domain::text::check_visible("the name", name)?;
    let name = crate::domain::text::sanitize(name).trim().to_owned();
    if name.is_empty() { Err("give the person's name".into()) } else { Ok(name) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_names_and_roles_are_checked_as_typed() {
        assert_eq!(check_login(" j.doe-2 "), Ok("j.doe-2".into()));
        assert!(check_login("Bad Login").unwrap_err().contains("not a login"));
        assert!(check_login("x").is_err());
        assert_eq!(check_staff_name("  Jane Doe "), Ok("Jane Doe".into()));
        assert!(check_staff_name("   ").unwrap_err().contains("name"));
        assert!(check_staff_name("Jane\u{202E}Doe").is_err());
        assert_eq!(parse_role("Supervisor"), Ok(Role::Supervisor));
        assert!(parse_role("root").unwrap_err().contains("agent, supervisor or admin"));
    }

    #[test]
    fn roles_are_ordered_and_round_trip() {
        assert!(Role::Agent < Role::Supervisor && Role::Supervisor < Role::Admin);
        for r in [Role::Agent, Role::Supervisor, Role::Admin] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
