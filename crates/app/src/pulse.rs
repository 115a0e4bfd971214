//! The health pulse: one community's (for its page and the API) or every
//! community's (for `guildhall pulse` and the organization overview), all
//! computed by `guildhall_domain::pulse::compute` from the activity log.

use crate::{App, AppError, Result, SessionUser};
use guildhall_domain::policy;
use guildhall_domain::pulse::{self, Alerts, AsOf, Figures, Pulse, PulseEvent};
use guildhall_domain::{ActivityId, ActivityKind, CommunityId, FieldErrors, Timestamp};
use guildhall_store::PulseRow;
use guildhall_store::records::Community;
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// When and over how long a pulse is taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PulseWindow {
    pub as_of: AsOf,
    pub days: i64,
}

impl PulseWindow {
    /// Parses what a person typed: `as_of` in RFC 3339 (default now),
    /// `window` in days (default 90). Errors name the parameter.
    pub fn parse(as_of: Option<&str>, window: Option<&str>) -> Result<Self> {
        let mut e = FieldErrors::new();
        let as_of = match as_of.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => e
                .check("as_of", Timestamp::parse_rfc3339_precise(s))
                .map(|(secs, nanos)| AsOf { secs, nanos }),
            None => Some(AsOf::from(Timestamp::now().0)),
        };
        let days = match window.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => match s.parse::<i64>() {
                Ok(d) => e.check("window", pulse::check_window(d)),
                Err(_) => {
                    e.add("window", format!("'{s}' is not a whole number of days"));
                    None
                }
            },
            None => Some(pulse::DEFAULT_WINDOW_DAYS),
        };
        e.into_result()?;
        match (as_of, days) {
            (Some(as_of), Some(days)) => Ok(PulseWindow { as_of, days }),
            _ => Err(AppError::internal("validated values missing")),
        }
    }
}

/// The pulse of one community as METRICS.md's interfaces print it:
/// `community`, `slug`, every figure by name, and `alerts`.
#[derive(Clone, Debug, Serialize)]
pub struct PulseRecord {
    pub community: CommunityId,
    pub slug: String,
    pub as_of: String,
    pub window_days: i64,
    #[serde(flatten)]
    pub figures: Figures,
    pub alerts: Alerts,
}

/// A community's pulse with what pages need besides the record.
#[derive(Clone, Debug)]
pub struct PulseReport {
    pub community: Community,
    pub window: PulseWindow,
    pub pulse: Arc<Pulse>,
}

impl PulseReport {
    pub fn record(&self) -> PulseRecord {
        PulseRecord {
            community: self.community.id,
            slug: self.community.slug.clone(),
            as_of: self.window.as_of.to_rfc3339(),
            window_days: self.window.days,
            figures: self.pulse.figures.clone(),
            alerts: self.pulse.alerts,
        }
    }
}

fn event(r: &PulseRow) -> PulseEvent {
    PulseEvent {
        at: r.at,
        kind: ActivityKind::from_code(r.kind),
        actor: r.actor_id.0,
        actor_unit: r.actor_unit.map(|u| u.0),
        subject: r.subject_id,
        parent: r.parent_id,
    }
}

impl App {
    /// One community's pulse, for those the policy lets see it, with the
    /// events it was computed from (for the page's other figures).
    pub async fn community_pulse(
        &self,
        user: &SessionUser,
        slug: &str,
        window: PulseWindow,
    ) -> Result<(PulseReport, Arc<Vec<PulseEvent>>)> {
        // Only the policy's context is needed, not the whole community page.
        let (community, _, ctx) = self.visible(user, slug).await?;
        AppError::from_access(policy::can_see_pulse(&user.viewer, &ctx), "community")?;
        let events = self.pulse_events(community.id).await?;
        Ok((self.pulse_of(community, window, &events)?, events))
    }

    /// Every event of one community (a pulse ignores those at or after its
    /// instant). See [`EventCache`].
    pub async fn pulse_events(&self, community: CommunityId) -> Result<Arc<Vec<PulseEvent>>> {
        self.events.community_events(&self.store, community).await
    }

