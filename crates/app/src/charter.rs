//! The charter ("they design themselves") and the lifecycle guidance that
//! checks a community's stage practices against its data.

use crate::communities::CommunityView;
use crate::pulse::PulseWindow;
use crate::{App, AppError, Result, SessionUser};
use guildhall_domain::lifecycle::{self, Facts, Item};
use guildhall_domain::policy;
use guildhall_domain::pulse::{AsOf, Pulse, PulseEvent};
use guildhall_domain::text::{SHORT_TEXT_MAX, optional_line, optional_text};
use guildhall_domain::time::DAY;
use guildhall_domain::{
    ActivityKind, CommunityRole, EventKind, FieldErrors, NewActivity, Timestamp,
};
use guildhall_store::records::Community;
use guildhall_store::{Charter, CharterText, StoreError};

/// A charter as typed, with the version it was edited from.
#[derive(Clone, Debug, Default)]
pub struct CharterInput {
    pub text: CharterText,
    pub base_version: i64,
}

#[derive(Clone, Debug)]
pub struct CharterView {
    pub community: Community,
    pub history: Vec<Charter>,
    pub can_edit: bool,
    pub last_reviewed: Option<i64>,
}

impl CharterView {
    pub fn current(&self) -> Option<&Charter> {
        self.history.first()
    }
}

impl App {
    pub async fn charter(&self, user: &SessionUser, slug: &str) -> Result<CharterView> {
        let (community, _, ctx) = self.visible(user, slug).await?;
        if !policy::can_see_profile(&ctx) {
            return Err(AppError::Forbidden(
                "a private community's charter is for its members; accept the invitation to read it"
                    .into(),
            ));
        }
        let id = community.id;
        Ok(CharterView {
            history: self.store.charter_versions(id).await?,
            last_reviewed: self.store.last_charter_review(id).await?,
            can_edit: policy::can_edit_community(&user.viewer, &ctx).is_allowed(),
            community,
        })
    }

    /// Saves a new version of the charter (coordinators), which counts as a
    /// review. A save on top of an older version is refused, not merged.
    pub async fn save_charter(
        &self,
        user: &SessionUser,
        slug: &str,
        input: &CharterInput,
    ) -> Result<i64> {
        let (community, _, ctx) = self.visible(user, slug).await?;
        AppError::from_access(policy::can_edit_community(&user.viewer, &ctx), "community")?;
        let mut e = FieldErrors::new();
        let t = &input.text;
        let mut check = |field: &str, v: &str| {
            e.check(field, optional_text(v, SHORT_TEXT_MAX))
                .unwrap_or_default()
        };
        let text = CharterText {
            domain: check("domain", &t.domain),
            rhythm: check("rhythm", &t.rhythm),
            roles: check("roles", &t.roles),
            openness: check("openness", &t.openness),
            outside: check("outside", &t.outside),
            norms: check("norms", &t.norms),
            note: String::new(),
        };
        let note = e
            .check("note", optional_line(&t.note, 500))
            .unwrap_or_default();
        if [
            &text.domain,
            &text.rhythm,
            &text.roles,
            &text.openness,
            &text.outside,
            &text.norms,
        ]
        .iter()
        .all(|s| s.is_empty())
        {
            e.add("domain", "write at least one part of the charter");
        }
        e.into_result()?;
        let text = CharterText { note, ..text };
        let event = NewActivity::new(
            Timestamp::now(),
            ActivityKind::CharterReviewed,
            user.id(),
            user.unit,
        )
        .in_community(community.id);
        self.store.save_charter(community.id, input.base_version, &text, &event).await.map_err(|e| match e {
            StoreError::Conflict(_) => AppError::conflict(
                "base_version",
                "someone saved the charter while you were editing it; reload to see their version, then edit again",
            ),
            other => other.into(),
        })
    }

    /// Records that the coordinators reviewed the charter and it still holds.
    pub async fn review_charter(&self, user: &SessionUser, slug: &str) -> Result<()> {
        let (community, _, ctx) = self.visible(user, slug).await?;
        AppError::from_access(policy::can_edit_community(&user.viewer, &ctx), "community")?;
        if self.store.charter_versions(community.id).await?.is_empty() {
            return Err(AppError::invalid(
                "charter",
                "write the charter before reviewing it",
            ));
        }
        let event = NewActivity::new(
            Timestamp::now(),
            ActivityKind::CharterReviewed,
            user.id(),
            user.unit,
        )
        .in_community(community.id);
        self.store.append_activity(&[event]).await?;
        Ok(())
    }

