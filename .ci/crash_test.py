#!/usr/bin/env python3
"""Crash safety: writes under load, the server killed with SIGKILL at random
moments and restarted on the same database, then every write checked.

For each database (a fresh SQLite file, and a fresh PostgreSQL database when
--postgres is given) the script creates an administrator, a token and a
community, then runs KILLS rounds: start `guildhall serve`, let WORKERS
client threads write (help requests, replies, resources and revisions of
them, each carrying a unique marker word) for a random 0.2-1.5 s, SIGKILL
the server process itself, restart; every fourth restart is itself killed
within its first 80 ms. Afterwards it reads the database as the last kill
left it (SQLite with the sqlite3 module, PostgreSQL with psql), then asks
the restarted server's API, then reads `guildhall export activity`:

  lost         a write the server acknowledged (2xx with its id) is missing
               or its text differs
  half-written a thread, reply, resource or revision that exists without
               its activity event or its search document, or with counters
               that disagree (reply count, revision numbers); an event or
               search document without its row; a write that was refused
               with an error answer or never reached the server but exists
  in flight    writes whose answer never came (the kill): they may or may
               not exist, and are counted; the ones that exist must be whole

Through the API: the thread and resource totals, and a sample of threads
(with their replies) and of searches for markers, plus every in-flight
write that exists (--sample N sets the sample; every marker through the
debug server takes about a minute per 2,300 writes). SQLite also gets
PRAGMA integrity_check, foreign_key_check and the full-text index's
integrity-check right after the last kill, before Guildhall opens the file
again.

Exit status 0 when nothing was lost or half-written, 1 otherwise.
Only the Python standard library.

Usage: .ci/crash_test.py [--bin target/debug/guildhall] [--kills 20]
                         [--workers 4] [--sample 100] [--no-sqlite]
                         [--postgres URL] [--seed N] [--keep]
--postgres URL names a server where a fresh database is created (with psql)
and dropped afterwards.
"""
import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict

PASSWORD = "crash-test-password-1"
EMAIL = "crash@guildhall.test"
SLUG = "crash-safety"