    /// Each person's level at the end of `steps` successive periods of
    /// `step_days` up to `t` (see `pulse::level_history`): a pulse each,
    /// so computed once per community, instant and event list.
    pub fn level_history(
        &self,
        community: CommunityId,
        events: &Arc<Vec<PulseEvent>>,
        t: i64,
        window_days: i64,
        (steps, step_days): (usize, i64),
    ) -> Result<Arc<LevelHistory>> {
        self.history_cache
            .get(community, (t, window_days, steps, step_days), events, |e| {
                pulse::level_history(e, t, window_days, steps, step_days)
            })
    }

    /// One community's pulse, computed from its `events` (those of
    /// [`App::pulse_events`]) before T.
    pub fn pulse_of(
        &self,
        community: Community,
        window: PulseWindow,
        events: &Arc<Vec<PulseEvent>>,
    ) -> Result<PulseReport> {
        let pulse =
            self.pulse_cache
                .get(community.id, (window.as_of, window.days), events, |e| {
                    pulse::compute(e, window.as_of, window.days)
                })?;
        Ok(PulseReport {
            community,
            window,
            pulse,
        })
    }

    /// The organization overview: the pulse of every community the user may
    /// see the pulse of, ordered by name.
    pub async fn overview(
        &self,
        user: &SessionUser,
        window: PulseWindow,
    ) -> Result<Vec<PulseReport>> {
        let visible = self
            .store
            .communities(&guildhall_store::CommunityFilter {
                visible_to: user.id(),
                limit: 100_000,
                ..Default::default()
            })
            .await?
            .items;
        let allowed: std::collections::HashSet<CommunityId> = visible
            .iter()
            .filter(|c| {
                let ctx = policy::CommunityContext {
                    visibility: c.visibility,
                    policy: c.membership_policy,
                    stage: c.stage,
                    role: c.my_role,
                    invited: false,
                };
                policy::can_see_pulse(&user.viewer, &ctx).is_allowed()
            })
            .map(|c| c.id)
            .collect();
        let mut reports: Vec<PulseReport> = self
            .all_pulses(None, window)
            .await?
            .into_iter()
            .filter(|r| allowed.contains(&r.community.id))
            .collect();
        reports.sort_by(|a, b| a.community.name.cmp(&b.community.name));
        Ok(reports)
    }

