//! Reading the append-only activity log: feeds for pages and the export.

use crate::read::{Sql, direct_row};
use crate::records::FeedItem;
use crate::sql::Fragments;
use crate::{Result, Store, StoreError, append_activity, write_tx};
use guildhall_domain::{ActivityId, ActivityKind, CommunityId, NewActivity, PersonId, UnitId};
use serde::Serialize;
use std::collections::HashMap;

/// One event exactly as METRICS.md's export describes it.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct ActivityRow {
    pub id: ActivityId,
    pub at: i64,
    pub kind: ActivityKind,
    pub actor_id: PersonId,
    pub actor_unit: Option<UnitId>,
    pub community_id: Option<CommunityId>,
    pub subject_id: Option<i64>,
    pub parent_id: Option<i64>,
    pub other_id: Option<PersonId>,
}
direct_row!(ActivityRow:
    id, at, kind, actor_id, actor_unit, community_id, subject_id, parent_id, other_id
);

/// Appends "the content of community `c` is readable by `viewer`" — the SQL
/// form of `policy::can_read_content`: open communities, or any community
/// the viewer is a member of.
pub(crate) fn push_readable_by(qb: &mut impl Fragments, viewer: PersonId) {
    qb.text("(c.visibility = 'open' OR EXISTS (SELECT 1 FROM memberships rm WHERE rm.community_id = c.id AND rm.person_id = ")
        .person(viewer)
        .text("))");
}

const FEED_SELECT: &str = "SELECT a.id, a.at, a.kind, a.actor_id, p.name AS actor_name, a.community_id, \
     c.slug AS community_slug, c.name AS community_name, a.other_id, o.name AS other_name \
     FROM activity a JOIN people p ON p.id = a.actor_id JOIN communities c ON c.id = a.community_id \
     LEFT JOIN people o ON o.id = a.other_id WHERE ";

/// Which events a feed shows.
#[derive(Clone, Copy, Debug)]
pub enum FeedScope {
    /// Events in the communities `person` is a member of.
    MemberOf(PersonId),
    /// Events in one community.
    Community(CommunityId),
    /// Events by one person.
    Actor(PersonId),
}

impl Store {
    /// Appends events outside any other change (e.g. an attendance record).
    pub async fn append_activity(&self, events: &[NewActivity]) -> Result<()> {
        write_tx!(self, |tx| {
            for ev in events {
                append_activity!(&mut *tx, ev);
            }
        });
        Ok(())
    }

    /// The latest events of `scope` whose community `viewer` may read.
    pub async fn feed(
        &self,
        viewer: PersonId,
        scope: FeedScope,
        limit: i64,
    ) -> Result<Vec<FeedItem>> {
        let mut qb = Sql::new(FEED_SELECT).kept();
        push_readable_by(&mut qb, viewer);
        match scope {
            FeedScope::MemberOf(p) => {
                // Each community's newest events from its index, then
                // the newest of those: reading every event of the
                // person's communities and sorting them cost tens of
                // milliseconds for a few large communities.
                let communities: Vec<CommunityId> = Sql::new(
                    "SELECT community_id FROM memberships WHERE person_id = $1 ORDER BY community_id",
                )
                .arg(p)
                .column(self)
                .await?;
                if communities.is_empty() {
                    return Ok(Vec::new());
                }
                qb.push(" AND a.id IN (");
                for (i, c) in communities.iter().enumerate() {
                    if i > 0 {
                        qb.push(" UNION ALL ");
                    }
                    qb.push("SELECT id FROM (SELECT id FROM activity WHERE community_id = ")
                        .bind(*c)
                        .push(" ORDER BY at DESC, id DESC LIMIT ")
                        .bind(limit)
                        .push(format!(") AS newest{i}"));
                }
                qb.push(")");
            }
            FeedScope::Community(c) => {
                qb.push(" AND a.community_id = ").bind(c);
            }
            FeedScope::Actor(p) => {
                qb.push(" AND a.actor_id = ").bind(p);
            }
        }
        qb.push(" ORDER BY a.at DESC, a.id DESC LIMIT ").bind(limit);
        qb.all::<FeedItem>(self).await
    }

