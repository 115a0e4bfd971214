//! `guildhall export`: the activity log in the metrics contract's format.

use crate::{explain, open};
use anyhow::{Context, Result};
use clap::Subcommand;
use guildhall_app::export::ExportFormat;
use guildhall_app::{App, Config};
use guildhall_store::OpenMode;

#[derive(Subcommand, Debug)]
pub(crate) enum ExportCommand {
    /// The activity log, as docs/METRICS.md defines it.
    Activity {
        /// csv or jsonl.
        #[arg(long, default_value = "csv")]
        format: String,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

/// Runs one `export` command on the database.
pub(crate) async fn run(database: &str, command: ExportCommand) -> Result<()> {
    match command {
        ExportCommand::Activity { format, out } => {
            let format =
                ExportFormat::parse(&format).map_err(|m| anyhow::anyhow!("--format: {m}"))?;
            let store = open(database, OpenMode::MustExist).await?;
            let app = App::new(store, Config::default());
            let n = match out {
                Some(path) => {
                    let file = std::fs::File::create(&path)
                        .with_context(|| format!("cannot create '{}'", path.display()))?;
                    let mut w = std::io::BufWriter::new(file);
                    app.export_activity(format, &mut w).await.map_err(explain)?
                }
                None => {
                    let stdout = std::io::stdout();
                    let mut w = std::io::BufWriter::new(stdout.lock());
                    app.export_activity(format, &mut w).await.map_err(explain)?
                }
            };
            tracing::info!(records = n, "exported the activity log");
            app.store()
                .audit_command_line("activity.exported", &format!("{n} records"))
                .await?;
            Ok(())
        }
    }
}
