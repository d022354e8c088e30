//! Registration codes: issue (revoking the subject's previous code), revoke,
//! reissue, and redeem exactly once.
//!
//! A code exists in plain text only in the value `issue` returns and in
//! the notice letter (an owner-only file). The database holds its keyed
//! hash and last four characters, and the outbox email that carries it is
//! sealed with the data key; audit rows and logs never see it.
//!
//! An issue is all or nothing: the letter is written before the code is
//! committed, and a letter that cannot be written leaves no code behind.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde::Serialize;
use serde_json::json;

use super::{OpError, Ops};
use crate::action::Action;
use crate::config::CodesConfig;
use crate::crypto::DataKey;
use crate::domain::code::{self, CODE_BYTES};
use crate::domain::ein::Ein;
use crate::domain::npn::parse_npn;
use crate::store::codes::{self as store, Email, NewCode, Subject};

/// Whom to issue a code for, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeFor {
    Employer(Ein),
    Broker(String),
    /// A portal user's registration or password reset token, by email.
    PortalUser(String),
}

impl CodeFor {
    /// Parses `12-3456789` or `ein:…` as an employer, `npn:…` or bare digits as a broker.
    pub fn parse(typed: &str) -> Result<CodeFor, String> {
        let t = typed.trim();
        if t.contains('@') {
            return crate::domain::access::check_email(t).map(CodeFor::PortalUser);
        }
        if let Some(npn) = t.strip_prefix("npn:") {
            return parse_npn(npn).map(CodeFor::Broker);
        }
        if let Some(ein) = t.strip_prefix("ein:") {
            return Ein::parse(ein).map(CodeFor::Employer).map_err(|e| e.to_string());
        }
        if t.contains('-') {
            return Ein::parse(t).map(CodeFor::Employer).map_err(|e| e.to_string());
        }
        parse_npn(t).map(CodeFor::Broker).map_err(|_| {
            format!("{:?} is neither an EIN (NN-NNNNNNN) nor an NPN (npn:DIGITS)", crate::domain::text::clip(t, 20))
        })
    }
}

/// Lifetimes and lockout, from `[codes]` in the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodePolicy {
    pub employer_days: i64,
    pub broker_hours: i64,
    pub max_attempts: i64,
}

impl From<&CodesConfig> for CodePolicy {
    fn from(c: &CodesConfig) -> Self {
        CodePolicy {
            employer_days: i64::from(c.employer_days),
            broker_hours: i64::from(c.broker_hours),
            max_attempts: i64::from(c.max_attempts),
        }
    }
}

/// A code just issued: the only time its text exists outside the notice.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct Issued {
    pub id: i64,
    /// Grouped for reading: `7KQH-M3XD-9TWA-P2RC`.
    pub code: String,
    pub purpose: String,
    pub subject: String,
    pub subject_key: String,
    pub expires_at: DateTime<Utc>,
    /// Codes of the same subject this one replaced.
    pub revoked: Vec<i64>,
    /// The notice text (letter and email body).
    pub notice: String,
    /// Who the outbox email goes to, if the subject has an address.
    pub emailed_to: Option<String>,
    /// The letter file written for it (employer codes, when a letters folder is given).
    pub letter: Option<String>,
}

/// Never prints the code or the notice: a stray `{:?}` in a log shows the last four.
impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let last4 = code::last4(&self.code.replace('-', ""));
        f.debug_struct("Issued")
            .field("id", &self.id)
            .field("code", &format_args!("…{last4}"))
            .field("purpose", &self.purpose)
            .field("subject_key", &self.subject_key)
            .field("expires_at", &self.expires_at)
            .field("letter", &self.letter)
            .finish_non_exhaustive()
    }
}

/// What a kind of token is for, how long it lasts and the notice that carries it.
#[derive(Clone, Copy)]
pub struct TokenKind {
    pub purpose: &'static str,
    pub life: Duration,
    pub template: &'static str,
    pub title: &'static str,
    /// (name, EIN/NPN/email, code, expiry) → the notice text.
    pub notice: fn(&str, &str, &str, DateTime<Utc>) -> String,
}

