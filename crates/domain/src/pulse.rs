//! The health pulse of one community, exactly as METRICS.md defines it.
//!
//! Everything is computed from activity events and nothing else, so that
//! anyone can recompute it from an export. This module is the one
//! implementation: the CLI, the API and the pulse page all call [`compute`].
//! It is pure: the caller hands it the community's events (any order, any
//! extra events of other kinds) and the instant and window.

use crate::activity::ActivityKind;
use crate::time::DAY;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// One event of the community, as the pulse needs it. Unknown kinds are
/// passed as `None` and ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PulseEvent {
    pub at: i64,
    pub kind: Option<ActivityKind>,
    pub actor: i64,
    pub actor_unit: Option<i64>,
    pub subject: Option<i64>,
    pub parent: Option<i64>,
}

/// The instant of a pulse. Events are whole seconds, but a pulse may be
/// asked for at any instant, e.g. `2026-07-29T14:04:26.5Z`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct AsOf {
    pub secs: i64,
    /// 0 ..= 999_999_999
    pub nanos: u32,
}

impl AsOf {
    /// The first whole second not before the instant: for whole-second
    /// events, `at < T` exactly when `at < cutoff`, and `at ≥ T − W` exactly
    /// when `at ≥ cutoff − W` (W is whole seconds).
    pub fn cutoff(self) -> i64 {
        self.secs + i64::from(self.nanos > 0)
    }

    /// Seconds from `at` to the instant, with the fraction.
    pub fn seconds_since(self, at: i64) -> f64 {
        (self.secs - at) as f64 + f64::from(self.nanos) / 1e9
    }

    /// RFC 3339 in UTC, with the fraction when there is one.
    pub fn to_rfc3339(self) -> String {
        let whole = crate::time::Timestamp(self.secs).to_rfc3339();
        if self.nanos == 0 {
            return whole;
        }
        let frac = format!("{:09}", self.nanos);
        format!(
            "{}.{}Z",
            whole.trim_end_matches('Z'),
            frac.trim_end_matches('0')
        )
    }
}

impl From<i64> for AsOf {
    fn from(secs: i64) -> Self {
        AsOf { secs, nanos: 0 }
    }
}

/// Default window length in days.
pub const DEFAULT_WINDOW_DAYS: i64 = 90;
/// The longest window accepted: ten years.
pub const MAX_WINDOW_DAYS: i64 = 3_650;

/// Checks a window length given by a person.
pub fn check_window(days: i64) -> Result<i64, String> {
    if days <= 0 {
        return Err("must be a positive number of days".into());
    }
    if days > MAX_WINDOW_DAYS {
        return Err(format!("must be at most {MAX_WINDOW_DAYS} days"));
    }
    Ok(days)
}

/// Every figure of METRICS.md. `None` is the contract's null.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figures {
    pub members: i64,
    pub active_members: i64,
    pub core: i64,
    pub active: i64,
    pub peripheral: i64,
    pub contributions: i64,
    pub newcomers: i64,
    pub newcomer_retention: Option<f64>,
    pub help_requests: i64,
    pub help_answered_share: Option<f64>,
    pub median_first_response_hours: Option<f64>,
    pub help_solved_share: Option<f64>,
    pub cross_unit_reply_share: Option<f64>,
    pub units_reached: i64,
    pub top_contributor_share: Option<f64>,
    pub contribution_gini: Option<f64>,
    pub events_held: i64,
    pub attendance_per_event: Option<f64>,
    pub rhythm_cv: Option<f64>,
    pub activity_trend: Option<f64>,
    pub days_since_review: Option<f64>,
}

/// The alerts for the failures the essay names.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Alerts {
    pub neglect: bool,
    pub closed: bool,
    pub no_challenge: bool,
    pub competing_demands: bool,
    pub stale: bool,
    pub one_person: bool,
}

