//! The health pulse of a community, and the organization overview of all
//! communities' pulses.

use super::PageResult;
use crate::AppState;
use crate::charts;
use crate::extract::{PageCtx, PageQuery, PageUser};
use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use axum::routing::get;
use guildhall_app::AppError;
use guildhall_app::pulse::{LevelHistory, PulseReport, PulseWindow};
use guildhall_domain::pulse::analysis::{ALERT_NAMES, OverviewFilter, level_moves, response_times};
use guildhall_domain::pulse::{Level, PulseEvent, alert_guidance, weekly_contributions};
use guildhall_domain::time::DAY;
use guildhall_domain::{FieldErrors, Timestamp};
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/communities/{slug}/pulse", get(pulse_page))
        .route("/overview", get(overview))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WindowQuery {
    as_of: Option<String>,
    window: Option<String>,
}

/// One figure as shown: name, value in words, what it means.
struct Shown {
    name: &'static str,
    value: String,
    hint: &'static str,
}

struct AlertShown {
    title: &'static str,
    meaning: &'static str,
    action: &'static str,
    evidence: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pulse.html")]
struct PulsePage {
    ctx: PageCtx,
    slug: String,
    name: String,
    stage: String,
    as_of_label: String,
    as_of_input: String,
    /// The day of the last activity, when the page opened there because
    /// nothing happened in the window before today.
    ended_at: Option<String>,
    window: i64,
    windows: &'static [i64],
    errors: FieldErrors,
    alerts: Vec<AlertShown>,
    groups: Vec<(&'static str, Vec<Shown>)>,
    charts: std::sync::Arc<PulseCharts>,
}

fn pct(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{:.0}%", v * 100.0))
}

fn num(v: Option<f64>, digits: usize) -> String {
    v.map_or("—".into(), |v| format!("{v:.digits$}"))
}

fn hours(v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(h) if h < 1.0 => format!("{:.0} min", h * 60.0),
        Some(h) if h < 48.0 => format!("{h:.1} h"),
        Some(h) => format!("{:.1} days", h / 24.0),
    }
}

fn figure_groups(r: &PulseReport) -> Vec<(&'static str, Vec<Shown>)> {
    let f = &r.pulse.figures;
    let s = |name, value: String, hint| Shown { name, value, hint };
    vec![
        (
            "Participation",
            vec![
                s(
                    "Members",
                    f.members.to_string(),
                    "People who are members at the end of the window.",
                ),
                s(
                    "Active members",
                    f.active_members.to_string(),
                    "Distinct people who contributed in the window.",
                ),
                s(
                    "Core / active / peripheral",
                    format!("{} / {} / {}", f.core, f.active, f.peripheral),
                    "Core: 10+ contributions spread over at least two thirds of the window. Active: 3+.",
                ),
                s(
                    "Contributions",
                    f.contributions.to_string(),
                    "Threads, replies, resources created or revised, and event attendance.",
                ),
                s(
                    "Trend",
                    num(f.activity_trend, 2),
                    "Contributions in this window divided by the previous one.",
                ),
                s(
                    "Newcomers",
                    f.newcomers.to_string(),
                    "People who joined in the window.",
                ),
                s(
                    "Newcomer retention",
                    pct(f.newcomer_retention),
                    "Of those who first joined in the previous window, the share who contributed in this one.",
                ),
            ],
        ),
        (
            "Helping each other",
            vec![
                s(
                    "Help requests",
                    f.help_requests.to_string(),
                    "Requests for help opened in the window.",
                ),
                s(
                    "Answered within 7 days",
                    pct(f.help_answered_share),
                    "Requests with a reply by someone else within a week.",
                ),
                s(
                    "Median first response",
                    hours(f.median_first_response_hours),
                    "Time from the request to the first reply by someone else.",
                ),
                s(
                    "Solved",
                    pct(f.help_solved_share),
                    "Requests marked solved by the answer that helped.",
                ),
                s(
                    "Cross-unit replies",
                    pct(f.cross_unit_reply_share),
                    "Replies to help requests from someone of another unit than the asker.",
                ),
                s(
                    "Units reached",
                    f.units_reached.to_string(),
                    "Organization units of the people who contributed.",
                ),
            ],
        ),
        (
            "Concentration",
            vec![
                s(
                    "Top contributor share",
                    pct(f.top_contributor_share),
                    "The share of contributions made by the most active person.",
                ),
                s(
                    "Contribution Gini",
                    num(f.contribution_gini, 2),
                    "0: everyone contributes equally; towards 1: a few do everything.",
                ),
            ],
        ),
        (
            "Rhythm",
            vec![
                s(
                    "Events held",
                    f.events_held.to_string(),
                    "Meetings and workshops held in the window.",
                ),
                s(
                    "Attendance per event",
                    num(f.attendance_per_event, 1),
                    "Attendances recorded per event held.",
                ),
                s(
                    "Rhythm regularity",
                    num(f.rhythm_cv, 2),
                    "Variation of the gaps between events (lower is steadier).",
                ),
                s(
                    "Days since review",
                    num(f.days_since_review, 0),
                    "Since the charter was last reviewed or the stage last moved.",
                ),
            ],
        ),
    ]
}

fn alert_evidence(name: &str, r: &PulseReport) -> String {
    let f = &r.pulse.figures;
    let p = &r.pulse;
    match name {
        "neglect" => format!(
            "{} contributions this window, {} in the previous one (trend {}); {} members.",
            f.contributions,
            p.previous_contributions,
            num(f.activity_trend, 2),
            f.members
        ),
        "closed" => format!(
            "{} members, {} newcomers, cross-unit replies {}.",
            f.members,
            f.newcomers,
            pct(f.cross_unit_reply_share)
        ),
        "no_challenge" => format!(
            "{} members, {} help requests, {} resources created or revised.",
            f.members, f.help_requests, p.resource_changes
        ),
        "competing_demands" => format!(
            "{} attendances per event over {} events, against {} over {} events in the previous window.",
            num(f.attendance_per_event, 1),
            f.events_held,
            num(p.previous_attendance_per_event, 1),
            p.previous_events_held
        ),
        "stale" => format!(
            "{} members; last review {} days ago.",
            f.members,
            num(f.days_since_review, 0)
        ),
        "one_person" => format!(
            "{} of {} contributions ({}) by one person.",
            (f.top_contributor_share.unwrap_or(0.0) * f.contributions as f64).round(),
            f.contributions,
            pct(f.top_contributor_share)
        ),
        _ => String::new(),
    }
}

async fn pulse_page(
    State(s): State<AppState>,
    p: PageUser,
    Path(slug): Path<String>,
    PageQuery(q): PageQuery<WindowQuery>,
) -> PageResult {
    // "now" is asked for on purpose (the link from a dormant community's
    // note); nothing at all lets a dormant community open at its end.
    let asked_now = q.as_of.as_deref().map(str::trim) == Some("now");
    // A date from the form's date field means the end of that day.
    let as_of_raw = q
        .as_of
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty() && !asked_now)
        .map(|v| {
            if v.len() == 10 {
                format!("{v}T23:59:59Z")
            } else {
                v.to_owned()
            }
        });
    let (window, errors) = match PulseWindow::parse(as_of_raw.as_deref(), q.window.as_deref()) {
        Ok(w) => (w, FieldErrors::new()),
        Err(AppError::Validation(e)) => (PulseWindow::parse(None, None)?, e),
        Err(e) => return Err(e.into()),
    };
    let mut window = window;
    if as_of_raw.is_none() {
        // Today's pulse is the pulse as of the current minute (the page
        // names the day): every view within the minute shares one
        // computation over the community's events.
        let now = window.as_of.secs;
        window.as_of = guildhall_domain::pulse::AsOf::from(now - now.rem_euclid(60));
    }
    let (mut report, events) = s.app.community_pulse(&p.user, &slug, window).await?;
    // A community whose activity ended long ago (an imported archive, one
    // in memory) opens at its last activity rather than on today's alerts
    // about an empty window.
    let mut ended_at = None;
    if as_of_raw.is_none()
        && !asked_now
        && errors.is_empty()
        && let Some(last) = events.iter().map(|e| e.at).max()
        && last < window.as_of.cutoff() - window.days * DAY
    {
        let day_end = (last.div_euclid(DAY) + 1) * DAY - 1;
        window.as_of = guildhall_domain::pulse::AsOf {
            secs: day_end,
            nanos: 999_999_999,
        };
        report = s.app.pulse_of(report.community, window, &events)?;
        ended_at = Some(last);
    }
    let t = window.as_of.cutoff();