    /// Up to `limit` events with id greater than `after`, in id order: the
    /// export pages through the whole log this way in bounded memory.
    pub async fn activity_after(&self, after: ActivityId, limit: i64) -> Result<Vec<ActivityRow>> {
        self.read_all::<ActivityRow>(&Sql::new(
            "SELECT id, at, kind, actor_id, actor_unit, community_id, subject_id, parent_id, other_id \
                 FROM activity WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .arg(after)
        .arg(limit))
        .await
    }

    pub async fn count_activity(&self) -> Result<i64> {
        Sql::new("SELECT COUNT(*) FROM activity")
            .scalar::<i64>(self)
            .await
    }
}

/// One event as the health pulse reads it: the kind as its numeric code
/// (decoded without allocating), only the columns the pulse uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct PulseRow {
    pub id: ActivityId,
    pub community_id: CommunityId,
    pub at: i64,
    pub kind: i64,
    pub actor_id: PersonId,
    pub actor_unit: Option<UnitId>,
    pub subject_id: Option<i64>,
    pub parent_id: Option<i64>,
}
direct_row!(PulseRow: id, community_id, at, kind, actor_id, actor_unit, subject_id, parent_id);

/// Every community's events for the pulse, read from the SQLite file by
/// connections of their own and grouped by community. The pool's driver
/// hands rows over one by one through a channel (about 5 µs each); the
/// pulse of a whole organization reads millions, which this reader takes
/// at SQLite's own pace from the `activity_pulse` index alone. The work is
/// cut into slices of time (the oldest, largest, first) that one thread per
/// core takes in turn, so the cores finish together.
fn read_pulse_rows_directly(
    file: &std::path::Path,
    before: i64,
    full_since: i64,
) -> Result<HashMap<CommunityId, Vec<PulseRow>>> {
    let kinds = |only_old: bool| -> String {
        ActivityKind::ALL
            .iter()
            .filter(|k| k.used_by_pulse() && (k.matters_before_window() || !only_old))
            .map(|k| format!("'{}'", k.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    const COLUMNS: &str = "SELECT id, community_id, at, kind, actor_id, actor_unit, subject_id, parent_id \
         FROM activity INDEXED BY activity_pulse WHERE community_id IS NOT NULL AND at >= ?1 AND at < ?2";
    let old_sql = format!("{COLUMNS} AND kind IN ({})", kinds(true));
    let all_sql = format!("{COLUMNS} AND kind IN ({})", kinds(false));
    const RECENT_SLICES: i64 = 8;
    let full_since = full_since.min(before);
    let mut slices = vec![(true, i64::MIN, full_since)];
    // In i128: `full_since` may be i64::MIN (everything).
    let span = i128::from(before) - i128::from(full_since);
    for k in 0..RECENT_SLICES {
        let at = |k: i64| {
            i64::try_from(i128::from(full_since) + span * i128::from(k) / i128::from(RECENT_SLICES))
                .unwrap_or(before)
        };
        let (lo, hi) = (at(k), at(k + 1));
        if hi > lo {
            slices.push((false, lo, hi));
        }
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let work = || -> Result<HashMap<CommunityId, Vec<PulseRow>>> {
        use rusqlite::{Connection, OpenFlags};
        let fail = StoreError::DirectRead;
        let conn = Connection::open_with_flags(
            file,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(fail)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(fail)?;
        let mut old = conn.prepare(&old_sql).map_err(fail)?;
        let mut all = conn.prepare(&all_sql).map_err(fail)?;
        let mut groups: HashMap<CommunityId, Vec<PulseRow>> = HashMap::new();
        while let Some(&(only_old, lo, hi)) =
            slices.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
        {
            let stmt = if only_old { &mut old } else { &mut all };
            let mut rows = stmt.query((lo, hi)).map_err(fail)?;
            while let Some(r) = rows.next().map_err(fail)? {
                let kind = match r.get_ref(3).map_err(fail)? {
                    rusqlite::types::ValueRef::Text(t) => std::str::from_utf8(t)
                        .ok()
                        .and_then(|t| ActivityKind::parse(t).ok())
                        .map_or(-1, ActivityKind::code),
                    _ => -1,
                };
                let row = PulseRow {
                    id: ActivityId(r.get(0).map_err(fail)?),
                    community_id: CommunityId(r.get(1).map_err(fail)?),
                    at: r.get(2).map_err(fail)?,
                    kind,
                    actor_id: PersonId(r.get(4).map_err(fail)?),
                    actor_unit: r.get::<_, Option<i64>>(5).map_err(fail)?.map(UnitId),
                    subject_id: r.get(6).map_err(fail)?,
                    parent_id: r.get(7).map_err(fail)?,
                };
                groups.entry(row.community_id).or_default().push(row);
            }
        }
        Ok(groups)
    };
    let parts: Vec<Result<HashMap<CommunityId, Vec<PulseRow>>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(StoreError::ReaderStopped("it panicked".into())))
            })
            .collect()
    });
    let mut merged: HashMap<CommunityId, Vec<PulseRow>> = HashMap::new();
    for part in parts {
        for (community, mut rows) in part? {
            match merged.entry(community) {
                std::collections::hash_map::Entry::Occupied(mut e) => e.get_mut().append(&mut rows),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(rows);
                }
            }
        }
    }
    Ok(merged)
}

