//! Merging two records of one person and undoing it (administrators, and
//! the command line).

use crate::audit::Actor;
use crate::error::NotFoundAs;
use crate::{App, AppError, Result};
use guildhall_domain::merge::{MergeSide, check_merge, check_undo};
use guildhall_domain::policy;
use guildhall_domain::text::SHORT_TEXT_MAX;
use guildhall_domain::{Email, MergeId, PersonId};
use guildhall_store::PersonMerge;
use guildhall_store::records::Person;

impl App {
    /// The person a typed reference names: an id (`42`, `#42`) or an email.
    pub async fn person_by_reference(&self, field: &str, reference: &str) -> Result<Person> {
        let reference = reference.trim();
        if reference.is_empty() {
            return Err(AppError::invalid(field, "name a person by email or id"));
        }
        let id = match reference.trim_start_matches('#').parse::<PersonId>() {
            Ok(id) => Some(id),
            Err(_) => {
                let email = Email::parse(reference).map_err(|_| {
                    AppError::invalid(field, "is neither a person's id nor an email address")
                })?;
                self.store.person_id_by_email(email.as_str()).await?
            }
        };
        let Some(id) = id else {
            return Err(AppError::invalid(field, "nobody has this email address"));
        };
        self.store.person(id).await.map_err(|e| match e {
            guildhall_store::StoreError::NotFound => AppError::invalid(field, "nobody has this id"),
            other => other.into(),
        })
    }

    /// Merges `absorbed` into `kept`: everything the absorbed record did
    /// becomes the kept person's, and the absorbed record is hidden.
    pub async fn merge_people(
        &self,
        actor: &Actor,
        kept: PersonId,
        absorbed: PersonId,
        reason: &str,
    ) -> Result<PersonMerge> {
        actor.check(policy::can_merge_people, "person")?;
        let reason = reason.trim();
        if reason.chars().count() > SHORT_TEXT_MAX {
            return Err(AppError::invalid(
                "reason",
                format!("must be at most {SHORT_TEXT_MAX} characters"),
            ));
        }
        let side = |f: guildhall_store::MergeFacts| MergeSide {
            id: f.id,
            has_account: f.has_account,
            merged_into: f.merged_into,
        };
        let kept_facts = side(self.store.merge_facts(kept).await.or_not_found("person")?);
        let absorbed_facts = side(
            self.store
                .merge_facts(absorbed)
                .await
                .or_not_found("person")?,
        );
        check_merge(actor.viewer.map(|v| v.person), &kept_facts, &absorbed_facts)
            .map_err(|m| AppError::invalid("absorb", m))?;
        let entry = actor.entry(
            "person.merged",
            format!("person {absorbed} into {kept}"),
            reason.to_owned(),
        );
        let id = self
            .store
            .merge_people(kept, absorbed, reason, &entry)
            .await
            .map_err(|e| match e {
                guildhall_store::StoreError::Conflict(_) => AppError::Conflict {
                    field: None,
                    message: "one of these people was merged meanwhile; reload and look again"
                        .into(),
                },
                other => other.into(),
            })?;
        Ok(self.store.person_merge(id).await?)
    }

    /// Undoes a merge: the rows it moved go back, the absorbed person
    /// reappears. Later work stays with whoever did it.
    pub async fn undo_person_merge(&self, actor: &Actor, merge_id: MergeId) -> Result<PersonMerge> {
        actor.check(policy::can_merge_people, "merge")?;
        let merge = self
            .store
            .person_merge(merge_id)
            .await
            .or_not_found("merge")?;
        let later = self
            .store
            .later_merges_in_force(merge_id, [merge.kept_id, merge.absorbed_id])
            .await?;
        let kept = self.store.merge_facts(merge.kept_id).await?;
        check_undo(
            merge.undone_at.is_some(),
            usize::try_from(later).unwrap_or(usize::MAX),
            kept.merged_into,
        )
        .map_err(|m| AppError::Conflict {
            field: None,
            message: m,
        })?;
        let entry = actor.entry(
            "person.merge_undone",
            format!("person {} from {}", merge.absorbed_id, merge.kept_id),
            format!("merge {merge_id}"),
        );
        self.store
            .undo_person_merge(merge_id, &entry)
            .await
            .map_err(|e| match e {
                guildhall_store::StoreError::Conflict(_) => AppError::Conflict {
                    field: None,
                    message: "this merge was already undone".into(),
                },
                other => other.into(),
            })?;
        Ok(self.store.person_merge(merge_id).await?)
    }

    pub async fn person_merges(
        &self,
        actor: &Actor,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<PersonMerge>> {
        actor.check(policy::can_merge_people, "merge")?;
        Ok(self
            .store
            .person_merges(limit.clamp(1, 500), offset.max(0))
            .await?)
    }
}
