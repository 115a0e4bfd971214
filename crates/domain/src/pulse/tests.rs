//! Hand-computed expectations for every figure and alert of METRICS.md.

use super::*;
use crate::activity::ActivityKind as K;

const T: i64 = 1_000 * DAY;
const W: i64 = 90;
const H: i64 = 3_600;

/// An event `secs` seconds after T (negative: before).
fn ev(secs: i64, kind: K, actor: i64, unit: Option<i64>) -> PulseEvent {
    PulseEvent {
        at: T + secs,
        kind: Some(kind),
        actor,
        actor_unit: unit,
        subject: None,
        parent: None,
    }
}

fn days(d: i64) -> i64 {
    d * DAY
}

fn subject(mut e: PulseEvent, s: i64) -> PulseEvent {
    e.subject = Some(s);
    e
}

fn reply(secs: i64, actor: i64, unit: Option<i64>, thread: i64) -> PulseEvent {
    PulseEvent {
        parent: Some(thread),
        ..ev(secs, K::ReplyCreated, actor, unit)
    }
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() <= 1e-9 * b.abs().max(1.0))
}

#[test]
fn empty_community_gives_zeros_and_nulls_never_nan() {
    let p = compute(&[], T, W);
    let f = &p.figures;
    assert_eq!(
        (f.members, f.contributions, f.core, f.active, f.peripheral),
        (0, 0, 0, 0, 0)
    );
    for v in [
        f.newcomer_retention,
        f.help_answered_share,
        f.median_first_response_hours,
        f.help_solved_share,
        f.cross_unit_reply_share,
        f.top_contributor_share,
        f.contribution_gini,
        f.attendance_per_event,
        f.rhythm_cv,
        f.activity_trend,
        f.days_since_review,
    ] {
        assert_eq!(v, None);
    }
    assert_eq!(
        p.alerts,
        Alerts::default(),
        "no members: nothing to alert about"
    );
}

#[test]
fn window_boundaries_include_the_start_and_exclude_t() {
    let events = [
        ev(-days(W), K::ThreadDiscussion, 1, None), // exactly T−W: in the window
        ev(0, K::ThreadDiscussion, 1, None),        // exactly T: not counted
        ev(days(5), K::ThreadDiscussion, 1, None),  // after T: not counted
        ev(-days(W) - 1, K::ThreadDiscussion, 2, None), // previous window
        ev(-days(2 * W), K::ThreadDiscussion, 2, None), // exactly T−2W: previous window
        ev(-days(2 * W) - 1, K::ThreadDiscussion, 2, None), // before both
    ];
    let f = compute(&events, T, W).figures;
    assert_eq!(f.contributions, 1);
    assert_eq!(f.active_members, 1);
    assert!(close(f.activity_trend, 0.5));
}

#[test]
fn membership_follows_the_latest_join_and_leave() {
    let events = [
        ev(-days(200), K::MemberJoined, 1, None),
        // 2 left and rejoined in the window: a member and a newcomer.
        ev(-days(200), K::MemberJoined, 2, None),
        ev(-days(100), K::MemberLeft, 2, None),
        ev(-days(10), K::MemberJoined, 2, None),
        // 3 joined in the previous window and left: not a member.
        ev(-days(150), K::MemberJoined, 3, None),
        ev(-days(50), K::MemberLeft, 3, None),
        // 4 joins at T: not yet.
        ev(0, K::MemberJoined, 4, None),
        // 5 joined and left in the same second: not a member.
        ev(-days(20), K::MemberJoined, 5, None),
        ev(-days(20), K::MemberLeft, 5, None),
        // 3 still contributes in the window (population, retention).
        ev(-days(60), K::ThreadStory, 3, Some(9)),
    ];
    let f = compute(&events, T, W).figures;
    assert_eq!(f.members, 2);
    assert_eq!(f.newcomers, 2, "2 and 5 joined in the window");
    // First-ever joins in the previous window [T−180d, T−90d): only 3, who contributed.
    assert!(close(f.newcomer_retention, 1.0));
    assert_eq!(f.peripheral, 3, "members 1 and 2 plus contributor 3");
}

