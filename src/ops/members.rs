//! Member records: every view of one is audited, and revealing an SSN
//! needs the supervisor role, a reason, and leaves an audit row.

use super::{OpError, Ops};
use crate::action::Action;
use crate::crypto::DataKey;
use crate::domain::ssn::Ssn;
use crate::store::members::{self as store, MemberFile};

impl Ops {
    /// `member.view`: the member record, with an audit row saying who looked
    /// at it. A read-only session cannot write that row, so it cannot open
    /// records (the list, with masked SSNs, still works).
    pub async fn view_member(&self, number: &str) -> Result<MemberFile, OpError> {
        let number = number.trim().to_uppercase();
        let entity = format!("member:{number}");
        if self.read_only() {
            return Err(OpError::ReadOnly(
                "opening a member record is audited, and this session is read-only: the list still works".into(),
            ));
        }
        let file = store::file_by_number(self.store(), &number)
            .await?
            .ok_or_else(|| OpError::NotFound(format!("no member {}", crate::domain::text::clip(&number, 20))))?;
        let change = self.begin(Action::MemberView, &entity).await?;
        self.finish(change, &entity, None, None, None).await?;
        Ok(file)
    }

    /// `member.reveal_ssn`: the full SSN, for a supervisor or admin who
    /// gives a reason; refusals are audited too (by `begin`).
    pub async fn reveal_ssn(&self, key: &DataKey, number: &str, reason: &str) -> Result<String, OpError> {
        let number = number.trim().to_uppercase();
        let reason = crate::domain::text::sanitize(reason).trim().to_owned();
        let entity = format!("member:{number}");
        if reason.is_empty() {
            return Err(OpError::Invalid("say why the SSN is needed: the reason is audited".into()));
        }
        let change = self.begin(Action::MemberRevealSsn, &entity).await?;
        let cipher = match store::ssn_cipher(self.store(), &number).await? {
            None => return Err(OpError::NotFound(format!("no member {}", crate::domain::text::clip(&number, 20)))),
            Some(None) => return Err(OpError::NotFound(format!("{number} has no SSN on file"))),
            Some(Some(c)) => c,
        };
        let (cipher, key_id) = cipher;
        let digits = key
            .for_row(key_id.as_deref())
            .decrypt(&cipher)
            .ok_or_else(|| OpError::Db("the SSN cannot be decrypted with this data key".into()))?;
        let ssn = Ssn::parse(&digits).map(|s| s.formatted()).unwrap_or(digits);
        self.finish(change, &entity, None, None, Some(reason)).await?;
        Ok(ssn)
    }

    /// `list.export`: writes every row of the list behind `req` to a CSV
    /// file. An export of members is audited first, in its own committed
    /// transaction, and only then is the file written: a file of member
    /// data never exists without its audit row (a write that then fails
    /// leaves the row as the record of an attempt). `what` names the list
    /// and its query (any SSN in it masked here). Other lists are not
    /// audited. Returns the rows written.
    pub async fn export_list(
        &self,
        req: crate::store::lists::ListRequest,
        path: &std::path::Path,
        what: &str,
    ) -> Result<usize, OpError> {
        if matches!(req.kind, crate::store::lists::ListKind::Members) {
            let entity = crate::domain::ssn::redact(what);
            let change = self.begin(Action::ListExport, &entity).await?;
            let after = serde_json::json!({"file": path.display().to_string()});
            self.finish(change, &entity, None, Some(after), None).await?;
        }
        crate::export::export_csv(self.store(), req, path).await.map_err(OpError::Invalid)
    }
}
