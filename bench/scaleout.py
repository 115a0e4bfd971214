#!/usr/bin/env python3
"""Scale-out: several Guildhall servers sharing one PostgreSQL database.

Starts two `guildhall serve` nodes (A and B) at the same moment on an empty
database, so that both race to migrate it, and nginx in front of them
(round robin, keep-alive connections to the nodes, X-Forwarded-For set).
Sets up an administrator and member accounts (`guildhall admin create-user`),
a community and threads (through node A's API), then runs a mixed load
through nginx: sign-ins, page reads, replies carrying unique markers, joins
and leaves. Every acknowledged (2xx) write is recorded with its id and exact
text. Then it checks, reading each node directly (never through nginx):

  load        every request answered, none with a server error, no write
              refused that a consistent database would accept (a join
              answered 409 right after a leave was acknowledged by the
              other node, say), and both nodes served requests and writes
  a. writes   every acknowledged reply is present with its exact text when
              read from node A and from node B, the two nodes show the
              same threads, reply counters match the replies; membership
              after the joins and leaves is the last acknowledged action
              of each person, read from both nodes
  b. sessions a session opened on node A works on node B; signed out on
              node B, it is refused on node A
  c. throttle wrong passwords for one account sent alternately to node A
              and node B are refused (429) by the 6th or 7th attempt,
              although each node saw only half of them; the right password
              is then refused too until the wait has passed
  d. pulse    a community's pulse is the same JSON from both nodes
  e. startup  both nodes came up on the empty database, every migration is
              recorded once and was applied by exactly one of them, the
              database is up to date for this binary, and neither node's
              log has an ERROR line

Prints the figures (requests per kind and status, requests/s) and a table
of the checks; exit status 0 when every check passed, 1 otherwise (each
failure named). Only the Python standard library. Meant to be run by
bench/scaleout.sh, which installs nginx and starts a throwaway PostgreSQL.

Usage: bench/scaleout.py --bin GUILDHALL --postgres URL --nginx NGINX
                         --workdir DIR [--seconds 30] [--workers 8] [--seed N]
--postgres URL names a server where a fresh database is created with psql.
"""
import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter, defaultdict, namedtuple

# psql, found and run as the crash-safety test does.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".ci"))
from crash_test import find_psql, psql  # noqa: E402

PASSWORD = "scale-out-password-1"
DOMAIN = "scaleout.guildhall.test"
SLUG = "scale-out"
THREADS = 5
# Ports bench/pages.sh uses, so that both can run on one machine.
RESERVED_PORTS = {18089, 18090}
SESSION_COOKIE = "gh_session"

# Shares of the load (the rest are page reads).
SIGN_IN_SHARE = 0.08
REPLY_SHARE = 0.30
MEMBERSHIP_SHARE = 0.12


def log(msg=""):
    print(msg, flush=True)


def free_port():
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in RESERVED_PORTS:
            return port


Answer = namedtuple("Answer", "status json headers node")