impl Alerts {
    /// (name, fired) in the contract's order.
    pub fn list(&self) -> [(&'static str, bool); 6] {
        [
            ("neglect", self.neglect),
            ("closed", self.closed),
            ("no_challenge", self.no_challenge),
            ("competing_demands", self.competing_demands),
            ("stale", self.stale),
            ("one_person", self.one_person),
        ]
    }

    pub fn count(&self) -> usize {
        self.list().iter().filter(|(_, on)| *on).count()
    }
}

/// A pulse: the figures, the alerts, and what the alerts were decided on.
#[derive(Clone, Debug, PartialEq)]
pub struct Pulse {
    pub figures: Figures,
    pub alerts: Alerts,
    /// Attendance per event in the previous window (for `competing_demands`).
    pub previous_attendance_per_event: Option<f64>,
    pub previous_events_held: i64,
    pub previous_contributions: i64,
    /// `resource.created` and `resource.revised` events in the window.
    pub resource_changes: i64,
    /// Each person of the population with their contribution count and
    /// level, for participation charts.
    pub levels: Vec<(i64, i64, Level)>,
    /// For each help request of the window, hours to the first reply by
    /// someone else before T (`None`: no such reply yet).
    pub first_response_hours: Vec<Option<f64>>,
    /// Contributions of the window per actor unit (`None`: no unit),
    /// most first.
    pub unit_contributions: Vec<(Option<i64>, i64)>,
}

/// A person's participation level in a window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Core,
    Active,
    Peripheral,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Core => "core",
            Level::Active => "active",
            Level::Peripheral => "peripheral",
        }
    }
}

fn ratio(num: i64, den: i64) -> Option<f64> {
    (den != 0).then(|| num as f64 / den as f64)
}

/// Median of a non-empty list; an even count takes the mean of the middle two.
fn median(mut xs: Vec<f64>) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    Some(if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    })
}

