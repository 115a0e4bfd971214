//! Backup and restore of a SQLite database. A backup is taken online: the
//! server keeps answering and writing while a consistent copy (as of one
//! instant) is written. PostgreSQL has its own tools (docs/OPERATIONS.md).

use crate::migrate::MIGRATIONS;
use crate::{Backend, Result, Store, StoreError};
use std::path::{Path, PathBuf};

/// What a backup or a restored file holds.
#[derive(Clone, Debug)]
pub struct BackupReport {
    pub file: PathBuf,
    pub bytes: u64,
    pub schema_version: i64,
    pub people: i64,
    pub activity: i64,
}

impl Store {
    /// Writes a consistent copy of this SQLite database to `target`, which
    /// must not exist yet; other connections go on reading and writing.
    pub async fn backup_to(&self, target: &Path) -> Result<BackupReport> {
        let Backend::Sqlite(pool) = self.backend() else {
            return Err(StoreError::Open(
                "this database is PostgreSQL: back it up with pg_dump (see docs/OPERATIONS.md)"
                    .into(),
            ));
        };
        if target.exists() {
            return Err(StoreError::Open(format!(
                "{} already exists; choose a new file name (a backup never overwrites)",
                target.display()
            )));
        }
        let path = target
            .to_str()
            .ok_or_else(|| StoreError::Open(format!("{} is not a UTF-8 path", target.display())))?;
        // VACUUM INTO reads inside one transaction: the copy is the
        // database as of its start, compacted, without the write-ahead log.
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(pool)
            .await
            .map_err(|e| StoreError::Open(format!("cannot write {}: {e}", target.display())))?;
        let target = target.to_owned();
        tokio::task::spawn_blocking(move || inspect(&target))
            .await
            .map_err(|e| StoreError::Open(e.to_string()))?
    }
}

/// Checks that `file` is a whole Guildhall database this binary can use
/// (integrity check, schema version) and counts what it holds.
pub fn inspect(file: &Path) -> Result<BackupReport> {
    use rusqlite::{Connection, OpenFlags};
    let bad =
        |why: String| StoreError::Open(format!("{} is not a usable backup: {why}", file.display()));
    let meta = std::fs::metadata(file).map_err(|e| bad(e.to_string()))?;
    let conn = Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| bad(e.to_string()))?;
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| bad(e.to_string()))?;
    if integrity != "ok" {
        return Err(bad(format!("the integrity check says: {integrity}")));
    }
    let version: i64 = conn
        .query_row(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            [],
            |r| r.get(0),
        )
        .map_err(|_| bad("it has no Guildhall schema".into()))?;
    let newest = MIGRATIONS.iter().map(|m| m.0).max().unwrap_or(0);
    if version > newest {
        return Err(bad(format!(
            "its schema version {version} is newer than this binary knows ({newest}); upgrade guildhall"
        )));
    }
    let count = |table: &str| -> Result<i64> {
        conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .map_err(|e| bad(e.to_string()))
    };
    Ok(BackupReport {
        file: file.to_owned(),
        bytes: meta.len(),
        schema_version: version,
        people: count("people")?,
        activity: count("activity")?,
    })
}

/// Replaces the SQLite database `target` by the backup `backup`, after
/// checking the backup. The server must be stopped. The replaced file is
/// kept beside it (returned), so a mistaken restore can itself be undone.
pub fn restore(backup: &Path, target: &Path) -> Result<(BackupReport, Option<PathBuf>)> {
    let report = inspect(backup)?;
    let fail = |what: &str, e: std::io::Error| StoreError::Open(format!("{what}: {e}"));
    let name = |suffix: &str| {
        let mut s = target.as_os_str().to_owned();
        s.push(suffix);
        PathBuf::from(s)
    };
    // Copy first, then rename: a crash leaves either the old database or
    // the new one, never half of one.
    let incoming = name(".restoring");
    std::fs::copy(backup, &incoming).map_err(|e| fail("cannot copy the backup", e))?;
    std::fs::File::open(&incoming)
        .and_then(|f| f.sync_all())
        .map_err(|e| fail("cannot flush the copy", e))?;
    let kept = if target.exists() {
        let kept = name(&format!(".before-restore-{}", unix_seconds()));
        std::fs::rename(target, &kept).map_err(|e| fail("cannot set the old database aside", e))?;
        // Its write-ahead log goes with it: it may hold committed writes.
        for log in ["-wal", "-shm"] {
            let f = name(log);
            if f.exists() {
                let mut beside = kept.as_os_str().to_owned();
                beside.push(log);
                std::fs::rename(&f, PathBuf::from(beside))
                    .map_err(|e| fail("cannot set the old write-ahead log aside", e))?;
            }
        }
        Some(kept)
    } else {
        None
    };
    std::fs::rename(&incoming, target).map_err(|e| fail("cannot put the backup in place", e))?;
    Ok((
        BackupReport {
            file: target.to_owned(),
            ..report
        },
        kept,
    ))
}

/// Seconds since the epoch, for file names.
fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
