#!/usr/bin/env python3
"""The health pulse of every community, computed by DuckDB SQL from the CSV
activity export (definitions: METRICS.md, "Health pulse: exact definitions").

A reference point for `guildhall pulse`: every figure and every alert is
computed in SQL; Python only passes the parameters, times the two phases and
writes the rows out as JSON in the shape of `guildhall pulse --format json`
(one object per community of the export, with `community`, `as_of`,
`window_days`, every figure by name and `alerts`; there is no `slug`, the
export has none).

Usage:
  python3 bench/pulse_duckdb.py --activity export.csv --as-of RFC3339 \
      [--window 90] [--out pulse-duckdb.json] [--threads N]

Prints to stderr one line `duckdb: load_s=… compute_s=… events=… communities=…`
(load = reading the CSV into an in-memory table with parsed times;
compute = every figure and alert from that table). Exit 0 on success.

DuckDB comes from PyPI, pinned below; it is installed with pip if missing.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

DUCKDB_VERSION = "1.4.1"

try:
    import duckdb  # noqa: F401
except ImportError:  # install the pinned version, once
    subprocess.check_call([sys.executable, "-m", "pip", "install", "-q",
                           f"duckdb=={DUCKDB_VERSION}"], stdout=sys.stderr)
    import duckdb

# ---------------------------------------------------------------------------
# Load: the CSV into a table. Times become integer nanoseconds since the epoch
# (exact: RFC 3339 with any offset and up to nanosecond precision). Ids stay
# strings, as METRICS.md allows strings or integers; empty fields are NULL.
LOAD_SQL = """
CREATE OR REPLACE TABLE activity AS
SELECT id,
       epoch_ns(CAST("at" AS TIMESTAMP_NS)) AS t,
       kind, actor, actor_unit AS unit, community AS c, subject, parent, other
FROM read_csv(?, header = true, auto_detect = false, delim = ',', quote = '"',
              escape = '"',
              columns = {'id': 'BIGINT', 'at': 'VARCHAR', 'kind': 'VARCHAR',
                         'actor': 'VARCHAR', 'actor_unit': 'VARCHAR',
                         'community': 'VARCHAR', 'subject': 'VARCHAR',
                         'parent': 'VARCHAR', 'other': 'VARCHAR'})