/// `CASE kind WHEN 'member.joined' THEN 0 … ELSE -1 END`, from the domain's codes.
fn kind_code_sql() -> String {
    // CAST: PostgreSQL types the literals as 4-byte integers otherwise.
    let mut s = String::from("CAST(CASE kind");
    for k in ActivityKind::ALL {
        s.push_str(&format!(" WHEN '{}' THEN {}", k.as_str(), k.code()));
    }
    s.push_str(" ELSE -1 END AS BIGINT)");
    s
}

impl Store {
    /// Events a pulse as of `before` needs: every event of the community
    /// (or of all communities) earlier than `before` and not earlier than
    /// `full_since`, plus earlier events of the kinds that can still matter
    /// (see `ActivityKind::matters_before_window`). Pass `i64::MIN` as
    /// `full_since` for everything.
    pub async fn pulse_rows(
        &self,
        community: Option<CommunityId>,
        before: i64,
        full_since: i64,
    ) -> Result<Vec<PulseRow>> {
        let old_kinds: Vec<String> = ActivityKind::ALL
            .iter()
            .filter(|k| k.matters_before_window())
            .map(|k| format!("'{}'", k.as_str()))
            .collect();
        let mut qb = Sql::new(format!(
            "SELECT id, community_id, at, {} AS kind, actor_id, actor_unit, subject_id, parent_id FROM activity \
             WHERE community_id IS NOT NULL AND at < ",
            kind_code_sql()
        ));
        qb.bind(before);
        qb.push(" AND (at >= ").bind(full_since);
        qb.push(format!(" OR kind IN ({}))", old_kinds.join(", ")));
        if let Some(c) = community {
            qb.push(" AND community_id = ").bind(c);
        }
        qb.all::<PulseRow>(self).await
    }

    /// [`Store::pulse_rows`] of every community, grouped by community; on a
    /// SQLite file read directly (see `read_pulse_rows_directly`), leaving
    /// out the kinds the pulse ignores.
    pub async fn pulse_rows_by_community(
        &self,
        before: i64,
        full_since: i64,
    ) -> Result<HashMap<CommunityId, Vec<PulseRow>>> {
        if let Some(file) = self.sqlite_file.clone() {
            return tokio::task::spawn_blocking(move || {
                read_pulse_rows_directly(&file, before, full_since)
            })
            .await
            .map_err(|e| StoreError::ReaderStopped(e.to_string()))?;
        }
        let mut groups: HashMap<CommunityId, Vec<PulseRow>> = HashMap::new();
        for row in self.pulse_rows(None, before, full_since).await? {
            groups.entry(row.community_id).or_default().push(row);
        }
        Ok(groups)
    }
}

impl Store {
    /// Every event of one community with an id above `after_id`, in id
    /// order: lets a reader that already holds the earlier events (the log
    /// is append-only) catch up with what was added since.
    pub async fn pulse_rows_after(
        &self,
        community: CommunityId,
        after_id: ActivityId,
    ) -> Result<Vec<PulseRow>> {
        Sql::new(format!(
            "SELECT id, community_id, at, {} AS kind, actor_id, actor_unit, subject_id, parent_id FROM activity \
             WHERE community_id = ",
            kind_code_sql()
        ))
        .bind(community)
        .push(" AND id > ")
        .bind(after_id)
        .push(" ORDER BY id")
        .all::<PulseRow>(self)
        .await
    }
}