#[test]
fn help_figures() {
    let events = [
        // Request 100 by 1 (unit 1) at T−30d: the asker's own reply is
        // excluded, the other reply comes after 7 days.
        subject(ev(-days(30), K::ThreadHelp, 1, Some(1)), 100),
        reply(-days(29), 1, Some(1), 100),
        reply(-days(20), 2, Some(2), 100),
        // Request 101 by 2 (unit 2) at T−10d, answered 2 hours later by 5
        // (unit 2), and solved.
        subject(ev(-days(10), K::ThreadHelp, 2, Some(2)), 101),
        reply(-days(10) + 2 * H, 5, Some(2), 101),
        subject(ev(-days(9), K::HelpSolved, 2, Some(2)), 101),
        // Request 102 at T−1d: a reply after T does not count.
        subject(ev(-days(1), K::ThreadHelp, 1, Some(1)), 102),
        reply(H, 2, Some(2), 102),
        // Request 90 of the previous window; a window reply to it by the
        // same unit counts for cross-unit reach.
        subject(ev(-days(100), K::ThreadHelp, 3, None), 90),
        reply(-days(5), 4, None, 90),
        // A reply to a discussion is not a help reply.
        subject(ev(-days(40), K::ThreadDiscussion, 3, Some(1)), 200),
        reply(-days(39), 2, Some(2), 200),
    ];
    let f = compute(&events, T, W).figures;
    assert_eq!(f.help_requests, 3);
    assert!(close(f.help_answered_share, 1.0 / 3.0));
    // First responses: 100 → 10 days = 240 h; 101 → 2 h; 102 has none before T.
    assert!(
        close(f.median_first_response_hours, 121.0),
        "{:?}",
        f.median_first_response_hours
    );
    assert!(close(f.help_solved_share, 1.0 / 3.0));
    // Help replies in the window: to 100 by 1 (same unit), by 2 (other), to
    // 101 by 5 (same), to 90 by 4 (None vs None: same) → 1 of 4.
    assert!(close(f.cross_unit_reply_share, 0.25));
}

#[test]
fn answered_within_seven_days_is_strict() {
    let events = [
        subject(ev(-days(20), K::ThreadHelp, 1, None), 1),
        reply(-days(13), 2, None, 1), // exactly 7 days later: too late
        subject(ev(-days(20), K::ThreadHelp, 1, None), 2),
        reply(-days(13) - 1, 2, None, 2), // one second earlier: in time
        // A request 3 days before T: the deadline is T, not 7 days later.
        subject(ev(-days(3), K::ThreadHelp, 1, None), 3),
        reply(-days(1), 2, None, 3),
    ];
    let f = compute(&events, T, W).figures;
    assert!(close(f.help_answered_share, 2.0 / 3.0));
    // Odd count: the middle of [48 h, 7 days − 1 s, 7 days].
    assert!(close(
        f.median_first_response_hours,
        (7.0 * 86_400.0 - 1.0) / 3_600.0
    ));
}

#[test]
fn levels_units_concentration() {
    let mut events = Vec::new();
    // Person 1: 10 contributions spread over two thirds → core.
    for i in 0..5 {
        events.push(ev(-days(80) + i, K::ReplyCreated, 1, Some(1)));
        events.push(ev(-days(10) + i, K::ResourceRevised, 1, Some(1)));
    }
    // Person 2: 10 contributions all in the last third → active, not core.
    for i in 0..10 {
        events.push(ev(-days(5) + i, K::EventAttended, 2, Some(2)));
    }
    // Person 3: 2 contributions → peripheral; person 4 a member with none.
    events.push(ev(-days(50), K::ThreadStory, 3, None));
    events.push(ev(-days(49), K::ThreadStory, 3, None));
    events.push(ev(-days(300), K::MemberJoined, 4, None));
    let f = compute(&events, T, W).figures;
    assert_eq!((f.core, f.active, f.peripheral), (1, 1, 2));
    assert_eq!(f.contributions, 22);
    assert_eq!(f.units_reached, 2);
    assert!(close(f.top_contributor_share, 10.0 / 22.0));
    // Population counts [10, 10, 2, 0]: Σ|xi−xj| over ordered pairs =
    // 2·(0+8+10+8+10+2) = 76; 2·N²·mean = 2·4·22 = 176.
    assert!(close(f.contribution_gini, 76.0 / 176.0));
}