def log(msg):
    print(msg, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Answer(Exception):
    """A request answered with an unexpected status."""


class Client:
    """One keep-alive HTTP connection to the server."""

    def __init__(self, port, auth=None, timeout=30):
        self.port, self.auth, self.timeout = port, auth, timeout
        self.conn = None

    def close(self):
        if self.conn:
            self.conn.close()
            self.conn = None

    def request(self, method, path, body=None, headers=None):
        """Returns (status, parsed JSON or None, response headers)."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        h = dict(headers or {})
        if self.auth:
            h["Authorization"] = "Bearer " + self.auth
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=data, headers=h)
            r = self.conn.getresponse()
            raw = r.read()
        except BaseException:
            self.close()
            raise
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return r.status, parsed, r.headers

    def ok(self, method, path, body=None, want=(200,)):
        status, data, _ = self.request(method, path, body)
        if status not in want:
            raise Answer(f"{method} {path}: {status} {data}")
        return data


class Server:
    """`guildhall serve` as a direct child (so SIGKILL hits the server itself)."""

    def __init__(self, binary, database, port, logfile):
        self.binary, self.database, self.port, self.logfile = binary, database, port, logfile
        self.proc = None

    def spawn(self):
        out = open(self.logfile, "ab")
        env = dict(os.environ, GUILDHALL_LOG=os.environ.get("GUILDHALL_LOG", "warn"))
        self.proc = subprocess.Popen(
            [self.binary, "--database", self.database, "serve", "--bind", f"127.0.0.1:{self.port}"],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        out.close()

    def start(self):
        self.spawn()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}; see {self.logfile}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/healthz")
                r = c.getresponse()
                r.read()
                c.close()
                if r.status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError(f"the server did not answer /healthz within 60 s; see {self.logfile}")

    def kill(self):
        if self.proc.poll() is not None:
            raise RuntimeError(f"the server exited with {self.proc.returncode} before the kill; "
                               f"see {self.logfile}")
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc = None

    def stop(self):
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


class Ledger:
    """What the clients know: every write, keyed by its unique marker."""

    def __init__(self, rng):
        self.lock = threading.Lock()
        self.rng = rng
        self.n = 0
        # marker -> dict(kind, outcome, id, parent, text...) where outcome is
        # acked (2xx), refused (an error answer), unsent (connection refused)
        # or unknown (no answer: in flight when the server died).
        self.writes = {}
        self.threads = []  # acknowledged thread ids (reply targets)
        self.resources = []  # acknowledged resource ids (revision targets)
        self.statuses = Counter()

    def marker(self):
        with self.lock:
            self.n += 1
            # Letters then digits: one word for both full-text tokenizers.
            return "zq" + "".join(self.rng.choice("bcdfghjkmnpqrstvwxz") for _ in range(6)) + f"{self.n:06d}"

    def record(self, marker, **w):
        with self.lock:
            self.writes[marker] = w
            if w["outcome"] == "acked":
                if w["kind"] == "thread":
                    self.threads.append(w["id"])
                elif w["kind"] == "resource":
                    self.resources.append(w["id"])

    def pick(self, what):
        with self.lock:
            items = self.threads if what == "thread" else self.resources
            return self.rng.choice(items) if items else None


def worker(port, token, ledger, stop, seed):
    rng = random.Random(seed)
    c = Client(port, token, timeout=30)
    while not stop.is_set():
        roll = rng.random()
        marker = ledger.marker()
        if roll < 0.30 or (roll < 0.75 and not ledger.threads):
            kind, body = "thread", {
                "kind": "help", "title": f"Help wanted {marker}",
                "body": f"How do we keep {marker} safe when the power goes?\n\nDetails for {marker}.",
                "tags": "crash"}
            path, parent = f"/api/v1/communities/{SLUG}/threads", None
        elif roll < 0.75:
            parent = ledger.pick("thread")
            kind, body = "reply", {"body": f"Reply {marker}: write ahead, then answer."}
            path = f"/api/v1/threads/{parent}/replies"
        elif roll < 0.87 or not ledger.resources:
            kind, body = "resource", {
                "kind": "lesson", "title": f"Lesson {marker}",
                "body": f"What we learnt: {marker}.", "summary": f"first {marker}", "tags": ["crash"]}
            path, parent = f"/api/v1/communities/{SLUG}/resources", None
        else:
            parent = ledger.pick("resource")
            try:
                status, cur, _ = c.request("GET", f"/api/v1/resources/{parent}")
            except (OSError, http.client.HTTPException):
                continue
            if status != 200:
                continue
            kind, body = "revision", {
                "title": f"Lesson revised {marker}", "body": f"What we learnt next: {marker}.",
                "summary": f"revised {marker}", "base_revision": cur["revision"]}
            path = f"/api/v1/resources/{parent}/revisions"
        try:
            status, data, _ = c.request("POST", path, body)
        except ConnectionRefusedError:
            ledger.record(marker, kind=kind, outcome="unsent", parent=parent, body=body)
            time.sleep(0.05)  # the server is down; the round is ending
            continue
        except (OSError, http.client.HTTPException):
            ledger.record(marker, kind=kind, outcome="unknown", parent=parent, body=body)
            continue
        with ledger.lock:
            ledger.statuses[status] += 1
        if 200 <= status < 300:
            # A revision is number base + 1 (the answer shows the resource
            # as read after the commit, perhaps already revised again).
            ident = body["base_revision"] + 1 if kind == "revision" else data["id"]
            ledger.record(marker, kind=kind, outcome="acked", id=ident, parent=parent, body=body)
        else:
            ledger.record(marker, kind=kind, outcome="refused", parent=parent, body=body, status=status)
    c.close()


def setup(binary, database, port, logfile):
    def run(*args, stdin=None):
        p = subprocess.run([binary, "--database", database, *args], input=stdin,
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"guildhall {' '.join(args)}: {p.stderr.strip()}")
        return p.stdout
    run("migrate")
    run("admin", "create-user", "--email", EMAIL, "--name", "Crash Tester",
        "--role", "administrator", "--password-stdin", stdin=PASSWORD + "\n")
    server = Server(binary, database, port, logfile)
    server.start()
    try:
        c = Client(port)
        status, _, headers = c.request("POST", "/api/v1/session",
                                       {"email": EMAIL, "password": PASSWORD})
        if status != 200:
            raise RuntimeError(f"sign-in: {status}")
        cookies = [v.split(";")[0] for k, v in headers.items() if k.lower() == "set-cookie"]
        c.close()
        c = Client(port)
        cookie = "; ".join(cookies)
        status, data, _ = c.request("POST", "/api/v1/tokens",
                                    {"name": "crash test", "scopes": ["read", "write"]},
                                    headers={"Cookie": cookie})
        if status != 201:
            raise RuntimeError(f"token: {status} {data}")
        token = data["secret"]
        c = Client(port, token)
        c.ok("POST", "/api/v1/communities", {
            "name": "Crash safety", "slug": SLUG, "purpose": "Writes that survive a kill.",
            "visibility": "open", "membership_policy": "open"}, want=(200, 201))
    except BaseException:
        server.kill()
        raise
    return server, token


def load_rounds(server, token, ledger, rounds, workers, rng):
    """Returns (kills under load, kills while starting)."""
    kills = early = 0
    for r in range(rounds):
        if r % 4 == 3:
            # Every fourth restart is itself killed within its first
            # moments: while it opens the database (recovering the SQLite
            # write-ahead log), migrates, or just after it listens.
            server.spawn()
            time.sleep(rng.uniform(0.0, 0.08))  # ready after 30-60 ms (debug build)
            server.kill()
            early += 1
        if server.proc is None:
            server.start()
        stop = threading.Event()
        threads = [threading.Thread(target=worker, args=(server.port, token, ledger, stop,
                                                        rng.random()), daemon=True)
                   for _ in range(workers)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.2, 1.5))
        server.kill()
        kills += 1
        stop.set()
        for t in threads:
            t.join(timeout=60)
            if t.is_alive():
                raise RuntimeError("a client thread did not finish")
    return kills, early


def sqlite_checks(path, problems):
    """Right after the last kill, before Guildhall opens the file again:
    integrity, foreign keys, the full-text index against its rows; then the
    snapshot of the rows."""
    db = sqlite3.connect(path)
    try:
        res = [r[0] for r in db.execute("PRAGMA integrity_check")]
        if res != ["ok"]:
            problems.append(f"SQLite integrity_check: {res[:5]}")
        fk = db.execute("PRAGMA foreign_key_check").fetchall()
        if fk:
            problems.append(f"SQLite foreign_key_check: {fk[:5]}")
        try:
            db.execute("INSERT INTO search_index(search_index) VALUES('integrity-check')")
        except sqlite3.DatabaseError as e:
            problems.append(f"SQLite full-text index integrity-check: {e}")
        db.rollback()
        return res == ["ok"] and not fk, snapshot(path, db)
    finally:
        db.close()


QUERIES = {
    "threads": "SELECT t.id, t.title, t.body, t.reply_count, t.deleted_at FROM threads t "
               "JOIN communities c ON c.id = t.community_id WHERE c.slug = '" + SLUG + "'",
    "replies": "SELECT r.id, r.thread_id, r.body, r.deleted_at FROM replies r "
               "JOIN threads t ON t.id = r.thread_id "
               "JOIN communities c ON c.id = t.community_id WHERE c.slug = '" + SLUG + "'",
    "resources": "SELECT r.id, r.title, r.revision FROM resources r "
                 "JOIN communities c ON c.id = r.community_id WHERE c.slug = '" + SLUG + "'",
    "revisions": "SELECT v.resource_id, v.number, v.title, v.body, v.summary FROM resource_revisions v "
                 "JOIN resources r ON r.id = v.resource_id "
                 "JOIN communities c ON c.id = r.community_id WHERE c.slug = '" + SLUG + "'",
    "docs": "SELECT d.kind, d.ref_id, d.thread_id, d.title, d.body FROM search_documents d "
            "JOIN communities c ON c.id = d.community_id WHERE c.slug = '" + SLUG + "' "
            "AND d.kind IN ('thread', 'reply', 'resource')",
    "community": "SELECT id FROM communities WHERE slug = '" + SLUG + "'",
}


def snapshot(database, sqlite_db=None):
    """The rows of the test's community, read straight from the database."""
    out = {}
    for name, sql in QUERIES.items():
        if sqlite_db is not None:
            cur = sqlite_db.execute(sql)
            cols = [d[0] for d in cur.description]
            out[name] = [dict(zip(cols, row)) for row in cur.fetchall()]
        else:
            p = subprocess.run([find_psql() or "psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", database, "-c",
                                f"SELECT coalesce(json_agg(t), '[]'::json) FROM ({sql}) t"],
                               capture_output=True, text=True)
            if p.returncode != 0:
                raise RuntimeError(f"psql: {p.stderr.strip()}")
            out[name] = json.loads(p.stdout)
    return out


def marker_of(text):
    return next((t.strip(".:,") for t in text.split() if t.startswith("zq")), None)


def verify(binary, database, server, token, ledger, snap, rng, sample):
    """Checks the snapshot taken after the last kill, then the restarted
    server's API on a sample, then the activity export. Returns (problems,
    figures)."""
    problems = []
    W = ledger.writes
    present = {"thread": {}, "reply": {}, "resource": {}, "revision": {}}  # marker -> id

    def judge(kind, marker, ident, sent=None):
        w = W.get(marker)
        if w is None or w["kind"] != kind:
            problems.append(f"{kind} {ident} carries an unknown marker {marker!r}")
            return None
        if w["outcome"] in ("refused", "unsent"):
            problems.append(f"{kind} {ident} ({marker}) exists although its write was {w['outcome']}"
                            + (f" (status {w['status']})" if w.get("status") else ""))
        if w["outcome"] == "acked" and w["id"] != ident:
            problems.append(f"{kind} {marker} acknowledged as {w['id']} but stored as {ident}")
        if marker in present[kind]:
            problems.append(f"{kind} {marker} stored twice ({present[kind][marker]} and {ident})")
        present[kind][marker] = ident
        if sent is not None and any(w["body"][k] != v for k, v in sent.items()):
            problems.append(f"{kind} {ident} ({marker}): text differs from what was sent")
        return w

    # Rows.
    replies_of = Counter()
    thread_ids = {t["id"] for t in snap["threads"]}
    for r in snap["replies"]:
        replies_of[r["thread_id"]] += 1
        w = judge("reply", marker_of(r["body"]), r["id"], {"body": r["body"]})
        if w and w["parent"] != r["thread_id"]:
            problems.append(f"reply {r['id']} sent to thread {w['parent']}, stored in {r['thread_id']}")
        if r["deleted_at"] is not None:
            problems.append(f"reply {r['id']} is marked deleted")
    for t in snap["threads"]:
        judge("thread", marker_of(t["title"]), t["id"], {"title": t["title"], "body": t["body"]})
        if t["reply_count"] != replies_of[t["id"]]:
            problems.append(f"thread {t['id']}: reply_count {t['reply_count']} "
                            f"but {replies_of[t['id']]} replies")
        if t["deleted_at"] is not None:
            problems.append(f"thread {t['id']} is marked deleted")
    revisions = defaultdict(dict)
    for v in snap["revisions"]:
        revisions[v["resource_id"]][v["number"]] = v
    latest = {}
    for r in snap["resources"]:
        revs = revisions[r["id"]]
        if sorted(revs) != list(range(1, r["revision"] + 1)):
            problems.append(f"resource {r['id']}: revision {r['revision']} but history {sorted(revs)}")
        for n, v in sorted(revs.items()):
            sent = {"title": v["title"], "body": v["body"], "summary": v["summary"]}
            if n == 1:
                judge("resource", marker_of(v["title"]), r["id"], sent)
            else:
                w = judge("revision", marker_of(v["title"]), n, sent)
                if w and w["parent"] != r["id"]:
                    problems.append(f"revision {v['title']} sent to resource {w['parent']}, "
                                    f"stored in {r['id']}")
        if r["revision"] in revs:
            latest[r["id"]] = revs[r["revision"]]
            if r["title"] != latest[r["id"]]["title"]:
                problems.append(f"resource {r['id']}: title is not its revision {r['revision']}'s")

    # Acknowledged writes that are missing: lost.
    lost = [f"{w['kind']} {w['id']} ({m})" for m, w in W.items()
            if w["outcome"] == "acked" and m not in present[w["kind"]]]
    problems += [f"LOST acknowledged {x}" for x in lost]

    # Search documents: one per thread, reply and resource, with its text
    # (SQLite's full-text index was checked against them after the kill;
    # PostgreSQL's tsvector is a generated column of the same row).
    docs = {(d["kind"], d["ref_id"]): d for d in snap["docs"]}
    if len(docs) != len(snap["docs"]):
        problems.append("duplicate search documents")
    expect = {("thread", t["id"]): (marker_of(t["title"]), t["id"]) for t in snap["threads"]}
    expect.update({("reply", r["id"]): (marker_of(r["body"]), r["thread_id"]) for r in snap["replies"]})
    expect.update({("resource", rid): (marker_of(v["title"]), None) for rid, v in latest.items()})
    for key, (m, thread) in expect.items():
        d = docs.get(key)
        if d is None:
            problems.append(f"{key[0]} {key[1]} ({m}) has no search document")
        elif m not in d["title"] + " " + d["body"] or (thread is not None and d["thread_id"] != thread):
            problems.append(f"{key[0]} {key[1]} ({m}): its search document is stale")
    for key in docs.keys() - expect.keys():
        problems.append(f"search document for {key[0]} {key[1]}, which does not exist")

    # The restarted server: list totals, a sample of threads, a sample of
    # searches (every write that was in flight at a kill and exists, plus
    # random others).
    server.start()
    c = Client(server.port, token, timeout=60)
    n = c.ok("GET", f"/api/v1/communities/{SLUG}/threads?per_page=1")["total"]
    if n != len(snap["threads"]):
        problems.append(f"the API lists {n} threads, the database holds {len(snap['threads'])}")
    n = c.ok("GET", f"/api/v1/communities/{SLUG}/resources?per_page=1")["total"]
    if n != len(snap["resources"]):
        problems.append(f"the API lists {n} resources, the database holds {len(snap['resources'])}")
    by_thread = defaultdict(list)
    for r in snap["replies"]:
        by_thread[r["thread_id"]].append(r)
    threads = {t["id"]: t for t in snap["threads"]}
    inflight = {m for kind in present for m in present[kind] if W.get(m, {}).get("outcome") == "unknown"}
    pick = [t for t in threads if marker_of(threads[t]["title"]) in inflight
            or any(marker_of(r["body"]) in inflight for r in by_thread[t])]
    pick += rng.sample(sorted(threads), min(sample, len(threads)))
    fetched = 0
    for tid in dict.fromkeys(pick):
        t = c.ok("GET", f"/api/v1/threads/{tid}")
        fetched += 1
        got = (t["title"], t["body"], sorted((r["id"], r["body"]) for r in t["replies"]))
        want = (threads[tid]["title"], threads[tid]["body"],
                sorted((r["id"], r["body"]) for r in by_thread[tid]))
        if got != want:
            problems.append(f"thread {tid}: the API shows something else than the database")
    searches = [(kind, m, i) for kind in ("thread", "reply") for m, i in present[kind].items()]
    searches += [("resource", marker_of(v["title"]), rid) for rid, v in latest.items()]
    chosen = [x for x in searches if x[1] in inflight or (x[0] == "resource" and x[2] in
              {present["resource"].get(m) for m in inflight})]
    chosen += rng.sample(searches, min(sample, len(searches)))
    searched = 0
    for kind, m, ident in dict.fromkeys(chosen):
        q = urllib.parse.urlencode({"q": m, "kind": kind})
        data = c.ok("GET", f"/api/v1/search?{q}")
        searched += 1
        if not any(h["kind"] == kind and h["id"] == ident for h in data["items"]):
            problems.append(f"{kind} {ident} ({m}) is not found by search")
    c.close()
    server.stop()

    # The activity log, exported from the stopped server's database.
    p = subprocess.run([binary, "--database", database, "export", "activity", "--format", "jsonl"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        problems.append(f"export activity failed: {p.stderr.strip()}")
        events = []
    else:
        events = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    community = snap["community"][0]["id"]
    ev = defaultdict(list)
    for e in events:
        if e["kind"] in ("thread.help", "reply.created", "resource.created", "resource.revised"):
            if str(e["community"]) != str(community):
                problems.append(f"event {e['id']} ({e['kind']}) in community {e['community']}")
            ev[(e["kind"], str(e["subject"]))].append(e)
    for tid in threads:
        k = len(ev.get(("thread.help", str(tid)), []))
        if k != 1:
            problems.append(f"thread {tid}: {k} thread.help events")
    for r in snap["replies"]:
        es = ev.get(("reply.created", str(r["id"])), [])
        if len(es) != 1 or str(es[0]["parent"]) != str(r["thread_id"]):
            problems.append(f"reply {r['id']}: reply.created events {es}")
    resources = {r["id"]: r["revision"] for r in snap["resources"]}
    for rid, number in resources.items():
        if len(ev.get(("resource.created", str(rid)), [])) != 1:
            problems.append(f"resource {rid}: not exactly one resource.created event")
        k = len(ev.get(("resource.revised", str(rid)), []))
        if k != number - 1:
            problems.append(f"resource {rid}: revision {number} but {k} resource.revised events")
    replies = {r["id"] for r in snap["replies"]}
    exists = {"thread.help": thread_ids, "reply.created": replies,
              "resource.created": resources, "resource.revised": resources}
    for (kind, subject), es in ev.items():
        if int(subject) not in exists[kind]:
            problems.append(f"{kind} event for {subject}, which does not exist")

    acked = Counter(w["kind"] for w in W.values() if w["outcome"] == "acked")
    outcomes = Counter(w["outcome"] for w in W.values())
    figures = {
        "acked": sum(acked.values()), "acked_by_kind": dict(acked), "lost": len(lost),
        "in_flight": outcomes["unknown"], "in_flight_present": len(inflight),
        "refused": outcomes["refused"], "unsent": outcomes["unsent"], "searched": searched,
        "fetched": fetched, "events": len(events),
        "rows": len(snap["threads"]) + len(snap["replies"]) + len(snap["revisions"]),
    }
    return problems, figures


def find_psql():
    base = "/usr/lib/postgresql"
    for d in sorted(os.listdir(base), reverse=True) if os.path.isdir(base) else []:
        p = f"{base}/{d}/bin/psql"
        if os.access(p, os.X_OK):
            return p
    return shutil.which("psql")


def psql(url, sql):
    p = subprocess.run([find_psql() or "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"psql: {p.stderr.strip()}")


def run_one(name, binary, database, args, workdir, rng):
    log(f"\n== crash safety on {name}: {args.kills} kills, {args.workers} writers")
    started = time.monotonic()
    port = free_port()
    logfile = os.path.join(workdir, f"server-{name.lower()}.log")
    server, token = setup(binary, database, port, logfile)
    ledger = Ledger(random.Random(rng.random()))
    problems = []
    try:
        kills, early = load_rounds(server, token, ledger, args.kills, args.workers, rng)
        load_s = time.monotonic() - started
        integrity = None
        if name == "SQLite":
            integrity, snap = sqlite_checks(database, problems)
        else:
            snap = snapshot(database)
        vproblems, fig = verify(binary, database, server, token, ledger, snap, rng, args.sample)
        problems += vproblems
    finally:
        if server.proc is not None:
            server.kill()
    elapsed = time.monotonic() - started
    status_counts = ", ".join(f"{k}: {v}" for k, v in sorted(ledger.statuses.items()))
    log(f"kills: {kills} under the write load, {early} more while the server was starting")
    kinds = ", ".join(f"{fig['acked_by_kind'].get(k, 0)} {plural}" for k, plural in
                      (("thread", "threads"), ("reply", "replies"), ("resource", "resources"),
                       ("revision", "revisions")))
    log(f"writes acknowledged: {fig['acked']} ({kinds})")
    log(f"acknowledged writes lost: {fig['lost']}")
    log(f"in flight at a kill (no answer): {fig['in_flight']}, of which present and whole: "
        f"{fig['in_flight_present']}")
    log(f"refused with an error answer: {fig['refused']} (HTTP statuses {status_counts}); "
        f"never reached the server: {fig['unsent']}")
    log(f"checked: {fig['rows']} rows, {fig['events']} activity events; through the API "
        f"{fig['fetched']} threads and {fig['searched']} searches"
        + ("" if integrity is None else f", integrity_check {'ok' if integrity else 'FAILED'}"))
    log(f"elapsed: {elapsed:.1f} s (load and restarts {load_s:.1f} s)")
    for p in problems[:50]:
        log(f"  PROBLEM: {p}")
    if len(problems) > 50:
        log(f"  ... and {len(problems) - 50} more")
    log(f"{name}: {'PASS' if not problems else 'FAIL'}")
    return not problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default="target/debug/guildhall")
    ap.add_argument("--kills", type=int, default=20, help="kills per database (default 20)")
    ap.add_argument("--workers", type=int, default=4, help="writing client threads (default 4)")
    ap.add_argument("--sample", type=int, default=100,
                    help="threads fetched and searches made through the API besides the "
                         "in-flight writes (default 100 each)")
    ap.add_argument("--no-sqlite", action="store_true")
    ap.add_argument("--postgres", metavar="URL", help="a PostgreSQL server to create a database in")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--keep", action="store_true", help="keep the databases and logs")
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    log(f"seed {seed} (rerun with --seed {seed})")
    rng = random.Random(seed)
    binary = os.path.abspath(args.bin)
    workdir = tempfile.mkdtemp(prefix="guildhall-crash.")
    ok, finished = True, False
    try:
        if not args.no_sqlite:
            ok &= run_one("SQLite", binary, os.path.join(workdir, "crash.db"), args, workdir, rng)
        if args.postgres:
            name = f"guildhall_crash_{os.getpid()}"
            u = urllib.parse.urlsplit(args.postgres)
            url = urllib.parse.urlunsplit(u._replace(path="/" + name))
            psql(args.postgres, f"CREATE DATABASE {name}")
            try:
                ok &= run_one("PostgreSQL", binary, url, args, workdir, rng)
            finally:
                if not args.keep:
                    psql(args.postgres, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        finished = True
    finally:
        if args.keep or not ok or not finished:
            log(f"databases and server logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    log("\ncrash safety: " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