"""

# ---------------------------------------------------------------------------
# Compute. Parameters: getvariable('T') = as-of in ns (BIGINT),
# getvariable('W') = window in ns (BIGINT, W days * 86400e9, divisible by 3).
# Intervals are [start, end). Counts and alert thresholds are exact integer
# arithmetic; ratios are DOUBLE divisions of exact integers.
COMPUTE_SQL = r"""
WITH
params AS (
    SELECT getvariable('T')::BIGINT AS T, getvariable('W')::BIGINT AS W,
           86400000000000::BIGINT AS DAY
),
-- Only events of a community with at < T count.
ev AS (
    SELECT a.id, a.t, a.kind, a.actor, a.unit, a.c, a.subject, a.parent,
           a.kind IN ('thread.help', 'thread.story', 'thread.discussion',
                      'reply.created', 'resource.created', 'resource.revised',
                      'event.attended')                   AS contrib,
           a.t >= p.T - p.W                               AS inw,   -- [T-W, T)
           a.t >= p.T - 2 * p.W AND a.t < p.T - p.W        AS inp,   -- [T-2W, T-W)
           CASE WHEN a.t <  p.T - p.W         THEN NULL
                WHEN a.t <  p.T - 2 * p.W / 3 THEN 0
                WHEN a.t <  p.T - p.W / 3     THEN 1
                ELSE 2 END                                AS third
    FROM activity a, params p
    WHERE a.t < p.T AND a.c IS NOT NULL
),
communities AS (
    SELECT DISTINCT c FROM activity WHERE c IS NOT NULL
),
-- Membership: latest join / latest leave / first-ever join before T.
mem AS (
    SELECT c, actor AS p,
           max(t) FILTER (WHERE kind = 'member.joined') AS last_join,
           max(t) FILTER (WHERE kind = 'member.left')   AS last_left,
           min(t) FILTER (WHERE kind = 'member.joined') AS first_join
    FROM ev
    WHERE kind IN ('member.joined', 'member.left') AND actor IS NOT NULL
    GROUP BY c, actor
),
members AS (
    SELECT c, p FROM mem
    WHERE last_join IS NOT NULL AND (last_left IS NULL OR last_join > last_left)
),
-- n(p) and the thirds p contributed in.
np AS (
    SELECT c, actor AS p, count(*) AS n, count(DISTINCT third) AS thirds
    FROM ev WHERE contrib AND inw
    GROUP BY c, actor
),
-- Population: members at T and contributors in the window.
pop AS (
    SELECT coalesce(m.c, x.c) AS c, coalesce(m.p, x.p) AS p,
           m.p IS NOT NULL AS is_member,
           coalesce(x.n, 0) AS n, coalesce(x.thirds, 0) AS thirds
    FROM members m FULL OUTER JOIN np x ON m.c = x.c AND m.p = x.p
),
pop_ranked AS (
    SELECT c, n, is_member,
           n >= 10 AND thirds >= 2                               AS is_core,
           n >= 3 AND NOT (n >= 10 AND thirds >= 2)               AS is_active,
           row_number() OVER (PARTITION BY c ORDER BY n) - 1      AS k,
           count(*) OVER (PARTITION BY c)                         AS pop_n
    FROM pop
),
pop_agg AS (
    SELECT c,
           count(*) FILTER (WHERE is_member)    AS members,
           count(*) FILTER (WHERE n > 0)        AS active_members,
           count(*) FILTER (WHERE is_core)      AS core,
           count(*) FILTER (WHERE is_active)    AS active,
           count(*)                             AS pop_size,
           sum(n)                               AS contributions,
           max(n)                               AS max_n,
           -- sum_i sum_j |x_i - x_j| = 2 * sum_k (2k - N + 1) x_(k), x sorted, k from 0
           2 * sum((2 * k - pop_n + 1)::HUGEINT * n) AS pair_abs_sum
    FROM pop_ranked GROUP BY c
),
-- Plain counts over the window, the previous window and all time before T.
counts AS (
    SELECT c,
           count(*) FILTER (WHERE contrib AND inp)                          AS prev_contributions,
           count(DISTINCT actor) FILTER (WHERE kind = 'member.joined' AND inw) AS newcomers,
           count(*) FILTER (WHERE kind = 'thread.help' AND inw)             AS help_requests,
           count(DISTINCT unit) FILTER (WHERE contrib AND inw)              AS units_reached,
           count(*) FILTER (WHERE kind = 'event.held' AND inw)              AS events_held,
           count(*) FILTER (WHERE kind = 'event.held' AND inp)              AS prev_held,
           count(*) FILTER (WHERE kind = 'event.attended' AND inw)          AS attended,
           count(*) FILTER (WHERE kind = 'event.attended' AND inp)          AS prev_attended,
           count(*) FILTER (WHERE kind IN ('resource.created', 'resource.revised') AND inw)
                                                                            AS resource_work,
           max(t) FILTER (WHERE kind IN ('charter.reviewed', 'stage.changed')) AS last_review
    FROM ev GROUP BY c
),
-- Newcomer retention: first-ever join in the previous window, contributed in the window.
retention AS (
    SELECT m.c, count(*) AS cohort, count(x.p) AS retained
    FROM mem m CROSS JOIN params p
    LEFT JOIN np x ON x.c = m.c AND x.p = m.p
    WHERE m.first_join >= p.T - 2 * p.W AND m.first_join < p.T - p.W
    GROUP BY m.c
),
-- Help requests of the window and the replies to them by someone else.
replies AS (
    SELECT c, parent, actor, unit, t, inw FROM ev
    WHERE kind = 'reply.created' AND parent IS NOT NULL
),
solved AS (
    SELECT DISTINCT c, subject FROM ev WHERE kind = 'help.solved' AND subject IS NOT NULL
),
requests AS (
    SELECT r.c, r.id,
           min(x.t) - r.t                                           AS first_response_ns,
           coalesce(bool_or(x.t < least(r.t + p.DAY * 7, p.T)), false) AS answered,
           any_value(s.subject) IS NOT NULL                         AS solved
    FROM ev r CROSS JOIN params p
    LEFT JOIN replies x ON x.c = r.c AND x.parent = r.subject AND x.actor <> r.actor
    LEFT JOIN solved s ON s.c = r.c AND s.subject = r.subject
    WHERE r.kind = 'thread.help' AND r.inw
    GROUP BY r.c, r.id, r.t
),
help AS (
    SELECT c,
           count(*) FILTER (WHERE answered)                       AS answered,
           count(*) FILTER (WHERE solved)                         AS solved,
           median(first_response_ns::DOUBLE) / 3600e9             AS median_first_response_hours
    FROM requests GROUP BY c
),
-- The thread.help event of each help thread (the earliest, should there be several).
help_threads AS (
    SELECT c, subject, unit FROM ev
    WHERE kind = 'thread.help' AND subject IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY c, subject ORDER BY t, id) = 1
),
cross_unit AS (
    SELECT x.c, count(*) AS total,
           count(*) FILTER (WHERE x.unit IS DISTINCT FROM h.unit) AS differ
    FROM replies x JOIN help_threads h ON h.c = x.c AND h.subject = x.parent
    WHERE x.inw
    GROUP BY x.c
),
-- Rhythm: gaps (days) between consecutive event.held times in the window.
held_gaps AS (
    SELECT c, (t - lag(t) OVER (PARTITION BY c ORDER BY t, id))::DOUBLE / 86400e9 AS gap
    FROM ev WHERE kind = 'event.held' AND inw
),
rhythm AS (
    SELECT c, count(gap) AS gaps, avg(gap) AS mean_gap, stddev_pop(gap) AS sd_gap
    FROM held_gaps GROUP BY c
),
figures AS (
    SELECT cm.c,
           coalesce(pa.members, 0)         AS members,
           coalesce(pa.active_members, 0)  AS active_members,
           coalesce(pa.core, 0)            AS core,
           coalesce(pa.active, 0)          AS active,
           coalesce(pa.pop_size - pa.core - pa.active, 0) AS peripheral,
           coalesce(pa.contributions, 0)   AS contributions,
           coalesce(ct.newcomers, 0)       AS newcomers,
           rt.retained / rt.cohort         AS newcomer_retention,
           coalesce(ct.help_requests, 0)   AS help_requests,
           h.answered / nullif(ct.help_requests, 0) AS help_answered_share,
           h.median_first_response_hours,
           h.solved / nullif(ct.help_requests, 0)   AS help_solved_share,
           cu.differ / cu.total            AS cross_unit_reply_share,
           coalesce(ct.units_reached, 0)   AS units_reached,
           pa.max_n / nullif(pa.contributions, 0)   AS top_contributor_share,
           CASE WHEN pa.contributions > 0
                THEN (pa.pair_abs_sum::DOUBLE) / (2 * pa.pop_size * pa.contributions) END
                                           AS contribution_gini,
           coalesce(ct.events_held, 0)     AS events_held,
           ct.attended / nullif(ct.events_held, 0)  AS attendance_per_event,
           CASE WHEN ct.events_held >= 3 AND rh.mean_gap <> 0
                THEN rh.sd_gap / rh.mean_gap END AS rhythm_cv,
           pa.contributions / nullif(ct.prev_contributions, 0) AS activity_trend,
           (p.T - ct.last_review)::DOUBLE / 86400e9 AS days_since_review,
           -- inputs of the alerts, exact
           coalesce(ct.prev_contributions, 0) AS prev_contributions,
           coalesce(ct.prev_held, 0)       AS prev_held,
           coalesce(ct.attended, 0)        AS attended,
           coalesce(ct.prev_attended, 0)   AS prev_attended,
           coalesce(ct.resource_work, 0)   AS resource_work,
           cu.total AS cross_total, cu.differ AS cross_differ,
           coalesce(pa.max_n, 0) AS max_n,
           p.T - ct.last_review AS since_review_ns, p.DAY
    FROM communities cm CROSS JOIN params p
    LEFT JOIN pop_agg pa  ON pa.c = cm.c
    LEFT JOIN counts ct   ON ct.c = cm.c
    LEFT JOIN retention rt ON rt.c = cm.c
    LEFT JOIN help h      ON h.c = cm.c
    LEFT JOIN cross_unit cu ON cu.c = cm.c
    LEFT JOIN rhythm rh   ON rh.c = cm.c
)
SELECT c AS community,
       members, active_members, core, active, peripheral, contributions,
       newcomers, newcomer_retention, help_requests, help_answered_share,
       median_first_response_hours, help_solved_share, cross_unit_reply_share,
       units_reached, top_contributor_share, contribution_gini, events_held,
       attendance_per_event, rhythm_cv, activity_trend, days_since_review,
       -- activity_trend < 0.5, or members > 0 and contributions = 0
       (prev_contributions > 0 AND 2 * contributions < prev_contributions)
           OR (members > 0 AND contributions = 0)                      AS neglect,
       -- members >= 5, newcomers = 0, cross_unit_reply_share null or < 0.1
       members >= 5 AND newcomers = 0
           AND (cross_total IS NULL OR 10 * cross_differ < cross_total)  AS closed,
       members >= 5 AND help_requests = 0 AND resource_work = 0         AS no_challenge,
       -- >= 2 events held in both windows, attended/held < (prev_attended/prev_held) / 2
       events_held >= 2 AND prev_held >= 2
           AND 2 * attended * prev_held < prev_attended * events_held   AS competing_demands,
       members >= 5 AND (since_review_ns IS NULL OR since_review_ns > 365 * DAY) AS stale,
       contributions >= 10 AND 2 * max_n > contributions                AS one_person
