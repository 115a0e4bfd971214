// Every page reachable from the home page, followed link by link as each
// demonstration account, answers without a client or server error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { DEMO_PASSWORD, demoEmail } from '../lib/harness.js';

const ACCOUNTS = ['admin', 'strategist', 'executive', 'manager', 'hr', 'member', 'coordinator', 'outsider'];
const MAX_PAGES = 250;

const server = {};
before(async () => Object.assign(server, await startServer()));
after(async () => server.stop?.());

async function signIn(base, who) {
  const res = await fetch(`${base}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: demoEmail(who), password: DEMO_PASSWORD }),
  });
  assert.equal(res.status, 200, `${who} signs in`);
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  return cookie;
}

for (const who of ACCOUNTS) {
  test(`crawl as ${who}`, async () => {
    const base = server.url;
    const cookie = await signIn(base, who);
    const seen = new Set();
    const todo = ['/'];
    const failures = [];
    while (todo.length && seen.size < MAX_PAGES) {
      const path = todo.shift();
      if (seen.has(path)) continue;
      seen.add(path);
      const res = await fetch(base + path, { headers: { cookie }, redirect: 'manual' });
      if (res.status >= 400) failures.push(`${path} → ${res.status}`);
      const body = await res.text();
      for (const m of body.matchAll(/href="(\/[^"#]*)"/g)) {
        const href = m[1].replaceAll('&amp;', '&');
        if (href.startsWith('/static/') || href.startsWith('/api/')) continue;
        if (!seen.has(href)) todo.push(href);
      }
    }
    assert.ok(seen.size > 20, `${who} reached ${seen.size} pages`);
    assert.deepEqual(failures, [], `${who}: pages answering 4xx/5xx`);
  });
}