    /// The stage checklist, computed from the last 90 days as of the
    /// current minute.
    pub async fn guidance(&self, view: &CommunityView) -> Result<Vec<Item>> {
        let c = &view.community;
        let now = Timestamp::now().0;
        let window = PulseWindow {
            as_of: (now - now.rem_euclid(60)).into(),
            days: 90,
        };
        let events = self.pulse_events(c.id).await?;
        let t = window.as_of.cutoff();
        // Every view of a community page within the minute shares one
        // computation over its events (a pulse over tens of thousands of
        // events took a fifth of the page's time).
        let activity = self
            .guidance_cache
            .get(c.id, t, &events, |e| GuidanceFacts::of(e, t))?;
        let pulse = &activity.pulse;
        // Guidance is shown to readers of the content, who see every role.
        let role_count = |r: CommunityRole| {
            view.role_counts
                .iter()
                .find(|(role, _)| *role == r)
                .map_or(0, |(_, n)| *n)
        };
        let history = self.store.charter_versions(c.id).await?;
        let f = &pulse.figures;
        let facts = Facts {
            members: view.member_count,
            member_units: view.member_units,
            has_domain_statement: !c.domain_statement.trim().is_empty(),
            contributions: f.contributions,
            help_requests: f.help_requests,
            help_answered_share: f.help_answered_share,
            stories: activity.stories,
            active_months: activity.active_months,
            has_charter: !history.is_empty(),
            days_since_charter_review: activity.last_review.map(|r| (t - r) as f64 / DAY as f64),
            coordinators: role_count(CommunityRole::Coordinator),
            core_members: role_count(CommunityRole::Core),
            events_held: f.events_held,
            rhythm_cv: f.rhythm_cv,
            newcomers: f.newcomers,
            newcomer_retention: f.newcomer_retention,
            resource_changes: pulse.resource_changes,
            endorsements: activity.endorsements,
            days_since_launch: self
                .store
                .latest_session_of_kinds(c.id, &[EventKind::Launch, EventKind::Workshop], t)
                .await?
                .map(|at| (t - at) as f64 / DAY as f64),
            days_since_renewal: self
                .store
                .latest_session_of_kinds(c.id, &[EventKind::Renewal, EventKind::Workshop], t)
                .await?
                .map(|at| (t - at) as f64 / DAY as f64),
        };
        Ok(lifecycle::checklist(c.stage, &facts))
    }
}

/// What the stage checklist takes from a community's events as of `t`.
#[derive(Debug)]
pub(crate) struct GuidanceFacts {
    pulse: Pulse,
    stories: i64,
    endorsements: i64,
    active_months: i64,
    last_review: Option<i64>,
}

impl GuidanceFacts {
    fn of(events: &[PulseEvent], t: i64) -> Self {
        let recent = |e: &&PulseEvent| e.at >= t - 90 * DAY && e.at < t;
        let count = |kind: ActivityKind| {
            events
                .iter()
                .filter(recent)
                .filter(|e| e.kind == Some(kind))
                .count() as i64
        };
        let active_months = (0..3)
            .filter(|m| {
                let (from, to) = (t - (m + 1) * 30 * DAY, t - m * 30 * DAY);
                events.iter().any(|e| {
                    e.at >= from && e.at < to && e.kind.is_some_and(ActivityKind::is_contribution)
                })
            })
            .count() as i64;
        GuidanceFacts {
            pulse: guildhall_domain::pulse::compute(events, AsOf::from(t), 90),
            stories: count(ActivityKind::ThreadStory),
            endorsements: count(ActivityKind::ResourceEndorsed),
            active_months,
            last_review: events
                .iter()
                .filter(|e| e.kind == Some(ActivityKind::CharterReviewed) && e.at < t)
                .map(|e| e.at)
                .max(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pulse::DerivedCache;
    use guildhall_domain::CommunityId;
    use std::sync::Arc;

    fn story(at: i64) -> PulseEvent {
        PulseEvent {
            at,
            kind: Some(ActivityKind::ThreadStory),
            actor: 1,
            actor_unit: None,
            subject: Some(at),
            parent: None,
        }
    }

    #[test]
    fn facts_are_shared_until_the_events_or_the_minute_change() {
        let cache = DerivedCache::<i64, GuidanceFacts>::default();
        let c = CommunityId(1);
        let facts = |cache: &DerivedCache<i64, GuidanceFacts>, events: &Arc<Vec<PulseEvent>>, t| {
            cache.get(c, t, events, |e| GuidanceFacts::of(e, t))
        };
        let t = 100 * DAY;
        let events = Arc::new(vec![story(t - DAY), story(t - 2 * DAY)]);
        let first = facts(&cache, &events, t).expect("facts");
        assert_eq!(first.stories, 2);
        let again = facts(&cache, &events, t).expect("facts");
        assert!(Arc::ptr_eq(&first, &again), "same events, same minute");

        let later = facts(&cache, &events, t + 60).expect("facts");
        assert!(!Arc::ptr_eq(&first, &later), "the minute turned");

        // The event cache hands out a new list when an event is added.
        let grown = Arc::new(vec![story(t - DAY), story(t - 2 * DAY), story(t + 1)]);
        let fresh = facts(&cache, &grown, t + 120).expect("facts");
        assert_eq!(fresh.stories, 3);
        let same_minute_new_list = Arc::new(vec![story(t + 2)]);
        let replaced = facts(&cache, &same_minute_new_list, t + 120).expect("facts");
        assert_eq!(
            replaced.stories, 1,
            "a new list is never mistaken for the old"
        );
    }
}