/// Σ_i Σ_j |x_i − x_j| / (2 · N² · mean), with the double sum computed
/// exactly in integers from the sorted values.
fn gini(values: &[i64]) -> Option<f64> {
    let n = values.len() as i128;
    let total: i128 = values.iter().map(|v| *v as i128).sum();
    if n == 0 || total == 0 {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    // For ascending x, Σ_i Σ_j |x_i − x_j| = 2 Σ_k (2k − N − 1) x_k, k from 1.
    let pair_sum: i128 = 2 * sorted
        .iter()
        .enumerate()
        .map(|(k, x)| (2 * (k as i128 + 1) - n - 1) * (*x as i128))
        .sum::<i128>();
    // mean = total / N, so 2 · N² · mean = 2 · N · total.
    Some(pair_sum as f64 / (2 * n * total) as f64)
}

/// Population standard deviation / mean of the gaps between consecutive
/// times, in days.
fn rhythm_cv(mut times: Vec<i64>) -> Option<f64> {
    if times.len() < 3 {
        return None;
    }
    times.sort_unstable();
    let gaps: Vec<f64> = times
        .windows(2)
        .map(|w| (w[1] - w[0]) as f64 / DAY as f64)
        .collect();
    let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
    if mean == 0.0 {
        return None;
    }
    let var = gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / gaps.len() as f64;
    Some(var.sqrt() / mean)
}

/// Computes the pulse as of an instant over a window of `window_days` days.
pub fn compute(events: &[PulseEvent], as_of: impl Into<AsOf>, window_days: i64) -> Pulse {
    use ActivityKind as K;
    let as_of = as_of.into();
    let t = as_of.cutoff();
    let w = window_days * DAY;
    let (start, prev_start) = (t - w, t - 2 * w);
    let in_window = |at: i64| at >= start && at < t;
    let in_prev = |at: i64| at >= prev_start && at < start;
    let third = |at: i64| -> usize {
        // Thirds [T−W, T−2W/3), [T−2W/3, T−W/3), [T−W/3, T): compare 3·(at−start)
        // with multiples of W so that no rounding decides a boundary.
        let x = 3 * (at - start);
        if x < w {
            0
        } else if x < 2 * w {
            1
        } else {
            2
        }
    };

    let before: Vec<&PulseEvent> = events
        .iter()
        .filter(|e| e.at < t && e.kind.is_some())
        .collect();

    // Membership: latest join and leave before T, first-ever join.
    let mut last_join: HashMap<i64, i64> = HashMap::new();
    let mut last_leave: HashMap<i64, i64> = HashMap::new();
    let mut first_join: HashMap<i64, i64> = HashMap::new();
    let mut newcomers: HashSet<i64> = HashSet::new();
    // Contributions.
    let mut n: HashMap<i64, i64> = HashMap::new();
    let mut thirds: HashMap<i64, [bool; 3]> = HashMap::new();
    let mut contributions = 0i64;
    let mut prev_contributions = 0i64;
    let mut prev_contributors: HashSet<i64> = HashSet::new();
    let mut units: HashSet<i64> = HashSet::new();
    let mut per_unit: HashMap<Option<i64>, i64> = HashMap::new();
    // Help.
    let mut requests: Vec<&PulseEvent> = Vec::new();
    let mut request_unit: HashMap<i64, Option<i64>> = HashMap::new();
    let mut replies: HashMap<i64, Vec<(i64, i64)>> = HashMap::new(); // thread → (at, actor)
    let mut window_replies: Vec<&PulseEvent> = Vec::new();
    let mut solved: HashSet<i64> = HashSet::new();
    // Events and reviews.
    let mut held: Vec<i64> = Vec::new();
    let (mut attended, mut prev_held, mut prev_attended) = (0i64, 0i64, 0i64);
    let mut last_review: Option<i64> = None;
    let mut resource_changes = 0i64;

    for e in &before {
        let Some(kind) = e.kind else { continue };
        match kind {
            K::MemberJoined => {
                let j = last_join.entry(e.actor).or_insert(e.at);
                *j = (*j).max(e.at);
                let f = first_join.entry(e.actor).or_insert(e.at);
                *f = (*f).min(e.at);
                if in_window(e.at) {
                    newcomers.insert(e.actor);
                }
            }
            K::MemberLeft => {
                let l = last_leave.entry(e.actor).or_insert(e.at);
                *l = (*l).max(e.at);
            }
            K::ThreadHelp => {
                if let Some(s) = e.subject {
                    // A thread has one creation event; if data repeats it, the
                    // first one seen keeps the request's unit.
                    request_unit.entry(s).or_insert(e.actor_unit);
                }
                if in_window(e.at) {
                    requests.push(e);
                }
            }
            K::ReplyCreated => {
                if let Some(p) = e.parent {
                    replies.entry(p).or_default().push((e.at, e.actor));
                }
                if in_window(e.at) {
                    window_replies.push(e);
                }
            }
            K::HelpSolved => {
                if let Some(s) = e.subject {
                    solved.insert(s);
                }
            }
            K::EventHeld => {
                if in_window(e.at) {
                    held.push(e.at);
                } else if in_prev(e.at) {
                    prev_held += 1;
                }
            }
            K::EventAttended => {
                if in_window(e.at) {
                    attended += 1;
                } else if in_prev(e.at) {
                    prev_attended += 1;
                }
            }
            K::CharterReviewed | K::StageChanged => {
                last_review = Some(last_review.map_or(e.at, |r: i64| r.max(e.at)));
            }
            _ => {}
        }
        if matches!(kind, K::ResourceCreated | K::ResourceRevised) && in_window(e.at) {
            resource_changes += 1;
        }
        if kind.is_contribution() {
            if in_window(e.at) {
                contributions += 1;
                *n.entry(e.actor).or_default() += 1;
                thirds.entry(e.actor).or_default()[third(e.at)] = true;
                if let Some(u) = e.actor_unit {
                    units.insert(u);
                }
                *per_unit.entry(e.actor_unit).or_default() += 1;
            } else if in_prev(e.at) {
                prev_contributions += 1;
                prev_contributors.insert(e.actor);
            }
        }
    }

    let members: HashSet<i64> = last_join
        .iter()
        .filter(|(p, j)| last_leave.get(p).is_none_or(|l| **j > *l))
        .map(|(p, _)| *p)
        .collect();
    let mut population: HashSet<i64> = members.clone();
    population.extend(n.keys().copied());

    let mut levels = Vec::with_capacity(population.len());
    let (mut core, mut active) = (0i64, 0i64);
    let mut sorted_pop: Vec<i64> = population.iter().copied().collect();
    sorted_pop.sort_unstable();
    for p in &sorted_pop {
        let c = n.get(p).copied().unwrap_or(0);
        let spread = thirds
            .get(p)
            .map_or(0, |t| t.iter().filter(|x| **x).count());
        let level = if c >= 10 && spread >= 2 {
            core += 1;
            Level::Core
        } else if c >= 3 {
            active += 1;
            Level::Active
        } else {
            Level::Peripheral
        };
        levels.push((*p, c, level));
    }
    let peripheral = population.len() as i64 - core - active;

    // Newcomer retention: first-ever join in the previous window.
    let cohort: Vec<i64> = first_join
        .iter()
        .filter(|(_, at)| in_prev(**at))
        .map(|(p, _)| *p)
        .collect();
    let retained = cohort.iter().filter(|p| n.contains_key(p)).count() as i64;

    // Help requests of the window.
    let mut answered = 0i64;
    let mut solved_count = 0i64;
    let mut first_responses = Vec::new();
    let mut first_response_hours = Vec::with_capacity(requests.len());
    for r in &requests {
        let Some(thread) = r.subject else { continue };
        let others: Vec<i64> = replies
            .get(&thread)
            .map(|rs| {
                rs.iter()
                    .filter(|(_, actor)| *actor != r.actor)
                    .map(|(at, _)| *at)
                    .collect()
            })
            .unwrap_or_default();
        let deadline = (r.at + 7 * DAY).min(t);
        if others.iter().any(|at| *at < deadline) {
            answered += 1;
        }
        let first = others
            .iter()
            .min()
            .map(|first| (first - r.at) as f64 / 3600.0);
        if let Some(h) = first {
            first_responses.push(h);
        }
        first_response_hours.push(first);
        if solved.contains(&thread) {
            solved_count += 1;
        }
    }
    let help_requests = requests.len() as i64;

    // Replies in the window to help requests of this community.
    let mut help_replies = 0i64;
    let mut cross = 0i64;
    for r in &window_replies {
        if let Some(unit) = r.parent.and_then(|p| request_unit.get(&p)) {
            help_replies += 1;
            if r.actor_unit != *unit {
                cross += 1;
            }
        }
    }

    let top = n.values().copied().max().unwrap_or(0);
    let counts: Vec<i64> = sorted_pop
        .iter()
        .map(|p| n.get(p).copied().unwrap_or(0))
        .collect();
    let events_held = held.len() as i64;
    let figures = Figures {
        members: members.len() as i64,
        active_members: n.len() as i64,
        core,
        active,
        peripheral,
        contributions,
        newcomers: newcomers.len() as i64,
        newcomer_retention: ratio(retained, cohort.len() as i64),
        help_requests,
        help_answered_share: ratio(answered, help_requests),
        median_first_response_hours: median(first_responses),
        help_solved_share: ratio(solved_count, help_requests),
        cross_unit_reply_share: ratio(cross, help_replies),
        units_reached: units.len() as i64,
        top_contributor_share: ratio(top, contributions),
        contribution_gini: if contributions == 0 {
            None
        } else {
            gini(&counts)
        },
        events_held,
        attendance_per_event: ratio(attended, events_held),
        rhythm_cv: rhythm_cv(held),
        activity_trend: ratio(contributions, prev_contributions),
        days_since_review: last_review.map(|r| as_of.seconds_since(r) / DAY as f64),
    };
    let previous_attendance_per_event = ratio(prev_attended, prev_held);
    let mut unit_contributions: Vec<(Option<i64>, i64)> = per_unit.into_iter().collect();
    unit_contributions.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let alerts = alerts(
        &figures,
        resource_changes,
        prev_held,
        previous_attendance_per_event,
    );
    Pulse {
        figures,
        alerts,
        previous_attendance_per_event,
        previous_events_held: prev_held,
        previous_contributions: prev_contributions,
        resource_changes,
        levels,
        first_response_hours,
        unit_contributions,
    }
}

/// Contributions per week for the `weeks` weeks before T, oldest first
/// (week k covers [T − (weeks−k)·7d, T − (weeks−k−1)·7d)).
pub fn weekly_contributions(events: &[PulseEvent], t: i64, weeks: usize) -> Vec<i64> {
    let mut out = vec![0i64; weeks];
    let span = weeks as i64 * 7 * DAY;
    for e in events {
        if e.kind.is_some_and(ActivityKind::is_contribution) && e.at < t && e.at >= t - span {
            let k = ((e.at - (t - span)) / (7 * DAY)) as usize;
            if let Some(slot) = out.get_mut(k) {
                *slot += 1;
            }
        }
    }
    out
}

/// Each person's level in successive windows ending at `t − k·step` for
/// k = steps−1 … 0 (oldest first): the participation trajectories.
pub fn level_history(
    events: &[PulseEvent],
    t: i64,
    window_days: i64,
    steps: usize,
    step_days: i64,
) -> Vec<(i64, Vec<(i64, Level)>)> {
    (0..steps)
        .rev()
        .map(|k| {
            let at = t - k as i64 * step_days * DAY;
            let p = compute(events, at, window_days);
            (
                at,
                p.levels
                    .into_iter()
                    .map(|(person, _, level)| (person, level))
                    .collect(),
            )
        })
        .collect()
}

fn alerts(
    f: &Figures,
    resource_changes: i64,
    prev_held: i64,
    prev_attendance: Option<f64>,
) -> Alerts {
    Alerts {
        neglect: f.activity_trend.is_some_and(|t| t < 0.5)
            || (f.members > 0 && f.contributions == 0),
        closed: f.members >= 5
            && f.newcomers == 0
            && f.cross_unit_reply_share.is_none_or(|s| s < 0.1),
        no_challenge: f.members >= 5 && f.help_requests == 0 && resource_changes == 0,
        competing_demands: f.events_held >= 2
            && prev_held >= 2
            && match (f.attendance_per_event, prev_attendance) {
                (Some(now), Some(before)) => now < before / 2.0,
                _ => false,
            },
        stale: f.members >= 5 && f.days_since_review.is_none_or(|d| d > 365.0),
        one_person: f.contributions >= 10 && f.top_contributor_share.is_some_and(|s| s > 0.5),
    }
}

#[cfg(test)]
mod tests;

/// What an alert means, in words for coordinators and sponsors, and one
/// action the essay suggests. (title, meaning, suggested action)
pub fn alert_guidance(name: &str) -> (&'static str, &'static str, &'static str) {
    match name {
        "neglect" => (
            "Neglect",
            "Activity fell to less than half of the previous window, or the community has members but nobody contributed. Communities die “out of neglect” when nobody tends them.",
            "Give people a reason to meet: a coordinator calls a few core members, hosts a short session on a burning question, and asks a sponsor to make room in members' time.",
        ),
        "closed" => (
            "Closed-mindedness",
            "No newcomers joined in the window, and help rarely crosses unit lines. A community can turn inward and stop learning from outside.",
            "Open the doors: hold a session open to other units, pair newcomers with core members, and invite someone from a neighbouring community to bring a question.",
        ),
        "no_challenge" => (
            "Lack of challenge",
            "Nobody asked for help and no resource was created or revised in the window. Without challenges a community loses its edge.",
            "Bring a hard problem, a debate, or a competitor's product to inspect together — or take on writing a standard.",
        ),
        "competing_demands" => (
            "Competition from other demands",
            "Attendance per event fell below half of the previous window's. Members' time is being pulled elsewhere.",
            "Talk with sponsors and managers about legitimized time, move events to a better slot, and make them shorter and more focused.",
        ),
        "stale" => (
            "Inability to adapt",
            "The charter has not been reviewed and the stage has not moved in over a year.",
            "Hold a renewal conversation: review the charter, ask whether the domain still matters as it is, and decide the next stage.",
        ),
        "one_person" => (
            "Dependence on one person",
            "More than half of the contributions come from one person. The community lives on the energy of one member.",
            "Share the load: ask core members to take roles — facilitator, librarian, event host — and make room for others to lead.",
        ),
        _ => ("", "", ""),
    }
}
