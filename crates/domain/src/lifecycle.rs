//! What matters at each lifecycle stage, checked against what the data
//! shows. "Communities of practice go through stages": each stage has its
//! practices, and a coordinator should see which are in place.

use crate::community::Stage;

/// What the data says about a community now (90-day window where it is a
/// count of activity).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facts {
    pub members: i64,
    /// Distinct units among the members.
    pub member_units: i64,
    pub has_domain_statement: bool,
    pub contributions: i64,
    pub help_requests: i64,
    pub help_answered_share: Option<f64>,
    pub stories: i64,
    /// Months (of the last three) with at least one contribution.
    pub active_months: i64,
    pub has_charter: bool,
    pub days_since_charter_review: Option<f64>,
    pub coordinators: i64,
    pub core_members: i64,
    pub events_held: i64,
    pub rhythm_cv: Option<f64>,
    pub newcomers: i64,
    pub newcomer_retention: Option<f64>,
    pub resource_changes: i64,
    pub endorsements: i64,
    /// Days since the latest held session of a launch or workshop event.
    pub days_since_launch: Option<f64>,
    /// Days since the latest held session of a renewal or workshop event.
    pub days_since_renewal: Option<f64>,
}

/// Whether a practice is in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    Done,
    NotYet,
    /// The data cannot tell (yet); the coordinator knows.
    Unknown,
}

impl Check {
    fn from(b: bool) -> Self {
        if b { Check::Done } else { Check::NotYet }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Check::Done => "done",
            Check::NotYet => "not-yet",
            Check::Unknown => "unknown",
        }
    }
}

/// One line of the checklist: the practice, whether it is in place, and
/// the evidence in words.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub practice: &'static str,
    pub check: Check,
    pub evidence: String,
}

fn item(practice: &'static str, check: Check, evidence: String) -> Item {
    Item {
        practice,
        check,
        evidence,
    }
}

