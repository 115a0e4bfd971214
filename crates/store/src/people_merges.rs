//! Merging two records of one person, and undoing the merge exactly.
//!
//! A merge moves every reference to the absorbed person over to the kept
//! one, writing down each row it moved; rows that would duplicate one the
//! kept person already has (both were members of a community, both
//! attended one session, both answered one invitation) are set aside.
//! The undo moves back exactly the rows written down and restores those
//! set aside, so work done after the merge stays with whoever did it.

use crate::audit::NewAudit;
use crate::read::{Sql, direct_row};
use crate::{Result, Store, StoreError, with_pool, write_tx};
use guildhall_domain::{MergeId, PersonId};
use serde::Serialize;

/// One column that names a person, and how to find a moved row again.
struct PersonColumn {
    table: &'static str,
    column: &'static str,
    /// An integer that identifies the row (with the column's value).
    int_key: Option<&'static str>,
    /// Otherwise a text expression that does.
    text_key: Option<&'static str>,
    /// Only these rows name a person at all.
    only: &'static str,
    /// Rows to leave where they are. `$1` is the absorbed person, `$2` the
    /// kept one.
    leave: &'static str,
}

/// A statement assembled from this module's own constants (table and column
/// names), never from input: values are always bound.
macro_rules! statement {
    ($($arg:tt)*) => {
        sqlx::AssertSqlSafe(format!($($arg)*))
    };
}

const fn by_id(table: &'static str, column: &'static str) -> PersonColumn {
    PersonColumn {
        table,
        column,
        int_key: Some("id"),
        text_key: None,
        only: "",
        leave: "",
    }
}

/// Every place a person is referred to, but the sessions (which end), the
/// calendar key and API tokens (they stop working, and work again after an
/// undo), the audit log (history) and the merges themselves.
const PERSON_COLUMNS: &[PersonColumn] = &[
    by_id("people", "manager_id"),
    by_id("people", "merged_into"),
    by_id("stage_changes", "changed_by"),
    PersonColumn {
        leave: " AND NOT (status = 'pending' AND community_id IN \
                 (SELECT o.community_id FROM join_requests o WHERE o.person_id = $2 AND o.status = 'pending'))",
        ..by_id("join_requests", "person_id")
    },
    by_id("join_requests", "decided_by"),
    PersonColumn {
        leave: " AND NOT (status = 'pending' AND community_id IN \
                 (SELECT o.community_id FROM invitations o WHERE o.person_id = $2 AND o.status = 'pending'))",
        ..by_id("invitations", "person_id")
    },
    by_id("invitations", "invited_by"),
    by_id("activity", "actor_id"),
    by_id("activity", "other_id"),
    by_id("charters", "edited_by"),
    by_id("threads", "author_id"),
    by_id("threads", "deleted_by"),
    by_id("replies", "author_id"),
    by_id("replies", "deleted_by"),
    by_id("post_edits", "editor_id"),
    PersonColumn {
        int_key: Some("thread_id"),
        ..by_id("help_solutions", "helper_id")
    },
    PersonColumn {
        int_key: Some("thread_id"),
        ..by_id("help_solutions", "marked_by")
    },
    by_id("resources", "created_by"),
    PersonColumn {
        int_key: None,
        text_key: Some("CAST(resource_id AS TEXT) || ':' || CAST(number AS TEXT)"),
        ..by_id("resource_revisions", "author_id")
    },
    by_id("resource_status_changes", "changed_by"),
    // Both thanked the same reply or resource: the absorbed person's thanks
    // stays theirs (it still counts for the receiver).
    PersonColumn {
        leave: " AND NOT EXISTS (SELECT 1 FROM thanks o WHERE o.giver_id = $2 \
                 AND (o.reply_id = thanks.reply_id OR o.resource_id = thanks.resource_id))",
        ..by_id("thanks", "giver_id")
    },
    by_id("thanks", "receiver_id"),
    by_id("events", "created_by"),
    by_id("event_sessions", "held_by"),
    PersonColumn {
        int_key: Some("community_id"),
        ..by_id("memberships", "person_id")
    },
    PersonColumn {
        int_key: Some("session_id"),
        ..by_id("event_attendance", "person_id")
    },
    PersonColumn {
        int_key: None,
        text_key: Some("CAST(event_id AS TEXT) || ':' || CAST(occurrence_at AS TEXT)"),
        ..by_id("event_rsvps", "person_id")
    },
    by_id("notifications", "person_id"),
    by_id("notifications", "actor_id"),
    by_id("search_documents", "author_id"),
    by_id("person_aliases", "person_id"),
    PersonColumn {
        int_key: None,
        text_key: Some("source || ':' || site || ':' || source_id"),
        only: " AND kind = 'person'",
        ..by_id("import_ids", "local_id")
    },
];