impl TokenKind {
    /// The New Client Login registration code of an employer.
    pub const EMPLOYER_REGISTRATION: TokenKind = TokenKind {
        purpose: "employer_registration",
        life: Duration::days(30),
        template: "new_client_login",
        title: "New Client Login",
        notice: code::new_client_notice,
    };
    /// A broker's verification code.
    pub const BROKER_VERIFICATION: TokenKind = TokenKind {
        purpose: "broker_verification",
        life: Duration::hours(48),
        template: "broker_verification",
        title: "Verify your broker registration",
        notice: code::broker_verification_notice,
    };

    /// A portal user's registration link, resent.
    pub const PORTAL_REGISTRATION: TokenKind = TokenKind {
        purpose: "portal_registration",
        life: Duration::days(7),
        template: "registration",
        title: "Finish your portal registration",
        notice: code::registration_notice,
    };
    /// A single-use password reset.
    pub const PASSWORD_RESET: TokenKind = TokenKind {
        purpose: "password_reset",
        life: Duration::hours(24),
        template: "password_reset",
        title: "Reset your portal password",
        notice: code::password_reset_notice,
    };

    /// The same kind with another lifetime (from the config).
    pub fn lasting(self, life: Duration) -> TokenKind {
        TokenKind { life, ..self }
    }
}

/// A successful redemption.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Redeemed {
    pub id: i64,
    pub subject: String,
    pub purpose: String,
}

/// The one answer for a code that does not exist or a subject that does
/// not match it, so neither can be told from the other.
pub const NO_MATCH: &str = "the code and the EIN or NPN do not match an active registration code";

impl Ops {
    async fn subject(&self, who: &CodeFor) -> Result<Subject, OpError> {
        let found = match who {
            CodeFor::Employer(ein) => store::employer_by_ein(self.store(), &ein.to_string()).await?,
            CodeFor::Broker(npn) => store::broker_by_npn(self.store(), npn).await?,
            CodeFor::PortalUser(_) => None,
        };
        found.ok_or_else(|| match who {
            CodeFor::Employer(ein) => OpError::NotFound(format!("no employer with EIN {ein}")),
            CodeFor::Broker(npn) => OpError::NotFound(format!("no broker with NPN {npn}")),
            CodeFor::PortalUser(_) => OpError::Invalid("portal users get tokens from account actions".into()),
        })
    }

    /// `code.issue`: a new code for an employer (registration) or a broker
    /// (verification), revoking the subject's previous one, with its notice
    /// queued (sealed) in the outbox and, for an employer, its letter
    /// written into `letters`. The caller shows the code once.
    pub async fn issue_code(
        &self,
        key: &DataKey,
        policy: CodePolicy,
        who: &CodeFor,
        letters: Option<&Path>,
    ) -> Result<Issued, OpError> {
        let subject = self.subject(who).await?;
        self.issue_for(Action::CodeIssue, key, policy, subject, letters).await
    }

    /// `code.reissue`: issues a new code for the subject of code `id`.
    pub async fn reissue_code(
        &self,
        key: &DataKey,
        policy: CodePolicy,
        id: i64,
        letters: Option<&Path>,
    ) -> Result<Issued, OpError> {
        let mut tx = self.store().begin().await?;
        let row = store::by_id_locked(&mut tx, id).await?.ok_or_else(|| OpError::NotFound(format!("no code {id}")))?;
        let subject = store::subject_of(&mut tx, &row.subject_kind, row.subject_id)
            .await?
            .ok_or_else(|| OpError::NotFound(format!("code {id} has no subject any more")))?;
        tx.rollback().await?;
        self.issue_for(Action::CodeReissue, key, policy, subject, letters).await
    }

