//! Registration codes: 80 random bits written as 16 Crockford base32
//! characters in groups of four (`7KQH-M3XD-9TWA-P2RC`), read back the way
//! people type them, and the New Client Login notice that carries one.

use chrono::{DateTime, Utc};

/// Crockford's base32 alphabet: digits and letters without I, L, O, U.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Characters in a code (16 × 5 bits = 80 bits).
pub const CODE_LEN: usize = 16;

/// The random bytes a code is made from.
pub const CODE_BYTES: usize = 10;

/// A code from 10 random bytes, grouped for reading.
pub fn format_code(bytes: &[u8; CODE_BYTES]) -> String {
    let mut bits: u128 = 0;
    for b in bytes {
        bits = (bits << 8) | u128::from(*b);
    }
    let chars: String = (0..CODE_LEN).rev().map(|i| ALPHABET[((bits >> (i * 5)) & 31) as usize] as char).collect();
    group(&chars)
}

/// `7KQHM3XD9TWAP2RC` as `7KQH-M3XD-9TWA-P2RC`.
pub fn group(canonical: &str) -> String {
    canonical.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
}

/// Why typed text is not a code. Deliberately vague about which character
/// is wrong: the message is shown to whoever typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a registration code is 16 letters and digits, e.g. 7KQH-M3XD-9TWA-P2RC")]
pub struct CodeShape;

/// The canonical form of a typed code, which is what gets hashed: upper
/// case, without spaces or hyphens, with the letters people confuse read as
/// the digits they look like (I and L as 1, O as 0), per Crockford.
pub fn normalize(typed: &str) -> Result<String, CodeShape> {
    let mut out = String::with_capacity(CODE_LEN);
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            ' ' | '-' | '\t' => continue,
            'I' | 'L' => '1',
            'O' => '0',
            c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
            _ => return Err(CodeShape),
        };
        if out.len() == CODE_LEN {
            return Err(CodeShape);
        }
        out.push(c);
    }
    if out.len() == CODE_LEN { Ok(out) } else { Err(CodeShape) }
}

/// The last four characters, stored so staff can recognise a code someone reads out.
pub fn last4(canonical: &str) -> String {
    canonical[canonical.len().saturating_sub(4)..].to_owned()
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The New Client Login notice for an employer: the letter and the email body.
pub fn new_client_notice(company: &str, ein: &str, code: &str, expires: DateTime<Utc>) -> String {
    format!(
        "New Client Login\n\
         \n\
         {company} (EIN {ein})\n\
         \n\
         Welcome to the COBRA & Direct Billing employer portal. Your registration code is:\n\
         \n\
         \x20   {code}\n\
         \n\
         It can be used once, and only until {expires}.\n\
         \n\
         To register:\n\
         1. Go to the portal and select New User Registration.\n\
         2. Enter the registration code above and your company EIN.\n\
         3. Set up and confirm a password; you are then taken to your Home page.\n\
         4. Afterwards, log in with your username on the main login page and your password on the next page.\n\
         \n\
         If the code has expired or does not work, ask your account manager for a new one.\n",
        expires = expires.format("%B %-d, %Y %H:%M UTC"),
    )
}

/// The broker verification email: the code, valid for a short time.
pub fn broker_verification_notice(name: &str, npn: &str, code: &str, expires: DateTime<Utc>) -> String {
    format!(
        "Hello {name},\n\
         \n\
         To verify your broker registration (NPN {npn}), enter this code on the broker portal:\n\
         \n\
         \x20   {code}\n\
         \n\
         It can be used once, until {expires}.\n",
        expires = expires.format("%B %-d, %Y %H:%M UTC"),
    )
}

/// The email that (re)sends a portal user's registration link.
pub fn registration_notice(name: &str, email: &str, code: &str, expires: DateTime<Utc>) -> String {
    format!(
        "Hello {name},\n\nFinish registering your portal account ({email}) with this code:\n\n    {code}\n\n\
         It can be used once, until {expires}. Any earlier registration email no longer works.\n",
        expires = expires.format("%B %-d, %Y %H:%M UTC"),
    )
}

/// The email with a single-use password reset code.
pub fn password_reset_notice(name: &str, email: &str, code: &str, expires: DateTime<Utc>) -> String {
    format!(
        "Hello {name},\n\nA password reset was requested for your portal account ({email}). Use this code:\n\n    \
         {code}\n\nIt can be used once, until {expires}. If you did not ask for it, ignore this email.\n",
        expires = expires.format("%B %-d, %Y %H:%M UTC"),
    )
}

/// A code's status as people see it: an active code past its expiry is
/// expired (the stored status changes only when someone acts on it).
pub fn shown_status(stored: &str, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> &str {
    if stored == "active" && expires_at <= now { "expired" } else { stored }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn codes_are_sixteen_crockford_characters_in_groups() {
        let c = format_code(&[0; 10]);
        assert_eq!(c, "0000-0000-0000-0000");
        let c = format_code(&[0xff; 10]);
        assert_eq!(c, "ZZZZ-ZZZZ-ZZZZ-ZZZZ");
        let c = format_code(&[0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x23]);
        assert_eq!(c.len(), 19);
        assert!(c.chars().all(|ch| ch == '-' || ALPHABET.contains(&(ch as u8))));
        assert!(!c.contains(['I', 'L', 'O', 'U']));
        assert_eq!(normalize(&c).map(|n| group(&n)), Ok(c));
    }

    #[test]
    fn typing_is_forgiven_as_crockford_says() {
        assert_eq!(normalize("7kqh m3xd-9twa p2rc").unwrap(), "7KQHM3XD9TWAP2RC");
        assert_eq!(normalize("7KQH-M3XD-9TWA-PIRO").unwrap(), "7KQHM3XD9TWAP1R0");
        assert_eq!(normalize("7KQH-M3XD-9TWA-PLRo").unwrap(), "7KQHM3XD9TWAP1R0");
        assert_eq!(normalize("7KQH-M3XD-9TWA-P2R"), Err(CodeShape));
        assert_eq!(normalize("7KQH-M3XD-9TWA-P2RCX"), Err(CodeShape));
        assert_eq!(normalize("7KQH-M3XD-9TWA-P2RU"), Err(CodeShape));
        assert_eq!(normalize("7KQH-M3XD-9TWA-P2R€"), Err(CodeShape));
        assert_eq!(normalize(""), Err(CodeShape));
        assert_eq!(last4("7KQHM3XD9TWAP2RC"), "P2RC");
    }

    #[test]
    fn equality_in_constant_time_is_still_equality() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn the_notice_carries_the_code_company_steps_and_expiry() {
        let t = Utc.with_ymd_and_hms(2026, 12, 23, 9, 0, 0).unwrap();
        let n = new_client_notice("Acme Bakery", "12-3456789", "7KQH-M3XD-9TWA-P2RC", t);
        for needle in [
            "New Client Login",
            "Acme Bakery",
            "12-3456789",
            "7KQH-M3XD-9TWA-P2RC",
            "December 23, 2026",
            "New User Registration",
        ] {
            assert!(n.contains(needle), "{needle} missing:\n{n}");
        }
    }

    #[test]
    fn an_active_code_past_its_expiry_shows_expired() {
        let now = chrono::Utc::now();
        let hour = chrono::Duration::hours(1);
        assert_eq!(shown_status("active", now + hour, now), "active");
        assert_eq!(shown_status("active", now, now), "expired");
        assert_eq!(shown_status("active", now - hour, now), "expired");
        assert_eq!(shown_status("used", now - hour, now), "used");
        assert_eq!(shown_status("revoked", now + hour, now), "revoked");
    }
}