/// The checklist for a stage, computed from the facts.
pub fn checklist(stage: Stage, f: &Facts) -> Vec<Item> {
    let pct = |v: Option<f64>| {
        v.map_or("no requests".to_owned(), |v| {
            format!("{:.0}% answered within a week", v * 100.0)
        })
    };
    match stage {
        Stage::Potential => vec![
            item(
                "People who share the domain have found each other across units",
                Check::from(f.members >= 3 && f.member_units >= 2),
                format!("{} members from {} units", f.members, f.member_units),
            ),
            item(
                "The domain is named",
                Check::from(f.has_domain_statement),
                if f.has_domain_statement {
                    "domain statement written".into()
                } else {
                    "no domain statement yet".into()
                },
            ),
            item(
                "A first conversation has happened",
                Check::from(f.contributions > 0),
                format!("{} contributions in 90 days", f.contributions),
            ),
        ],
        Stage::Coalescing => vec![
            item(
                "Members ask for and give help",
                Check::from(f.help_requests > 0 && f.help_answered_share.is_some_and(|s| s >= 0.5)),
                format!(
                    "{} help requests, {}",
                    f.help_requests,
                    pct(f.help_answered_share)
                ),
            ),
            item(
                "Stories of practice are told",
                Check::from(f.stories > 0),
                format!("{} stories in 90 days", f.stories),
            ),
            item(
                "Members interact regularly",
                Check::from(f.active_months >= 3),
                format!("active in {} of the last 3 months", f.active_months),
            ),
        ],
        Stage::Maturing => vec![
            item(
                "The charter is written",
                Check::from(f.has_charter),
                if f.has_charter {
                    "charter written".into()
                } else {
                    "no charter yet".into()
                },
            ),
            item(
                "Roles are assigned: coordinator and core group",
                Check::from(f.coordinators >= 1 && f.core_members >= 2),
                format!(
                    "{} coordinators, {} core members",
                    f.coordinators, f.core_members
                ),
            ),
            item(
                "A rhythm of events is set",
                Check::from(f.events_held >= 3 && f.rhythm_cv.is_some_and(|cv| cv < 0.5)),
                format!(
                    "{} events in 90 days{}",
                    f.events_held,
                    f.rhythm_cv
                        .map_or(String::new(), |cv| format!(", regularity {cv:.2}"))
                ),
            ),
            item(
                "A launch workshop is held",
                Check::from(f.days_since_launch.is_some()),
                f.days_since_launch.map_or(
                    "no launch or workshop recorded as held; schedule one on the events page".into(),
                    |d| format!("held {d:.0} days ago"),
                ),
            ),
        ],
        Stage::Stewardship => vec![
            item(
                "Standards and resources are kept up",
                Check::from(f.resource_changes > 0 || f.endorsements > 0),
                format!(
                    "{} resources created or revised, {} endorsements in 90 days",
                    f.resource_changes, f.endorsements
                ),
            ),
            item(
                "Newcomers are welcomed and stay",
                Check::from(f.newcomers > 0 && f.newcomer_retention.is_none_or(|r| r >= 0.3)),
                format!(
                    "{} newcomers{}",
                    f.newcomers,
                    f.newcomer_retention.map_or(String::new(), |r| format!(
                        ", {:.0}% of the last cohort still contributing",
                        r * 100.0
                    ))
                ),
            ),
            item(
                "Hard problems are taken on",
                Check::from(f.help_requests > 0),
                format!("{} help requests in 90 days", f.help_requests),
            ),
        ],
        Stage::Transformation => vec![
            item(
                "The charter was reviewed for renewal",
                Check::from(f.days_since_charter_review.is_some_and(|d| d <= 90.0)),
                f.days_since_charter_review
                    .map_or("never reviewed".into(), |d| {
                        format!("last reviewed {d:.0} days ago")
                    }),
            ),
            item(
                "A renewal workshop is held, or closure decided",
                Check::from(f.days_since_renewal.is_some_and(|d| d <= 180.0)),
                f.days_since_renewal.map_or(
                    "no renewal workshop recorded as held; hold one, or move the community to memory".into(),
                    |d| format!("a renewal workshop was held {d:.0} days ago"),
                ),
            ),
            item(
                "Knowledge is harvested into resources",
                Check::from(f.resource_changes > 0),
                format!(
                    "{} resources created or revised in 90 days",
                    f.resource_changes
                ),
            ),
        ],
        Stage::Memory => vec![item(
            "The community's knowledge stays findable, read-only",
            Check::Done,
            "closed to changes".into(),
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maturing_checks_charter_roles_and_rhythm() {
        let mut f = Facts {
            coordinators: 1,
            core_members: 2,
            events_held: 4,
            rhythm_cv: Some(0.2),
            ..Facts::default()
        };
        let items = checklist(Stage::Maturing, &f);
        assert_eq!(items[0].check, Check::NotYet);
        assert_eq!(items[1].check, Check::Done);
        assert_eq!(items[2].check, Check::Done);
        assert_eq!(items[3].check, Check::NotYet);
        f.days_since_launch = Some(12.0);
        assert_eq!(checklist(Stage::Maturing, &f)[3].check, Check::Done);
        f.has_charter = true;
        f.rhythm_cv = Some(0.9);
        let items = checklist(Stage::Maturing, &f);
        assert_eq!(items[0].check, Check::Done);
        assert_eq!(
            items[2].check,
            Check::NotYet,
            "irregular events are no rhythm"
        );
    }

    #[test]
    fn every_stage_has_a_checklist() {
        for s in Stage::ALL {
            assert!(!checklist(*s, &Facts::default()).is_empty());
        }
        let f = Facts {
            members: 4,
            member_units: 1,
            ..Facts::default()
        };
        assert_eq!(
            checklist(Stage::Potential, &f)[0].check,
            Check::NotYet,
            "one unit is not yet across units"
        );
    }
}
