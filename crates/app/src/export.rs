//! `guildhall export activity`: the activity log in METRICS.md's format,
//! paged through the database so memory stays flat whatever its size.

use crate::{App, Result};
use guildhall_domain::Timestamp;
use guildhall_store::ActivityRow;
use std::io::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    JsonLines,
}

impl ExportFormat {
    pub fn parse(s: &str) -> std::result::Result<Self, String> {
        match s {
            "csv" => Ok(ExportFormat::Csv),
            "jsonl" => Ok(ExportFormat::JsonLines),
            other => Err(format!("'{other}' is not one of: csv, jsonl")),
        }
    }
}

pub const CSV_HEADER: &str = "id,at,kind,actor,actor_unit,community,subject,parent,other";

fn opt(v: Option<impl std::fmt::Display>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

fn json_opt(v: Option<impl std::fmt::Display>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "null".into())
}

/// One record. Every field is an integer, an RFC 3339 time or a kind word
/// (letters and dots), so no CSV quoting or JSON escaping is ever needed.
pub fn write_row(
    out: &mut impl Write,
    format: ExportFormat,
    r: &ActivityRow,
) -> std::io::Result<()> {
    let at = Timestamp(r.at).to_rfc3339();
    match format {
        ExportFormat::Csv => writeln!(
            out,
            "{},{},{},{},{},{},{},{},{}",
            r.id,
            at,
            r.kind,
            r.actor_id,
            opt(r.actor_unit),
            opt(r.community_id),
            opt(r.subject_id),
            opt(r.parent_id),
            opt(r.other_id)
        ),
        ExportFormat::JsonLines => writeln!(
            out,
            "{{\"id\":{},\"at\":\"{}\",\"kind\":\"{}\",\"actor\":{},\"actor_unit\":{},\"community\":{},\"subject\":{},\"parent\":{},\"other\":{}}}",
            r.id,
            at,
            r.kind,
            r.actor_id,
            json_opt(r.actor_unit),
            json_opt(r.community_id),
            json_opt(r.subject_id),
            json_opt(r.parent_id),
            json_opt(r.other_id)
        ),
    }
}

impl App {
    /// Writes the whole log in id order; returns the number of records.
    pub async fn export_activity(&self, format: ExportFormat, out: &mut impl Write) -> Result<u64> {
        let io = |e: std::io::Error| crate::AppError::internal_from("writing the export failed", e);
        if format == ExportFormat::Csv {
            writeln!(out, "{CSV_HEADER}").map_err(io)?;
        }
        let mut after = guildhall_domain::ActivityId(0);
        let mut n = 0;
        loop {
            let rows = self.store.activity_after(after, 20_000).await?;
            let Some(last) = rows.last() else { break };
            after = last.id;
            for r in &rows {
                write_row(out, format, r).map_err(io)?;
            }
            n += rows.len() as u64;
        }
        out.flush().map_err(io)?;
        Ok(n)
    }
}
