//! Broker access: grant groups of one employer to a broker or agency,
//! change permissions, revoke (an end date, never a delete).

use chrono::NaiveDate;
use serde_json::json;

use super::{OpError, Ops};
use crate::action::Action;
use crate::domain::access::Perms;
use crate::store::brokers::{self as store, NewGrant};

/// Who receives a grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grantee {
    Broker(String),
    /// An agency by id (shown in the broker view).
    Agency(i64),
}

impl Ops {
    /// `access.grant`: access to `groups` (all of one employer: `employer`
    /// if named, else the first group's) from `starts_on`. All or nothing:
    /// a group of another employer, an unknown group, or one the grantee
    /// already has refuses the whole grant.
    pub async fn grant_access(
        &self,
        to: &Grantee,
        employer: Option<&str>,
        groups: &[String],
        perms: Perms,
        starts_on: Option<NaiveDate>,
    ) -> Result<Vec<i64>, OpError> {
        if groups.is_empty() {
            return Err(OpError::Invalid("name at least one group".into()));
        }
        let entity = match to {
            Grantee::Broker(npn) => format!("broker:{npn}"),
            Grantee::Agency(id) => format!("agency:{id}"),
        };
        let mut change = self.begin(Action::AccessGrant, &entity).await?;
        let today = self.now().date_naive();
        let starts_on = starts_on.unwrap_or(today);
        let (broker_id, agency_id) = match to {
            Grantee::Broker(npn) => {
                let npn = crate::domain::npn::parse_npn(npn).map_err(OpError::Invalid)?;
                let (id, _, status) = store::broker_by_npn(&mut change.tx, &npn)
                    .await?
                    .ok_or_else(|| OpError::NotFound(format!("no broker with NPN {npn}")))?;
                if status == "terminated" {
                    return Err(OpError::Refused(format!("broker {npn} is terminated")));
                }
                (Some(id), None)
            }
            Grantee::Agency(id) => (None, Some(*id)),
        };
        let mut employer = match employer {
            Some(e) => {
                Some(crate::domain::ein::Ein::parse(e).map_err(|e| OpError::Invalid(e.to_string()))?.to_string())
            }
            None => None,
        };
        let mut ids = Vec::new();
        for number in groups {
            let number = number.trim().to_uppercase();
            let (group_id, employer_id, ein) = store::group_by_number(&mut change.tx, &number)
                .await?
                .ok_or_else(|| OpError::NotFound(format!("no group {}", crate::domain::text::clip(&number, 20))))?;
            // Without an employer named, the first group's is the grant's.
            let named = employer.get_or_insert_with(|| ein.clone());
            if ein != *named {
                return Err(OpError::Refused(format!(
                    "group {number} belongs to employer {ein}, not {named}; nothing was granted"
                )));
            }
            if let Some(g) = store::grant_in_force(&mut change.tx, broker_id, agency_id, group_id, starts_on).await? {
                return Err(OpError::Refused(format!(
                    "{entity} already has access to {number} (grant {g}): change its permissions instead; nothing was granted"
                )));
            }
            let grant = NewGrant {
                employer_id,
                group_id,
                broker_id,
                agency_id,
                perms,
                starts_on,
                granted_by: self.operator().login.clone(),
            };
            let id = store::insert_grant(&mut change.tx, &grant, self.now()).await?;
            let after = json!({"grant": id, "group": number, "perms": perms.describe(), "starts_on": starts_on});
            self.record(&mut change, &entity, None, Some(after), None).await?;
            ids.push(id);
        }
        change.tx.commit().await?;
        Ok(ids)
    }

    /// `access.change`: new permissions on a grant in force.
    pub async fn change_access(&self, grant: i64, perms: Perms) -> Result<(), OpError> {
        let entity = format!("grant:{grant}");
        let mut change = self.begin(Action::AccessChange, &entity).await?;
        let mut g = store::lock_grant(&mut change.tx, grant)
            .await?
            .ok_or_else(|| OpError::NotFound(format!("no grant {grant}")))?;
        if g.ends_on.is_some_and(|e| e <= self.now().date_naive()) {
            return Err(OpError::Refused(format!("grant {grant} has ended; grant access again instead")));
        }
        let before = Perms { view: g.can_view, enrollment: g.can_enroll, billing: g.can_bill };
        if before == perms {
            return Err(OpError::Refused(format!("grant {grant} already has {}", perms.describe())));
        }
        (g.can_view, g.can_enroll, g.can_bill) = (perms.view, perms.enrollment, perms.billing);
        if !store::save_grant(&mut change.tx, &g).await? {
            return Err(OpError::Conflict(format!("grant {grant} changed meanwhile; nothing was changed")));
        }
        let (b, a) = (json!({"perms": before.describe()}), json!({"perms": perms.describe()}));
        self.finish(change, &entity, Some(b), Some(a), None).await
    }

    /// `access.revoke`: ends a grant on `ends_on` (default today). The
    /// broker's office staff reach groups only through the broker's grants,
    /// so they lose the group too.
    pub async fn revoke_access(&self, grant: i64, ends_on: Option<NaiveDate>) -> Result<(), OpError> {
        let entity = format!("grant:{grant}");
        let mut change = self.begin(Action::AccessRevoke, &entity).await?;
        let today = self.now().date_naive();
        let mut g = store::lock_grant(&mut change.tx, grant)
            .await?
            .ok_or_else(|| OpError::NotFound(format!("no grant {grant}")))?;
        if let Some(e) = g.ends_on.filter(|e| *e <= today) {
            return Err(OpError::Refused(format!("grant {grant} already ended on {e}")));
        }
        let end = ends_on.unwrap_or(today).max(g.starts_on);
        let before = g.ends_on;
        g.ends_on = Some(end);
        if !store::save_grant(&mut change.tx, &g).await? {
            return Err(OpError::Conflict(format!("grant {grant} changed meanwhile; nothing was changed")));
        }
        self.finish(change, &entity, Some(json!({"ends_on": before})), Some(json!({"ends_on": end})), None).await
    }
}
