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
// The pulse hashes millions of person and thread ids per page: Fx instead
// of the default SipHash (which guards maps keyed by outside input; these
// keys are our own ids).
use rustc_hash::{FxHashMap, FxHashSet};

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

    /// The names of the alerts that are on, in the order of [`Alerts::list`].
    pub fn on(&self) -> Vec<&'static str> {
        self.list()
            .iter()
            .filter(|(_, on)| *on)
            .map(|(name, _)| *name)
            .collect()
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

/// The window of a pulse: [T − W, T), and the previous one [T − 2W, T − W).
struct Window {
    t: i64,
    w: i64,
    start: i64,
    prev_start: i64,
}

impl Window {
    fn new(t: i64, window_days: i64) -> Self {
        let w = window_days * DAY;
        Window {
            t,
            w,
            start: t - w,
            prev_start: t - 2 * w,
        }
    }

    fn contains(&self, at: i64) -> bool {
        at >= self.start && at < self.t
    }

    fn in_previous(&self, at: i64) -> bool {
        at >= self.prev_start && at < self.start
    }

    /// Thirds [T−W, T−2W/3), [T−2W/3, T−W/3), [T−W/3, T): compare
    /// 3·(at−start) with multiples of W so that no rounding decides a
    /// boundary.
    fn third(&self, at: i64) -> usize {
        let x = 3 * (at - self.start);
        if x < self.w {
            0
        } else if x < 2 * self.w {
            1
        } else {
            2
        }
    }
}

/// Joins and leaves: latest join and leave before T, first-ever join.
#[derive(Default)]
struct Membership {
    last_join: FxHashMap<i64, i64>,
    last_leave: FxHashMap<i64, i64>,
    first_join: FxHashMap<i64, i64>,
    newcomers: FxHashSet<i64>,
}

impl Membership {
    fn joined(&mut self, win: &Window, e: &PulseEvent) {
        let j = self.last_join.entry(e.actor).or_insert(e.at);
        *j = (*j).max(e.at);
        let f = self.first_join.entry(e.actor).or_insert(e.at);
        *f = (*f).min(e.at);
        if win.contains(e.at) {
            self.newcomers.insert(e.actor);
        }
    }

    fn left(&mut self, e: &PulseEvent) {
        let l = self.last_leave.entry(e.actor).or_insert(e.at);
        *l = (*l).max(e.at);
    }

    /// Members at T: their latest join is after their latest leave.
    fn members(&self) -> FxHashSet<i64> {
        self.last_join
            .iter()
            .filter(|(p, j)| self.last_leave.get(p).is_none_or(|l| **j > *l))
            .map(|(p, _)| *p)
            .collect()
    }
}

/// Contributions of the window (per person, per third, per unit) and of
/// the previous window.
#[derive(Default)]
struct Contributions {
    per_person: FxHashMap<i64, i64>,
    thirds: FxHashMap<i64, [bool; 3]>,
    total: i64,
    previous: i64,
    units: FxHashSet<i64>,
    per_unit: FxHashMap<Option<i64>, i64>,
}

impl Contributions {
    fn record(&mut self, win: &Window, e: &PulseEvent) {
        if win.contains(e.at) {
            self.total += 1;
            *self.per_person.entry(e.actor).or_default() += 1;
            self.thirds.entry(e.actor).or_default()[win.third(e.at)] = true;
            if let Some(u) = e.actor_unit {
                self.units.insert(u);
            }
            *self.per_unit.entry(e.actor_unit).or_default() += 1;
        } else if win.in_previous(e.at) {
            self.previous += 1;
        }
    }

    /// Each person of the population with their count and level, by id;
    /// and the number at the core and active levels.
    fn levels(&self, population: &FxHashSet<i64>) -> (Vec<(i64, i64, Level)>, i64, i64) {
        let mut people: Vec<i64> = population.iter().copied().collect();
        people.sort_unstable();
        let (mut core, mut active) = (0i64, 0i64);
        let levels = people
            .into_iter()
            .map(|p| {
                let c = self.per_person.get(&p).copied().unwrap_or(0);
                let spread = self
                    .thirds
                    .get(&p)
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
                (p, c, level)
            })
            .collect();
        (levels, core, active)
    }
}

