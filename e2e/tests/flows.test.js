// The main journeys through Guildhall, in a real browser, against a server
// with the demonstration organization. Communities are discovered through
// the JSON API, never hard-coded, so the demo data may change.
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { api, communities, demoEmail, scenario, see, signIn } from '../lib/harness.js';

const server = {};
before(async () => Object.assign(server, await startServer({ demo: true })));
after(async () => server.stop?.());

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const stamp = () => Date.now().toString(36);
/** Why a re-rendered form did not appear: the server's answer, for the report. */
async function unshown(response) {
  const r = await response;
  const boosted = r.request().headers()['hx-request'] === 'true';
  return `the server answered ${r.status()} to POST ${new URL(r.url()).pathname}` +
    (boosted && r.status() >= 400
      ? ' to an htmx (hx-boost) request, and htmx 2 does not swap 4xx responses by default (htmx.config.responseHandling)'
      : '');
}

const PAGE_SIZE = 24; // communities per page on /communities

describe('signing in', () => {
  for (const javaScriptEnabled of [true, false]) {
    const how = javaScriptEnabled ? 'with JavaScript (htmx)' : 'without JavaScript';
    scenario(`a wrong password shows an error, the right one signs in — ${how}`, server, async ({ open, base }) => {
      const { page } = await open({ javaScriptEnabled });
      // A page that needs a session sends to the sign-in form, and back after.
      await page.goto(`${base}/communities`);
      assert.match(new URL(page.url()).pathname, /^\/signin/);
      await page.getByLabel('Email').fill(demoEmail('member'));
      await page.getByLabel('Password').fill('not-the-password');
      const answered = page.waitForResponse((r) => r.request().method() === 'POST');
      await page.getByRole('button', { name: 'Sign in' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor({ state: 'visible', timeout: 5_000 }).catch(async () => {
        throw new Error(`no error message shown after a wrong password (${how}); ${await unshown(answered)}`);
      });
      assert.match(await alert.innerText(), /email or password/i);
      assert.equal(await page.getByLabel('Email').inputValue(), demoEmail('member'), 'the typed email is kept');

      await page.getByLabel('Password').fill('guildhall-demo');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((u) => u.pathname === '/communities');
      await page.getByRole('heading', { level: 1, name: 'Communities' }).waitFor();
      await page.getByRole('navigation', { name: 'Main' }).waitFor();
      await page.getByRole('link', { name: 'Home' }).click();
      await page.waitForURL((u) => u.pathname === '/');
      await page.getByRole('heading', { level: 1, name: /^Welcome, / }).waitFor();
    });
  }
});

scenario('browse communities and filter by stage', server, async ({ as, base }) => {
  const b = await as('member');
  const all = await communities(b, base);
  // The stage with the fewest (but some) communities: a real narrowing.
  const byStage = new Map();
  for (const c of all) byStage.set(c.stage, [...(byStage.get(c.stage) ?? []), c]);
  const [stage, expected] = [...byStage].sort((x, y) => x[1].length - y[1].length)[0];
  assert.ok(expected.length < all.length, 'the demo has communities in several stages');

  const { page } = b;
  await page.getByRole('link', { name: 'Communities', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Communities' }).waitFor();
  await see(page, `${all.length} communities`, { exact: true });
  assert.equal(await page.locator('.community-card').count(), Math.min(all.length, PAGE_SIZE));

  // Choosing a stage submits the filter form by itself.
  await page.getByLabel('Stage').selectOption(stage);
  const label = (await page.getByLabel('Stage').locator('option:checked').innerText()).trim();
  await page.waitForURL((u) => u.searchParams.get('stage') === stage);
  const count = expected.length === 1 ? '1 community' : `${expected.length} communities`;
  await see(page, count, { exact: true });
  const cards = page.locator('.community-card');
  assert.equal(await cards.count(), Math.min(expected.length, PAGE_SIZE));
  for (const s of await cards.locator('.stage').allInnerTexts()) assert.equal(s.trim(), label);
  const names = (await cards.locator('h3').allInnerTexts()).map((s) => s.trim());
  const want = new Set(expected.map((c) => c.name));
  for (const n of names) assert.ok(want.has(n), `${n} is in stage ${stage}`);
  assert.equal(await page.getByLabel('Stage').inputValue(), stage, 'the filter stays selected');
});

scenario('a member joins an open community and finds it on the home page', server, async ({ as, base }) => {
  const b = await as('member');
  const c = (await communities(b, base)).find(
    (c) => c.visibility === 'open' && c.membership_policy === 'open' && !c.my_role && c.stage !== 'memory',
  );
  assert.ok(c, 'member@ can see an open community they are not in');
  const { page } = b;
  await page.goto(`${base}/communities/${c.slug}`);
  await page.getByRole('heading', { level: 1, name: c.name }).waitFor();
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await see(page, 'Welcome! You are now a member.');
  await see(page, 'You are member');
  assert.equal(new URL(page.url()).pathname, `/communities/${c.slug}`);

  await page.getByRole('link', { name: 'Home' }).click();
  await page.getByRole('heading', { level: 2, name: 'My communities' }).waitFor();
  const mine = page.locator('h2:text-is("My communities") + .cards');
  await mine.getByRole('link', { name: c.name, exact: true }).waitFor();
  const after = (await communities(b, base)).find((x) => x.slug === c.slug);
  assert.equal(after.my_role, 'member');
});

scenario('an outsider asks to join a closed community; its coordinator approves', server, async ({ as, base }) => {
  const coordinator = await as('coordinator');
  const outsider = await as('outsider');
  const theirs = await communities(outsider, base);
  const c = (await communities(coordinator, base)).find(
    (c) => c.my_role === 'coordinator' && c.membership_policy === 'request' && c.visibility === 'closed' &&
      c.stage !== 'memory' && theirs.some((o) => o.slug === c.slug && !o.my_role),
  );
  assert.ok(c, 'coordinator@ coordinates a closed community that asks to join, and outsider@ is not in it');
  const me = await api(outsider, base, '/me');
  const message = `I work on this every day (e2e ${stamp()})`;

  let page = outsider.page;
  await page.goto(`${base}/communities/${c.slug}`);
  await page.getByLabel('Why would you like to join?').fill(message);
  await page.getByRole('button', { name: 'Ask to join' }).click();
  await see(page, 'Your request is sent.');
  await see(page, 'Request sent — waiting for a coordinator');

  page = coordinator.page;
  await page.goto(`${base}/communities/${c.slug}`);
  await page.getByRole('link', { name: /^Manage members/ }).click();
  await page.getByRole('heading', { level: 1, name: `Members of ${c.name}` }).waitFor();
  assert.equal(new URL(page.url()).pathname, `/communities/${c.slug}/members`);
  const requests = page.locator('section', { has: page.getByRole('heading', { name: 'Requests to join' }) });
  const row = requests.locator('li.row', { hasText: me.name });
  await row.waitFor();
  assert.match(await row.innerText(), new RegExp(esc(message)));
  await row.getByRole('button', { name: 'Approve' }).click();
  await see(page, 'The request is approved; they are now a member.');
  assert.equal(await requests.locator('li.row', { hasText: me.name }).count(), 0, 'the request is answered');
  await page.locator('table.table').getByRole('link', { name: me.name, exact: true }).waitFor();

  page = outsider.page;
  await page.goto(`${base}/communities/${c.slug}`);
  await see(page, 'You are member');
  const now = (await communities(outsider, base)).find((x) => x.slug === c.slug);
  assert.equal(now.my_role, 'member');
});

scenario('a coordinator changes the stage with a reason, kept in the history', server, async ({ as, base }) => {
  const b = await as('coordinator');
  const c = (await communities(b, base)).find((c) => c.my_role === 'coordinator' && c.stage !== 'memory');
  assert.ok(c, 'coordinator@ coordinates a community');
  const { page } = b;
  await page.goto(`${base}/communities/${c.slug}`);
  await page.getByRole('link', { name: 'Change stage' }).click();
  await page.getByRole('heading', { level: 1, name: `Change the stage of ${c.name}` }).waitFor();
  const current = page.locator(`input[name="stage"][value="${c.stage}"]`);
  assert.ok(await current.isDisabled(), 'the current stage cannot be chosen');
  const choices = page.locator('input[name="stage"]:not([disabled])');
  const to = await choices.first().getAttribute('value');
  const reason = `Enough members now to take on hard problems (e2e ${stamp()})`;
  await page.locator(`input[name="stage"][value="${to}"]`).check();
  await page.getByLabel('Reason').fill(reason);
  await page.getByRole('button', { name: 'Change stage' }).click();
  await see(page, 'The stage is changed and recorded');
  assert.equal(new URL(page.url()).pathname, `/communities/${c.slug}`);

  const history = page.locator('section', { has: page.getByRole('heading', { name: 'Stage history' }) });
  const entry = history.locator('li', { hasText: reason });
  await entry.waitFor();
  assert.match(await entry.innerText(), new RegExp(to, 'i'));
  const view = await api(b, base, `/communities/${c.slug}`);
  assert.equal(view.stage, to);
  assert.ok(view.stage_history.some((h) => h.to === to && h.reason === reason), 'the API has the move too');
});

scenario('a private community is invisible to outsiders, visible to its coordinator', server, async ({ as, base }) => {
  const coordinator = await as('coordinator');
  const outsider = await as('outsider');
  const c = (await communities(coordinator, base)).find((c) => c.visibility === 'private' && c.my_role);
  assert.ok(c, 'coordinator@ is in a private community');
  const word = c.name.split(/\s+/)[0];

  // The outsider: not listed, not found by searching, not at its address.
  let page = outsider.page;
  assert.ok(!(await communities(outsider, base)).some((x) => x.slug === c.slug), 'not in the API list');
  const found = await api(outsider, base, `/communities?q=${encodeURIComponent(c.name)}`);
  assert.ok(!found.items.some((x) => x.slug === c.slug), 'not in API search results');
  await page.goto(`${base}/communities`);
  await page.locator('.community-card').first().waitFor();
  assert.equal(await page.locator(`a[href="/communities/${c.slug}"]`).count(), 0, 'not on /communities');
  // The filter's own Search field, not the site-wide one in the header.
  await page.locator('form.filters').getByLabel('Search').fill(word);
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL((u) => u.searchParams.get('q') === word);
  await page.getByRole('status').filter({ hasText: /communit/ }).waitFor();
  assert.equal(await page.locator(`a[href="/communities/${c.slug}"]`).count(), 0, 'not in search results');
  for (const path of [`/communities/${c.slug}`, `/communities/${c.slug}/members`]) {
    const r = await page.goto(`${base}${path}`);
    assert.equal(r.status(), 404, `${path} answers 404 to an outsider`);
    await page.getByRole('heading', { level: 1, name: 'Not found' }).waitFor();
    assert.ok(!(await page.content()).includes(c.name), 'the 404 page does not reveal the name');
  }

  // Its coordinator: listed, found, and shown.
  page = coordinator.page;
  await page.goto(`${base}/communities?q=${encodeURIComponent(word)}`);
  await page.locator(`.community-card a[href="/communities/${c.slug}"]`).click();
  await page.getByRole('heading', { level: 1, name: c.name }).waitFor();
  await page.locator('.hero .vis', { hasText: 'Private' }).waitFor();
});

scenario('an invitation to a private community shows its name and purpose, and the way in — nothing else', server, async ({ as, base }) => {
  // A coordinator starts a private community and invites member@.
  const coordinator = await as('coordinator');
  const post = async (path, data) => {
    const r = await coordinator.context.request.post(`${base}/api/v1${path}`, { data });
    assert.ok(r.ok(), `POST /api/v1${path} answered ${r.status()}: ${await r.text()}`);
    return r.status() === 204 ? null : r.json();
  };
  const c = await post('/communities', {
    name: `Quiet circle ${stamp()}`, visibility: 'private', membership_policy: 'invitation',
    purpose: 'A purpose the invitee may read', domain_statement: 'A statement kept for members',
  });
  await post(`/communities/${c.slug}/invitations`, { person: demoEmail('member'), role: 'member' });
  const member = await as('member');
  const page = member.page;
  await page.goto(`${base}/communities/${c.slug}`);
  await page.getByRole('heading', { level: 1, name: c.name }).waitFor();
  await page.getByRole('button', { name: 'Accept the invitation' }).waitFor();
  await page.getByRole('button', { name: 'Decline' }).waitFor();
  await see(page, 'A purpose the invitee may read');
  assert.ok(!(await page.content()).includes('A statement kept for members'), 'the domain statement is for members');
  for (const hidden of ['Members', 'Stage history', 'Recent activity']) {
    assert.equal(await page.getByRole('heading', { name: hidden, exact: true }).count(), 0, `the invitee does not see "${hidden}"`);
  }
  assert.equal(await page.locator(`a[href="/communities/${c.slug}/charter"]`).count(), 0, 'no link to the charter');
  for (const path of [`/communities/${c.slug}/members`, `/communities/${c.slug}/charter`, `/communities/${c.slug}/threads`, `/communities/${c.slug}/pulse`]) {
    const r = await page.goto(`${base}${path}`);
    assert.equal(r.status(), 403, `${path} answers 403 to an invitee`);
  }
  // Accepting opens the community.
  await page.goto(`${base}/communities/${c.slug}`);
  await page.getByRole('button', { name: 'Accept the invitation' }).click();
  await page.getByRole('heading', { name: 'Members', exact: true }).waitFor();
  await see(page, 'A statement kept for members');
});

for (const javaScriptEnabled of [true, false]) {
  const how = javaScriptEnabled ? 'with JavaScript (htmx)' : 'without JavaScript';
  scenario(`start a community: a missing name is explained, then it is created — ${how}`, server, async ({ as, base }) => {
    const { page } = await as('member', { javaScriptEnabled });
    await page.goto(`${base}/communities`);
    await page.getByRole('link', { name: 'Start a community' }).click();
    await page.getByRole('heading', { level: 1, name: 'Start a community' }).waitFor();
    const purpose = `Practitioners of browser testing help each other (${how}).`;
    await page.getByLabel('Purpose').fill(purpose);
    const answered = page.waitForResponse((r) => r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Start the community' }).click();
    const nameField = page.locator('.field', { has: page.locator('#name') });
    await nameField.locator('.error').waitFor({ state: 'visible', timeout: 5_000 }).catch(async () => {
      throw new Error(`no error shown next to the empty Name field (${how}); ${await unshown(answered)}`);
    });
    assert.match(await nameField.locator('.error').innerText(), /^Name\b/);
    assert.match((await nameField.getAttribute('class')) ?? '', /\binvalid\b/);
    assert.equal(await page.getByLabel('Purpose').inputValue(), purpose, 'what was typed is kept');

    const name = `Browser Testing Circle ${stamp()}${javaScriptEnabled ? 'j' : 'n'}`;
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByRole('button', { name: 'Start the community' }).click();
    await page.getByRole('heading', { level: 1, name }).waitFor();
    await see(page, 'Your community is created. You are its first coordinator.');
    assert.match(new URL(page.url()).pathname, /^\/communities\/[a-z0-9-]+$/);
    await see(page, 'You are coordinator');
    await page.getByRole('link', { name: 'Manage members' }).waitFor();
  });
}

scenario('signing out ends the session', server, async ({ as, base }) => {
  const b = await as('hr');
  const { page } = b;
  await page.locator('.usermenu summary').click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  const r = await page.goto(`${base}/people`);
  assert.match(new URL(page.url()).pathname, /^\/signin/, `after sign-out /people went to ${r.url()}`);
  await signIn(page, base, demoEmail('hr'));
  await page.getByRole('heading', { level: 1 }).waitFor();
});