class Client:
    """One keep-alive HTTP connection to one port (nginx or a node)."""

    def __init__(self, port, nodes_by_address=None, timeout=60):
        self.port, self.timeout = port, timeout
        # nginx names the node that answered in X-Served-By (host:port).
        self.nodes_by_address = nodes_by_address or {}
        self.conn = None

    def close(self):
        if self.conn:
            self.conn.close()
            self.conn = None

    def request(self, method, path, body=None, cookie=None, token=None, json_type=False):
        """Any answer is returned; a missing one raises OSError or HTTPException.
        json_type sends Content-Type: application/json without a body (the
        API refuses state changes that do not declare JSON)."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        headers = {}
        if cookie:
            headers["Cookie"] = f"{SESSION_COOKIE}={cookie}"
        if token:
            headers["Authorization"] = "Bearer " + token
        data = None
        if body is not None:
            data = json.dumps(body).encode()
        if body is not None or json_type:
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=data, headers=headers)
            r = self.conn.getresponse()
            raw = r.read()
        except BaseException:
            self.close()
            raise
        parsed = None
        if (r.headers.get("Content-Type") or "").startswith("application/json") and raw:
            try:
                parsed = json.loads(raw)
            except ValueError:
                pass
        node = self.nodes_by_address.get(r.headers.get("X-Served-By", ""), "?")
        return Answer(r.status, parsed, r.headers, node)


def once(port, method, path, **kwargs):
    """One request on a connection of its own, closed afterwards."""
    client = Client(port)
    try:
        return client.request(method, path, **kwargs)
    finally:
        client.close()


def session_of(answer):
    """The session cookie a sign-in answer sets, or None."""
    for name, value in answer.headers.items():
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            if key.strip() == SESSION_COOKIE:
                return rest.split(";")[0]
    return None


def error_text(answer):
    if isinstance(answer.json, dict) and isinstance(answer.json.get("error"), dict):
        return f"{answer.status} {answer.json['error'].get('message', '')}"
    return str(answer.status)


class Processes:
    """Children this run started. Their ids are kept in WORKDIR/pids while
    they run, so that the wrapper can end them if this script is killed."""

    def __init__(self, workdir):
        self.pidfile = os.path.join(workdir, "pids")
        self.running = []

    def started(self, proc):
        self.running.append(proc)
        self._write()

    def stop(self, proc, sig=signal.SIGTERM):
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc in self.running:
            self.running.remove(proc)
        self._write()

    def stop_all(self):
        for proc in list(reversed(self.running)):
            self.stop(proc)

    def _write(self):
        if self.running:
            with open(self.pidfile, "w") as f:
                f.writelines(f"{p.pid}\n" for p in self.running)
        elif os.path.exists(self.pidfile):
            os.remove(self.pidfile)


class Node:
    """One `guildhall serve` behind nginx, trusting it for X-Forwarded-For."""

    def __init__(self, name, binary, database, workdir):
        self.name, self.binary, self.database = name, binary, database
        self.port = free_port()
        self.logfile = os.path.join(workdir, f"node-{name.lower()}.log")
        self.proc = None
        self.spawned_at = self.ready_after = None

    def spawn(self, processes):
        out = open(self.logfile, "wb")
        # Guildhall's own default log filter (info) names each migration the
        # node applied, which check_startup reads: a GUILDHALL_LOG set
        # for other runs is not passed on.
        env = {k: v for k, v in os.environ.items() if k != "GUILDHALL_LOG"}
        self.proc = subprocess.Popen(
            [self.binary, "--database", self.database, "serve", "--bind", f"127.0.0.1:{self.port}",
             "--trusted-proxy", "127.0.0.1"],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        out.close()
        self.spawned_at = time.monotonic()
        processes.started(self.proc)

    def healthy(self):
        """Whether /healthz answers 200 now (it also pings the database)."""
        try:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            c.request("GET", "/healthz")
            r = c.getresponse()
            r.read()
            c.close()
            return r.status == 200
        except (OSError, http.client.HTTPException):
            return False


def wait_until_healthy(nodes, seconds=60):
    """Polls every node's /healthz until all answer; notes how long each took."""
    deadline = time.monotonic() + seconds
    waiting = list(nodes)
    while waiting and time.monotonic() < deadline:
        for node in list(waiting):
            if node.proc.poll() is not None:
                raise RuntimeError(f"node {node.name} exited with {node.proc.returncode} while starting; "
                                   f"its log:\n{tail(node.logfile)}")
            if node.healthy():
                node.ready_after = time.monotonic() - node.spawned_at
                waiting.remove(node)
        time.sleep(0.02)
    if waiting:
        raise RuntimeError(", ".join(f"node {n.name}" for n in waiting)
                           + f" did not answer /healthz within {seconds} s")


def tail(path, lines=20):
    with open(path, errors="replace") as f:
        return "".join(f.readlines()[-lines:])