/// Rows keyed by person that cannot be held twice by one person: the
/// absorbed person's copy is set aside (columns a, b, c, t of
/// `person_merge_set_aside`).
struct Duplicable {
    table: &'static str,
    /// The columns that, with the person, make the row unique.
    key: &'static str,
    /// Columns saved as a, b, c, t (in that order).
    saved: &'static str,
    /// The table's columns restored from a, b, c, t, person.
    restore: &'static str,
}

const DUPLICABLE: &[Duplicable] = &[
    Duplicable {
        table: "memberships",
        key: "community_id",
        saved: "community_id, joined_at, 0, role",
        restore: "(community_id, joined_at, role, person_id) SELECT a, b, t, CAST($1 AS BIGINT)",
    },
    Duplicable {
        table: "event_attendance",
        key: "session_id",
        saved: "session_id, recorded_at, 0, ''",
        restore: "(session_id, recorded_at, person_id) SELECT a, b, CAST($1 AS BIGINT)",
    },
    Duplicable {
        table: "event_rsvps",
        key: "event_id, occurrence_at",
        saved: "event_id, occurrence_at, at, answer",
        restore: "(event_id, occurrence_at, at, answer, person_id) SELECT a, b, c, t, CAST($1 AS BIGINT)",
    },
];

/// A merge as the administrator sees it in the list.
#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct PersonMerge {
    pub id: MergeId,
    pub kept_id: PersonId,
    pub kept_name: String,
    pub absorbed_id: PersonId,
    pub absorbed_name: String,
    pub absorbed_email: String,
    pub reason: String,
    pub merged_by_name: Option<String>,
    pub merged_at: i64,
    pub undone_by_name: Option<String>,
    pub undone_at: Option<i64>,
    /// Rows moved (and set aside) by the merge.
    pub rows_moved: i64,
}
direct_row!(PersonMerge:
    id, kept_id, kept_name, absorbed_id, absorbed_name, absorbed_email, reason, merged_by_name,
    merged_at, undone_by_name, undone_at, rows_moved
);

const MERGE_SELECT: &str = "SELECT m.id, m.kept_id, k.name AS kept_name, m.absorbed_id, a.name AS absorbed_name, \
     a.email AS absorbed_email, m.reason, mb.name AS merged_by_name, m.merged_at, ub.name AS undone_by_name, m.undone_at, \
     (SELECT COUNT(*) FROM person_merge_moves mv WHERE mv.merge_id = m.id) \
       + (SELECT COUNT(*) FROM person_merge_set_aside sa WHERE sa.merge_id = m.id) AS rows_moved \
     FROM person_merges m JOIN people k ON k.id = m.kept_id JOIN people a ON a.id = m.absorbed_id \
     LEFT JOIN people mb ON mb.id = m.merged_by LEFT JOIN people ub ON ub.id = m.undone_by";

/// The facts the domain rules need to allow a merge or its undo.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MergeFacts {
    pub id: PersonId,
    pub has_account: bool,
    pub merged_into: Option<PersonId>,
}
direct_row!(MergeFacts: id, has_account, merged_into);

impl Store {
    pub async fn merge_facts(&self, person: PersonId) -> Result<MergeFacts> {
        with_pool!(self, |pool| {
            sqlx::query_as::<_, MergeFacts>(
                "SELECT id, (password_hash IS NOT NULL) AS has_account, merged_into FROM people WHERE id = $1",
            )
            .bind(person)
            .fetch_optional(pool)
            .await?
            .ok_or(StoreError::NotFound)
        })
    }