    /// Every community's pulse (or one's, by slug), ordered by id. For the
    /// operator's CLI: no permission filter. Reads the whole log before
    /// the previous window only for the kinds that can still matter.
    pub async fn all_pulses(
        &self,
        slug: Option<&str>,
        window: PulseWindow,
    ) -> Result<Vec<PulseReport>> {
        let communities: Vec<Community> = match slug {
            Some(s) => vec![self.store.community_by_slug(s).await.map_err(|_| {
                AppError::invalid("community", format!("there is no community '{s}'"))
            })?],
            None => self.store.all_communities().await?,
        };
        let only = if communities.len() == 1 {
            communities.first().map(|c| c.id)
        } else {
            None
        };
        let full_since = window.as_of.cutoff() - 2 * window.days * guildhall_domain::time::DAY;
        let started = std::time::Instant::now();
        let cutoff = window.as_of.cutoff();
        let by_community = match only {
            Some(c) => {
                let rows = self.store.pulse_rows(Some(c), cutoff, full_since).await?;
                HashMap::from([(c, rows)])
            }
            None => {
                self.store
                    .pulse_rows_by_community(cutoff, full_since)
                    .await?
            }
        };
        tracing::debug!(
            rows = by_community.values().map(Vec::len).sum::<usize>(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "read the events for the pulse"
        );
        let t = window.as_of;
        let days = window.days;
        // Pure computation: split across the machine's cores.
        let reports = tokio::task::spawn_blocking(move || {
            let threads = std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .max(1);
            let chunk = communities.len().div_ceil(threads).max(1);
            let by_community = &by_community;
            std::thread::scope(|scope| {
                let handles: Vec<_> = communities
                    .chunks(chunk)
                    .map(|part| {
                        scope.spawn(move || {
                            part.iter()
                                .map(|c| {
                                    let events: Vec<PulseEvent> =
                                        by_community.get(&c.id).map_or(Vec::new(), |rows| {
                                            rows.iter().map(event).collect()
                                        });
                                    PulseReport {
                                        community: c.clone(),
                                        window,
                                        pulse: Arc::new(pulse::compute(&events, t, days)),
                                    }
                                })
                                .collect::<Vec<_>>()
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| h.join().unwrap_or_default())
                    .collect::<Vec<_>>()
            })
        })
        .await
        .map_err(|e| AppError::internal_from("the pulse thread stopped", e))?;
        tracing::debug!(
            communities = reports.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "computed the pulses"
        );
        Ok(reports)
    }
}

/// One person's participation level in one community at the end of each
/// of the last four quarters (oldest first; `None`: not part of it then).
#[derive(Clone, Debug)]
pub struct Trajectory {
    pub slug: String,
    pub name: String,
    pub points: Vec<(i64, Option<pulse::Level>)>,
}

impl App {
    /// A person's trajectories in the communities of their page (those the
    /// reader may read).
    pub async fn trajectories(
        &self,
        view: &crate::organization::PersonView,
    ) -> Result<Vec<Trajectory>> {
        let person = view.person.id.0;
        let window = PulseWindow {
            as_of: AsOf::from(Timestamp::now().0),
            days: pulse::DEFAULT_WINDOW_DAYS,
        };
        let mut out = Vec::new();
        for c in &view.communities {
            let events = self.pulse_events(c.id).await?;
            let history =
                pulse::level_history(events.as_slice(), window.as_of.cutoff(), window.days, 4, 90);
            let points = history
                .into_iter()
                .map(|(at, levels)| {
                    (
                        at,
                        levels
                            .into_iter()
                            .find(|(p, _)| *p == person)
                            .map(|(_, l)| l),
                    )
                })
                .collect();
            out.push(Trajectory {
                slug: c.slug.clone(),
                name: c.name.clone(),
                points,
            });
        }
        Ok(out)
    }
}

/// Each community's events, kept between requests and brought up to date
/// from the database on every read: the log is append-only, so the events
/// with ids above the last one seen are exactly what is new, whichever
/// server wrote them. That holds where ids are committed in order — SQLite,
/// whose writers take turns. On PostgreSQL a sequence can hand out an id to
/// a transaction that commits after a later one, so there the events are
/// read afresh each time. Memory is bounded: least recently used
/// communities are dropped beyond `MAX_CACHED_EVENTS`.
#[derive(Debug, Default)]
pub struct EventCache {
    inner: Mutex<CacheInner>,
}

#[derive(Debug, Default)]
struct CacheInner {
    /// The log's revision the cached events were read at (see
    /// `Store::activity_revision`): a merge of two people rewrites past
    /// events, and the cache starts again.
    revision: i64,
    by_community: HashMap<CommunityId, (ActivityId, Arc<Vec<PulseEvent>>)>,
    recent: VecDeque<CommunityId>,
    total: usize,
}

const MAX_CACHED_EVENTS: usize = 3_000_000;

impl EventCache {
    pub async fn community_events(
        &self,
        store: &guildhall_store::Store,
        community: CommunityId,
    ) -> Result<Arc<Vec<PulseEvent>>> {
        if store.is_postgres() {
            let rows = store
                .pulse_rows(Some(community), i64::MAX, i64::MIN)
                .await?;
            return Ok(Arc::new(rows.iter().map(event).collect()));
        }
        let revision = store.activity_revision().await?;
        let (last_id, held) = {
            let mut inner = self
                .inner
                .lock()
                .map_err(|_| AppError::internal("event cache poisoned"))?;
            if inner.revision != revision {
                *inner = CacheInner {
                    revision,
                    ..CacheInner::default()
                };
            }
            inner
                .by_community
                .get(&community)
                .cloned()
                .unwrap_or((ActivityId(0), Arc::new(Vec::new())))
        };
        let rows = store.pulse_rows_after(community, last_id).await?;
        if rows.is_empty() && last_id.0 > 0 {
            self.touch(community)?;
            return Ok(held);
        }
        let mut events = Vec::with_capacity(held.len() + rows.len());
        events.extend_from_slice(&held);
        events.extend(rows.iter().map(event));
        let new_last = rows.last().map_or(last_id, |r| r.id);
        let events = Arc::new(events);
        let mut inner = self
            .inner
            .lock()
            .map_err(|_| AppError::internal("event cache poisoned"))?;
        // Another request may have caught up meanwhile; keep the fuller copy
        // (unless the log was rewritten since this read began).
        let keep = inner.revision == revision
            && !matches!(inner.by_community.get(&community), Some((id, _)) if *id >= new_last);
        if keep {
            let old = inner
                .by_community
                .insert(community, (new_last, events.clone()))
                .map_or(0, |(_, e)| e.len());
            inner.total = inner.total + events.len() - old;
            inner.recent.retain(|c| *c != community);
            inner.recent.push_back(community);
            while inner.total > MAX_CACHED_EVENTS && inner.recent.len() > 1 {
                let Some(oldest) = inner.recent.pop_front() else {
                    break;
                };
                if let Some((_, e)) = inner.by_community.remove(&oldest) {
                    inner.total -= e.len();
                }
            }
        }
        Ok(events)
    }

    fn touch(&self, community: CommunityId) -> Result<()> {
        let mut inner = self
            .inner
            .lock()
            .map_err(|_| AppError::internal("event cache poisoned"))?;
        inner.recent.retain(|c| *c != community);
        inner.recent.push_back(community);
        Ok(())
    }
}

/// Each person's level at the end of successive periods, oldest first.
pub type LevelHistory = Vec<(i64, Vec<(i64, pulse::Level)>)>;

/// Results computed from one community's events, kept while they hold: an
/// entry is reused when it was computed for the same `stamp` (the instant
/// and window asked for) from the event list the [`EventCache`] hands out
/// now (the same list: no event added, no merge rewrote the log). On
/// PostgreSQL, where events are read afresh, entries are never reused.
#[derive(Debug)]
pub struct DerivedCache<S, V> {
    entries: Mutex<HashMap<CommunityId, Derived<S, V>>>,
}

// The event list is held weakly: its events are freed when the event cache
// lets them go, and the allocation it points at is not reused meanwhile.
type Derived<S, V> = (S, std::sync::Weak<Vec<PulseEvent>>, Arc<V>);

impl<S, V> Default for DerivedCache<S, V> {
    fn default() -> Self {
        DerivedCache {
            entries: Mutex::default(),
        }
    }
}

/// Communities kept per cache; beyond it the cache starts again.
const DERIVED_CACHED: usize = 4_096;

impl<S: PartialEq, V> DerivedCache<S, V> {
    pub fn get(
        &self,
        community: CommunityId,
        stamp: S,
        events: &Arc<Vec<PulseEvent>>,
        compute: impl FnOnce(&[PulseEvent]) -> V,
    ) -> Result<Arc<V>> {
        let poisoned = |_| AppError::internal("derived cache poisoned");
        if let Some((at, list, value)) = self.entries.lock().map_err(poisoned)?.get(&community)
            && *at == stamp
            && std::ptr::eq(list.as_ptr(), Arc::as_ptr(events))
        {
            return Ok(value.clone());
        }
        let value = Arc::new(compute(events));
        let mut entries = self.entries.lock().map_err(poisoned)?;
        if entries.len() >= DERIVED_CACHED {
            entries.clear();
        }
        entries.insert(community, (stamp, Arc::downgrade(events), value.clone()));
        Ok(value)
    }
}
