//! `guildhall import`: bring in a community's history from another
//! system, with progress on the terminal and a summary at the end.

use crate::open;
use anyhow::{Context, Result};
use clap::Subcommand;
use guildhall_store::{OpenMode, Store};
use std::io::IsTerminal;

#[derive(Subcommand, Debug)]
pub(crate) enum ImportCommand {
    /// A Stack Exchange site's data dump (the unpacked folder with Posts.xml,
    /// Users.xml, Comments.xml, Votes.xml, …). Running it again changes nothing.
    Stackexchange {
        /// The folder of one site's dump; its name names the site.
        dir: std::path::PathBuf,
        /// Import into this existing community instead of one created for the site.
        #[arg(long)]
        community: Option<String>,
        /// Read and check everything, report what would be written, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Mailing-list archives: mbox files (also pipermail's text archives),
    /// unpacked. Messages archived more than once are imported once, and
    /// running it again changes nothing.
    Mbox {
        /// The archive files, read in order (oldest first threads best).
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
        /// The community to import into; created if it does not exist.
        #[arg(long)]
        community: String,
        /// Read and check everything, report what would be written, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// A Discourse forum: a folder of topic documents as its public JSON API
    /// serves them (/t/{id}.json, one file each), optionally with
    /// /categories.json saved as categories.json. One community per category
    /// unless --community is given; private messages are never imported.
    /// Running it again changes nothing.
    Discourse {
        /// The folder of topic documents, or of a dump of the public API
        /// (topics/ beside categories.json).
        dir: std::path::PathBuf,
        /// Import every category into this existing community (categories
        /// become tags) instead of one community per category.
        #[arg(long)]
        community: Option<String>,
        /// The forum's address (e.g. https://forum.example.org), which
        /// keeps what is imported of it apart from other forums. By default
        /// the address its documents carry, else the folder's name.
        #[arg(long)]
        site: Option<String>,
        /// Read and check everything, report what would be written, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// A Slack workspace export (channels.json, users.json, a folder per
    /// channel with a JSON file per day), unpacked or the .zip Slack gives:
    /// one community per channel, conversations as discussion threads,
    /// joins as memberships, reactions on replies as thanks. Running it
    /// again changes nothing.
    Slack {
        /// The export's folder or .zip; its name names the workspace.
        path: std::path::PathBuf,
        /// Import every channel into this existing community instead of
        /// one community per channel.
        #[arg(long)]
        community: Option<String>,
        /// Read and check everything, report what would be written, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// A bar on a terminal, log lines otherwise.
fn import_progress() -> Box<dyn guildhall_import::progress::Progress> {
    if std::io::stdout().is_terminal() && std::io::stderr().is_terminal() {
        Box::new(guildhall_import::progress::Bar::new())
    } else {
        Box::new(guildhall_import::progress::Lines::new(
            std::time::Duration::from_secs(5),
        ))
    }
}

/// Runs one importer (a module of guildhall_import) with a progress display
/// and reports its summary; `$label` names the input in the audit log.
macro_rules! run_import {
    ($db:expr, $module:ident, $input:expr, $community:expr, $dry_run:expr, $label:expr $(, $field:ident: $value:expr)*) => {{
        let store = open($db, OpenMode::MustExist).await?;
        // Importers share these two options, some have their own; the
        // others (chunk sizes for tests) keep their defaults.
        let opts = guildhall_import::$module::Options {
            community: $community,
            dry_run: $dry_run,
            $($field: $value,)*
            ..Default::default()
        };
        let mut progress = import_progress();
        let started = std::time::Instant::now();
        let outcome =
            guildhall_import::$module::import(&store, $input, &opts, progress.as_mut()).await;
        report_import(store, started, outcome, (stringify!($module), $label)).await
    }};
}

/// Prints an import's summary and time, or says why nothing was imported.
pub(crate) async fn report_import(
    store: Store,
    started: std::time::Instant,
    outcome: std::result::Result<guildhall_import::Summary, guildhall_import::ImportError>,
    (source, input): (&str, String),
) -> Result<()> {
    let summary = outcome.map_err(import_failed)?;
    if !summary.dry_run {
        let first_line = summary.to_string();
        let first_line = first_line.lines().next().unwrap_or_default();
        store
            .audit_command_line(
                &format!("import.{source}"),
                &format!("{input}: {first_line}"),
            )
            .await
            .context("the import landed, but recording it in the audit log failed")?;
    }
    store.close().await;
    print!("{summary}");
    println!("Took {:.1}s.", started.elapsed().as_secs_f64());
    Ok(())
}

fn import_failed(e: guildhall_import::ImportError) -> anyhow::Error {
    match e {
        guildhall_import::ImportError::Malformed { .. } => {
            anyhow::anyhow!("{e}\nNothing was imported: the database is as it was.")
        }
        other => anyhow::anyhow!("{other}\nNothing was imported."),
    }
}

/// Runs one importer on the database.
pub(crate) async fn run(database: &str, command: ImportCommand) -> Result<()> {
    match command {
        ImportCommand::Stackexchange {
            dir,
            community,
            dry_run,
        } => {
            let label = dir.display().to_string();
            run_import!(database, stackexchange, &dir, community, dry_run, label)
        }
        ImportCommand::Mbox {
            files,
            community,
            dry_run,
        } => {
            let label = files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(" ");
            run_import!(database, mbox, &files, community, dry_run, label)
        }
        ImportCommand::Discourse {
            dir,
            community,
            site,
            dry_run,
        } => {
            let label = dir.display().to_string();
            run_import!(
                database,
                discourse,
                &dir,
                community,
                dry_run,
                label,
                site: site
            )
        }
        ImportCommand::Slack {
            path,
            community,
            dry_run,
        } => {
            let label = path.display().to_string();
            run_import!(database, slack, &path, community, dry_run, label)
        }
    }
}
