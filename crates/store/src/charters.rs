//! Charters, versioned: a save appends a version and records the review in
//! the activity log, in one transaction.

use crate::read::{Sql, direct_row};
use crate::{Result, Store, StoreError, append_activity, write_tx};
use guildhall_domain::{CommunityId, NewActivity, PersonId};
use serde::Serialize;

/// The parts of a charter, as the community wrote them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CharterText {
    pub domain: String,
    pub rhythm: String,
    pub roles: String,
    pub openness: String,
    pub outside: String,
    pub norms: String,
    /// What changed and why, for the history.
    pub note: String,
}

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Charter {
    pub version: i64,
    pub domain: String,
    pub rhythm: String,
    pub roles: String,
    pub openness: String,
    pub outside: String,
    pub norms: String,
    pub note: String,
    pub edited_by: Option<PersonId>,
    pub edited_by_name: Option<String>,
    pub edited_at: i64,
}
direct_row!(Charter:
    version, domain, rhythm, roles, openness, outside, norms, note, edited_by, edited_by_name,
    edited_at
);

impl Store {
    /// Every version of a community's charter, newest first.
    pub async fn charter_versions(&self, community: CommunityId) -> Result<Vec<Charter>> {
        self.read_all::<Charter>(&Sql::new(
            "SELECT c.version, c.domain, c.rhythm, c.roles, c.openness, c.outside, c.norms, c.note, c.edited_by, \
                 p.name AS edited_by_name, c.edited_at FROM charters c LEFT JOIN people p ON p.id = c.edited_by \
                 WHERE c.community_id = $1 ORDER BY c.version DESC",
        )
        .arg(community))
        .await
    }

    /// Saves a new version on top of `base_version` (0 for the first). If
    /// someone saved in between, nothing is written: `Conflict("version")`.
    pub async fn save_charter(
        &self,
        community: CommunityId,
        base_version: i64,
        text: &CharterText,
        event: &NewActivity,
    ) -> Result<i64> {
        Ok(write_tx!(self, |tx| {
            let current: i64 = sqlx::query_scalar(
                "SELECT COALESCE(MAX(version), 0) FROM charters WHERE community_id = $1",
            )
            .bind(community)
            .fetch_one(&mut *tx)
            .await?;
            if current != base_version {
                return Err(StoreError::Conflict("version"));
            }
            let version = current + 1;
            sqlx::query(
                "INSERT INTO charters (community_id, version, domain, rhythm, roles, openness, outside, norms, note, edited_by, edited_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(community)
            .bind(version)
            .bind(&text.domain)
            .bind(&text.rhythm)
            .bind(&text.roles)
            .bind(&text.openness)
            .bind(&text.outside)
            .bind(&text.norms)
            .bind(&text.note)
            .bind(event.actor.0)
            .bind(event.at.0)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::unique("version"))?;
            append_activity!(&mut *tx, event);
            version
        }))
    }

    /// When the charter was last reviewed (`charter.reviewed` in the log).
    pub async fn last_charter_review(&self, community: CommunityId) -> Result<Option<i64>> {
        Sql::new(
            "SELECT MAX(at) FROM activity WHERE community_id = $1 AND kind = 'charter.reviewed'",
        )
        .arg(community)
        .scalar::<Option<i64>>(self)
        .await
    }
}
