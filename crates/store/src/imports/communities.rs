//! The communities a run writes into: found by slug, created without a
//! founder, and their members.

use super::{ImportSession, Tx, on_tx};
use crate::Result;
use crate::communities::{INSERT_FIRST_STAGE, NewCommunity};
use guildhall_domain::{CommunityId, PersonId};

impl ImportSession {
    pub async fn community_by_slug(&mut self, slug: &str) -> Result<Option<CommunityId>> {
        Ok(on_tx!(self.tx().await?, |c| {
            sqlx::query_scalar("SELECT id FROM communities WHERE slug = $1")
                .bind(slug)
                .fetch_optional(&mut *c)
                .await?
        }))
    }

    pub async fn community_slug(&mut self, id: CommunityId) -> Result<Option<String>> {
        Ok(on_tx!(self.tx().await?, |c| {
            sqlx::query_scalar("SELECT slug FROM communities WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *c)
                .await?
        }))
    }

    /// Creates a community without a founder (its members arrive with the
    /// imported history); returns its id.
    pub async fn create_community(
        &mut self,
        nc: &NewCommunity,
        reason: &str,
        at: i64,
    ) -> Result<CommunityId> {
        Ok(on_tx!(self.tx().await?, |c| {
            let id = crate::insert_community!(&mut *c, nc, at);
            sqlx::query(INSERT_FIRST_STAGE)
                .bind(id)
                .bind(nc.stage)
                .bind(reason)
                .bind(None::<PersonId>)
                .bind(at)
                .execute(&mut *c)
                .await?;
            crate::reindex_one!(&mut *c, crate::search::COMMUNITY_DOCS, "c", id);
            id
        }))
    }

    /// The people who are members of a community now.
    pub async fn members(&mut self, community: CommunityId) -> Result<Vec<PersonId>> {
        Ok(on_tx!(self.tx().await?, |c| {
            sqlx::query_scalar("SELECT person_id FROM memberships WHERE community_id = $1")
                .bind(community)
                .fetch_all(&mut *c)
                .await?
        }))
    }
}
