// Starts the guildhall binary on a free loopback port with a fresh SQLite
// database in a temporary directory, and stops it again.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const E2E_DIR = fileURLToPath(new URL('..', import.meta.url));

/** The binary under test: $GUILDHALL_BIN, or ../target/debug/guildhall. */
export function guildhallBin() {
  return process.env.GUILDHALL_BIN
    ? resolve(process.env.GUILDHALL_BIN)
    : resolve(E2E_DIR, '..', 'target', 'debug', 'guildhall');
}

/**
 * Serves a fresh database. With `demo`, the demonstration organization is
 * generated first. Resolves once the server answers GET /healthz.
 * Returns { url, stop(), log() }.
 */
export async function startServer({ demo = true, timeoutMs = 120_000 } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'guildhall-e2e-'));
  const args = ['--database', join(dir, 'e2e.db'), 'serve', '--bind', '127.0.0.1:0'];
  if (demo) args.push('--demo');
  const bin = guildhallBin();
  const child = spawn(bin, args, {
    cwd: dir,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Never leave the server behind, even when the test process is stopped.
  const killOnExit = () => child.kill('SIGKILL');
  const killOnSignal = (signal) => {
    child.kill('SIGKILL');
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.on('exit', killOnExit);
  process.once('SIGINT', killOnSignal);
  process.once('SIGTERM', killOnSignal);

  let output = '';
  const exited = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
  const log = () => output;

  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(
      () => fail(new Error(`guildhall did not start within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    child.once('error', (e) => {
      clearTimeout(timer);
      fail(new Error(`cannot run ${bin} (set GUILDHALL_BIN or run cargo build -p guildhall): ${e.message}`));
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(new Error(`guildhall exited (code ${code}, signal ${signal}) before listening:\n${output}`));
    });
    child.stderr.on('data', (d) => { output += d; });
    child.stdout.on('data', (d) => {
      output += d;
      const m = /Guildhall is listening on (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
  });

  // Listening is printed after bind; make sure requests are answered too.
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      // not yet
    }
    if (i > 100) throw new Error(`${url}/healthz never answered 200:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  async function stop() {
    process.off('exit', killOnExit);
    process.off('SIGINT', killOnSignal);
    process.off('SIGTERM', killOnSignal);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  }

  return { url, stop, log };
}
