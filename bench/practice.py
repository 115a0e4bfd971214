#!/usr/bin/env python3
"""Practice benchmarks against a running server on a full-size demo database.

  search   1-3 word queries through GET /api/v1/search, one at a time:
           median and 99th percentile of the time per request.
  thread   GET /threads/{id} of a thread with 50 replies (made first).
  post     POST a reply, one at a time, while 50 concurrent readers load
           pages (wrk): 99th percentile and errors.

Usage: bench/practice.py BASE_URL   (bench/practice.sh starts the server)
Only the standard library; wrk for the readers.
"""
import http.client
import json
import statistics
import subprocess
import sys
import time
import urllib.parse

BASE = sys.argv[1].rstrip("/")
HOST = urllib.parse.urlparse(BASE)

QUERIES = [
    "kafka", "streaming", "rebalancing", "data quality", "root cause analysis",
    "supplier", "checklist", "lesson learned", "forecasting", "kubernetes",
    "budget frozen", "audit", "vibration analysis", "onboarding", "coaching",
    "value stream mapping", "incident response", "emissions", "last mile", "negotiation",
    "quality drifting", "hand-over between teams", "corrosion", "tenders", "heat recovery",
    "machine vision", "privacy by design", "observability", "usability testing", "scale-up",
    "manual steps", "deadline", "certificate", "workshop", "standard",
    "nonexistentword", "documentation nobody trusts", "cobots", "s&op inventory", "gdpr records",
]


def conn():
    return http.client.HTTPConnection(HOST.hostname, HOST.port, timeout=60)


def sign_in(email):
    c = conn()
    c.request("POST", "/api/v1/session",
              body=json.dumps({"email": email, "password": "guildhall-demo"}),
              headers={"content-type": "application/json"})
    r = c.getresponse()
    r.read()
    cookies = r.headers.get_all("set-cookie") or []
    jar = "; ".join(x.split(";")[0] for x in cookies)
    csrf = next((x.split(";")[0].split("=", 1)[1] for x in cookies if x.startswith("gh_csrf=")), "")
    return jar, csrf


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def timed(c, method, path, cookie, body=None):
    headers = {"cookie": cookie}
    if body is not None:
        headers["content-type"] = "application/json"
        body = json.dumps(body)
    t = time.perf_counter()
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    data = r.read()
    return (time.perf_counter() - t) * 1000, r.status, data


def report(name, ms, errors=0):
    print(f"{name}: n={len(ms)} median={statistics.median(ms):.1f} ms "
          f"p90={pct(ms, 90):.1f} ms p99={pct(ms, 99):.1f} ms max={max(ms):.1f} ms errors={errors}")


def bench_search(cookie):
    c = conn()
    # Warm the caches once, as a running server would be.
    for q in QUERIES:
        timed(c, "GET", "/api/v1/search?q=" + urllib.parse.quote(q), cookie)
    ms, totals = [], []
    for _ in range(5):
        for q in QUERIES:
            t, status, data = timed(c, "GET", "/api/v1/search?q=" + urllib.parse.quote(q), cookie)
            assert status == 200, (q, status, data[:200])
            ms.append(t)
            totals.append(json.loads(data)["total"])
    report("search (1-3 words)", ms)
    print(f"  matches per query: median {statistics.median(totals)}, max {max(totals)}")
    return ms


def make_thread(cookie, slug, replies=50):
    c = conn()
    _, status, data = timed(c, "POST", f"/api/v1/communities/{slug}/threads", cookie,
                            {"kind": "help", "title": "Benchmark: a long conversation",
                             "body": "How do we keep **long threads** readable? " * 5})
    assert status == 201, data
    tid = json.loads(data)["id"]
    for i in range(replies):
        _, status, data = timed(c, "POST", f"/api/v1/threads/{tid}/replies", cookie,
                                {"body": f"Reply {i}: we split the topic and *summarize* every week. " * 3})
        assert status == 201, data
    return tid


def bench_thread(cookie, tid):
    c = conn()
    for _ in range(20):
        timed(c, "GET", f"/threads/{tid}", cookie)
    ms = []
    for _ in range(300):
        t, status, _ = timed(c, "GET", f"/threads/{tid}", cookie)
        assert status == 200
        ms.append(t)
    report("thread page with 50 replies", ms)


def bench_post_under_load(cookie, tid, slug, reader_cookie):
    readers = subprocess.Popen(
        ["wrk", "-t2", "-c50", "-d60s", "-H", f"Cookie: {reader_cookie}",
         f"{BASE}/communities/{slug}/threads"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(3)
    c = conn()
    ms, errors = [], 0
    deadline = time.time() + 50
    i = 0
    while time.time() < deadline:
        i += 1
        try:
            t, status, _ = timed(c, "POST", f"/api/v1/threads/{tid}/replies", cookie,
                                 {"body": f"Posted under load {i}"})
        except Exception:  # noqa: BLE001 - a dropped connection is an error to count
            errors += 1
            c = conn()
            continue
        if status != 201:
            errors += 1
        ms.append(t)
        time.sleep(0.05)
    out, _ = readers.communicate()
    report("reply while 50 readers load pages", ms, errors)
    for line in out.splitlines():
        if "Requests/sec" in line or "Non-2xx" in line or "Socket errors" in line:
            print("  readers:", line.strip())


def main():
    member, _ = sign_in("member@demo.guildhall.test")
    coord, _ = sign_in("coordinator@demo.guildhall.test")
    c = conn()
    _, _, data = timed(c, "GET", "/api/v1/communities?per_page=100&sort=members", member)
    biggest = [x for x in json.loads(data)["items"] if x["visibility"] == "open"][0]["slug"]
    # A community of its own to post in, so runs do not disturb the demo's.
    slug = f"bench-{int(time.time())}"
    _, status, data = timed(c, "POST", "/api/v1/communities", coord,
                            {"name": f"Benchmark {slug}", "slug": slug, "visibility": "open",
                             "membership_policy": "open", "stage": "maturing"})
    assert status == 201, data
    print(f"readers load: /communities/{biggest}/threads; posting in: {slug}")
    bench_search(member)
    tid = make_thread(coord, slug)
    bench_thread(member, tid)
    bench_post_under_load(coord, tid, biggest, member)


if __name__ == "__main__":
    main()