/// Help requests, the replies to every thread, and solved requests.
#[derive(Default)]
struct Help<'a> {
    /// Requests opened in the window.
    requests: Vec<&'a PulseEvent>,
    /// Every request's unit, by thread (the first creation event seen
    /// keeps it if data repeats one).
    request_unit: FxHashMap<i64, Option<i64>>,
    /// Thread → (at, actor) of its replies.
    replies: FxHashMap<i64, Vec<(i64, i64)>>,
    window_replies: Vec<&'a PulseEvent>,
    solved: FxHashSet<i64>,
}

/// What the window's help requests came to.
struct HelpFigures {
    requests: i64,
    answered: i64,
    solved: i64,
    first_responses: Vec<f64>,
    first_response_hours: Vec<Option<f64>>,
    /// Replies in the window to help requests, and those from another unit.
    help_replies: i64,
    cross_unit: i64,
}

impl<'a> Help<'a> {
    fn request(&mut self, win: &Window, e: &'a PulseEvent) {
        if let Some(s) = e.subject {
            self.request_unit.entry(s).or_insert(e.actor_unit);
        }
        if win.contains(e.at) {
            self.requests.push(e);
        }
    }

    fn reply(&mut self, win: &Window, e: &'a PulseEvent) {
        if let Some(p) = e.parent {
            self.replies.entry(p).or_default().push((e.at, e.actor));
        }
        if win.contains(e.at) {
            self.window_replies.push(e);
        }
    }

    fn solved(&mut self, e: &PulseEvent) {
        if let Some(s) = e.subject {
            self.solved.insert(s);
        }
    }

    fn figures(&self, win: &Window) -> HelpFigures {
        let mut f = HelpFigures {
            requests: self.requests.len() as i64,
            answered: 0,
            solved: 0,
            first_responses: Vec::new(),
            first_response_hours: Vec::with_capacity(self.requests.len()),
            help_replies: 0,
            cross_unit: 0,
        };
        for r in &self.requests {
            let Some(thread) = r.subject else { continue };
            let others: Vec<i64> = self
                .replies
                .get(&thread)
                .map(|rs| {
                    rs.iter()
                        .filter(|(_, actor)| *actor != r.actor)
                        .map(|(at, _)| *at)
                        .collect()
                })
                .unwrap_or_default();
            let deadline = (r.at + 7 * DAY).min(win.t);
            if others.iter().any(|at| *at < deadline) {
                f.answered += 1;
            }
            let first = others
                .iter()
                .min()
                .map(|first| (first - r.at) as f64 / 3600.0);
            if let Some(h) = first {
                f.first_responses.push(h);
            }
            f.first_response_hours.push(first);
            if self.solved.contains(&thread) {
                f.solved += 1;
            }
        }
        for r in &self.window_replies {
            if let Some(unit) = r.parent.and_then(|p| self.request_unit.get(&p)) {
                f.help_replies += 1;
                if r.actor_unit != *unit {
                    f.cross_unit += 1;
                }
            }
        }
        f
    }
}

/// Events held and attended, this window and the previous one, and the
/// last review of the charter or stage.
#[derive(Default)]
struct Rhythm {
    held: Vec<i64>,
    attended: i64,
    previous_held: i64,
    previous_attended: i64,
    last_review: Option<i64>,
}

impl Rhythm {
    fn held(&mut self, win: &Window, e: &PulseEvent) {
        if win.contains(e.at) {
            self.held.push(e.at);
        } else if win.in_previous(e.at) {
            self.previous_held += 1;
        }
    }

    fn attended(&mut self, win: &Window, e: &PulseEvent) {
        if win.contains(e.at) {
            self.attended += 1;
        } else if win.in_previous(e.at) {
            self.previous_attended += 1;
        }
    }

    fn reviewed(&mut self, e: &PulseEvent) {
        self.last_review = Some(self.last_review.map_or(e.at, |r| r.max(e.at)));
    }
}

