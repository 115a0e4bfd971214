//! `guildhall`: the one binary. Serves the web application, migrates the
//! database, creates accounts, generates the demonstration organization and
//! exports the activity log. It parses arguments and reports errors in
//! words that say what to do next; all behaviour lives in the library crates.
//! Each command has a module of its own; this file declares the commands
//! and sends each to its module.

#![forbid(unsafe_code)]

mod admin;
mod database;
mod demo;
mod export;
mod import;
mod people;
mod pulse;
mod serve;

use admin::AdminCommand;
use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use demo::DemoArgs;
use export::ExportCommand;
use guildhall_app::AppError;
use guildhall_store::{OpenMode, Store};
use import::ImportCommand;
use people::PeopleCommand;
use serve::ServeArgs;

#[derive(Parser, Debug)]
#[command(
    name = "guildhall",
    version,
    about = "Guildhall: cultivate your organization's communities of practice."
)]
struct Cli {
    /// Database: a SQLite file path, sqlite://PATH, or postgres://USER@HOST/DB.
    #[arg(
        long,
        global = true,
        env = "GUILDHALL_DATABASE_URL",
        default_value = "guildhall.db"
    )]
    database: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Start the web server.
    Serve(ServeArgs),
    /// Create the database if needed and apply every pending migration.
    Migrate,
    /// Administration: accounts.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// People: merge two records of one person, undo a merge, list merges.
    #[command(subcommand)]
    People(PeopleCommand),
    /// Write a consistent copy of the live SQLite database to FILE (the
    /// server may keep running). PostgreSQL: use pg_dump.
    Backup {
        /// A new file; an existing one is never overwritten.
        file: std::path::PathBuf,
    },
    /// Replace the SQLite database by a backup, after checking it. Stop the
    /// server first; the replaced file is kept beside it.
    Restore { file: std::path::PathBuf },
    /// Fill an empty database with a realistic demonstration organization.
    Demo(DemoArgs),
    /// Export data.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Import a community's history from another system.
    #[command(subcommand)]
    Import(ImportCommand),
    /// The health pulse of every community (or one), as docs/METRICS.md defines it.
    Pulse {
        /// Only this community.
        #[arg(long)]
        community: Option<String>,
        /// The instant of the pulse, RFC 3339 (default: now).
        #[arg(long)]
        as_of: Option<String>,
        /// Window length in days.
        #[arg(long, default_value = "90")]
        window: String,
        /// json (an array of records) or table.
        #[arg(long, default_value = "table")]
        format: String,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GUILDHALL_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info")
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

pub(crate) async fn open(database: &str, mode: OpenMode) -> Result<Store> {
    Store::open(database, mode)
        .await
        .with_context(|| format!("cannot use the database '{database}'"))
}

/// Application errors in CLI words.
pub(crate) fn explain(e: AppError) -> anyhow::Error {
    match e {
        AppError::Validation(f) => anyhow::anyhow!("invalid input: {}", f.summary()),
        other => anyhow::anyhow!("{other}"),
    }
}

async fn run(cli: Cli) -> Result<()> {
    let database = cli.database.as_str();
    match cli.command {
        Command::Serve(args) => serve::serve(database, args).await,
        Command::Migrate => database::migrate(database).await,
        Command::Admin(command) => admin::run(database, command).await,
        Command::Backup { file } => database::backup(database, file).await,
        Command::Restore { file } => database::restore(database, file).await,
        Command::People(command) => people::run(database, command).await,
        Command::Demo(args) => demo::run(database, &args).await,
        Command::Pulse {
            community,
            as_of,
            window,
            format,
        } => pulse::run(database, community, as_of, window, format).await,
        Command::Import(command) => import::run(database, command).await,
        Command::Export(command) => export::run(database, command).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_subcommand_takes_the_database_flag() {
        for args in [
            vec!["guildhall", "--database", "x.db", "migrate"],
            vec!["guildhall", "migrate", "--database", "x.db"],
            vec![
                "guildhall",
                "import",
                "stackexchange",
                "dump",
                "--dry-run",
                "--database",
                "x.db",
            ],
            vec![
                "guildhall",
                "import",
                "mbox",
                "a.mbox",
                "b.mbox",
                "--community",
                "dev",
                "--database",
                "x.db",
            ],
            vec![
                "guildhall",
                "import",
                "discourse",
                "forum",
                "--community",
                "dev",
                "--site",
                "https://forum.example.org",
                "--dry-run",
                "--database",
                "x.db",
            ],
            vec![
                "guildhall",
                "import",
                "slack",
                "export.zip",
                "--community",
                "dev",
                "--dry-run",
                "--database",
                "x.db",
            ],
            vec![
                "guildhall",
                "export",
                "activity",
                "--database",
                "x.db",
                "--format",
                "jsonl",
            ],
        ] {
            let cli = Cli::try_parse_from(args).expect("parses");
            assert_eq!(cli.database, "x.db");
        }
    }
}