    /// Moves everything `absorbed` did and was over to `kept`, in one
    /// transaction with its audit entry; returns the merge's id.
    pub async fn merge_people(
        &self,
        kept: PersonId,
        absorbed: PersonId,
        reason: &str,
        audit: &NewAudit,
    ) -> Result<MergeId> {
        let at = audit.at;
        let by = audit.actor_id;
        Ok(write_tx!(self, |tx| {
            let merge_id = sqlx::query_scalar::<_, MergeId>(
                "INSERT INTO person_merges (kept_id, absorbed_id, reason, merged_by, merged_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(kept)
            .bind(absorbed)
            .bind(reason)
            .bind(by)
            .bind(at)
            .fetch_one(&mut *tx)
            .await?;
            // Checked again inside the transaction: another merge of either
            // person may have landed since the caller looked.
            let marked = sqlx::query(
                "UPDATE people SET merged_into = $1 WHERE id = $2 AND merged_into IS NULL \
                 AND EXISTS (SELECT 1 FROM people k WHERE k.id = $1 AND k.merged_into IS NULL)",
            )
            .bind(kept)
            .bind(absorbed)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if marked == 0 {
                return Err(StoreError::Conflict("person"));
            }
            for d in DUPLICABLE {
                let twice = format!(
                    "({key}) IN (SELECT {key} FROM {table} o WHERE o.person_id = $2)",
                    key = d.key,
                    table = d.table
                );
                sqlx::query(statement!(
                    "INSERT INTO person_merge_set_aside (merge_id, tbl, a, b, c, t) \
                     SELECT CAST($3 AS BIGINT), '{table}', {saved} FROM {table} WHERE person_id = $1 AND {twice}",
                    table = d.table,
                    saved = d.saved,
                ))
                .bind(absorbed)
                .bind(kept)
                .bind(merge_id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(statement!(
                    "DELETE FROM {table} WHERE person_id = $1 AND {twice}",
                    table = d.table
                ))
                .bind(absorbed)
                .bind(kept)
                .execute(&mut *tx)
                .await?;
            }
            // The absorbed person's own search document goes; their name no
            // longer answers a search.
            sqlx::query("DELETE FROM search_documents WHERE kind = 'person' AND ref_id = $1")
                .bind(absorbed)
                .execute(&mut *tx)
                .await?;
            for c in PERSON_COLUMNS {
                let int_key = c.int_key.unwrap_or("CAST(NULL AS BIGINT)");
                let text_key = c.text_key.unwrap_or("CAST(NULL AS TEXT)");
                // PostgreSQL must see every numbered parameter used.
                let (merge_param, kept_used) = if c.leave.contains("$2") {
                    ("$3", true)
                } else {
                    ("$2", false)
                };
                let record = format!(
                    "INSERT INTO person_merge_moves (merge_id, tbl, col, row_id, row_key) \
                     SELECT CAST({merge_param} AS BIGINT), '{table}', '{column}', {int_key}, {text_key} \
                     FROM {table} WHERE {column} = $1{only}{leave}",
                    table = c.table,
                    column = c.column,
                    only = c.only,
                    leave = c.leave,
                );
                let mut record = sqlx::query(sqlx::AssertSqlSafe(record)).bind(absorbed);
                if kept_used {
                    record = record.bind(kept);
                }
                record.bind(merge_id).execute(&mut *tx).await?;
                sqlx::query(statement!(
                    "UPDATE {table} SET {column} = $2 WHERE {column} = $1{only}{leave}",
                    table = c.table,
                    column = c.column,
                    only = c.only,
                    leave = c.leave,
                ))
                .bind(absorbed)
                .bind(kept)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("DELETE FROM sessions WHERE person_id = $1")
                .bind(absorbed)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE activity_revision SET revision = revision + 1 WHERE id = 1")
                .execute(&mut *tx)
                .await?;
            crate::audit::append!(&mut *tx, audit);
            merge_id
        }))
    }

    /// Puts back what the merge moved and set aside, in one transaction
    /// with its audit entry.
    pub async fn undo_person_merge(&self, merge_id: MergeId, audit: &NewAudit) -> Result<()> {
        let merge = self.person_merge(merge_id).await?;
        let (kept, absorbed) = (merge.kept_id, merge.absorbed_id);
        write_tx!(self, |tx| {
            let n = sqlx::query(
                "UPDATE person_merges SET undone_by = $1, undone_at = $2 WHERE id = $3 AND undone_at IS NULL",
            )
            .bind(audit.actor_id)
            .bind(audit.at)
            .bind(merge_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict("merge"));
            }
            sqlx::query("UPDATE people SET merged_into = NULL WHERE id = $1")
                .bind(absorbed)
                .execute(&mut *tx)
                .await?;
            for c in PERSON_COLUMNS.iter().rev() {
                let (key, moved) = match (c.int_key, c.text_key) {
                    (Some(k), _) => (k, "row_id"),
                    (None, Some(k)) => (k, "row_key"),
                    (None, None) => continue,
                };
                sqlx::query(statement!(
                    "UPDATE {table} SET {column} = $1 WHERE {column} = $2{only} AND {key} IN \
                     (SELECT {moved} FROM person_merge_moves WHERE merge_id = $3 AND tbl = '{table}' AND col = '{column}')",
                    table = c.table,
                    column = c.column,
                    only = c.only,
                ))
                .bind(absorbed)
                .bind(kept)
                .bind(merge_id)
                .execute(&mut *tx)
                .await?;
            }
            for d in DUPLICABLE {
                sqlx::query(statement!(
                    "INSERT INTO {table} {restore} FROM person_merge_set_aside \
                     WHERE merge_id = $2 AND tbl = '{table}' ON CONFLICT DO NOTHING",
                    table = d.table,
                    restore = d.restore,
                ))
                .bind(absorbed)
                .bind(merge_id)
                .execute(&mut *tx)
                .await?;
            }
            crate::reindex_one!(&mut *tx, crate::search::PEOPLE_DOCS, "p", absorbed);
            sqlx::query("UPDATE activity_revision SET revision = revision + 1 WHERE id = 1")
                .execute(&mut *tx)
                .await?;
            crate::audit::append!(&mut *tx, audit);
        });
        Ok(())
    }

    pub async fn person_merge(&self, id: MergeId) -> Result<PersonMerge> {
        with_pool!(self, |pool| {
            sqlx::query_as::<_, PersonMerge>(statement!("{MERGE_SELECT} WHERE m.id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?
                .ok_or(StoreError::NotFound)
        })
    }

    /// Merges, newest first.
    pub async fn person_merges(&self, limit: i64, offset: i64) -> Result<Vec<PersonMerge>> {
        Ok(with_pool!(self, |pool| {
            sqlx::query_as::<_, PersonMerge>(statement!(
                "{MERGE_SELECT} ORDER BY m.id DESC LIMIT $1 OFFSET $2"
            ))
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await?
        }))
    }

    /// How many merges still in force, made after `merge_id`, involve
    /// `kept` or `absorbed`.
    pub async fn later_merges_in_force(
        &self,
        merge_id: MergeId,
        people: [PersonId; 2],
    ) -> Result<i64> {
        self.read_scalar::<i64>(
            &Sql::new(
                "SELECT COUNT(*) FROM person_merges WHERE id > $1 AND undone_at IS NULL \
                 AND (kept_id IN ($2, $3) OR absorbed_id IN ($2, $3))",
            )
            .arg(merge_id)
            .arg(people[0])
            .arg(people[1]),
        )
        .await
    }

    /// How many rows name the person, by `table.column`: what a merge of
    /// this person would move (shown before merging, checked after).
    pub async fn person_references(&self, person: PersonId) -> Result<Vec<(String, i64)>> {
        let mut out = Vec::with_capacity(PERSON_COLUMNS.len());
        with_pool!(self, |pool| {
            for c in PERSON_COLUMNS {
                let n = sqlx::query_scalar::<_, i64>(statement!(
                    "SELECT COUNT(*) FROM {table} WHERE {column} = $1{only}",
                    table = c.table,
                    column = c.column,
                    only = c.only,
                ))
                .bind(person)
                .fetch_one(pool)
                .await?;
                out.push((format!("{}.{}", c.table, c.column), n));
            }
        });
        Ok(out)
    }

    /// Changes whenever past activity was rewritten (a merge or an undo);
    /// caches of the activity log compare it to know when to start again.
    pub async fn activity_revision(&self) -> Result<i64> {
        self.read_scalar::<i64>(&Sql::new(
            "SELECT revision FROM activity_revision WHERE id = 1",
        ))
        .await
    }
}