#[test]
fn thirds_boundaries_are_exact() {
    // W = 90 days: thirds start at T−90d, T−60d, T−30d.
    let mut events = Vec::new();
    for _ in 0..9 {
        events.push(ev(-days(60) - 1, K::ReplyCreated, 1, None)); // first third
    }
    events.push(ev(-days(60), K::ReplyCreated, 1, None)); // second third starts exactly here
    let f = compute(&events, T, W).figures;
    assert_eq!(f.core, 1);
    let mut only_first = Vec::new();
    for _ in 0..10 {
        only_first.push(ev(-days(60) - 1, K::ReplyCreated, 1, None));
    }
    assert_eq!(compute(&only_first, T, W).figures.core, 0);
}

#[test]
fn events_rhythm_and_reviews() {
    let events = [
        ev(-days(84), K::EventHeld, 1, None),
        ev(-days(70), K::EventHeld, 1, None),
        ev(-days(56), K::EventHeld, 1, None),
        ev(-days(28), K::EventHeld, 1, None),
        ev(-days(84), K::EventAttended, 2, None),
        ev(-days(70), K::EventAttended, 3, None),
        ev(-days(400), K::CharterReviewed, 1, None),
        ev(-days(100) - 12 * H, K::StageChanged, 1, None),
    ];
    let f = compute(&events, T, W).figures;
    assert_eq!(f.events_held, 4);
    assert!(close(f.attendance_per_event, 0.5));
    // Gaps 14, 14, 28 days: cv = 1 / (2√2).
    assert!(close(f.rhythm_cv, 1.0 / (2.0 * 2f64.sqrt())));
    assert!(close(f.days_since_review, 100.5));
    let two = compute(&events[..2], T, W).figures;
    assert_eq!(two.rhythm_cv, None, "fewer than 3 events");
    let same_time = [
        ev(-days(5), K::EventHeld, 1, None),
        ev(-days(5), K::EventHeld, 1, None),
        ev(-days(5), K::EventHeld, 1, None),
    ];
    assert_eq!(
        compute(&same_time, T, W).figures.rhythm_cv,
        None,
        "mean gap 0"
    );
}

fn members(k: i64) -> Vec<PulseEvent> {
    (1..=k)
        .map(|p| ev(-days(500), K::MemberJoined, p, Some(p)))
        .collect()
}

#[test]
fn alerts_fire_on_their_conditions() {
    // Five long-standing members, nothing happening: neglect, closed,
    // no_challenge, stale.
    let quiet = compute(&members(5), T, W);
    assert!(
        quiet.alerts.neglect
            && quiet.alerts.closed
            && quiet.alerts.no_challenge
            && quiet.alerts.stale
    );
    assert!(!quiet.alerts.one_person && !quiet.alerts.competing_demands);

    // One person does everything: one_person; a review 100 days ago: not stale;
    // a resource revision: no lack of challenge; a newcomer: not closed.
    let mut busy = members(5);
    for i in 0..11 {
        busy.push(ev(-days(20) + i, K::ResourceRevised, 1, Some(1)));
    }
    busy.push(ev(-days(20), K::ThreadStory, 2, Some(2)));
    busy.push(ev(-days(100), K::CharterReviewed, 1, Some(1)));
    busy.push(ev(-days(3), K::MemberJoined, 6, None));
    let p = compute(&busy, T, W);
    assert!(p.alerts.one_person && !p.alerts.stale && !p.alerts.no_challenge && !p.alerts.closed);
    assert!(!p.alerts.neglect, "no previous window: trend is null");

    // Activity halving below half: neglect by trend.
    let mut fading = members(1);
    for i in 0..5 {
        fading.push(ev(-days(120) + i, K::ThreadDiscussion, 1, None));
    }
    fading.push(ev(-days(10), K::ThreadDiscussion, 1, None));
    fading.push(ev(-days(10), K::ThreadDiscussion, 1, None));
    let f = compute(&fading, T, W);
    assert!(close(f.figures.activity_trend, 0.4));
    assert!(f.alerts.neglect);

    // Attendance per event fell below half of the previous window's.
    let mut demands = members(2);
    for d in [170, 150] {
        demands.push(ev(-days(d), K::EventHeld, 1, None));
        for p in 0..4 {
            demands.push(ev(-days(d), K::EventAttended, p, None));
        }
    }
    for d in [60, 30] {
        demands.push(ev(-days(d), K::EventHeld, 1, None));
        demands.push(ev(-days(d), K::EventAttended, 1, None));
    }
    let c = compute(&demands, T, W);
    assert!(close(c.figures.attendance_per_event, 1.0));
    assert!(close(c.previous_attendance_per_event, 4.0));
    assert!(c.alerts.competing_demands);

    // Cross-unit replies keep `closed` off even without newcomers.
    let mut open = members(5);
    open.push(subject(ev(-days(30), K::ThreadHelp, 1, Some(1)), 7));
    open.push(reply(-days(29), 2, Some(2), 7));
    let o = compute(&open, T, W);
    assert!(!o.alerts.closed && !o.alerts.no_challenge);
}