    let unit_names: HashMap<i64, String> = s
        .app
        .unit_choices()
        .await?
        .into_iter()
        .map(|n| (n.unit.id.0, n.unit.name))
        .collect();
    let unit_labels: Vec<(String, i64)> = report
        .pulse
        .unit_contributions
        .iter()
        .take(8)
        .map(|(u, n)| {
            (
                u.and_then(|u| unit_names.get(&u).cloned())
                    .unwrap_or_else(|| "No unit".into()),
                *n,
            )
        })
        .collect();
    // Levels at the end of each of the last 12 months (window as chosen).
    let history = s
        .app
        .level_history(report.community.id, &events, t, window.days, (12, 30))?;
    // The charts follow from the events, the instant and window, and the
    // units' names: drawn once for them (drawing took most of the page's
    // time), as long as the event list is the one the cache holds.
    let stamp = (t, window.days, unit_labels.clone());
    let charts = s
        .pulse_charts
        .get(report.community.id, stamp, &events, |events| {
            draw_pulse_charts(events, t, &report, &unit_labels, &history)
        })?;

    let alerts = report
        .pulse
        .alerts
        .on()
        .into_iter()
        .map(|name| {
            let (title, meaning, action) = alert_guidance(name);
            AlertShown {
                title,
                meaning,
                action,
                evidence: alert_evidence(name, &report),
            }
        })
        .collect();
    Ok(PulsePage {
        ctx: p.ctx.with_nav("communities"),
        slug: report.community.slug.clone(),
        name: report.community.name.clone(),
        stage: report.community.stage.to_string(),
        as_of_label: Timestamp(window.as_of.secs).date(),
        as_of_input: match ended_at {
            Some(_) => Timestamp(window.as_of.secs).date(),
            None if asked_now => String::new(),
            None => q.as_of.clone().unwrap_or_default(),
        },
        ended_at: ended_at.map(|t| Timestamp(t).date()),
        window: window.days,
        windows: &[30, 90, 180, 365],
        errors,
        alerts,
        groups: figure_groups(&report),
        charts,
    }
    .into_response())
}

