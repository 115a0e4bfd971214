// Every main page: a full-page screenshot (artifacts/*.png, 1280 wide; the
// community page also 390 wide) and an axe-core accessibility check that
// fails on serious and critical violations. The full axe results of each
// page are written to artifacts/axe-*.json.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { checkAccessibility } from '../lib/axe.js';
import { openBrowser } from '../lib/browser.js';
import { ARTIFACTS, api, communities, demoEmail, signIn } from '../lib/harness.js';

const server = {};
let coordinator; // one signed-in browser for the signed-in pages
const paths = {};

before(async () => {
  Object.assign(server, await startServer({ demo: true }));
  coordinator = await openBrowser({ viewport: { width: 1280, height: 800 } });
  await signIn(coordinator.page, server.url, demoEmail('coordinator'));
  const mine = (await communities(coordinator, server.url)).filter((c) => c.my_role === 'coordinator');
  assert.ok(mine.length > 0, 'coordinator@ coordinates communities');
  // The community page: the most populated one they coordinate; the
  // members page: one with requests to join, if any.
  const shown = [...mine].sort((a, b) => b.members - a.members)[0];
  const withRequests = mine.find((c) => c.membership_policy === 'request') ?? shown;
  const person = (await api(coordinator, server.url, '/people?per_page=1')).items[0];
  Object.assign(paths, {
    community: `/communities/${shown.slug}`,
    members: `/communities/${withRequests.slug}/members`,
    person: `/people/${person.id}`,
  });
});

after(async () => {
  await coordinator?.close();
  await server.stop?.();
});

/** Screenshot, then axe; fails on serious or critical violations. */
async function check(page, name) {
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
  await checkAccessibility(page, name);
}

describe('main pages (screenshots and accessibility)', () => {
  test('sign-in page', async () => {
    const b = await openBrowser({ viewport: { width: 1280, height: 800 } });
    try {
      await b.page.goto(`${server.url}/signin`);
      await b.page.getByRole('button', { name: 'Sign in' }).waitFor();
      await check(b.page, 'signin');
    } finally {
      await b.close();
    }
  });

  const signedIn = [
    ['home', () => '/', 'Welcome'],
    ['communities', () => '/communities', 'Communities'],
    ['community', () => paths.community, null],
    ['members', () => paths.members, 'Members of'],
    ['people', () => '/people', null],
    ['person', () => paths.person, null],
    ['units', () => '/units', null],
    ['domains', () => '/domains', null],
  ];
  for (const [name, path, heading] of signedIn) {
    test(`${name} page`, async () => {
      const { page } = coordinator;
      const r = await page.goto(`${server.url}${path()}`);
      assert.equal(r.status(), 200, `${path()} answers 200`);
      const h1 = page.getByRole('heading', { level: 1 });
      await h1.waitFor();
      if (heading) assert.match(await h1.innerText(), new RegExp(`^${heading}`));
      await check(page, name);
    });
  }

  test('community page on a phone (390 wide)', async () => {
    const b = await openBrowser({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    try {
      await signIn(b.page, server.url, demoEmail('coordinator'));
      await b.page.goto(`${server.url}${paths.community}`);
      await b.page.getByRole('heading', { level: 1 }).waitFor();
      await b.page.screenshot({ path: `${ARTIFACTS}community-mobile.png`, fullPage: true });
      const overflow = await b.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px at 390 wide`);
    } finally {
      await b.close();
    }
  });
});
