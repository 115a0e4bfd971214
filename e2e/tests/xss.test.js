// Stored XSS: classic payloads go into every text field a person can fill
// (through the API, as a script would), then every page that shows them is
// opened in the real browser. No script may run: no dialog opens, the
// canary global stays unset, no javascript: link or inline handler reaches
// the page — and the payload text is shown, escaped, so the test knows it
// looked at the right thing.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { communities, scenario } from '../lib/harness.js';

const server = {};
before(async () => Object.assign(server, await startServer({ demo: true })));
after(async () => server.stop?.());

// Each payload carries the word "xsscanary" (found by search) and, if it
// ever runs, sets window.__xss or opens a dialog.
const PAYLOADS = [
  'xsscanary <script>window.__xss=1</script>',
  'xsscanary <img src=x onerror="window.__xss=2">',
  'xsscanary "><svg onload="window.__xss=3">',
  "xsscanary '><iframe srcdoc=\"<script>parent.__xss=4</script>\">",
  'xsscanary </textarea></title><script>alert(5)</script>',
  'xsscanary [click me](javascript:window.__xss=6) <a href="javascript:alert(7)">link</a>',
  'xsscanary <details open ontoggle="window.__xss=8">x</details> <body onload=alert(9)>',
  'xsscanary {{ 7*7 }} ${alert(10)} <math><mtext><table><mglyph><style><img src=x onerror=alert(11)>',
];
const pick = (i) => PAYLOADS[i % PAYLOADS.length];
// Tags and expertise are at most 40 characters.
const SHORT = ['xsscanary<svg onload=alert(1)>', 'xsscanary<img src=x onerror=alert(2)>'];

