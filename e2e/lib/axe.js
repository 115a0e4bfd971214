// The accessibility check shared by the suites: axe-core on the page as it
// is now, failing on serious and critical violations. The full findings
// go to artifacts/axe-<name>.json.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { AxeBuilder } from '@axe-core/playwright';
import { ARTIFACTS } from './harness.js';

const BLOCKING = new Set(['serious', 'critical']);

const explain = (v) =>
  `  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n` +
  v.nodes.map((n) => `      ${n.target.join(' ')}  ${n.html.slice(0, 120)}\n` +
    `        ${(n.failureSummary ?? '').split('\n').slice(1).join('; ').trim()}`).join('\n');

/**
 * axe on `page`; fails on serious or critical violations. `exclude`: CSS
 * selectors of parts left out (say why where it is used).
 */
export async function checkAccessibility(page, name, { exclude = [] } = {}) {
  let builder = new AxeBuilder({ page });
  for (const selector of exclude) builder = builder.exclude(selector);
  const results = await builder.analyze();
  await writeFile(`${ARTIFACTS}axe-${name}.json`, JSON.stringify(results.violations, null, 2));
  const blocking = results.violations.filter((v) => BLOCKING.has(v.impact));
  assert.equal(blocking.length, 0,
    `${name} (${page.url()}) has serious/critical accessibility violations:\n${blocking.map(explain).join('\n')}`);
}
