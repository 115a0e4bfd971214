//! Guildhall's importers: bring in the communities an organization already
//! has (Stack Exchange sites, mailing-list archives, Slack workspaces,
//! Discourse forums) with their people, threads, replies,
//! solved requests and the activity log that the pulse is computed from.
//!
//! Every importer streams its input (a chunk of rows, messages or
//! documents in memory at a time; what a chunk refers to is looked up in
//! the database, so nothing kept grows with the input) and writes through
//! one store import session:
//! a run lands whole or not at all, and running it again changes nothing.
//! This crate decides what a source's records mean here; it speaks no SQL
//! (the store does) and prints nothing (the CLI does, from [`Summary`]).

#![forbid(unsafe_code)]

pub mod discourse;
pub mod html;
pub mod mbox;
pub mod progress;
mod shared;
pub mod slack;
pub mod stackexchange;
mod xml;

use guildhall_domain::CommunityId;
use guildhall_store::{ImportWritten, StoreError};
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// Why an import stopped. Nothing of the run remains in the database.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The input cannot be read at all.
    #[error("{}: {message}", file.display())]
    Io { file: PathBuf, message: String },
    /// The input is not what the format allows. `message` says what is
    /// wrong and what to do: downloading the file again helps only a file
    /// damaged on the way, not one that is as its source serves it.
    #[error("{}, line {line} (byte {offset}): {message}", file.display())]
    Malformed {
        file: PathBuf,
        line: u64,
        offset: u64,
        message: String,
    },
    /// What was asked cannot be done (a missing community, a folder that
    /// is not a dump); the message says what to do.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What to do about a file that is not what its format allows, when
/// nothing more precise can be said.
pub(crate) const DAMAGED: &str = "fix the file, or download it again if it was damaged on the way";

/// What an import did, or for a dry run would have done.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub dry_run: bool,
    pub community_id: CommunityId,
    pub community_slug: String,
    pub community_created: bool,
    /// Every community of a run that imports into several (one per
    /// source category or channel), in the order first used, the first of
    /// them also in `community_*`. Empty for importers into one community.
    pub communities: Vec<SummaryCommunity>,
    /// People created by this run.
    pub people_created: u64,
    /// Source accounts found to be people already known (from another
    /// site of the same source, or an earlier run).
    pub people_matched: u64,
    pub threads: u64,
    pub replies: u64,
    pub solved: u64,
    pub members_added: u64,
    /// Thanks given (e.g. chat reactions on replies).
    pub thanks: u64,
    /// Records not imported, by reason.
    pub skipped: BTreeMap<String, u64>,
    /// Notes that changed no count (e.g. contributions of deleted
    /// accounts attributed to a placeholder), by what happened.
    pub notes: BTreeMap<String, u64>,
    /// Rows written (or, for a dry run, that would have been).
    pub written: ImportWritten,
}

/// One community of a run that imports into several.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SummaryCommunity {
    pub id: CommunityId,
    pub slug: String,
    pub created: bool,
    /// Threads this run imported into it.
    pub threads: u64,
}

impl Summary {
    pub(crate) fn skip(&mut self, reason: &str) {
        *self.skipped.entry(reason.to_owned()).or_default() += 1;
    }

    pub(crate) fn skip_many(&mut self, reason: &str, n: u64) {
        if n > 0 {
            *self.skipped.entry(reason.to_owned()).or_default() += n;
        }
    }

    pub(crate) fn note(&mut self, what: &str) {
        *self.notes.entry(what.to_owned()).or_default() += 1;
    }

    pub(crate) fn note_many(&mut self, what: &str, n: u64) {
        if n > 0 {
            *self.notes.entry(what.to_owned()).or_default() += n;
        }
    }

    /// Where the run imported: one community, or several with their
    /// threads.
    fn destination(&self) -> String {
        if self.communities.len() > 1 {
            let list: Vec<String> = self
                .communities
                .iter()
                .map(|c| {
                    format!(
                        "'{}' ({}{} thread{})",
                        c.slug,
                        if c.created { "created, " } else { "" },
                        c.threads,
                        if c.threads == 1 { "" } else { "s" }
                    )
                })
                .collect();
            return format!(
                " into {} communities, {}",
                self.communities.len(),
                list.join(", ")
            );
        }
        if self.community_slug.is_empty() {
            // Nothing importable was found, so no community was chosen.
            return String::new();
        }
        format!(
            " into community '{}'{}",
            self.community_slug,
            if self.community_created {
                " (created)"
            } else {
                ""
            }
        )
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.dry_run {
            "Dry run, nothing written. Would import"
        } else {
            "Imported"
        };
        writeln!(
            f,
            "{verb}{}: {} people new ({} matched to people already known), {} threads, {} replies, {} solved help requests, {} members added{}.",
            self.destination(),
            self.people_created,
            self.people_matched,
            self.threads,
            self.replies,
            self.solved,
            self.members_added,
            if self.thanks > 0 {
                format!(", {} thanks", self.thanks)
            } else {
                String::new()
            },
        )?;
        let w = &self.written;
        writeln!(
            f,
            "Rows: {} people, {} threads, {} replies, {} solutions, {} memberships, {} thanks, {} activity events, {} search documents, {} source ids.",
            w.people,
            w.threads,
            w.replies,
            w.solutions,
            w.memberships,
            w.thanks,
            w.activity,
            w.search_documents,
            w.source_ids
        )?;
        if !self.skipped.is_empty() {
            writeln!(f, "Skipped:")?;
            for (reason, n) in &self.skipped {
                writeln!(f, "  {n:>9}  {reason}")?;
            }
        }
        if !self.notes.is_empty() {
            writeln!(f, "Notes:")?;
            for (what, n) in &self.notes {
                writeln!(f, "  {n:>9}  {what}")?;
            }
        }
        Ok(())
    }
}
