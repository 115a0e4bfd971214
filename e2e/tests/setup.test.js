// First run: on an empty database every page leads to /setup, which creates
// the first administrator and signs them in.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { api, scenario } from '../lib/harness.js';

const server = {};
before(async () => Object.assign(server, await startServer({ demo: false })));
after(async () => server.stop?.());

scenario('an empty database asks for the first administrator', server, async ({ open, base }) => {
  const b = await open();
  const { page } = b;
  await page.goto(`${base}/`);
  assert.equal(new URL(page.url()).pathname, '/setup', '/ sends to /setup');
  await page.goto(`${base}/signin`);
  assert.equal(new URL(page.url()).pathname, '/setup', '/signin sends to /setup');
  await page.getByRole('heading', { level: 1, name: 'Welcome to Guildhall' }).waitFor();

  const name = 'Ada Admin';
  const email = 'ada@example.test';
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('a long enough passphrase');
  await page.getByRole('button', { name: 'Create administrator' }).click();
  await page.getByRole('heading', { level: 1, name: `Welcome, ${name}` }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/');

  const me = await api(b, base, '/me');
  assert.equal(me.name, name);
  assert.equal(me.org_role, 'administrator');
  // Setup happens once.
  await page.goto(`${base}/setup`);
  assert.equal(new URL(page.url()).pathname, '/');
});
