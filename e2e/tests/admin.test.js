// Administration and personal tokens, clicked through in the browser: an
// administrator merges two records of one person (a mistake explained
// first), sees it in the audit log and undoes it; a member creates an API
// token, uses it from a script and revokes it.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { checkAccessibility } from '../lib/axe.js';
import { api, scenario, see } from '../lib/harness.js';

const server = {};
before(async () => Object.assign(server, await startServer({ demo: true })));
after(async () => server.stop?.());

const ACCOUNTS = ['admin', 'strategist', 'executive', 'manager', 'hr', 'member', 'coordinator', 'outsider'];

scenario('an administrator merges two records of one person, then undoes it', server, async ({ as, base }) => {
  const admin = await as('admin');
  const { page } = admin;
  const people = (await api(admin, base, '/people?per_page=100')).items
    .filter((p) => !ACCOUNTS.some((a) => p.email.startsWith(`${a}@`)));
  assert.ok(people.length >= 2, 'the demo has people without accounts');
  const [kept, absorbed] = people;

  await page.goto(`${base}/people`);
  await page.getByRole('link', { name: 'Merge people' }).click();
  await page.getByRole('heading', { level: 1, name: 'Merge people' }).waitFor();

  // A mistake is explained beside the field, and nothing is merged.
  await page.getByLabel('Keep (email or id)').fill('nobody@nowhere.example');
  await page.getByLabel('Merge away (email or id)').fill(absorbed.email);
  await page.getByRole('button', { name: 'Merge', exact: true }).click();
  await see(page, 'nobody has this email address');
  assert.equal((await api(admin, base, '/people/merges')).length, 0);

  await page.getByLabel('Keep (email or id)').fill(kept.email);
  await page.getByLabel('Merge away (email or id)').fill(String(absorbed.id));
  await page.getByLabel('Reason').fill('same person, two archives');
  await page.getByRole('button', { name: 'Merge', exact: true }).click();
  const row = page.getByRole('row').filter({ hasText: 'same person, two archives' });
  await row.waitFor();
  await checkAccessibility(page, 'admin-merges');
  assert.match(await row.innerText(), new RegExp(kept.name));

  // The absorbed record says whose it became; the directory no longer lists it.
  await page.goto(`${base}/people/${absorbed.id}`);
  await see(page, 'This record was merged into');
  const listed = (await api(admin, base, `/people?q=${encodeURIComponent(absorbed.email)}`)).items;
  assert.equal(listed.length, 0, 'the absorbed record is hidden from the directory');

  // The audit log shows it, then the undo.
  await page.goto(`${base}/admin/audit`);
  await page.getByLabel('Action').selectOption('person.merged');
  await page.getByRole('button', { name: 'Filter' }).click();
  await see(page, 'same person, two archives');
  await checkAccessibility(page, 'admin-audit');
  await page.goto(`${base}/admin/merges`);
  await row.getByRole('button', { name: 'Undo' }).click();
  await row.getByText(/undone/).waitFor();
  const back = (await api(admin, base, `/people?q=${encodeURIComponent(absorbed.email)}`)).items;
  assert.equal(back.length, 1, 'the undo brings the record back');
});

scenario('a member creates an API token, a script uses it, the member revokes it', server, async ({ as, base }) => {
  const member = await as('member');
  const { page } = member;
  await page.goto(`${base}/`);
  await page.locator('summary').filter({ hasText: /./ }).last().click();
  await page.getByRole('link', { name: 'API tokens' }).click();
  await page.getByRole('heading', { level: 1, name: 'API tokens' }).waitFor();

  await page.getByRole('button', { name: 'Create token' }).click();
  await see(page, 'Name is required');
  await page.getByLabel('What is it for?').fill('weekly report script');
  await page.getByRole('button', { name: 'Create token' }).click();
  const secret = (await page.locator('#new-token').innerText()).trim();
  assert.match(secret, /^ghpat_/);
  await checkAccessibility(page, 'account-tokens');

  const me = await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(me.status, 200);
  assert.equal((await me.json()).name, (await api(member, base, '/me')).name);
  const write = await fetch(`${base}/api/v1/notifications/read`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(write.status, 403, 'a read token may not change anything');

  await page.goto(`${base}/account/tokens`);
  assert.ok(!(await page.content()).includes(secret), 'the secret is shown once only');
  const row = page.getByRole('row').filter({ hasText: 'weekly report script' });
  await row.getByRole('button', { name: 'Revoke' }).click();
  await row.getByText('revoked').waitFor();
  const after = await fetch(`${base}/api/v1/me`, { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(after.status, 401);
});
