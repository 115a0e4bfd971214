//! `guildhall pulse`: the health pulse of every community (or one), as the
//! metrics contract defines it, as JSON or a table.

use crate::{explain, open};
use anyhow::{Context, Result, bail};
use guildhall_app::{App, AppError, Config};
use guildhall_store::OpenMode;
use std::io::Write;

/// Prints the pulse of `community` (or of every community).
pub(crate) async fn run(
    database: &str,
    community: Option<String>,
    as_of: Option<String>,
    window: String,
    format: String,
) -> Result<()> {
    if !matches!(format.as_str(), "json" | "table") {
        bail!("--format: '{format}' is not one of: json, table");
    }
    let window = guildhall_app::pulse::PulseWindow::parse(as_of.as_deref(), Some(&window))
        .map_err(|e| match e {
            AppError::Validation(f) => anyhow::anyhow!(
                "{}",
                f.0.iter()
                    .map(|e| format!("--{}: {}", e.field.replace('_', "-"), e.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            other => explain(other),
        })?;
    let store = open(database, OpenMode::MustExist).await?;
    let app = App::new(store, Config::default());
    let reports = app
        .all_pulses(community.as_deref(), window)
        .await
        .map_err(|e| match e {
            AppError::Validation(f) => anyhow::anyhow!(
                "--community: {}",
                f.0.first().map(|e| e.message.as_str()).unwrap_or("unknown")
            ),
            other => explain(other),
        })?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if format == "json" {
        let records: Vec<_> = reports.iter().map(|r| r.record()).collect();
        serde_json::to_writer_pretty(&mut out, &records).context("cannot write the pulse")?;
        writeln!(out).context("cannot write the pulse")?;
    } else {
        print_pulse_table(&mut out, &reports).context("cannot write the pulse")?;
    }
    Ok(())
}

fn print_pulse_table(
    out: &mut impl Write,
    reports: &[guildhall_app::pulse::PulseReport],
) -> std::io::Result<()> {
    let opt = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.2}"));
    writeln!(
        out,
        "{:<32} {:<14} {:>7} {:>6} {:>5} {:>6} {:>6}  alerts",
        "community", "stage", "members", "active", "core", "contr", "trend"
    )?;
    for r in reports {
        let f = &r.pulse.figures;
        let alerts = r.pulse.alerts.on();
        writeln!(
            out,
            "{:<32} {:<14} {:>7} {:>6} {:>5} {:>6} {:>6}  {}",
            r.community.slug,
            r.community.stage,
            f.members,
            f.active_members,
            f.core,
            f.contributions,
            opt(f.activity_trend),
            alerts.join(", ")
        )?;
    }
    Ok(())
}