/// What the pulse page draws: five charts and the level moves.
#[derive(Clone, Debug)]
pub(crate) struct PulseCharts {
    activity_chart: String,
    pyramid_chart: String,
    response_chart: String,
    units_chart: String,
    levels_chart: String,
    moves: Vec<(String, String, i64)>,
}

fn draw_pulse_charts(
    events: &[PulseEvent],
    t: i64,
    report: &PulseReport,
    unit_labels: &[(String, i64)],
    history: &LevelHistory,
) -> PulseCharts {
    let weeks = 52;
    let weekly = weekly_contributions(events, t, weeks);
    let week_labels: Vec<String> = (0..weeks)
        .map(|k| Timestamp(t - (weeks - k) as i64 * 7 * DAY).date())
        .collect();
    let activity_chart = charts::area(
        "Contributions per week over the last year",
        &week_labels,
        &weekly.iter().map(|v| *v as f64).collect::<Vec<_>>(),
        760,
        220,
    );
    let f = &report.pulse.figures;
    let pyramid_chart = charts::hbars(
        "Participation levels in the window",
        &[
            ("Core".into(), f.core as f64, charts::BRAND),
            ("Active".into(), f.active as f64, charts::SOFT),
            ("Peripheral".into(), f.peripheral as f64, charts::PALE),
        ],
        440,
    );
    let times = response_times(&report.pulse.first_response_hours);
    let mut response_bars: Vec<(String, f64, _)> = times
        .buckets
        .iter()
        .map(|(label, n)| ((*label).to_owned(), *n as f64, charts::BRAND))
        .collect();
    response_bars.push((
        "No reply yet".into(),
        times.unanswered as f64,
        charts::ACCENT,
    ));
    let response_chart = charts::hbars(
        "First response time to help requests in the window",
        &response_bars,
        440,
    );

    let unit_bars: Vec<(String, f64, _)> = unit_labels
        .iter()
        .map(|(name, n)| (name.clone(), *n as f64, charts::SOFT))
        .collect();
    let units_chart = charts::hbars("Contributions by organization unit", &unit_bars, 440);

    let month_labels: Vec<String> = history
        .iter()
        .map(|(at, _)| Timestamp(*at).month_label())
        .collect();
    let count = |lvl: Level| {
        history
            .iter()
            .map(|(_, ls)| ls.iter().filter(|(_, l)| *l == lvl).count() as f64)
            .collect::<Vec<_>>()
    };
    let levels_chart = charts::stacked(
        "Participation levels at the end of each month",
        &month_labels,
        &[
            ("core", charts::BRAND, count(Level::Core)),
            ("active", charts::SOFT, count(Level::Active)),
            ("peripheral", charts::PALE, count(Level::Peripheral)),
        ],
        760,
        260,
    );
    // How people moved between levels from a year ago to now.
    let moves: Vec<(String, String, i64)> = level_moves(history)
        .into_iter()
        .map(|m| (m.from.to_owned(), m.to.to_owned(), m.people))
        .collect();

    PulseCharts {
        activity_chart,
        pyramid_chart,
        response_chart,
        units_chart,
        levels_chart,
        moves,
    }
}

