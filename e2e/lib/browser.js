// Debian's Chromium driven by playwright-core: no browser download.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

async function isBinary(path) {
  try {
    if (!(await stat(path)).isFile()) return false;
    const head = (await readFile(path)).subarray(0, 4);
    return head[0] === 0x7f && head.toString('latin1', 1, 4) === 'ELF';
  } catch {
    return false;
  }
}

let found;
/**
 * The real Chromium executable: $CHROMIUM_PATH, else the ELF binary the
 * chromium package installs (dpkg -L chromium), else the first of
 * chromium/chromium-browser on PATH that is not a wrapper script.
 */
export async function chromiumPath() {
  if (found) return found;
  const candidates = [];
  if (process.env.CHROMIUM_PATH) candidates.push(process.env.CHROMIUM_PATH);
  try {
    const files = execFileSync('dpkg', ['-L', 'chromium'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    candidates.push(...files.split('\n').filter((p) => /\/chromium$/.test(p) && !p.startsWith('/usr/bin/')));
  } catch {
    // not a Debian system, or chromium is not installed
  }
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      candidates.push(execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim());
    } catch {
      // not on PATH
    }
  }
  for (const c of candidates) {
    if (c && (await isBinary(c))) return (found = c);
  }
  throw new Error('Chromium not found: apt-get install -y chromium chromium-driver, or set CHROMIUM_PATH');
}

/**
 * A fresh browser profile (its own cookies): { context, page, close() }.
 * Options go to launchPersistentContext (viewport, javaScriptEnabled, …).
 */
export async function openBrowser(options = {}) {
  const profile = await mkdtemp(join(tmpdir(), 'guildhall-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: await chromiumPath(),
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 800 },
    ...options,
  });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(30_000);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    async close() {
      await context.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
    },
  };
}
