#!/usr/bin/env python3
"""Compare two pulse JSON files figure by figure (bench/pulse.sh).

Usage: python3 bench/pulse_compare.py EXPECTED.json GOT.json [--expected-name duckdb --got-name rust]

Both are arrays in the shape of `guildhall pulse --format json`; objects are
matched by `community` (compared as strings). Integer figures must be equal,
floating-point figures equal within 1e-9 relative (or 1e-12 absolute, for
values that should be 0), nulls equal, alerts equal; `as_of` (as an instant)
and `window_days` must agree. A community present in GOT but absent from
EXPECTED (a community with no event at all in the export) is compared with
the empty case of METRICS.md: count figures 0, the others null, no alert.
Exit status: 0 if all agree, 1 on any mismatch.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys

INT_FIGURES = [
    "members", "active_members", "core", "active", "peripheral", "contributions",
    "newcomers", "help_requests", "units_reached", "events_held",
]
FLOAT_FIGURES = [
    "newcomer_retention", "help_answered_share", "median_first_response_hours",
    "help_solved_share", "cross_unit_reply_share", "top_contributor_share",
    "contribution_gini", "attendance_per_event", "rhythm_cv", "activity_trend",
    "days_since_review",
]
ALERTS = ["neglect", "closed", "no_challenge", "competing_demands", "stale", "one_person"]
REL_TOL, ABS_TOL = 1e-9, 1e-12


def instant(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00").replace("z", "+00:00"))


def is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("expected")
    ap.add_argument("got")
    ap.add_argument("--expected-name", default="expected")
    ap.add_argument("--got-name", default="got")
    a = ap.parse_args(argv)
    exp = {str(o["community"]): o for o in json.load(open(a.expected))}
    got = {str(o["community"]): o for o in json.load(open(a.got))}
    en, gn = a.expected_name, a.got_name
    bad: list[str] = []
    compared = 0
    empty_filled = 0
    for cid in sorted(set(exp) | set(got), key=lambda s: (len(s), s)):
        if cid not in got:
            bad.append(f"community {cid}: in {en}, missing from {gn}")
            continue
        g = got[cid]
        e = exp.get(cid)
        if e is None:
            empty_filled += 1
            e = {**{n: 0 for n in INT_FIGURES}, **{n: None for n in FLOAT_FIGURES},
                 "alerts": {n: False for n in ALERTS},
                 "as_of": g.get("as_of"), "window_days": g.get("window_days")}
        label = f"community {cid} ({g.get('slug', '?')})"
        try:
            if instant(e["as_of"]) != instant(g["as_of"]):
                bad.append(f"{label} as_of: {en} {e['as_of']}, {gn} {g['as_of']}")
        except (KeyError, ValueError, AttributeError) as exc:
            bad.append(f"{label} as_of: unusable ({exc})")
        if e.get("window_days") != g.get("window_days"):
            bad.append(f"{label} window_days: {en} {e.get('window_days')}, {gn} {g.get('window_days')}")
        for n in INT_FIGURES + FLOAT_FIGURES:
            compared += 1
            if n not in g:
                bad.append(f"{label} {n}: missing from {gn}")
                continue
            ev, gv = e.get(n), g[n]
            if ev is None or gv is None:
                ok = ev is None and gv is None
            elif not (is_num(ev) and is_num(gv)):
                ok = False
            elif n in INT_FIGURES:
                ok = float(ev).is_integer() and float(gv).is_integer() and ev == gv
            else:
                ev, gv = float(ev), float(gv)
                d = abs(ev - gv)
                ok = ev == gv or (math.isfinite(d) and
                                  (d <= ABS_TOL or d <= REL_TOL * max(abs(ev), abs(gv))))
            if not ok:
                bad.append(f"{label} {n}: {en} {json.dumps(e.get(n))}, {gn} {json.dumps(g[n])}")
        ea, ga = e.get("alerts") or {}, g.get("alerts") or {}
        for n in ALERTS:
            compared += 1
            if ea.get(n) is not ga.get(n) or not isinstance(ga.get(n), bool):
                bad.append(f"{label} alerts.{n}: {en} {json.dumps(ea.get(n))}, "
                           f"{gn} {json.dumps(ga.get(n))}")
    print(f"compare: {len(got)} communities from {gn}, {len(exp)} from {en}"
          + (f" ({empty_filled} without events, compared with the empty case)" if empty_filled else "")
          + f"; {compared} figures and alerts compared; mismatches: {len(bad)}")
    for m in bad[:200]:
        print("  " + m)
    if len(bad) > 200:
        print(f"  … and {len(bad) - 200} more")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