/// Computes the pulse as of an instant over a window of `window_days` days:
/// one step per event before T, by kind, then the figures.
pub fn compute(events: &[PulseEvent], as_of: impl Into<AsOf>, window_days: i64) -> Pulse {
    use ActivityKind as K;
    let as_of = as_of.into();
    let win = Window::new(as_of.cutoff(), window_days);
    let mut membership = Membership::default();
    let mut contributions = Contributions::default();
    let mut help = Help::default();
    let mut rhythm = Rhythm::default();
    let mut resource_changes = 0i64;

    for e in events.iter().filter(|e| e.at < win.t) {
        let Some(kind) = e.kind else { continue };
        match kind {
            K::MemberJoined => membership.joined(&win, e),
            K::MemberLeft => membership.left(e),
            K::ThreadHelp => help.request(&win, e),
            K::ReplyCreated => help.reply(&win, e),
            K::HelpSolved => help.solved(e),
            K::EventHeld => rhythm.held(&win, e),
            K::EventAttended => rhythm.attended(&win, e),
            K::CharterReviewed | K::StageChanged => rhythm.reviewed(e),
            _ => {}
        }
        if matches!(kind, K::ResourceCreated | K::ResourceRevised) && win.contains(e.at) {
            resource_changes += 1;
        }
        if kind.is_contribution() {
            contributions.record(&win, e);
        }
    }

    // Everyone who is a member or contributed in the window, with a level.
    let members = membership.members();
    let mut population: FxHashSet<i64> = members.clone();
    population.extend(contributions.per_person.keys().copied());
    let (levels, core, active) = contributions.levels(&population);
    let peripheral = population.len() as i64 - core - active;

    // Newcomer retention: first-ever join in the previous window.
    let cohort: Vec<i64> = membership
        .first_join
        .iter()
        .filter(|(_, at)| win.in_previous(**at))
        .map(|(p, _)| *p)
        .collect();
    let retained = cohort
        .iter()
        .filter(|p| contributions.per_person.contains_key(p))
        .count() as i64;

    let h = help.figures(&win);
    let total = contributions.total;
    let top = contributions
        .per_person
        .values()
        .copied()
        .max()
        .unwrap_or(0);
    let counts: Vec<i64> = levels.iter().map(|(_, c, _)| *c).collect();
    let events_held = rhythm.held.len() as i64;
    let figures = Figures {
        members: members.len() as i64,
        active_members: contributions.per_person.len() as i64,
        core,
        active,
        peripheral,
        contributions: total,
        newcomers: membership.newcomers.len() as i64,
        newcomer_retention: ratio(retained, cohort.len() as i64),
        help_requests: h.requests,
        help_answered_share: ratio(h.answered, h.requests),
        median_first_response_hours: median(h.first_responses),
        help_solved_share: ratio(h.solved, h.requests),
        cross_unit_reply_share: ratio(h.cross_unit, h.help_replies),
        units_reached: contributions.units.len() as i64,
        top_contributor_share: ratio(top, total),
        contribution_gini: if total == 0 { None } else { gini(&counts) },
        events_held,
        attendance_per_event: ratio(rhythm.attended, events_held),
        rhythm_cv: rhythm_cv(rhythm.held),
        activity_trend: ratio(total, contributions.previous),
        days_since_review: rhythm
            .last_review
            .map(|r| as_of.seconds_since(r) / DAY as f64),
    };
    let previous_attendance_per_event = ratio(rhythm.previous_attended, rhythm.previous_held);
    let mut unit_contributions: Vec<(Option<i64>, i64)> =
        contributions.per_unit.into_iter().collect();
    unit_contributions.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let alerts = alerts(
        &figures,
        resource_changes,
        rhythm.previous_held,
        previous_attendance_per_event,
    );
    Pulse {
        figures,
        alerts,
        previous_attendance_per_event,
        previous_events_held: rhythm.previous_held,
        previous_contributions: contributions.previous,
        resource_changes,
        levels,
        first_response_hours: h.first_response_hours,
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

pub mod analysis;

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
