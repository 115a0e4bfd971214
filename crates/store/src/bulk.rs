//! Bulk loading for generators and importers: multi-row INSERTs inside one
//! transaction per batch, with explicit ids chosen by the caller. Table and
//! column names come from the caller's code, never from input.

use crate::{Result, Store, with_pool, write_tx};

/// A value in a bulk row.
#[derive(Clone, Debug)]
pub enum Value {
    Int(i64),
    Text(String),
    Null,
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Value::Null, Value::Int)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}

/// Rows for one table, flushed in batches.
pub struct BulkWriter {
    table: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<Value>>,
    /// Rows per batch transaction.
    batch: usize,
    pub written: u64,
}

/// Rows per INSERT statement: keeps the bind count well under both
/// databases' limits (SQLite 32766, PostgreSQL 65535).
const ROWS_PER_STATEMENT: usize = 400;

impl BulkWriter {
    pub fn new(table: &'static str, columns: &'static [&'static str]) -> Self {
        BulkWriter {
            table,
            columns,
            rows: Vec::new(),
            batch: 40_000,
            written: 0,
        }
    }

    /// Queues a row; writes a batch when enough are queued.
    pub async fn push(&mut self, store: &Store, row: Vec<Value>) -> Result<()> {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
        if self.rows.len() >= self.batch {
            self.flush(store).await?;
        }
        Ok(())
    }

    pub async fn flush(&mut self, store: &Store) -> Result<()> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.rows);
        let head = format!("INSERT INTO {} ({}) ", self.table, self.columns.join(", "));
        write_tx!(store, |tx| {
            for chunk in rows.chunks(ROWS_PER_STATEMENT) {
                let mut qb = sqlx::QueryBuilder::new(head.clone());
                qb.push_values(chunk, |mut b, row| {
                    for v in row {
                        match v {
                            Value::Int(i) => b.push_bind(*i),
                            Value::Text(s) => b.push_bind(s.clone()),
                            Value::Null => b.push_bind(None::<i64>),
                        };
                    }
                });
                qb.build().execute(&mut *tx).await?;
            }
        });
        self.written += rows.len() as u64;
        Ok(())
    }
}

impl Store {
    /// After loading rows with explicit ids, moves PostgreSQL's identity
    /// sequences past them (SQLite needs nothing).
    pub async fn reset_id_sequences(&self, tables: &[&'static str]) -> Result<()> {
        if !self.is_postgres() {
            return Ok(());
        }
        with_pool!(self, |pool| {
            for t in tables {
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence('{t}', 'id'), GREATEST((SELECT COALESCE(MAX(id), 0) FROM {t}), 1))"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await?;
            }
        });
        Ok(())
    }

    /// Runs a statement from the caller's own code (generators' bookkeeping
    /// such as ANALYZE); never with input.
    pub async fn execute_trusted(&self, sql: &'static str) -> Result<()> {
        with_pool!(self, |pool| {
            sqlx::raw_sql(sql).execute(pool).await?;
        });
        Ok(())
    }
}

impl Store {
    /// Like [`Store::execute_trusted`] for statements built by test or
    /// setup code (e.g. `CREATE SCHEMA` with a generated name); never input.
    pub async fn execute_trusted_owned(&self, sql: String) -> Result<()> {
        with_pool!(self, |pool| {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(pool)
                .await?;
        });
        Ok(())
    }
}
