//! Readings of a pulse beyond its figures, shared by every interface that
//! shows them (the pulse page, the API, the CLI): how long help requests
//! waited for a first reply, how people moved between participation
//! levels, and which communities of an overview match a filter.

use super::Level;
use rustc_hash::FxHashMap;

/// The first-response buckets, each with its upper bound in hours
/// (exclusive); the last is open.
pub const RESPONSE_BUCKETS: [(&str, f64); 6] = [
    ("< 1 h", 1.0),
    ("1–4 h", 4.0),
    ("4–24 h", 24.0),
    ("1–3 days", 72.0),
    ("3–7 days", 168.0),
    ("> 7 days", f64::INFINITY),
];

/// How long the window's help requests waited for a first reply by
/// someone else.
#[derive(Clone, Debug, PartialEq)]
pub struct ResponseTimes {
    /// Requests per bucket of [`RESPONSE_BUCKETS`], in order.
    pub buckets: Vec<(&'static str, u64)>,
    /// Requests with no reply by someone else yet.
    pub unanswered: u64,
}

/// Sorts each request's first-response time (`None`: no reply yet) into
/// [`RESPONSE_BUCKETS`].
pub fn response_times(first_response_hours: &[Option<f64>]) -> ResponseTimes {
    let mut counts = [0u64; RESPONSE_BUCKETS.len()];
    let mut unanswered = 0;
    for h in first_response_hours {
        match h {
            Some(h) => {
                let i = RESPONSE_BUCKETS
                    .iter()
                    .position(|(_, limit)| *h < *limit)
                    .unwrap_or(RESPONSE_BUCKETS.len() - 1);
                counts[i] += 1;
            }
            None => unanswered += 1,
        }
    }
    ResponseTimes {
        buckets: RESPONSE_BUCKETS
            .iter()
            .zip(counts)
            .map(|((label, _), n)| (*label, n))
            .collect(),
        unanswered,
    }
}

/// How many people went from one level to another between two moments:
/// `from` and `to` are a level's name, "not there" (not yet
/// participating) or "gone" (no longer participating).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LevelMove {
    pub from: &'static str,
    pub to: &'static str,
    pub people: i64,
}

/// The moves between the first and the last levels of a history (as
/// `level_history` gives it), people who stayed at one level left out,
/// most people first.
pub fn level_moves(history: &[(i64, Vec<(i64, Level)>)]) -> Vec<LevelMove> {
    let (Some((_, first)), Some((_, last))) = (history.first(), history.last()) else {
        return Vec::new();
    };
    let mut moves: FxHashMap<(&'static str, &'static str), i64> = FxHashMap::default();
    let before: FxHashMap<i64, Level> = first.iter().copied().collect();
    for (person, now) in last {
        let was = before.get(person).map_or("not there", |l| l.as_str());
        *moves.entry((was, now.as_str())).or_default() += 1;
    }
    let after: FxHashMap<i64, Level> = last.iter().copied().collect();
    for (person, was) in first {
        if !after.contains_key(person) {
            *moves.entry((was.as_str(), "gone")).or_default() += 1;
        }
    }
    let mut out: Vec<LevelMove> = moves
        .into_iter()
        .filter(|((from, to), _)| from != to)
        .map(|((from, to), people)| LevelMove { from, to, people })
        .collect();
    out.sort_by(|a, b| {
        b.people
            .cmp(&a.people)
            .then(a.from.cmp(b.from))
            .then(a.to.cmp(b.to))
    });
    out
}

/// The alerts by name, in the order interfaces list them.
pub const ALERT_NAMES: [&str; 6] = [
    "neglect",
    "closed",
    "no_challenge",
    "competing_demands",
    "stale",
    "one_person",
];

/// Which communities an overview shows: by name, stage and alert. Values
/// that name nothing are dropped rather than refused, so that a
/// hand-edited address still shows a page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OverviewFilter {
    /// Lowercased words the name must contain.
    pub text: Option<String>,
    pub stage: Option<crate::Stage>,
    pub alert: Option<&'static str>,
}

impl OverviewFilter {
    pub fn parse(text: Option<&str>, stage: Option<&str>, alert: Option<&str>) -> Self {
        OverviewFilter {
            text: text
                .and_then(crate::text::search_text)
                .map(|t| t.to_lowercase()),
            stage: stage.and_then(|s| crate::Stage::parse(s).ok()),
            alert: alert.and_then(|a| ALERT_NAMES.iter().copied().find(|n| *n == a)),
        }
    }

    /// Whether a community with this name, stage and these alerts on is
    /// shown.
    pub fn matches(&self, name: &str, stage: crate::Stage, alerts_on: &[&str]) -> bool {
        self.text
            .as_deref()
            .is_none_or(|t| name.to_lowercase().contains(t))
            && self.stage.is_none_or(|s| s == stage)
            && self.alert.is_none_or(|a| alerts_on.contains(&a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_times_fall_into_their_buckets() {
        let r = response_times(&[Some(0.5), Some(1.0), Some(30.0), Some(500.0), None, None]);
        assert_eq!(
            r.buckets,
            vec![
                ("< 1 h", 1),
                ("1–4 h", 1),
                ("4–24 h", 0),
                ("1–3 days", 1),
                ("3–7 days", 0),
                ("> 7 days", 1)
            ]
        );
        assert_eq!(r.unanswered, 2);
    }

    #[test]
    fn level_moves_count_who_went_where() {
        let history = vec![
            (
                0,
                vec![(1, Level::Core), (2, Level::Active), (3, Level::Peripheral)],
            ),
            (
                10,
                vec![(1, Level::Core), (2, Level::Core), (4, Level::Active)],
            ),
        ];
        assert_eq!(
            level_moves(&history),
            vec![
                LevelMove {
                    from: "active",
                    to: "core",
                    people: 1
                },
                LevelMove {
                    from: "not there",
                    to: "active",
                    people: 1
                },
                LevelMove {
                    from: "peripheral",
                    to: "gone",
                    people: 1
                },
            ]
        );
        assert!(level_moves(&[]).is_empty());
    }

    #[test]
    fn overview_filters_drop_what_names_nothing() {
        let f = OverviewFilter::parse(Some("Data"), Some("maturing"), Some("neglect"));
        assert!(f.matches("Big data", crate::Stage::Maturing, &["neglect"]));
        assert!(!f.matches("Big data", crate::Stage::Maturing, &[]));
        assert!(!f.matches("Big data", crate::Stage::Memory, &["neglect"]));
        assert!(!f.matches("Testing", crate::Stage::Maturing, &["neglect"]));
        let lenient = OverviewFilter::parse(Some(""), Some("nonsense"), Some("nope"));
        assert_eq!(lenient, OverviewFilter::default());
    }
}