    async fn issue_for(
        &self,
        action: Action,
        key: &DataKey,
        policy: CodePolicy,
        subject: Subject,
        letters: Option<&Path>,
    ) -> Result<Issued, OpError> {
        let entity = format!("{}:{}", subject.kind, subject.key);
        let kind = match subject.kind.as_str() {
            "broker" => TokenKind::BROKER_VERIFICATION.lasting(Duration::hours(policy.broker_hours)),
            "employer" => TokenKind::EMPLOYER_REGISTRATION.lasting(Duration::days(policy.employer_days)),
            // A portal user's links follow the account's state: its own actions issue them.
            _ => {
                return Err(OpError::Refused(format!(
                    "{entity} gets links from `account resend-registration` or `account reset-password`, not a code"
                )));
            }
        };
        let mut change = self.begin(action, &entity).await?;
        let mut issued = self.issue_token(&mut change, key, &subject, kind).await?;
        // The letter first: if it cannot be written, dropping the change
        // rolls the code back, so no code exists that nobody was shown.
        let letter = match letters {
            Some(dir) => write_letter(dir, &database_tag(self.store().url()), &issued).map_err(|e| {
                OpError::Invalid(format!("{e}; no code was issued (the previous one, if any, stays active)"))
            })?,
            None => None,
        };
        issued.letter = letter.as_ref().map(|p| p.display().to_string());
        let after = json!({
            "code_id": issued.id, "purpose": issued.purpose, "last4": code::last4(&issued.code.replace('-', "")),
            "expires_at": issued.expires_at, "revoked": issued.revoked, "emailed_to": issued.emailed_to,
            "letter": letter.as_ref().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned()),
        });
        if let Err(e) = self.finish(change, &entity, None, Some(after), None).await {
            // Not committed: a letter for a code that does not exist would mislead.
            if let Some(p) = &letter {
                let _ = std::fs::remove_file(p);
            }
            return Err(e);
        }
        Ok(issued)
    }

    /// Inside a change: revokes the subject's active tokens of this kind,
    /// stores a new one (hashed) and queues its notice in the outbox,
    /// sealed with the data key since it carries the code.
    pub(super) async fn issue_token(
        &self,
        change: &mut super::Change,
        key: &DataKey,
        subject: &Subject,
        kind: TokenKind,
    ) -> Result<Issued, OpError> {
        let now = self.now();
        let revoked = store::revoke_active(
            &mut change.tx,
            &subject.kind,
            subject.id,
            kind.purpose,
            now,
            "replaced by a new code",
        )
        .await?;
        let mut bytes = [0u8; CODE_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let shown = code::format_code(&bytes);
        let canonical = code::normalize(&shown).map_err(|e| OpError::Db(e.to_string()))?;
        let expires_at = now + kind.life;
        let id = store::insert(
            &mut change.tx,
            NewCode {
                purpose: kind.purpose,
                subject,
                hash: key.code_hash(&canonical),
                last4: code::last4(&canonical),
                issued_by: &self.operator().login,
                issued_at: now,
                expires_at,
            },
        )
        .await?;
        let notice = (kind.notice)(&subject.name, &subject.key, &shown, expires_at);
        if let Some(to) = &subject.email {
            let mail = Email {
                template: kind.template,
                recipient: to,
                subject: kind.title,
                body: &key.seal_text(&notice),
                entity: &format!("code:{id}"),
            };
            store::queue_email(&mut change.tx, mail, now).await?;
        }
        Ok(Issued {
            id,
            code: shown,
            purpose: kind.purpose.to_owned(),
            subject: subject.name.clone(),
            subject_key: subject.key.clone(),
            expires_at,
            revoked,
            notice,
            emailed_to: subject.email.clone(),
            letter: None,
        })
    }

    /// `code.revoke`: ends an active code, with a reason.
    pub async fn revoke_code(&self, id: i64, reason: &str) -> Result<(), OpError> {
        let reason = crate::domain::text::sanitize(reason).trim().to_owned();
        if reason.is_empty() {
            return Err(OpError::Invalid("say why the code is revoked (--reason)".into()));
        }
        let entity = format!("code:{id}");
        let mut change = self.begin(Action::CodeRevoke, &entity).await?;
        let now = self.now();
        let row =
            store::by_id_locked(&mut change.tx, id).await?.ok_or_else(|| OpError::NotFound(format!("no code {id}")))?;
        let status = code::shown_status(&row.status, row.expires_at, now);
        if status != "active" {
            return Err(OpError::Refused(format!("code {id} is {status}; only an active code can be revoked")));
        }
        if !store::close(&mut change.tx, id, row.row_version, "revoked", now, Some(&reason)).await? {
            return Err(OpError::Conflict(format!("code {id} changed meanwhile; nothing was changed")));
        }
        let after = json!({"status": "revoked", "last4": row.last4});
        self.finish(change, &entity, Some(json!({"status": row.status})), Some(after), Some(reason)).await
    }

    /// `code.redeem` (the portal's side): checks the code and its subject,
    /// and marks it used exactly once. A wrong code and a wrong EIN get the
    /// same answer; a wrong EIN for a real code counts an attempt and locks
    /// the code at the limit. Every attempt is audited, never with the code.
    pub async fn redeem_code(
        &self,
        key: &DataKey,
        policy: CodePolicy,
        typed: &str,
        who: &CodeFor,
    ) -> Result<Redeemed, OpError> {
        let refused = || OpError::Refused(NO_MATCH.into());
        let mut change = self.begin(Action::CodeRedeem, "code:?").await?;
        let now = self.now();
        let found = match code::normalize(typed) {
            Ok(canonical) => {
                // Under each loaded key: during a rotation a code may be under either.
                let mut found = None;
                for hash in key.code_hashes(&canonical) {
                    if let Some(row) = store::by_hash_locked(&mut change.tx, &hash).await? {
                        found = Some((row, hash));
                        break;
                    }
                }
                found
            }
            Err(_) => None,
        };
        let Some((row, hash)) = found else {
            self.record_refused(&mut change, "code:unknown", "no such code").await?;
            change.tx.commit().await?;
            return Err(refused());
        };
        let entity = format!("code:{}", row.id);
        let subject = store::subject_of(&mut change.tx, &row.subject_kind, row.subject_id).await?;
        let matches = code::constant_time_eq(&row.code_hash, &hash)
            && subject.as_ref().is_some_and(|s| match who {
                CodeFor::Employer(ein) => s.kind == "employer" && s.key == ein.to_string(),
                CodeFor::Broker(npn) => s.kind == "broker" && &s.key == npn,
                CodeFor::PortalUser(email) => s.kind == "portal_user" && &s.key == email,
            });
        if !matches {
            let (attempts, status) = store::fail_attempt(&mut change.tx, row.id, policy.max_attempts).await?;
            self.record_refused(&mut change, &entity, &format!("subject mismatch; attempt {attempts}, {status}"))
                .await?;
            change.tx.commit().await?;
            return Err(refused());
        }
        let status = code::shown_status(&row.status, row.expires_at, now);
        if status != "active" {
            self.record_refused(&mut change, &entity, &format!("code is {status}")).await?;
            change.tx.commit().await?;
            return Err(OpError::Refused(match status {
                "used" => "this code was already used: sign in with your username and password".into(),
                "expired" => "this code has expired: ask your account manager for a new one".into(),
                "locked" => {
                    "this code is locked after too many attempts: ask your account manager for a new one".into()
                }
                _ => "this code is no longer valid: ask your account manager for a new one".into(),
            }));
        }
        // The status check in the UPDATE makes a racing second redemption find nothing.
        if !store::close(&mut change.tx, row.id, row.row_version, "used", now, None).await? {
            change.tx.rollback().await?;
            return Err(OpError::Refused("this code was already used: sign in with your username and password".into()));
        }
        let after = json!({"status": "used", "last4": row.last4});
        self.finish(change, &entity, Some(json!({"status": "active"})), Some(after), None).await?;
        Ok(Redeemed { id: row.id, subject: subject.map(|s| s.name).unwrap_or_default(), purpose: row.purpose })
    }
}

