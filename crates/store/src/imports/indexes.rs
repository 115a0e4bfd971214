//! Secondary indexes a large import (SQLite) drops while it fills their
//! tables and rebuilds once, instead of updating them row by row.

use super::{ImportSession, Tx};
use crate::Result;
use crate::bulk::{BulkActivity, BulkReply, BulkRow, BulkSearchDocument, BulkThread};

pub(super) struct IndexPlan {
    pub(super) table: &'static str,
    /// Rows before the session (estimated by the largest rowid).
    pub(super) before: i64,
    /// Definitions of the indexes dropped, once they are.
    pub(super) dropped: Option<Vec<String>>,
}

/// Tables with most rows per imported post and secondary indexes.
pub(super) const REINDEXED_TABLES: [&str; 4] = [
    BulkActivity::TABLE,
    BulkSearchDocument::TABLE,
    BulkReply::TABLE,
    BulkThread::TABLE,
];

/// Rebuilding a table's indexes costs a sort of the whole table: it only
/// pays when the session adds at least as many rows as were there. Below
/// this many rows either way is quick; the fixtures' dumps are above it, so
/// the tests take the rebuilding path too.
const REINDEX_MIN_ROWS: u64 = 1_000;

impl ImportSession {
    /// Drops the secondary indexes of tables that this session fills
    /// mostly by itself (SQLite; the drop is part of the transaction).
    pub(super) async fn suspend_large_indexes(&mut self) -> Result<()> {
        self.settle().await?;
        let Some(Tx::Sqlite(t)) = &mut self.tx else {
            return Ok(());
        };
        let writers = [
            self.activity.rows(),
            self.docs.rows(),
            self.replies.rows(),
            self.threads.rows(),
        ];
        for plan in self.index_plans.iter_mut().filter(|p| p.dropped.is_none()) {
            let Some(w) = writers.iter().find(|w| w.table() == plan.table) else {
                continue;
            };
            let rows = w.total();
            if rows < REINDEX_MIN_ROWS || (rows as i64) < plan.before {
                continue;
            }
            let indexes: Vec<(String, String)> = sqlx::query_as(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 \
                 AND sql IS NOT NULL AND upper(sql) NOT LIKE 'CREATE UNIQUE%' ORDER BY name",
            )
            .bind(plan.table)
            .fetch_all(&mut **t)
            .await?;
            for (name, _) in &indexes {
                sqlx::query(sqlx::AssertSqlSafe(format!("DROP INDEX {name}")))
                    .execute(&mut **t)
                    .await?;
            }
            plan.dropped = Some(indexes.into_iter().map(|(_, sql)| sql).collect());
        }
        Ok(())
    }

    /// Rebuilds the indexes [`Self::suspend_large_indexes`] dropped.
    pub(super) async fn restore_large_indexes(&mut self) -> Result<()> {
        self.settle().await?;
        let Some(Tx::Sqlite(t)) = &mut self.tx else {
            return Ok(());
        };
        let statements: Vec<String> = self
            .index_plans
            .iter_mut()
            .filter_map(|p| p.dropped.take())
            .flatten()
            .collect();
        if statements.is_empty() {
            return Ok(());
        }
        // The sort behind each index spills to a temporary file (the
        // writer's `temp_store`, see open.rs) instead of holding every key
        // in memory.
        for sql in statements {
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut **t)
                .await?;
        }
        Ok(())
    }
}