class Nginx:
    """nginx in front of the nodes: round robin, keep-alive upstream
    connections, the client's address in X-Forwarded-For, and the node that
    answered in X-Served-By. No retry on the other node (proxy_next_upstream
    off) and no node set aside after errors (max_fails=0): every error
    reaches the client and is counted."""

    def __init__(self, binary, nodes, workdir):
        self.binary, self.nodes = binary, nodes
        self.dir = os.path.join(workdir, "nginx")
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        self.conf = os.path.join(self.dir, "nginx.conf")
        self.errors = os.path.join(self.dir, "error.log")
        self.proc = None

    def config(self):
        servers = "\n".join(f"        server 127.0.0.1:{n.port} max_fails=0;" for n in self.nodes)
        temp = "\n".join(f"    {kind}_temp_path {self.dir}/{kind}_temp;"
                         for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        return f"""worker_processes 1;
pid {self.dir}/nginx.pid;
error_log {self.errors} warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
{temp}
    upstream guildhall {{
{servers}
        keepalive 32;
    }}
    server {{
        listen 127.0.0.1:{self.port};
        # The load's clients keep their connection for the whole run.
        keepalive_requests 1000000;
        location / {{
            proxy_pass http://guildhall;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_next_upstream off;
            add_header X-Served-By $upstream_addr always;
        }}
    }}
}}
"""

    def start(self, processes):
        with open(self.conf, "w") as f:
            f.write(self.config())
        test = subprocess.run([self.binary, "-t", "-p", self.dir, "-c", self.conf, "-e", self.errors],
                              capture_output=True, text=True)
        if test.returncode != 0:
            raise RuntimeError(f"nginx refuses its configuration: {test.stderr.strip()}")
        with open(self.errors, "ab") as errors:
            self.proc = subprocess.Popen(
                [self.binary, "-p", self.dir, "-c", self.conf, "-e", self.errors, "-g", "daemon off;"],
                stdout=subprocess.DEVNULL, stderr=errors, stdin=subprocess.DEVNULL)
        processes.started(self.proc)
        # Ready once /healthz has come back through it from every node.
        seen, deadline = set(), time.monotonic() + 30
        addresses = {f"127.0.0.1:{n.port}": n.name for n in self.nodes}
        probe = Client(self.port, addresses, timeout=5)
        while seen != set(addresses.values()) and time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited with {self.proc.returncode}:\n{tail(self.errors)}")
            try:
                a = probe.request("GET", "/healthz")
                if a.status == 200:
                    seen.add(a.node)
            except (OSError, http.client.HTTPException):
                time.sleep(0.02)
        probe.close()
        if seen != set(addresses.values()):
            raise RuntimeError(f"nginx did not reach every node within 30 s (reached {sorted(seen)})")


# ---- setup ---------------------------------------------------------------------------------------

Account = namedtuple("Account", "email name role")


def create_accounts(binary, database, accounts):
    """`guildhall admin create-user` for each account, all at once (each
    hashes a password: the processes overlap)."""
    procs = []
    for a in accounts:
        p = subprocess.Popen([binary, "--database", database, "admin", "create-user", "--email", a.email,
                              "--name", a.name, "--role", a.role, "--password-stdin"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        procs.append((a, p))
    for a, p in procs:
        _, err = p.communicate(PASSWORD + "\n")
        if p.returncode != 0:
            raise RuntimeError(f"guildhall admin create-user --email {a.email}: {err.strip()}")


def sign_in(client, email):
    """(person id, session cookie) or raises with the answer."""
    a = client.request("POST", "/api/v1/session", {"email": email, "password": PASSWORD})
    cookie = session_of(a)
    if a.status != 200 or not cookie:
        raise RuntimeError(f"sign-in of {email}: {error_text(a)}")
    return a.json["id"], cookie


def setup_content(node_a, admin):
    """Through node A directly (so that a node B that sees another database
    fails the checks, not the setup): an API token for the administrator,
    the community and its threads. Returns (admin id, token, thread ids)."""
    c = Client(node_a.port)
    admin_id, cookie = sign_in(c, admin.email)
    a = c.request("POST", "/api/v1/tokens", {"name": "scale-out check", "scopes": ["read", "write"]},
                  cookie=cookie)
    if a.status != 201:
        raise RuntimeError(f"token: {error_text(a)}")
    token = a.json["secret"]
    a = c.request("POST", "/api/v1/communities", {
        "name": "Scale-out", "slug": SLUG, "purpose": "Many servers, one database.",
        "visibility": "open", "membership_policy": "open"}, token=token)
    if a.status != 201:
        raise RuntimeError(f"community: {error_text(a)}")
    threads = []
    for i in range(1, THREADS + 1):
        a = c.request("POST", f"/api/v1/communities/{SLUG}/threads", {
            "kind": "discussion", "title": f"Shared state, part {i}",
            "body": f"Part {i}: every server reads what any server wrote.", "tags": "scale-out"},
            token=token)
        if a.status != 201:
            raise RuntimeError(f"thread {i}: {error_text(a)}")
        threads.append(a.json["id"])
    c.close()
    return admin_id, token, threads


# ---- the load ------------------------------------------------------------------------------------

NO_ANSWER = "no answer"


class Ledger:
    """What the load's clients know: every request's outcome, every
    acknowledged write."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = Counter()  # (kind, status) -> count
        self.served_by = Counter()  # node -> requests it answered
        self.acked_by = Counter()  # (kind, node) -> acknowledged writes
        # marker -> dict(thread, text, outcome: acked|refused|unknown, id, node)
        self.replies = {}
        # person id -> [(action, outcome, node)], in the order sent
        self.membership = defaultdict(list)
        # Refusals of requests that a consistent shared database accepts.
        self.unexpected = []
        # Requests accepted on one node that depended on a write acknowledged
        # by the other: a session used away from the node that opened it, a
        # join or leave after the person's previous one on the other node.
        self.across = Counter()

    def count(self, kind, answer):
        with self.lock:
            if answer is None:
                self.requests[(kind, NO_ANSWER)] += 1
                return
            self.requests[(kind, answer.status)] += 1
            self.served_by[answer.node] += 1
            if 200 <= answer.status < 300 and kind in ("reply", "join", "leave", "sign-in"):
                self.acked_by[(kind, answer.node)] += 1

    def crossed(self, what):
        with self.lock:
            self.across[what] += 1

    def refused(self, kind, answer, what):
        with self.lock:
            self.unexpected.append(f"{kind} {what}: {error_text(answer)} from node {answer.node}")


Member = namedtuple("Member", "id email")


def worker(number, front_port, addresses, member, threads, ledger, deadline, seed):
    """One client: its own member account, its own connection to nginx."""
    rng = random.Random(seed)
    client = Client(front_port, addresses)
    cookie = None
    is_member = False  # this person's membership, as last acknowledged
    membership_known = True  # false once a join or leave got no answer
    session_node = membership_node = None  # the nodes that acknowledged them
    writes = 0
    pages = ["/", f"/communities/{SLUG}", None, f"/api/v1/communities/{SLUG}/threads", "/people"]
    while time.monotonic() < deadline:
        roll = rng.random()
        if cookie is None or roll < SIGN_IN_SHARE:
            kind = "sign-in"
        elif roll < SIGN_IN_SHARE + REPLY_SHARE:
            kind = "reply"
        elif roll < SIGN_IN_SHARE + REPLY_SHARE + MEMBERSHIP_SHARE and membership_known:
            kind = "leave" if is_member else "join"
        else:
            kind = "read"
        try:
            if kind == "sign-in":
                a = client.request("POST", "/api/v1/session", {"email": member.email, "password": PASSWORD})
                if a.status == 200 and session_of(a):
                    cookie = session_of(a)  # a session made on one node, used on both
                    session_node = a.node
                else:
                    ledger.refused(kind, a, member.email)
            elif kind == "read":
                path = rng.choice(pages) or f"/threads/{rng.choice(threads)}"
                a = client.request("GET", path, cookie=cookie)
                if a.status != 200:
                    ledger.refused(kind, a, path)
            elif kind == "reply":
                writes += 1
                # Letters then digits: one word, easy to find; the rest
                # checks that text comes back exactly (Markdown, accents).
                marker = f"zq{number:02d}w{writes:06d}"
                thread = rng.choice(threads)
                text = f"Reply {marker}: **both** nodes read this — déjà vu, `exactly`."
                ledger.replies[marker] = dict(thread=thread, text=text, outcome="unknown")
                a = client.request("POST", f"/api/v1/threads/{thread}/replies", {"body": text},
                                   cookie=cookie)
                if a.status == 201:
                    ledger.replies[marker].update(outcome="acked", id=a.json["id"], node=a.node)
                else:
                    ledger.replies[marker]["outcome"] = "refused"
                    ledger.refused(kind, a, f"to thread {thread}")
            else:
                body = {"message": ""} if kind == "join" else None
                a = client.request("POST", f"/api/v1/communities/{SLUG}/{kind}", body, cookie=cookie,
                                   json_type=True)
                outcome = "acked" if 200 <= a.status < 300 else "refused"
                ledger.membership[member.id].append((kind, outcome, a.node))
                if outcome == "acked":
                    is_member = kind == "join"
                    if membership_node not in (None, a.node):
                        ledger.crossed("membership")
                    membership_node = a.node
                else:
                    # The previous join or leave was acknowledged, by
                    # either node: this one must be accepted.
                    ledger.refused(kind, a, f"by person {member.id}")
        except (OSError, http.client.HTTPException):
            ledger.count(kind, None)
            if kind in ("join", "leave"):
                ledger.membership[member.id].append((kind, "unknown", None))
                membership_known = False
            continue
        ledger.count(kind, a)
        if kind != "sign-in" and 200 <= a.status < 300 and a.node != session_node:
            ledger.crossed("session")
    client.close()


def run_load(front_port, addresses, members, threads, seconds, seed):
    ledger = Ledger()
    rng = random.Random(seed)
    deadline = time.monotonic() + seconds
    started = time.monotonic()
    workers = [threading.Thread(target=worker, daemon=True,
                                args=(i + 1, front_port, addresses, m, threads, ledger, deadline,
                                      rng.random()))
               for i, m in enumerate(members)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=seconds + 120)
        if t.is_alive():
            raise RuntimeError("a load client did not finish")
    return ledger, time.monotonic() - started


# ---- checks --------------------------------------------------------------------------------------

class Check:
    def __init__(self, name):
        self.name, self.problems, self.figures = name, [], []

    def fail(self, msg):
        self.problems.append(msg)

    def note(self, msg):
        self.figures.append(msg)

    @property
    def ok(self):
        return not self.problems


def check_load(check, ledger, nodes):
    unanswered = sum(n for (_, status), n in ledger.requests.items() if status == NO_ANSWER)
    server_errors = sum(n for (_, status), n in ledger.requests.items()
                        if status != NO_ANSWER and status >= 500)
    if unanswered:
        check.fail(f"{unanswered} requests got no answer")
    if server_errors:
        check.fail(f"{server_errors} requests answered 5xx")
    for msg in ledger.unexpected[:10]:
        check.fail(f"refused: {msg}")
    if len(ledger.unexpected) > 10:
        check.fail(f"... {len(ledger.unexpected) - 10} more refusals")
    for node in nodes:
        writes = sum(n for (kind, by), n in ledger.acked_by.items() if by == node.name)
        if not ledger.served_by[node.name]:
            check.fail(f"nginx sent node {node.name} no request")
        elif not writes:
            check.fail(f"node {node.name} acknowledged no write (of {ledger.served_by[node.name]} "
                       f"requests it answered)")
    check.note("served by " + ", ".join(f"{n.name} {ledger.served_by[n.name]}" for n in nodes)
               + f"; {unanswered} unanswered, {server_errors} 5xx, {len(ledger.unexpected)} refused; "
               f"across nodes: {ledger.across['session']} requests on a session the other node "
               f"opened, {ledger.across['membership']} joins/leaves after one the other acknowledged")


def read_threads(node, token, threads, check):
    """thread id -> the thread's JSON as node serves it (None if refused)."""
    c = Client(node.port)
    seen = {}
    for tid in threads:
        a = c.request("GET", f"/api/v1/threads/{tid}", token=token)
        if a.status != 200:
            check.fail(f"node {node.name}: GET /api/v1/threads/{tid} answered {error_text(a)}")
            seen[tid] = None
        else:
            seen[tid] = a.json
    listing = c.request("GET", f"/api/v1/communities/{SLUG}/threads?per_page=100", token=token)
    c.close()
    counters = {}
    if listing.status == 200:
        counters = {t["id"]: t["replies"] for t in listing.json["items"]}
    else:
        check.fail(f"node {node.name}: the thread list answered {error_text(listing)}")
    return seen, counters


def check_replies(check, nodes, token, threads, ledger):
    acked = {m: w for m, w in ledger.replies.items() if w["outcome"] == "acked"}
    by_node = Counter(w["node"] for w in acked.values())
    views = {}
    for node in nodes:
        seen, counters = read_threads(node, token, threads, check)
        views[node.name] = seen
        stored = {}  # reply id -> (thread, text)
        for tid, t in seen.items():
            if t is None:
                continue
            live = [r for r in t["replies"] if not r["deleted"]]
            for r in live:
                stored[r["id"]] = (tid, r["body"])
            if tid in counters and counters[tid] != len(live):
                check.fail(f"node {node.name}: thread {tid} counts {counters[tid]} replies "
                           f"but shows {len(live)}")
        lost = wrong = 0
        for marker, w in acked.items():
            got = stored.get(w["id"])
            if got is None:
                lost += 1
                if lost <= 5:
                    check.fail(f"node {node.name}: LOST reply {w['id']} ({marker}, acknowledged by "
                               f"node {w['node']} in thread {w['thread']})")
            elif got != (w["thread"], w["text"]):
                wrong += 1
                if wrong <= 5:
                    check.fail(f"node {node.name}: reply {w['id']} ({marker}) reads {got!r}, "
                               f"sent {(w['thread'], w['text'])!r}")
        if lost > 5 or wrong > 5:
            check.fail(f"node {node.name}: {lost} lost and {wrong} altered in all")
        # A reply whose request was refused must not exist; one whose answer
        # never came may.
        known = {w["id"] for w in acked.values()}
        refused = {m for m, w in ledger.replies.items() if w["outcome"] == "refused"}
        for rid, (tid, text) in stored.items():
            marker = next((word.strip(":") for word in text.split() if word.startswith("zq")), None)
            if rid not in known and marker in refused:
                check.fail(f"node {node.name}: reply {rid} ({marker}) exists although it was refused")
        check.note(f"{node.name}: {len(acked) - lost - wrong} of {len(acked)} exact")
    first, second = nodes[0].name, nodes[1].name
    if views[first] != views[second]:
        differ = [tid for tid in threads if views[first].get(tid) != views[second].get(tid)]
        check.fail(f"threads {differ} read differently from node {first} and node {second}")
    else:
        check.note("threads identical on both")
    check.note("acknowledged by " + ", ".join(f"{n.name} {by_node[n.name]}" for n in nodes))


def check_membership(check, nodes, token, admin_id, members, ledger):
    expected, uncertain = {}, 0
    for m in members:
        actions = ledger.membership.get(m.id, [])
        if actions and actions[-1][1] == "unknown":
            uncertain += 1  # its last request got no answer: either state is right
            continue
        acked = [action for action, outcome, _ in actions if outcome == "acked"]
        expected[m.id] = bool(acked) and acked[-1] == "join"
    moves = sum(1 for actions in ledger.membership.values() for _, outcome, _ in actions
                if outcome == "acked")
    for node in nodes:
        a = once(node.port, "GET", f"/api/v1/communities/{SLUG}/members", token=token)
        if a.status != 200:
            check.fail(f"node {node.name}: the member list answered {error_text(a)}")
            continue
        present = {m["person_id"]: m["role"] for m in a.json}
        if present.get(admin_id) != "coordinator":
            check.fail(f"node {node.name}: the administrator is not the coordinator ({present.get(admin_id)})")
        wrong = [pid for pid, member in expected.items() if (pid in present) != member]
        for pid in wrong[:5]:
            check.fail(f"node {node.name}: person {pid} is {'' if pid in present else 'not '}a member, "
                       f"but the last acknowledged action was {'join' if expected[pid] else 'leave'}")
        check.note(f"{node.name}: {len(expected) - len(wrong)} of {len(expected)} people right")
    check.note(f"{moves} joins/leaves acknowledged" + (f", {uncertain} people unknown" if uncertain else ""))


def check_sessions(check, nodes, account):
    a_node, b_node = nodes
    client = Client(a_node.port)
    person, cookie = sign_in(client, account.email)
    client.close()
    me = once(b_node.port, "GET", "/api/v1/me", cookie=cookie)
    if me.status != 200 or me.json.get("id") != person:
        check.fail(f"node {b_node.name} answers /api/v1/me with {error_text(me)} "
                   f"{me.json if me.status == 200 else ''} for a session of person {person} from node {a_node.name}")
    else:
        check.note(f"signed in on {a_node.name}: {b_node.name} knows person {person}")
    out = once(b_node.port, "DELETE", "/api/v1/session", cookie=cookie, json_type=True)
    if out.status != 204:
        check.fail(f"sign-out on node {b_node.name} answered {error_text(out)}")
    for node in nodes:
        after = once(node.port, "GET", "/api/v1/me", cookie=cookie)
        if after.status != 401:
            check.fail(f"after signing out on node {b_node.name}, node {node.name} answers "
                       f"/api/v1/me with {after.status}")
    if check.ok:
        check.note(f"signed out on {b_node.name}: 401 on {a_node.name} and {b_node.name}")


# throttle::PER_ACCOUNT_CLIENT.free (crates/domain/src/throttle.rs): failures
# of one account from one client before any wait; the first wait is 5 s,
# counted from the last failure.
PER_ACCOUNT_FREE_TRIES = 5


def check_throttle(check, nodes, account):
    """The 6th wrong password should be the first to wait; the 7th is
    tolerated, anything later fails, and so does a wait before the free
    tries are used up."""
    clients = [Client(n.port) for n in nodes]
    trail, first_refusal = [], None
    for attempt in range(1, 9):
        i = (attempt - 1) % 2
        a = clients[i].request("POST", "/api/v1/session", {"email": account.email, "password": "wrong-" + PASSWORD})
        trail.append(f"{nodes[i].name}:{a.status}")
        if a.status == 429:
            first_refusal = attempt
            break
        if a.status != 401:
            check.fail(f"wrong password, attempt {attempt} on node {nodes[i].name}: {error_text(a)}")
            return
    check.note("wrong passwords " + " ".join(trail))
    if first_refusal is None or first_refusal > 7:
        check.fail(f"no 429 by the 7th wrong password sent alternately to both nodes ({' '.join(trail)})")
        return
    if first_refusal <= PER_ACCOUNT_FREE_TRIES:
        check.fail(f"429 at attempt {first_refusal}, before {PER_ACCOUNT_FREE_TRIES} failures were "
                   f"counted, from node {nodes[i].name}: {error_text(a)}")
        return
    # The right password, on the node that did not refuse last: refused
    # until the wait has passed, then accepted.
    refused_at = time.monotonic()
    i = first_refusal % 2
    a = clients[i].request("POST", "/api/v1/session", {"email": account.email, "password": PASSWORD})
    if a.status != 429:
        check.fail(f"right password right after the refusal, node {nodes[i].name}: {error_text(a)} (429 expected)")
        return
    retry_after, refused_on = int(a.headers.get("Retry-After") or 0), nodes[i].name
    refusals, deadline = 1, time.monotonic() + 30
    while a.status == 429 and time.monotonic() < deadline:
        # Waits as long as the server says, then tries the other node.
        time.sleep(float(a.headers.get("Retry-After") or 1))
        i = 1 - i
        a = clients[i].request("POST", "/api/v1/session", {"email": account.email, "password": PASSWORD})
        refusals += a.status == 429
    if a.status != 200:
        check.fail(f"the right password, after the wait, on node {nodes[i].name}: {error_text(a)}")
        return
    waited = time.monotonic() - refused_at
    check.note(f"then the right password on {refused_on}: 429, Retry-After {retry_after} s "
               f"({refusals} refused); accepted on {nodes[i].name} {waited:.1f} s after the first 429")


# What a pulse answer holds besides its figures.
PULSE_FRAME = {"community", "slug", "as_of", "window_days", "alerts"}


def check_pulse(check, nodes, token):
    # At one instant both must give the same figures; at "now" only as_of
    # may differ (each node's own clock at its request).
    as_of = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    for query, label in ((f"?as_of={urllib.parse.quote(as_of)}", f"as_of={as_of}"), ("", "now")):
        answers = []
        for node in nodes:
            a = once(node.port, "GET", f"/api/v1/communities/{SLUG}/pulse{query}", token=token)
            if a.status != 200:
                check.fail(f"node {node.name}: pulse ({label}) answered {error_text(a)}")
            answers.append(a.json if a.status == 200 else None)
        if None in answers:
            continue
        first, second = answers
        if label == "now":
            stamps = (first.pop("as_of", None), second.pop("as_of", None))
        if first != second:
            differ = sorted(k for k in set(first) | set(second) if first.get(k) != second.get(k))
            check.fail(f"pulse ({label}) differs between the nodes in: {', '.join(differ)}")
        elif label == "now":
            check.note(f"at now: equal but for as_of ({stamps[0]} / {stamps[1]})")
        else:
            figures = {k: v for k, v in first.items() if k not in PULSE_FRAME}
            alerts = sum(1 for on in first["alerts"].values() if on)
            check.note(f"{label}: equal ({len(figures)} figures, "
                       f"{sum(v is not None for v in figures.values())} not null; {alerts} alerts on)")


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def check_startup(check, nodes, binary, database):
    for node in nodes:
        check.note(f"{node.name} ready in {node.ready_after:.2f} s")
    rows = psql_json(database, "SELECT version, name FROM schema_migrations ORDER BY version")
    versions = [r["version"] for r in rows]
    if versions != list(range(1, len(versions) + 1)):
        check.fail(f"schema_migrations holds versions {versions}")
    applied = {}  # node -> versions it logged as applied
    errors = {}
    for node in nodes:
        with open(node.logfile, errors="replace") as f:
            lines = [ANSI.sub("", line) for line in f]
        applied[node.name] = [int(m.group(1)) for line in lines
                              if (m := re.search(r"applied migration version=(\d+)", line))]
        errors[node.name] = [line.strip() for line in lines if " ERROR " in line]
    each = Counter(v for vs in applied.values() for v in vs)
    twice = sorted(v for v, n in each.items() if n > 1)
    if twice:
        check.fail(f"migrations applied by both nodes: {twice}")
    unlogged = sorted(set(versions) - set(each))
    if unlogged:
        check.fail(f"migrations recorded but applied by neither node: {unlogged}")
    check.note(f"{len(rows)} migrations recorded once; applied by "
               + ", ".join(f"{n} {len(v)}" for n, v in applied.items()))
    up = subprocess.run([binary, "--database", database, "migrate"], capture_output=True, text=True)
    if up.returncode != 0 or "up to date" not in up.stdout:
        check.fail(f"`guildhall migrate` afterwards: {(up.stdout + up.stderr).strip()}")
    for name, lines in errors.items():
        for line in lines[:3]:
            check.fail(f"node {name} logged: {line}")
        if len(lines) > 3:
            check.fail(f"node {name}: {len(lines) - 3} more ERROR lines")
    check.note("no ERROR in the logs" if not any(errors.values()) else
               "ERROR lines: " + ", ".join(f"{n} {len(v)}" for n, v in errors.items()))


# ---- PostgreSQL ----------------------------------------------------------------------------------

def psql_json(url, sql):
    p = subprocess.run([find_psql() or "psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", url, "-c",
                        f"SELECT coalesce(json_agg(t), '[]'::json) FROM ({sql}) t"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"psql: {p.stderr.strip()}")
    return json.loads(p.stdout)


def database_url(server_url, name):
    u = urllib.parse.urlsplit(server_url)
    return urllib.parse.urlunsplit(u._replace(path="/" + name))


# ---- report --------------------------------------------------------------------------------------

def guarded(name, check, *args):
    """Runs one check; an answer of an unexpected shape (a node that
    refuses, or knows nothing of what the other wrote) fails that check
    only, with what happened."""
    result = Check(name)
    try:
        check(result, *args)
    except (RuntimeError, OSError, http.client.HTTPException, KeyError, TypeError, AttributeError) as e:
        result.fail(f"stopped by {type(e).__name__}: {e}")
    return result


def print_load(ledger, seconds, workers):
    total = sum(ledger.requests.values())
    log(f"\nload: {seconds:.1f} s, {workers} clients through nginx, {total} requests, "
        f"{total / seconds:.0f} requests/s")
    log("\n| kind | requests | req/s | statuses |")
    log("|---|---|---|---|")
    kinds = sorted({k for k, _ in ledger.requests}, key=["sign-in", "read", "reply", "join", "leave"].index)
    for kind in kinds:
        statuses = {s: n for (k, s), n in ledger.requests.items() if k == kind}
        n = sum(statuses.values())
        shown = ", ".join(f"{s}: {c}" for s, c in sorted(statuses.items(), key=lambda x: str(x[0])))
        log(f"| {kind} | {n} | {n / seconds:.1f} | {shown} |")


def print_checks(checks):
    log("\n| check | result | figures |")
    log("|---|---|---|")
    for c in checks:
        log(f"| {c.name} | {'pass' if c.ok else 'FAIL'} | {'; '.join(c.figures)} |")
    failed = [c for c in checks if not c.ok]
    for c in failed:
        log(f"\nFAILED: {c.name}")
        for p in c.problems:
            log(f"  - {p}")
    return not failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", required=True, help="the guildhall binary")
    ap.add_argument("--postgres", required=True, metavar="URL", help="a PostgreSQL server to create a database in")
    ap.add_argument("--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx")
    ap.add_argument("--workdir", required=True, help="logs and nginx's files go here")
    ap.add_argument("--seconds", type=float, default=30, help="length of the load (default 30)")
    ap.add_argument("--workers", type=int, default=8, help="load clients, each its own member (default 8)")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    # TERM (from the wrapper) unwinds like an error: the finally below stops
    # the servers and nginx.
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    if args.workers < 1 or args.seconds <= 0:
        ap.error("--workers and --seconds must be positive")
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    binary = os.path.abspath(args.bin)
    started = time.monotonic()
    log(f"== scale-out: 2 Guildhall servers, one PostgreSQL database, nginx in front (seed {seed})")

    name = f"guildhall_scaleout_{os.getpid()}"
    database = database_url(args.postgres, name)
    psql(args.postgres, f"CREATE DATABASE {name}")
    processes = Processes(args.workdir)
    try:
        nodes = [Node(n, binary, database, args.workdir) for n in ("A", "B")]
        for node in nodes:  # at the same moment, on the empty database
            node.spawn(processes)
        wait_until_healthy(nodes)
        log("nodes: " + ", ".join(f"{n.name} on :{n.port} ready after {n.ready_after:.2f} s" for n in nodes))
        nginx = Nginx(args.nginx, nodes, args.workdir)
        nginx.start(processes)
        log(f"nginx on :{nginx.port}, round robin over both")

        admin = Account(f"admin@{DOMAIN}", "Scale Out Admin", "administrator")
        members = [Account(f"member{i}@{DOMAIN}", f"Member Number {i}", "member")
                   for i in range(1, args.workers + 1)]
        session_account = Account(f"session@{DOMAIN}", "Session Check", "member")
        throttle_account = Account(f"throttle@{DOMAIN}", "Throttle Check", "member")
        create_accounts(binary, database, [admin, *members, session_account, throttle_account])
        admin_id, token, threads = setup_content(nodes[0], admin)
        node_a = Client(nodes[0].port)
        people = [Member(sign_in(node_a, m.email)[0], m.email) for m in members]
        node_a.close()
        log(f"setup: administrator, {len(members) + 2} members, community {SLUG}, {len(threads)} threads "
            f"({time.monotonic() - started:.1f} s since start)")

        addresses = {f"127.0.0.1:{n.port}": n.name for n in nodes}
        ledger, load_seconds = run_load(nginx.port, addresses, people, threads, args.seconds, seed)
        print_load(ledger, load_seconds, args.workers)

        checks = [
            guarded("load: answered, no server error, no wrong refusal", check_load, ledger, nodes),
            guarded("a. acknowledged replies read back from each node", check_replies,
                    nodes, token, threads, ledger),
            guarded("a. membership is the last acknowledged join/leave", check_membership,
                    nodes, token, admin_id, people, ledger),
            guarded("b. a session works on both nodes, sign-out on both", check_sessions,
                    nodes, session_account),
            guarded("c. sign-in throttling shared by the nodes", check_throttle, nodes, throttle_account),
            guarded("d. pulse identical from both nodes", check_pulse, nodes, token),
        ]
        # Stopped first, so that the logs read are complete.
        processes.stop_all()
        checks.append(guarded("e. both nodes came up; migrations applied once", check_startup,
                              nodes, binary, database))
    except RuntimeError as e:
        log(f"\nscale-out: FAIL before the checks: {e}")
        return 1
    finally:
        processes.stop_all()
    ok = print_checks(checks)
    log(f"\nelapsed: {time.monotonic() - started:.1f} s")
    log("scale-out: " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