FROM figures
ORDER BY try_cast(c AS BIGINT) NULLS LAST, c
"""

FIGURES = [
    "members", "active_members", "core", "active", "peripheral", "contributions",
    "newcomers", "newcomer_retention", "help_requests", "help_answered_share",
    "median_first_response_hours", "help_solved_share", "cross_unit_reply_share",
    "units_reached", "top_contributor_share", "contribution_gini", "events_held",
    "attendance_per_event", "rhythm_cv", "activity_trend", "days_since_review",
]
ALERTS = ["neglect", "closed", "no_challenge", "competing_demands", "stale", "one_person"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--activity", required=True, help="activity export, CSV")
    ap.add_argument("--as-of", required=True, help="T, RFC 3339")
    ap.add_argument("--window", type=int, default=90, help="W, days (default 90)")
    ap.add_argument("--out", default="-", help="JSON output file (default stdout)")
    ap.add_argument("--threads", type=int, help="DuckDB threads (default: all cores)")
    args = ap.parse_args(argv)
    if args.window <= 0:
        ap.error("--window must be positive")

    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    if args.threads:
        con.execute(f"SET threads = {int(args.threads)}")

    t0 = time.perf_counter()
    con.execute(LOAD_SQL, [args.activity])
    t1 = time.perf_counter()
    # Parameters, converted by DuckDB too (same parser as the event times).
    con.execute("SET VARIABLE T = (SELECT epoch_ns(CAST(? AS TIMESTAMP_NS)))", [args.as_of])
    con.execute("SET VARIABLE W = ?::BIGINT * 86400000000000", [args.window])
    rows = con.execute(COMPUTE_SQL).fetchall()
    t2 = time.perf_counter()
    names = [d[0] for d in con.description]
    events = con.execute("SELECT count(*) FROM activity").fetchone()[0]

    out = []
    for row in rows:
        r = dict(zip(names, row))
        cid = r["community"]
        obj = {"community": int(cid) if cid.isdigit() else cid,
               "as_of": args.as_of, "window_days": args.window}
        for name in FIGURES:
            v = r[name]
            obj[name] = float(v) if isinstance(v, float) else (int(v) if v is not None else None)
        obj["alerts"] = {name: bool(r[name]) for name in ALERTS}
        out.append(obj)
    text = json.dumps(out, indent=1)
    if args.out == "-":
        sys.stdout.write(text + "\n")
    else:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    print(f"duckdb: load_s={t1 - t0:.3f} compute_s={t2 - t1:.3f} events={events} "
          f"communities={len(out)} threads="
          f"{con.execute('SELECT current_setting(?)', ['threads']).fetchone()[0]} "
          f"version={duckdb.__version__}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
