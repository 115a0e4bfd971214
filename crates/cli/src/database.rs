//! `guildhall migrate | backup | restore`: the database itself.

use crate::open;
use anyhow::{Context, Result};
use guildhall_store::{OpenMode, Store};

/// Creates the database if needed and applies every pending migration.
pub(crate) async fn migrate(database: &str) -> Result<()> {
    let store = Store::connect(database, OpenMode::Create)
        .await
        .with_context(|| format!("cannot use the database '{}'", database))?;
    let applied = store.migrate().await.context("migration failed")?;
    if applied.is_empty() {
        println!("The database is up to date.");
    } else {
        println!("Applied migrations: {applied:?}");
    }
    Ok(())
}

/// Writes a consistent copy of the live SQLite database to `file`.
pub(crate) async fn backup(database: &str, file: std::path::PathBuf) -> Result<()> {
    let store = open(database, OpenMode::MustExist).await?;
    let started = std::time::Instant::now();
    let r = store.backup_to(&file).await?;
    store
        .audit_command_line("database.backed_up", &file.display().to_string())
        .await?;
    println!(
        "Backed up to {} in {:.1} s: {} bytes, schema version {}, {} people, {} activity events.",
        r.file.display(),
        started.elapsed().as_secs_f64(),
        r.bytes,
        r.schema_version,
        r.people,
        r.activity
    );
    Ok(())
}

/// Replaces the SQLite database by a checked backup.
pub(crate) async fn restore(database: &str, file: std::path::PathBuf) -> Result<()> {
    let target = guildhall_store::sqlite_file_of(database)?;
    let (r, kept) = guildhall_store::backup::restore(&file, &target)?;
    let store = open(database, OpenMode::MustExist).await?;
    store
        .migrate()
        .await
        .context("migrating the restored database")?;
    store
        .audit_command_line("database.restored", &file.display().to_string())
        .await?;
    println!(
        "Restored {} into {}: schema version {}, {} people, {} activity events.",
        file.display(),
        r.file.display(),
        r.schema_version,
        r.people,
        r.activity
    );
    if let Some(kept) = kept {
        println!("The database it replaced is kept as {}.", kept.display());
    }
    Ok(())
}