#[test]
fn unknown_kinds_and_late_events_are_ignored() {
    let mut e = ev(-days(1), K::ThreadStory, 1, None);
    e.kind = None;
    let f = compute(&[e, ev(1, K::ThreadStory, 1, None)], T, W).figures;
    assert_eq!(f.contributions, 0);
}

#[test]
fn window_lengths_are_checked() {
    assert!(check_window(0).is_err());
    assert!(check_window(-3).is_err());
    assert!(check_window(MAX_WINDOW_DAYS + 1).is_err());
    assert_eq!(check_window(30), Ok(30));
}

#[test]
fn series_and_histories() {
    let events = [
        ev(-days(1), K::ThreadStory, 1, Some(1)),
        ev(-days(8), K::ThreadStory, 1, Some(1)),
        ev(-days(8), K::MemberJoined, 2, None), // not a contribution
        ev(-days(7), K::ReplyCreated, 2, None), // exactly one week back: starts the last week
    ];
    assert_eq!(weekly_contributions(&events, T, 3), vec![0, 1, 2]);
    let p = compute(&events, T, W);
    assert_eq!(p.unit_contributions, vec![(Some(1), 2), (None, 1)]);
    let h = level_history(&events, T, 30, 3, 30);
    assert_eq!(h.len(), 3);
    assert_eq!(h[2].0, T);
    assert_eq!(h[0].0, T - days(60));
    assert!(
        h[0].1.iter().all(|(p, _)| *p == 2),
        "60 days ago only 2 had joined"
    );
}

#[test]
fn a_fraction_of_a_second_counts() {
    // An event at a whole second is before T = that second + 0.5 s.
    let events = [
        ev(-days(10), K::MemberJoined, 1, None),
        ev(0, K::MemberJoined, 2, None),
        ev(0, K::CharterReviewed, 1, None),
    ];
    let half = AsOf {
        secs: T,
        nanos: 500_000_000,
    };
    let f = compute(&events, half, W).figures;
    assert_eq!(f.members, 2);
    assert!(close(f.days_since_review, 0.5 / 86_400.0));
    assert_eq!(compute(&events, T, W).figures.members, 1);
    assert_eq!(
        half.to_rfc3339(),
        format!(
            "{}.5Z",
            crate::time::Timestamp(T).to_rfc3339().trim_end_matches('Z')
        )
    );
    // A window start T − W with a fraction excludes the whole second before it.
    let start = [ev(-days(W), K::ThreadStory, 1, None)];
    assert_eq!(compute(&start, half, W).figures.contributions, 0);
    assert_eq!(compute(&start, T, W).figures.contributions, 1);
}

#[test]
fn kinds_outside_the_pulse_change_nothing() {
    // The whole-organization reader skips kinds the pulse does not use;
    // every other kind, anywhere in time, must leave every figure alone.
    let mut events = vec![
        ev(-days(400), K::MemberJoined, 1, Some(1)),
        ev(-days(100), K::MemberJoined, 2, Some(2)),
        subject(ev(-days(10), K::ThreadHelp, 1, Some(1)), 7),
        reply(-days(9), 2, Some(2), 7),
        subject(ev(-days(8), K::HelpSolved, 1, Some(1)), 7),
        ev(-days(5), K::EventHeld, 1, Some(1)),
        ev(-days(5), K::EventAttended, 2, Some(2)),
        ev(-days(3), K::ResourceCreated, 2, Some(2)),
    ];
    let before = format!("{:?}", compute(&events, T, W));
    for (i, kind) in K::ALL.iter().filter(|k| !k.used_by_pulse()).enumerate() {
        let at = -days(1 + 60 * i as i64);
        events.push(subject(ev(at, *kind, 1 + i as i64 % 2, Some(3)), 7));
        events.push(subject(ev(-days(150), *kind, 2, None), 7));
    }
    assert!(events.len() > 8, "some kinds are outside the pulse");
    assert_eq!(format!("{:?}", compute(&events, T, W)), before);
}