/// Writes an employer code's New Client Login letter into `dir` (the file
/// holds the code, so only its owner may read it); brokers get none. The
/// folder is shared by every database on the machine, and ids repeat
/// across databases (and in a database made again), so the name carries
/// the database's tag and a random part: `new-client-login-EIN-ID-TAG-RAND.txt`.
/// An existing file is never overwritten.
pub fn write_letter(dir: &Path, database_tag: &str, issued: &Issued) -> Result<Option<PathBuf>, String> {
    if issued.purpose != "employer_registration" {
        return Ok(None);
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create the letters folder {}: {e}", dir.display()))?;
    let mut random = [0u8; 3];
    rand::rngs::OsRng.fill_bytes(&mut random);
    let name =
        format!("new-client-login-{}-{}-{database_tag}-{}.txt", issued.subject_key, issued.id, hex::encode(random));
    let path = dir.join(name);
    crate::crypto::write_private(&path, &issued.notice)
        .map_err(|e| format!("cannot write the letter {}: {e}", path.display()))?;
    Ok(Some(path))
}

/// Eight hex digits naming a database (a hash of its URL, password hidden),
/// so letters from different databases can be told apart by name.
pub fn database_tag(url: &str) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(url.as_bytes())[..4])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issued(purpose: &str) -> Issued {
        Issued {
            id: 42,
            code: "7KQH-M3XD-9TWA-P2RC".into(),
            purpose: purpose.into(),
            subject: "Acme".into(),
            subject_key: "12-3456789".into(),
            expires_at: DateTime::UNIX_EPOCH,
            revoked: vec![],
            notice: "code 7KQH-M3XD-9TWA-P2RC".into(),
            emailed_to: None,
            letter: None,
        }
    }

    #[test]
    fn debug_never_shows_the_code() {
        let shown = format!("{:?}", issued("employer_registration"));
        assert!(!shown.contains("7KQH") && shown.contains("…P2RC"), "{shown}");
    }

    #[test]
    fn letters_of_two_databases_never_share_a_name() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (database_tag("sqlite:///srv/a.sqlite"), database_tag("sqlite:///srv/b.sqlite"));
        assert_ne!(a, b);
        assert_eq!(a.len(), 8);
        let one = write_letter(dir.path(), &a, &issued("employer_registration")).unwrap().unwrap();
        let two = write_letter(dir.path(), &b, &issued("employer_registration")).unwrap().unwrap();
        let again = write_letter(dir.path(), &a, &issued("employer_registration")).unwrap().unwrap();
        assert!(one != two && one != again, "{one:?} {two:?} {again:?}");
        assert!(
            one.file_name().unwrap().to_str().unwrap().starts_with(&format!("new-client-login-12-3456789-42-{a}-"))
        );
        assert_eq!(std::fs::read_to_string(&two).unwrap(), "code 7KQH-M3XD-9TWA-P2RC\n");
        assert_eq!(write_letter(dir.path(), &a, &issued("broker_verification")), Ok(None));
    }

    #[test]
    fn subjects_parse_by_shape_or_prefix() {
        assert!(matches!(CodeFor::parse("12-3456789"), Ok(CodeFor::Employer(_))));
        assert!(matches!(CodeFor::parse("ein:123456789"), Ok(CodeFor::Employer(_))));
        assert_eq!(CodeFor::parse("npn:1234567"), Ok(CodeFor::Broker("1234567".into())));
        assert_eq!(CodeFor::parse("1234567"), Ok(CodeFor::Broker("1234567".into())));
        assert!(CodeFor::parse("12-34").unwrap_err().contains("NN-NNNNNNN"));
        assert!(CodeFor::parse("npn:12345678901").is_err());
        assert!(CodeFor::parse("acme").unwrap_err().contains("neither"));
    }
}