/** Sends JSON to the API with the browser's session; returns the JSON. */
async function send(browser, base, method, path, data) {
  const r = await browser.context.request.fetch(`${base}/api/v1${path}`, { method, data });
  const text = await r.text();
  assert.ok(r.ok(), `${method} /api/v1${path} answered ${r.status()}: ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Opens a page and checks that nothing of the payloads ran or survived as markup. */
async function inspect(page, url, dialogs, { mustShow = true } = {}) {
  const response = await page.goto(url);
  assert.ok(response && response.status() < 400, `${url} answered ${response?.status()}`);
  await page.waitForLoadState('load');
  const found = await page.evaluate(() => ({
    xss: window.__xss,
    text: document.body.innerText.includes('xsscanary'),
    jsLinks: [...document.querySelectorAll('[href],[src],[action],[formaction]')]
      .map((e) => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('action') || e.getAttribute('formaction') || '')
      .filter((v) => v.trim().toLowerCase().startsWith('javascript:')),
    handlers: [...document.querySelectorAll('*')]
      .flatMap((e) => [...e.attributes].filter((a) => a.name.startsWith('on')).map((a) => `${e.tagName}.${a.name}`)),
    iframes: document.querySelectorAll('iframe').length,
  }));
  assert.equal(found.xss, undefined, `a payload ran on ${url}`);
  assert.deepEqual(dialogs, [], `a dialog opened on ${url}`);
  assert.deepEqual(found.jsLinks, [], `javascript: URLs on ${url}`);
  assert.deepEqual(found.handlers, [], `inline event handlers on ${url}`);
  assert.equal(found.iframes, 0, `an iframe on ${url}`);
  if (mustShow) assert.ok(found.text, `${url} does not show the payload text (did the test look at the right page?)`);
}

scenario('stored XSS payloads in every text field run nowhere', server, async ({ as, base }) => {
  const admin = await as('admin');
  const member = await as('member');
  const me = await send(admin, base, 'GET', '/me');
  const memberMe = await send(member, base, 'GET', '/me');

  // Organization: a unit, a domain, the administrator's own profile.
  const unit = await send(admin, base, 'POST', '/units', { name: pick(0), description: pick(1) });
  const domain = await send(admin, base, 'POST', '/domains', { name: pick(2), description: pick(3) });
  await send(admin, base, 'PATCH', `/people/${me.id}`, {
    title: pick(4), bio: pick(5), expertise: [SHORT[0]], interests: [SHORT[1]], unit_id: unit.id,
  });
  const person = await send(admin, base, 'POST', '/people', { name: pick(1), email: 'xss.person@example.org', title: pick(2) });
  const twin = await send(admin, base, 'POST', '/people', { name: pick(3), email: 'xss.twin@example.org' });

  // A community and its practice.
  const c = await send(admin, base, 'POST', '/communities', {
    name: 'XSS Lab', visibility: 'open', membership_policy: 'open',
    purpose: pick(0), domain_statement: pick(1), domains: [domain.id],
  });
  await send(member, base, 'POST', `/communities/${c.slug}/join`, {});
  const thread = await send(admin, base, 'POST', `/communities/${c.slug}/threads`, {
    kind: 'help', title: pick(2), body: pick(3), tags: 'xsscanary, <b>tag</b>',
  });
  await send(admin, base, 'PUT', `/threads/${thread.id}`, { title: `${pick(4)} (edited)`, body: pick(5) });
  const reply = await send(member, base, 'POST', `/threads/${thread.id}/replies`, { body: pick(6) });
  await send(admin, base, 'POST', `/replies/${reply.id}/thanks`, { note: pick(7) });
  const resource = await send(admin, base, 'POST', `/communities/${c.slug}/resources`, {
    kind: 'document', title: pick(0), body: pick(1), summary: pick(2), tags: [SHORT[1]],
  });
  await send(member, base, 'POST', `/resources/${resource.id}/revisions`, {
    title: pick(4), body: `${pick(5)}\n\n${pick(6)}`, summary: pick(7), base_revision: 1,
  });
  const event = await send(admin, base, 'POST', `/communities/${c.slug}/events`, {
    kind: 'regular', title: pick(0), description: pick(1), place: pick(2),
    link: 'javascript:alert(12)', starts_at: '2031-03-04T10:00:00Z', duration_minutes: 60,
  }).catch(async () => send(admin, base, 'POST', `/communities/${c.slug}/events`, {
    // A javascript: link is refused by validation, which is right; the
    // rest of the payloads still go in.
    kind: 'regular', title: pick(0), description: pick(1), place: pick(2),
    link: 'https://example.org/?q=<script>alert(13)</script>', starts_at: '2031-03-04T10:00:00Z', duration_minutes: 60,
  }));
  // Administration: a token's name, a merge's reason (also in the audit log).
  await send(admin, base, 'POST', '/tokens', { name: pick(3), scopes: ['read'] });
  await send(admin, base, 'POST', '/people/merges', { keep: String(person.id), absorb: String(twin.id), reason: pick(4) });

  const communitiesSeen = await communities(admin, base, '&q=xss');
  assert.ok(communitiesSeen.some((x) => x.slug === c.slug), 'the community is listed');

  // Every page that shows what was written, as the administrator…
  const adminDialogs = [];
  admin.page.on('dialog', async (d) => { adminDialogs.push(d.message()); await d.dismiss().catch(() => {}); });
  const pages = [
    `/communities/${c.slug}`,
    `/communities?q=xss`,
    `/communities/${c.slug}/threads`,
    `/threads/${thread.id}`,
    `/threads/${thread.id}/history`,
    `/communities/${c.slug}/resources`,
    `/resources/${resource.id}`,
    `/resources/${resource.id}/history`,
    `/resources/${resource.id}/diff?from=1&to=2`,
    `/communities/${c.slug}/events`,
    `/communities/${c.slug}/events/${event.id}`,
    `/people?q=xss`,
    `/people/${me.id}`,
    `/people/${person.id}`,
    `/units`,
    `/units/${unit.id}`,
    `/domains`,
    `/domains/${domain.id}`,
    `/search?q=xsscanary`,
    `/experts?q=xsscanary`,
    `/notifications`,
    `/admin/merges`,
    `/admin/audit`,
    `/account/tokens`,
  ];
  for (const p of pages) await inspect(admin.page, `${base}${p}`, adminDialogs);
  // Pages that may or may not quote the text, but must stay inert.
  for (const p of ['/', '/overview', `/communities/${c.slug}/pulse`, `/communities/${c.slug}/charter`, `/threads/${thread.id}/edit`, `/resources/${resource.id}/edit`]) {
    await inspect(admin.page, `${base}${p}`, adminDialogs, { mustShow: false });
  }

  // …and as the member, whose notifications quote the thread and the thanks.
  const memberDialogs = [];
  member.page.on('dialog', async (d) => { memberDialogs.push(d.message()); await d.dismiss().catch(() => {}); });
  for (const p of [`/notifications`, `/threads/${thread.id}`, `/people/${memberMe.id}`]) {
    await inspect(member.page, `${base}${p}`, memberDialogs, { mustShow: p !== `/people/${memberMe.id}` });
  }
});
