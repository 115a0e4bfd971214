#!/usr/bin/env python3
"""Independent recomputation of the health pulse, from the contract in docs/METRICS.md.

Reads an activity export (CSV, the format of METRICS.md) and the JSON output
of `guildhall pulse --format json`, recomputes every figure and alert of every
community in the JSON from the export alone, and compares.

Usage: python3 bench/pulse_check.py --activity export.csv --pulse pulse.json

Exit status: 0 if everything agrees, 1 on any mismatch (or a missing figure),
2 on unreadable input.

Standard library only. Times are kept as integer nanoseconds since the epoch
and ratios as exact fractions; floats are produced only for the final
comparison.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import json
import math
import re
import sys
from collections import defaultdict
from fractions import Fraction

NS = 1_000_000_000
DAY = 86_400 * NS
HOUR = 3_600 * NS

HEADER = ["id", "at", "kind", "actor", "actor_unit", "community", "subject", "parent", "other"]

CONTRIBUTION_KINDS = frozenset({
    "thread.help", "thread.story", "thread.discussion", "reply.created",
    "resource.created", "resource.revised", "event.attended",
})

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
# Order of the METRICS.md table.
FIGURES = [
    "members", "active_members", "core", "active", "peripheral", "contributions",
    "newcomers", "newcomer_retention", "help_requests", "help_answered_share",
    "median_first_response_hours", "help_solved_share", "cross_unit_reply_share",
    "units_reached", "top_contributor_share", "contribution_gini", "events_held",
    "attendance_per_event", "rhythm_cv", "activity_trend", "days_since_review",
]
assert sorted(FIGURES) == sorted(INT_FIGURES + FLOAT_FIGURES)
ALERTS = ["neglect", "closed", "no_challenge", "competing_demands", "stale", "one_person"]

REL_TOL = 1e-9
ABS_TOL = 1e-12

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$"
)
_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()


def parse_time(text: str) -> int:
    """RFC 3339 -> integer nanoseconds since the Unix epoch (exact)."""
    m = _RFC3339.match(text.strip())
    if not m:
        raise ValueError(f"not an RFC 3339 time: {text!r}")
    y, mo, d, h, mi, s, frac, off = m.groups()
    days = _dt.date(int(y), int(mo), int(d)).toordinal() - _EPOCH_ORDINAL
    secs = days * 86_400 + int(h) * 3600 + int(mi) * 60 + int(s)
    if off not in ("Z", "z"):
        sign = 1 if off[0] == "+" else -1
        secs -= sign * (int(off[1:3]) * 3600 + int(off[4:6]) * 60)
    ns = 0
    if frac:
        if len(frac) > 9 and int(frac[9:]) != 0:
            raise ValueError(f"sub-nanosecond precision not supported: {text!r}")
        ns = int(frac[:9].ljust(9, "0"))
    return secs * NS + ns


class Event:
    __slots__ = ("id", "at", "kind", "actor", "unit", "community", "subject", "parent", "other")

    def __init__(self, row: dict[str, str]):
        self.id = row["id"]
        self.at = parse_time(row["at"])
        self.kind = row["kind"]
        # Empty string = null; keep ids as the strings of the file.
        self.actor = row["actor"] or None
        self.unit = row["actor_unit"] or None
        self.community = row["community"] or None
        self.subject = row["subject"] or None
        self.parent = row["parent"] or None
        self.other = row["other"] or None


def read_activity(path: str) -> dict[str, list[Event]]:
    by_community: dict[str, list[Event]] = defaultdict(list)
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header != HEADER:
            raise ValueError(f"unexpected CSV header: {header!r} (expected {HEADER!r})")
        for lineno, values in enumerate(reader, start=2):
            if not values:
                continue
            if len(values) != len(HEADER):
                raise ValueError(f"line {lineno}: {len(values)} fields, expected {len(HEADER)}")
            ev = Event(dict(zip(HEADER, values)))
            if ev.community is not None:
                by_community[ev.community].append(ev)
    return by_community


def in_interval(t: int, start: int, end: int) -> bool:
    """Every interval includes its start and excludes its end."""
    return start <= t < end


def compute(events: list[Event], T: int, W_days: int, warnings: list[str], label: str):
    """Figures (exact: int, Fraction or None) and alerts for one community."""
    W = W_days * DAY
    w_start, w_end = T - W, T
    p_start, p_end = T - 2 * W, T - W
    # Thirds: W*86400e9 ns is divisible by 3, so these are exact.
    assert (2 * W) % 3 == 0 and W % 3 == 0
    thirds = [(T - W, T - 2 * W // 3), (T - 2 * W // 3, T - W // 3), (T - W // 3, T)]

    # Only events of c with at < T count.
    evs = [e for e in events if e.at < T]

    def in_window(e: Event) -> bool:
        return in_interval(e.at, w_start, w_end)

    def in_prev(e: Event) -> bool:
        return in_interval(e.at, p_start, p_end)

    # --- membership ---------------------------------------------------------
    last_join: dict[str, int] = {}
    last_left: dict[str, int] = {}
    first_join: dict[str, int] = {}
    for e in evs:
        if e.actor is None:
            continue
        if e.kind == "member.joined":
            if e.actor not in last_join or e.at > last_join[e.actor]:
                last_join[e.actor] = e.at
            if e.actor not in first_join or e.at < first_join[e.actor]:
                first_join[e.actor] = e.at
        elif e.kind == "member.left":
            if e.actor not in last_left or e.at > last_left[e.actor]:
                last_left[e.actor] = e.at
    members_set = set()
    for p, j in last_join.items():
        lft = last_left.get(p)
        if lft is None or j > lft:
            members_set.add(p)
        if lft is not None and j == lft:
            warnings.append(f"{label}: person {p} joined and left at the same instant; "
                            "counted as not a member (join must be strictly later)")

    # --- contributions --------------------------------------------------------
    contribs = [e for e in evs if e.kind in CONTRIBUTION_KINDS and in_window(e)]
    prev_contribs = sum(1 for e in evs if e.kind in CONTRIBUTION_KINDS and in_prev(e))
    n: dict[str, int] = defaultdict(int)
    thirds_of: dict[str, set[int]] = defaultdict(set)
    for e in contribs:
        if e.actor is None:
            warnings.append(f"{label}: contribution {e.id} has no actor")
        n[e.actor] += 1
        for i, (a, b) in enumerate(thirds):
            if in_interval(e.at, a, b):
                thirds_of[e.actor].add(i)
    contributors = set(n)
    population = members_set | contributors

    core = {p for p in population if n.get(p, 0) >= 10 and len(thirds_of.get(p, ())) >= 2}
    active = {p for p in population if n.get(p, 0) >= 3 and p not in core}
    contributions = len(contribs)

    f: dict[str, object] = {}
    f["members"] = len(members_set)
    f["active_members"] = len(contributors)
    f["core"] = len(core)
    f["active"] = len(active)
    f["peripheral"] = len(population) - len(core) - len(active)
    f["contributions"] = contributions

    # --- newcomers ----------------------------------------------------------
    f["newcomers"] = len({e.actor for e in evs
                          if e.kind == "member.joined" and e.actor is not None and in_window(e)})
    cohort = {p for p, t in first_join.items() if in_interval(t, p_start, p_end)}
    f["newcomer_retention"] = (Fraction(len(cohort & contributors), len(cohort))
                               if cohort else None)

    # --- help -----------------------------------------------------------------
    helps_all = [e for e in evs if e.kind == "thread.help"]
    help_by_thread: dict[str, Event] = {}
    for e in helps_all:
        if e.subject is None:
            warnings.append(f"{label}: thread.help {e.id} has no subject")
            continue
        if e.subject in help_by_thread:
            warnings.append(f"{label}: thread {e.subject} has several thread.help events; "
                            "using the earliest for cross_unit_reply_share")
            if e.at >= help_by_thread[e.subject].at:
                continue
        help_by_thread[e.subject] = e
    requests = [e for e in helps_all if in_window(e)]
    replies_by_thread: dict[str, list[Event]] = defaultdict(list)
    for e in evs:
        if e.kind == "reply.created" and e.parent is not None:
            replies_by_thread[e.parent].append(e)
    solved_threads = {e.subject for e in evs if e.kind == "help.solved" and e.subject is not None}

    f["help_requests"] = len(requests)
    answered = 0
    solved = 0
    first_resp: list[int] = []
    for r in requests:
        replies = [x for x in replies_by_thread.get(r.subject, []) if x.actor != r.actor]
        deadline = min(r.at + 7 * DAY, T)
        if any(x.at < deadline for x in replies):
            answered += 1
        if replies:  # all are before T already
            first_resp.append(min(x.at for x in replies) - r.at)
        if r.subject in solved_threads:
            solved += 1
    if requests:
        f["help_answered_share"] = Fraction(answered, len(requests))
        f["help_solved_share"] = Fraction(solved, len(requests))
    else:
        f["help_answered_share"] = None
        f["help_solved_share"] = None
    if first_resp:
        first_resp.sort()
        k = len(first_resp)
        if k % 2:
            med = Fraction(first_resp[k // 2])
        else:
            med = Fraction(first_resp[k // 2 - 1] + first_resp[k // 2], 2)
        f["median_first_response_hours"] = med / HOUR
    else:
        f["median_first_response_hours"] = None

    cross_total = 0
    cross_diff = 0
    for e in evs:
        if e.kind == "reply.created" and in_window(e) and e.parent in help_by_thread:
            cross_total += 1
            if e.unit != help_by_thread[e.parent].unit:  # None == None: same unit
                cross_diff += 1
    f["cross_unit_reply_share"] = Fraction(cross_diff, cross_total) if cross_total else None

    f["units_reached"] = len({e.unit for e in contribs if e.unit is not None})

    # --- concentration ------------------------------------------------------
    if contributions:
        f["top_contributor_share"] = Fraction(max(n.values()), contributions)
        xs = sorted(n.get(p, 0) for p in population)
        N = len(xs)
        # sum_i sum_j |x_i - x_j| = 2 * sum_k (2k - N + 1) x_(k) over sorted x (k from 0)
        s = 2 * sum((2 * k - N + 1) * x for k, x in enumerate(xs))
        total = sum(xs)
        assert total == contributions
        mean = Fraction(total, N)
        f["contribution_gini"] = Fraction(s) / (2 * N * N * mean)
    else:
        f["top_contributor_share"] = None
        f["contribution_gini"] = None

    # --- events -------------------------------------------------------------
    held = sorted(e.at for e in evs if e.kind == "event.held" and in_window(e))
    prev_held = sum(1 for e in evs if e.kind == "event.held" and in_prev(e))
    attended = sum(1 for e in evs if e.kind == "event.attended" and in_window(e))
    prev_attended = sum(1 for e in evs if e.kind == "event.attended" and in_prev(e))
    f["events_held"] = len(held)
    f["attendance_per_event"] = Fraction(attended, len(held)) if held else None
    rhythm = None
    if len(held) >= 3:
        gaps = [b - a for a, b in zip(held, held[1:])]
        k = len(gaps)
        S = sum(gaps)
        if S != 0:
            # cv = sqrt(sum (g - mean)^2 / k) / mean = sqrt(k*sum g^2 - S^2) / S  (unit-free)
            num = k * sum(g * g for g in gaps) - S * S
            rhythm = ("sqrt", Fraction(num, S * S))
    f["rhythm_cv"] = rhythm

    f["activity_trend"] = Fraction(contributions, prev_contribs) if prev_contribs else None

    reviews = [e.at for e in evs if e.kind in ("charter.reviewed", "stage.changed")]
    f["days_since_review"] = Fraction(T - max(reviews), DAY) if reviews else None

    # --- alerts (exact comparisons) ------------------------------------------
    members = f["members"]
    trend = f["activity_trend"]
    cross = f["cross_unit_reply_share"]
    top = f["top_contributor_share"]
    dsr = f["days_since_review"]
    resource_work = any(e.kind in ("resource.created", "resource.revised") and in_window(e)
                        for e in evs)
    a: dict[str, bool] = {}
    a["neglect"] = (trend is not None and trend < Fraction(1, 2)) or (members > 0 and contributions == 0)
    a["closed"] = members >= 5 and f["newcomers"] == 0 and (cross is None or cross < Fraction(1, 10))
    a["no_challenge"] = members >= 5 and f["help_requests"] == 0 and not resource_work
    if len(held) >= 2 and prev_held >= 2:
        a["competing_demands"] = (Fraction(attended, len(held))
                                  < Fraction(1, 2) * Fraction(prev_attended, prev_held))
    else:
        a["competing_demands"] = False
    a["stale"] = members >= 5 and (dsr is None or dsr > 365)
    a["one_person"] = contributions >= 10 and top is not None and top > Fraction(1, 2)
    return f, a


def to_float(v):
    if v is None or isinstance(v, int):
        return v
    if isinstance(v, tuple) and v[0] == "sqrt":
        return math.sqrt(float(v[1])) if v[1] else 0.0
    return float(v)  # Fraction: correctly rounded


def close(expected: float, got: float) -> bool:
    if expected == got:
        return True
    if not (math.isfinite(expected) and math.isfinite(got)):
        return False
    diff = abs(expected - got)
    return diff <= ABS_TOL or diff <= REL_TOL * max(abs(expected), abs(got))


def fmt(v) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    return json.dumps(v) if not isinstance(v, int) else str(v)


def is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--activity", required=True, help="activity export, CSV")
    ap.add_argument("--pulse", required=True, help="output of `guildhall pulse --format json`")
    ap.add_argument("--as-of", help="the instant that was requested (RFC 3339): every object's "
                    "as_of must be this same instant (figures are recomputed as of the object's as_of)")
    ap.add_argument("--window", type=int, help="the window that was requested, in days: every "
                    "object's window_days must equal it")
    ap.add_argument("--quiet-warnings", action="store_true", help="do not print data warnings")
    args = ap.parse_args(argv)

    try:
        if args.as_of is not None:
            parse_time(args.as_of)
        by_community = read_activity(args.activity)
        with open(args.pulse, encoding="utf-8") as fh:
            pulse = json.load(fh)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not isinstance(pulse, list):
        print("error: the pulse JSON is not an array", file=sys.stderr)
        return 2

    mismatches: list[str] = []
    warnings: list[str] = []
    compared = 0
    checked = 0
    for obj in pulse:
        cid = obj.get("community")
        slug = obj.get("slug", "?")
        label = f"{cid} {slug}"
        try:
            T = parse_time(obj["as_of"])
            W = obj["window_days"]
            if not isinstance(W, int) or isinstance(W, bool) or W <= 0:
                raise ValueError(f"bad window_days {W!r}")
        except (KeyError, ValueError) as exc:
            mismatches.append(f"{label} as_of/window_days: unusable ({exc})")
            continue
        if args.as_of is not None and parse_time(args.as_of) != T:
            mismatches.append(f"{label} as_of: expected {args.as_of} (requested), got {obj['as_of']}")
        if args.window is not None and args.window != W:
            mismatches.append(f"{label} window_days: expected {args.window} (requested), got {W}")
        checked += 1
        events = by_community.get(str(cid), [])
        exp_f, exp_a = compute(events, T, W, warnings, label)

        for name in FIGURES:
            if name not in obj:
                mismatches.append(f"{label} {name}: expected {fmt(to_float(exp_f[name]))}, "
                                  "got <missing from JSON>")
                continue
            compared += 1
            e = to_float(exp_f[name])
            g = obj[name]
            if e is None or g is None:
                ok = e is None and g is None
            elif name in INT_FIGURES:
                ok = is_number(g) and g == e and float(g).is_integer()
            else:
                ok = is_number(g) and close(e, float(g))
            if not ok:
                mismatches.append(f"{label} {name}: expected {fmt(e)}, got {fmt(g)}")

        alerts = obj.get("alerts")
        if not isinstance(alerts, dict):
            mismatches.append(f"{label} alerts: expected an object, got {fmt(alerts)}")
            continue
        for name in ALERTS:
            if name not in alerts:
                mismatches.append(f"{label} alerts.{name}: expected {fmt(exp_a[name])}, "
                                  "got <missing from JSON>")
                continue
            compared += 1
            if alerts[name] is not exp_a[name]:
                mismatches.append(f"{label} alerts.{name}: expected {fmt(exp_a[name])}, "
                                  f"got {fmt(alerts[name])}")

    known = {str(o.get("community")) for o in pulse}
    unlisted = sorted(set(by_community) - known, key=lambda s: (len(s), s))
    print(f"activity: {sum(map(len, by_community.values()))} community events in "
          f"{len(by_community)} communities; pulse: {len(pulse)} objects")
    if unlisted and len(pulse) > 0:
        print(f"note: {len(unlisted)} communities of the export are not in the pulse JSON "
              f"(e.g. {', '.join(unlisted[:5])})")
    if warnings and not args.quiet_warnings:
        uniq = list(dict.fromkeys(warnings))
        print(f"warnings ({len(uniq)}):")
        for w in uniq[:50]:
            print(f"  {w}")
    print(f"communities checked: {checked}, figures compared: {compared}, "
          f"mismatches: {len(mismatches)}")
    for m in mismatches:
        print(m)
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