// ---- organization overview ------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct OverviewQuery {
    q: Option<String>,
    stage: Option<String>,
    alert: Option<String>,
    window: Option<String>,
    sort: Option<String>,
}

struct OverviewRow {
    slug: String,
    name: String,
    stage: String,
    members: i64,
    active: i64,
    contributions: i64,
    trend: String,
    trend_value: Option<f64>,
    trend_low: bool,
    alerts: Vec<&'static str>,
}

#[derive(Template, WebTemplate)]
#[template(path = "overview.html")]
struct OverviewPage {
    ctx: PageCtx,
    rows: Vec<OverviewRow>,
    with_alerts: usize,
    q: String,
    stage: String,
    alert: String,
    window: i64,
    windows: &'static [i64],
    sort: String,
    query: String,
    stages: &'static [guildhall_domain::Stage],
    alert_names: Vec<(&'static str, &'static str)>,
    columns: &'static [(&'static str, &'static str)],
}

const COLUMNS: &[(&str, &str)] = &[
    ("name", "Community"),
    ("stage", "Stage"),
    ("members", "Members"),
    ("active", "Active"),
    ("contributions", "Contributions"),
    ("trend", "Trend"),
];

async fn overview(
    State(s): State<AppState>,
    p: PageUser,
    PageQuery(q): PageQuery<OverviewQuery>,
) -> PageResult {
    let window = PulseWindow::parse(None, q.window.as_deref())
        .or_else(|_| PulseWindow::parse(None, None))?;
    let reports = s.app.overview(&p.user, window).await?;
    let filter = OverviewFilter::parse(q.q.as_deref(), q.stage.as_deref(), q.alert.as_deref());
    let stage = filter
        .stage
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default();
    let alert = filter.alert.unwrap_or_default().to_owned();
    let mut rows: Vec<OverviewRow> = reports
        .iter()
        .filter(|r| filter.matches(&r.community.name, r.community.stage, &r.pulse.alerts.on()))
        .map(|r| {
            let f = &r.pulse.figures;
            OverviewRow {
                slug: r.community.slug.clone(),
                name: r.community.name.clone(),
                stage: r.community.stage.to_string(),
                members: f.members,
                active: f.active_members,
                contributions: f.contributions,
                trend: num(f.activity_trend, 2),
                trend_value: f.activity_trend,
                trend_low: f.activity_trend.is_some_and(|t| t < 0.5),
                alerts: r
                    .pulse
                    .alerts
                    .on()
                    .into_iter()
                    .map(|n| alert_guidance(n).0)
                    .collect(),
            }
        })
        .collect();
    let sort = q
        .sort
        .clone()
        .filter(|k| COLUMNS.iter().any(|(c, _)| *c == k.trim_start_matches('-')))
        .unwrap_or_else(|| "name".into());
    let key = sort.trim_start_matches('-');
    let stage_rank = |st: &str| {
        guildhall_domain::Stage::ALL
            .iter()
            .position(|x| x.as_str() == st)
            .unwrap_or(99)
    };
    rows.sort_by(|a, b| {
        let o = match key {
            "stage" => stage_rank(&a.stage).cmp(&stage_rank(&b.stage)),
            "members" => a.members.cmp(&b.members),
            "active" => a.active.cmp(&b.active),
            "contributions" => a.contributions.cmp(&b.contributions),
            "trend" => a
                .trend_value
                .unwrap_or(f64::INFINITY)
                .total_cmp(&b.trend_value.unwrap_or(f64::INFINITY)),
            _ => std::cmp::Ordering::Equal,
        };
        let o = o.then_with(|| a.name.cmp(&b.name));
        if sort.starts_with('-') {
            o.reverse()
        } else {
            o
        }
    });
    let query = super::query_string(&[
        ("q", q.q.clone().unwrap_or_default()),
        ("stage", stage.clone()),
        ("alert", alert.clone()),
        ("window", window.days.to_string()),
    ]);
    Ok(OverviewPage {
        ctx: p.ctx.with_nav("overview"),
        with_alerts: rows.iter().filter(|r| !r.alerts.is_empty()).count(),
        rows,
        q: q.q.unwrap_or_default(),
        stage,
        alert,
        window: window.days,
        windows: &[30, 90, 180, 365],
        sort,
        query,
        stages: guildhall_domain::Stage::ALL,
        alert_names: ALERT_NAMES
            .iter()
            .map(|n| (*n, alert_guidance(n).0))
            .collect(),
        columns: COLUMNS,
    }
    .into_response())
}
