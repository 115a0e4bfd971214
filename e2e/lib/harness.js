// What every test file shares: the server, signed-in browsers, API reads,
// and screenshots of every open page when a test fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openBrowser } from './browser.js';

export const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
mkdirSync(ARTIFACTS, { recursive: true });

export const DEMO_PASSWORD = 'guildhall-demo';
export const demoEmail = (who) => `${who}@demo.guildhall.test`;

const slugify = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

/** Signs in through the form; resolves on the page it lands on. */
export async function signIn(page, base, email, password = DEMO_PASSWORD) {
  if (!page.url().startsWith(`${base}/signin`)) await page.goto(`${base}/signin`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/signin'));
  await page.getByRole('button', { name: 'Sign in' }).waitFor({ state: 'detached' });
}

/** GET an API path with the browser's session cookie; returns the JSON. */
export async function api(browser, base, path) {
  const r = await browser.context.request.get(`${base}/api/v1${path}`);
  assert.equal(r.status(), 200, `GET /api/v1${path} answered ${r.status()}: ${await r.text()}`);
  return r.json();
}

/** Every community this browser's user can see. */
export async function communities(browser, base, query = '') {
  const all = [];
  for (let page = 1; ; page++) {
    const r = await api(browser, base, `/communities?per_page=100&page=${page}${query}`);
    all.push(...r.items);
    if (all.length >= r.total || r.items.length === 0) return all;
  }
}

/**
 * A test with browsers: `fn({ open, as, base })`, where `open(options)`
 * opens a fresh browser profile and `as(who, options)` one signed in as a
 * demo account ("member", "coordinator", …). On failure, every open page
 * is saved to artifacts/failure-*.png. Browsers are closed afterwards.
 */
export function scenario(name, server, fn) {
  return test(name, async (t) => {
    const opened = [];
    const open = async (options) => {
      const b = await openBrowser(options);
      opened.push(b);
      return b;
    };
    const as = async (who, options) => {
      const b = await open(options);
      await signIn(b.page, server.url, who.includes('@') ? who : demoEmail(who));
      return b;
    };
    try {
      await fn({ open, as, base: server.url, t });
    } catch (e) {
      const shots = [];
      for (const [i, b] of opened.entries()) {
        const path = `${ARTIFACTS}failure-${slugify(name)}-${i + 1}.png`;
        try {
          await b.page.screenshot({ path, fullPage: true });
          shots.push(`${path} (${b.page.url()})`);
        } catch {
          // page already gone
        }
      }
      if (shots.length && e instanceof Error) e.message += `\n  pages at failure: ${shots.join(', ')}`;
      throw e;
    } finally {
      for (const b of opened) await b.close();
    }
  });
}

/** Waits until the page shows this text (htmx swaps are not navigations). */
export async function see(page, text, options = {}) {
  await page.getByText(text, options).first().waitFor({ state: 'visible' });
}
