//! What every importer does the same way.

use crate::progress::Progress;
use crate::{ImportError, Summary};
use guildhall_domain::{ActivityKind, CommunityId, NewActivity, PersonId, Timestamp};
use guildhall_store::ImportSession;

/// An event of `actor` in `community` at `at`, with the unit left for the
/// store to resolve.
pub(crate) fn activity(
    at: i64,
    kind: ActivityKind,
    actor: PersonId,
    community: CommunityId,
) -> NewActivity {
    NewActivity::new(Timestamp(at), kind, actor, None).in_community(community)
}

/// At most `max` characters of `s`, cut on a character boundary.
pub(crate) fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((cut, _)) => s[..cut].to_owned(),
        None => s.to_owned(),
    }
}

/// Ends a run: what it wrote is committed (rolled back for a dry run) when
/// it succeeded, and everything is rolled back when it failed.
pub(crate) async fn conclude(
    session: ImportSession,
    outcome: Result<Summary, ImportError>,
    dry_run: bool,
    progress: &mut dyn Progress,
) -> Result<Summary, ImportError> {
    match outcome {
        Ok(mut summary) => {
            let written = session
                .finish(!dry_run, &mut |what| progress.step(what))
                .await;
            progress.steps_done();
            summary.written = written?;
            Ok(summary)
        }
        Err(e) => {
            if let Err(rollback) = session.abort().await {
                tracing::warn!(error = %rollback, "rolling back the import failed; the database discards it anyway");
            }
            Err(e)
        }
    }
}

/// The lower-case name of a source's folder (a Stack Exchange site, a
/// forum), which keys its source ids. `expected` says what the folder
/// should hold, `kind` what it is named after.
pub(crate) fn folder_name(
    dir: &std::path::Path,
    expected: &str,
    kind: &str,
) -> Result<String, ImportError> {
    let full = dir.canonicalize().map_err(|e| ImportError::Io {
        file: dir.to_path_buf(),
        message: format!("{e}: expected {expected}"),
    })?;
    if !full.is_dir() {
        return Err(ImportError::Refused(format!(
            "'{}' is not a folder: point to {expected}",
            dir.display()
        )));
    }
    full.file_name()
        .and_then(|n| n.to_str())
        .map(|n| n.trim().to_lowercase())
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            ImportError::Refused(format!(
                "cannot name the {kind} after '{}': use a folder named after the {kind}",
                dir.display()
            ))
        })
}

/// The placeholder person of deleted accounts that an earlier run of this
/// site made ([`add_placeholder_person`]), if any.
pub(crate) async fn known_placeholder(
    session: &mut ImportSession,
) -> Result<Option<PersonId>, ImportError> {
    Ok(session
        .known_among("person", &["deleted".to_owned()])
        .await?
        .first()
        .map(|&(_, person)| PersonId(person)))
}

/// Creates the one person who stands for the contributions of deleted or
/// anonymous accounts of a source (`site`), records it under the source id
/// `deleted` and counts it; returns its id.
pub(crate) async fn add_placeholder_person(
    session: &mut ImportSession,
    summary: &mut Summary,
    site: &str,
    email: String,
    bio: &str,
    at: i64,
) -> Result<PersonId, ImportError> {
    let person = session
        .add_person(&guildhall_store::ImportPerson {
            name: format!("Deleted user ({site})"),
            email,
            bio: bio.to_owned(),
            created_at: at,
        })
        .await?;
    session.record_id("person", "deleted", person).await?;
    summary.people_created += 1;
    Ok(person)
}

/// `items` sorted, each once: what a chunk looks up.
pub(crate) fn distinct<T: Ord>(items: impl Iterator<Item = T>) -> Vec<T> {
    let mut items: Vec<T> = items.collect();
    items.sort_unstable();
    items.dedup();
    items
}

/// Numeric ids as the source ids they are recorded under, each once.
pub(crate) fn source_ids(ids: impl Iterator<Item = i64>) -> Vec<String> {
    distinct(ids).iter().map(i64::to_string).collect()
}

/// Looked-up numeric source ids with their local ids, typed by `local`
/// (e.g. `PersonId`, for ids looked up as people).
pub(crate) fn numbered<Id>(
    found: Vec<(String, i64)>,
    local: fn(i64) -> Id,
) -> std::collections::HashMap<i64, Id> {
    found
        .into_iter()
        .filter_map(|(id, raw)| Some((id.parse().ok()?, local(raw))))
        .collect()
}
