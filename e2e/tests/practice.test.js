// Practice in a community, as its members click through it: asking for
// help, replying, marking solved and thanking (with the notifications that
// follow), keeping a resource with revisions, diffs and endorsement,
// searching, scheduling a recurring event and reading its calendar feed,
// and an accessibility check of those pages. The scenarios build on each
// other (one thread, one resource, one event) and run in order.
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.js';
import { checkAccessibility } from '../lib/axe.js';
import { api, communities, scenario, see } from '../lib/harness.js';

const server = {};
before(async () => Object.assign(server, await startServer({ demo: true })));
after(async () => server.stop?.());

// Made-up words, so that search finds what these tests wrote and nothing else.
const WORD = 'flamingoquartz';
const PRIVATE_WORD = 'ospreyquill';

/** What the scenarios share: the community, the thread, the resource, … */
const state = {};

/** Records every JavaScript dialog (alert, confirm, prompt) a page opens. */
function watchDialogs(page) {
  const dialogs = [];
  page.on('dialog', async (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    await d.dismiss().catch(() => {});
  });
  return dialogs;
}

const path = (page) => new URL(page.url()).pathname;

/**
 * An open community where member@ is a plain member and coordinator@ its
 * coordinator, and a private one coordinator@ is in.
 */
async function communitiesFor(member, coordinator, base) {
  if (state.community) return;
  const theirs = await communities(coordinator, base);
  const mine = await communities(member, base);
  const c = mine.find((m) => m.my_role === 'member' && m.visibility === 'open' &&
    theirs.some((t) => t.slug === m.slug && t.my_role === 'coordinator'));
  assert.ok(c, 'member@ and coordinator@ share an open community that coordinator@ coordinates');
  const p = theirs.find((t) => t.visibility === 'private' && t.my_role && t.stage !== 'memory');
  assert.ok(p, 'coordinator@ is in a private community');
  Object.assign(state, { community: c, privateCommunity: p });
}

/** The count shown on a community's Conversations page. */
async function threadCount(page) {
  const text = await page.getByText(/^\d+ threads?$/).first().innerText();
  return Number(text.match(/\d+/)[0]);
}

scenario('a member asks for help: an empty form is explained, then the thread is posted', server, async ({ as, base }) => {
  const member = await as('member');
  const coordinator = await as('coordinator');
  await communitiesFor(member, coordinator, base);
  const c = state.community;
  const helper = await api(coordinator, base, '/me');
  state.helperName = helper.name;
  state.askerName = (await api(member, base, '/me')).name;

  const { page } = member;
  await page.goto(`${base}/communities/${c.slug}`);
  await page.getByRole('heading', { level: 1, name: c.name }).waitFor();
  await page.getByRole('link', { name: 'Conversations', exact: true }).first().click();
  await page.getByRole('heading', { level: 1, name: 'Conversations' }).waitFor();
  assert.equal(path(page), `/communities/${c.slug}/threads`);
  const before = await threadCount(page);

  await page.getByRole('link', { name: 'Ask for help' }).click();
  await page.getByRole('heading', { level: 1, name: 'Ask for help' }).waitFor();
  const url = new URL(page.url());
  assert.equal(url.pathname, `/communities/${c.slug}/threads/new`);
  assert.equal(url.searchParams.get('kind'), 'help');
  assert.ok(await page.getByLabel('Help request').isChecked(), 'the help kind is chosen');

  // Empty: the errors are shown next to the fields, nothing is created.
  await page.getByRole('button', { name: 'Post' }).click();
  const titleError = page.locator('.field', { has: page.locator('#title') }).locator('.error');
  await titleError.waitFor({ state: 'visible' });
  assert.match(await titleError.innerText(), /required/i);
  const bodyError = page.locator('.field', { has: page.locator('#body') }).locator('.error');
  assert.ok(await bodyError.isVisible(), 'the empty text is explained too');
  assert.match(await bodyError.innerText(), /\S/);
  assert.ok(await page.getByLabel('Help request').isChecked(), 'the kind is kept');
  await page.goto(`${base}/communities/${c.slug}/threads`);
  assert.equal(await threadCount(page), before, 'no thread was created by the empty form');

  // The real question, in Markdown, mentioning the helper by handle.
  await page.goto(`${base}/communities/${c.slug}/threads/new?kind=help`);
  const title = `How do we keep ${WORD} runbooks current?`;
  const body = [
    `We keep our **${WORD}** runbooks in a wiki, but they _drift_ after every incident.`,
    '',
    'What we tried:',
    '',
    '- quarterly reviews',
    '- an owner per page',
    '',
    '@coordinator, you ran this before: any advice?',
  ].join('\n');
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Text').fill(body);
  await page.getByLabel(/^Topics/).fill('runbooks, documentation');
  await page.getByRole('button', { name: 'Post' }).click();
  await page.waitForURL((u) => /^\/threads\/\d+$/.test(u.pathname));
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
  const post = page.locator('#thread .markdown');
  assert.equal(await post.locator('strong').innerText(), WORD, '**bold** is rendered');
  assert.equal(await post.locator('em').innerText(), 'drift', '_emphasis_ is rendered');
  assert.deepEqual(await post.locator('ul > li').allInnerTexts(), ['quarterly reviews', 'an owner per page']);
  assert.match(await post.innerText(), /@coordinator, you ran this before/);
  assert.ok(!(await post.innerText()).includes('**'), 'no raw Markdown left');
  await page.locator('#thread .kind', { hasText: 'Help request' }).waitFor();
  await page.locator('#thread .tags').getByRole('link', { name: 'runbooks' }).waitFor();
  state.thread = { id: Number(path(page).split('/').pop()), title, url: page.url() };

  await page.goto(`${base}/communities/${c.slug}/threads`);
  assert.equal(await threadCount(page), before + 1);
  await page.getByRole('link', { name: title }).waitFor();
});

scenario('another member replies; a stored-XSS attempt in a reply does not run', server, async ({ as, base }) => {
  assert.ok(state.thread, 'the thread was posted');
  const coordinator = await as('coordinator');
  const { page } = coordinator;
  const dialogs = watchDialogs(page);
  await page.goto(state.thread.url);
  await page.getByRole('heading', { level: 1, name: state.thread.title }).waitFor();

  const helpful = 'Give every runbook an owner and review it **after each incident**, not by the calendar.';
  await page.getByLabel('Reply', { exact: true }).fill(helpful);
  await page.getByRole('button', { name: 'Reply', exact: true }).click();
  const answer = page.locator('article.reply', { hasText: 'Give every runbook an owner' });
  await answer.waitFor();
  assert.equal(path(page), `/threads/${state.thread.id}`);
  assert.equal(await answer.locator('.markdown strong').innerText(), 'after each incident');
  state.answerId = Number((await answer.getAttribute('id')).replace('reply-', ''));

  const hostile = [
    'Also worth reading <img src=x onerror=alert(1)> before the next review.',
    '',
    '<script>alert(2)</script>',
    '',
    'And <a href="javascript:alert(3)">this link</a> <svg onload=alert(4)></svg>.',
  ].join('\n');
  await page.getByLabel('Reply', { exact: true }).fill(hostile);
  await page.getByRole('button', { name: 'Reply', exact: true }).click();
  const attempt = page.locator('article.reply', { hasText: 'Also worth reading' });
  await attempt.waitFor();
  // Load it afresh too (the first view was an htmx swap).
  await page.reload();
  await attempt.waitFor();
  await page.waitForLoadState('load');
  await page.waitForTimeout(300); // an onerror would fire right after the image fails
  assert.deepEqual(dialogs, [], 'no dialog opened');
  const content = attempt.locator('.markdown');
  assert.equal(await content.locator('script').count(), 0, 'no script element from the reply');
  assert.equal(await content.locator('[onerror], [onload]').count(), 0, 'no event handler attributes');
  assert.equal(await content.locator('a[href^="javascript:"]').count(), 0, 'no javascript: link');
  const scripts = await page.evaluate(() => [...document.scripts].map((s) => s.getAttribute('src') ?? s.textContent));
  for (const s of scripts) assert.match(s, /^\/static\//, `only the site's own scripts are on the page: ${s}`);
  assert.match(await content.innerText(), /before the next review/);
  await page.getByRole('heading', { level: 2, name: '2 replies' }).waitFor();
  state.hostileReplyId = Number((await attempt.getAttribute('id')).replace('reply-', ''));
});

scenario('the asker marks the answer solved and thanks the helper, who is notified', server, async ({ as, base }) => {
  assert.ok(state.answerId, 'the answer was posted');
  const member = await as('member');
  let page = member.page;
  const dialogs = watchDialogs(page);
  await page.goto(state.thread.url);
  const answer = page.locator(`#reply-${state.answerId}`);
  await answer.waitFor();
  await see(page, 'Did a reply help?');

  await answer.getByRole('button', { name: 'This solved it' }).click();
  await see(page, 'Marked solved');
  await page.locator('#thread .solved-badge', { hasText: 'Solved' }).waitFor();
  await see(page, `Solved: ${state.helperName}’s reply helped.`);
  await answer.locator('.solved-badge', { hasText: 'Helped' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'This solved it' }).count(), 1,
    'only the other reply can still be chosen');

  await answer.locator('summary', { hasText: 'Thank' }).click();
  await answer.getByLabel('A note with your thanks (optional)').fill('Saved us a week of reviews.');
  await answer.getByRole('button', { name: 'Send thanks' }).click();
  await see(page, 'Your thanks are sent.');
  await answer.getByText(`You thanked ${state.helperName}`).waitFor();
  await answer.locator('.thanks-count', { hasText: '1 thanks' }).waitFor();
  assert.deepEqual(dialogs, [], 'the hostile reply ran nothing for the asker either');

  // The helper: an unread count in the header, the three notices, then none.
  const coordinator = await as('coordinator');
  page = coordinator.page;
  await page.goto(`${base}/`);
  const bell = page.getByRole('link', { name: /^Notifications/ });
  const badge = bell.locator('.count-badge');
  await badge.waitFor();
  const unread = Number((await badge.innerText()).match(/\d+/)[0]);
  assert.ok(unread >= 3, `at least the three new notifications are unread (${unread})`);
  assert.match(await bell.innerText(), /\d+\s*unread/);
  await bell.click();
  await page.getByRole('heading', { level: 1, name: 'Notifications' }).waitFor();
  const about = page.locator('li.notification', { hasText: state.thread.title });
  for (const what of ['marked your answer', 'thanked you', 'mentioned you']) {
    const n = about.filter({ hasText: `${state.askerName} ${what}` });
    await n.first().waitFor();
    assert.match((await n.first().getAttribute('class')) ?? '', /\bunread\b/, `"${what}" is unread`);
    assert.match(await n.first().getByRole('link').getAttribute('href'), new RegExp(`^/threads/${state.thread.id}`));
  }
  await page.getByRole('button', { name: 'Mark all read' }).click();
  await page.getByRole('button', { name: 'Mark all read' }).waitFor({ state: 'detached' });
  assert.equal(path(page), '/notifications');
  assert.equal(await bell.locator('.count-badge').count(), 0, 'no unread count any more');
  assert.equal(await page.locator('li.notification.unread').count(), 0);
  assert.ok(await about.count() >= 3, 'the notifications are still listed, read');
});

scenario('a coordinator keeps a resource: revision, history, diff, endorsement', server, async ({ as, base }) => {
  const coordinator = await as('coordinator');
  const member = await as('member');
  await communitiesFor(member, coordinator, base);
  const c = state.community;
  let page = coordinator.page;
  await page.goto(`${base}/communities/${c.slug}`);
  await page.getByRole('link', { name: 'Resources', exact: true }).first().click();
  await page.getByRole('heading', { level: 1, name: `Resources of ${c.name}` }).waitFor();
  await page.getByRole('link', { name: 'New resource' }).click();
  await page.getByRole('heading', { level: 1, name: 'New resource' }).waitFor();
  assert.equal(path(page), `/communities/${c.slug}/resources/new`);

  const title = `Runbook checklist (${WORD})`;
  const first = [
    '# Runbook checklist',
    '',
    `Keeps ${WORD} runbooks honest.`,
    '',
    '- Name an owner',
    '- Review after every incident',
    '- Date the last review',
  ].join('\n');
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Text').fill(first);
  await page.getByLabel('Tags').fill('runbooks');
  await page.getByLabel('A note for the history').fill('First draft from the help thread');
  await page.getByRole('button', { name: 'Save as a draft' }).click();
  await page.waitForURL((u) => /^\/resources\/\d+$/.test(u.pathname));
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
  await see(page, 'Status: Draft');
  await page.locator('.markdown').getByRole('heading', { name: 'Runbook checklist' }).waitFor();
  const id = Number(path(page).split('/').pop());
  state.resource = { id, title, url: page.url() };

  // A plain member sees it, but cannot endorse it.
  await member.page.goto(state.resource.url);
  await member.page.getByRole('heading', { level: 1, name: title }).waitFor();
  await see(member.page, 'Status: Draft');
  assert.equal(await member.page.getByRole('button', { name: 'Endorse' }).count(), 0, 'no Endorse button for a member');
  assert.equal(await member.page.locator(`form[action="/resources/${id}/status"]`).count(), 0, 'no status form at all');

  // A new revision: one line replaced.
  await page.getByRole('link', { name: 'Revise' }).click();
  await page.getByRole('heading', { level: 1, name: `Revise “${title}”` }).waitFor();
  assert.equal(await page.getByLabel('Text').inputValue(), first, 'the current text is offered');
  await page.getByLabel('Text').fill(first.replace('- Date the last review', '- Link the dashboards'));
  await page.getByLabel('What changed, and why').fill('Dashboards say more than dates');
  await page.getByRole('button', { name: 'Save a new revision' }).click();
  await page.waitForURL((u) => u.pathname === `/resources/${id}`);
  await see(page, '2 revisions');

  await page.getByRole('link', { name: 'History', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: `History of “${title}”` }).waitFor();
  const rows = page.locator('table.table tbody tr');
  assert.equal(await rows.count(), 2);
  await rows.filter({ hasText: 'Dashboards say more than dates' }).waitFor();
  await page.getByLabel('Compare from revision 1').check();
  await page.getByLabel('Compare to revision 2').check();
  await page.getByRole('button', { name: 'Compare the chosen revisions' }).click();
  await page.getByRole('heading', { level: 1, name: 'From revision 1 to revision 2' }).waitFor();
  const url = new URL(page.url());
  assert.equal(url.pathname, `/resources/${id}/diff`);
  assert.equal(url.searchParams.get('from'), '1');
  assert.equal(url.searchParams.get('to'), '2');
  await see(page, '1 line added, 1 line removed.');
  assert.deepEqual(await page.locator('table.diff tr.added ins').allInnerTexts(), ['- Link the dashboards']);
  assert.deepEqual(await page.locator('table.diff tr.removed del').allInnerTexts(), ['- Date the last review']);
  assert.ok(await page.locator('table.diff tr.same, table.diff tr.unchanged, table.diff tr.context').count() > 0 ||
    (await page.locator('table.diff tbody tr').count()) > 2, 'unchanged lines give context');
  state.resource.diffUrl = page.url();

  // Endorsement by the core group.
  await page.locator('.crumbs').getByRole('link', { name: title }).click();
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
  await page.getByRole('button', { name: 'Endorse' }).click();
  await see(page, 'Status: Endorsed');
  await see(page, "Endorsed by the community's core group.");
  assert.equal(await page.getByRole('button', { name: 'Endorse' }).count(), 0);

  await member.page.reload();
  await see(member.page, 'Status: Endorsed');
  assert.equal(await member.page.locator(`form[action="/resources/${id}/status"]`).count(), 0,
    'still no status buttons for a member');
});

scenario('search from the header finds the thread and the resource, highlighted', server, async ({ as, base }) => {
  assert.ok(state.thread && state.resource, 'the thread and the resource exist');
  const { page } = await as('member');
  await page.goto(`${base}/`);
  const box = page.getByRole('search').getByLabel('Search', { exact: true });
  assert.equal(await box.getAttribute('name'), 'q');
  await box.fill(WORD);
  await box.press('Enter');
  await page.waitForURL((u) => u.pathname === '/search' && u.searchParams.get('q') === WORD);
  await page.getByRole('heading', { level: 1, name: 'Search' }).waitFor();
  const hits = page.locator('ol.search-results > li');
  await hits.first().waitFor();
  await hits.locator(`a[href="/threads/${state.thread.id}"]`).first().waitFor();
  await hits.locator(`a[href="/resources/${state.resource.id}"]`).first().waitFor();
  const marks = await page.locator('.search-results mark').allInnerTexts();
  assert.ok(marks.length > 0, 'matched words are highlighted');
  for (const m of marks) assert.match(m, new RegExp(WORD, 'i'), `only the searched word is marked: ${m}`);
  assert.equal(await page.getByLabel('Words').inputValue(), WORD, 'the query is kept in the form');
  state.searchUrl = page.url();

  // Search syntax typed by accident is not an error.
  const odd = '"unbalanced (paren*';
  await box.fill(odd);
  const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/search');
  await box.press('Enter');
  const r = await answered;
  assert.equal(r.status(), 200, `/search?q=${odd} answered ${r.status()}`);
  await page.waitForURL((u) => u.searchParams.get('q') === odd);
  await page.getByRole('heading', { level: 1, name: 'Search' }).waitFor();
  await page.getByRole('status').filter({ hasText: /\bresults?\b/ }).waitFor();
  assert.equal(await page.getByLabel('Words').inputValue(), odd);
  assert.equal(await page.locator('.error, .error-flash').count(), 0, 'no error shown');
});

scenario('a thread in a private community is not found by an outsider', server, async ({ as, base }) => {
  const coordinator = await as('coordinator');
  const outsider = await as('outsider');
  if (!state.privateCommunity) await communitiesFor(await as('member'), coordinator, base);
  const p = state.privateCommunity;
  assert.ok(!(await communities(outsider, base)).some((c) => c.slug === p.slug), 'outsider@ cannot see it');

  let page = coordinator.page;
  await page.goto(`${base}/communities/${p.slug}/threads/new?kind=discussion`);
  const title = `Vibration baselines for ${PRIVATE_WORD} pumps`;
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Text').fill(`Which ${PRIVATE_WORD} baselines do you trust?`);
  await page.getByRole('button', { name: 'Post' }).click();
  await page.waitForURL((u) => /^\/threads\/\d+$/.test(u.pathname));
  const threadPath = path(page);

  // Its members find it…
  await page.getByRole('search').getByLabel('Search', { exact: true }).fill(PRIVATE_WORD);
  await page.getByRole('search').getByLabel('Search', { exact: true }).press('Enter');
  await page.waitForURL((u) => u.pathname === '/search');
  await page.locator(`.search-results a[href="${threadPath}"]`).waitFor();

  // …an outsider does not, not even by its words, nor at its address.
  page = outsider.page;
  await page.goto(`${base}/`);
  await page.getByRole('search').getByLabel('Search', { exact: true }).fill(PRIVATE_WORD);
  await page.getByRole('search').getByLabel('Search', { exact: true }).press('Enter');
  await page.waitForURL((u) => u.pathname === '/search' && u.searchParams.get('q') === PRIVATE_WORD);
  await page.getByRole('status').filter({ hasText: '0 results' }).waitFor();
  await see(page, 'Nothing matches all of these words');
  assert.equal(await page.locator(`a[href="${threadPath}"]`).count(), 0);
  const html = await page.content();
  assert.ok(!html.includes(title) && !html.includes(p.name), 'neither the thread nor its community is named');
  const r = await page.goto(`${base}${threadPath}`);
  assert.equal(r.status(), 404, `${threadPath} answers 404 to an outsider`);
});

/** An iCalendar text's content lines, unfolded (RFC 5545 §3.1). */
function icsLines(text) {
  return text.replace(/\r\n[ \t]/g, '').split(/\r\n/).filter((l) => l !== '');
}

/** Splits a content line into name, parameters and value (quoted parameters allowed). */
function icsProperty(line) {
  let i = 0;
  let quoted = false;
  for (; i < line.length; i++) {
    if (line[i] === '"') quoted = !quoted;
    else if (line[i] === ':' && !quoted) break;
  }
  const [name, ...params] = line.slice(0, i).split(';');
  return { name: name.toUpperCase(), params, value: line.slice(i + 1) };
}

const icsText = (v) => v.replace(/\\([\\;,nN])/g, (_, c) => (c === 'n' || c === 'N' ? '\n' : c));

/** The VEVENTs of a calendar, each as { NAME: [values] }. */
function vevents(text) {
  const events = [];
  let current = null;
  for (const line of icsLines(text)) {
    const p = icsProperty(line);
    if (p.name === 'BEGIN' && p.value === 'VEVENT') current = {};
    else if (p.name === 'END' && p.value === 'VEVENT') {
      events.push(current);
      current = null;
    } else if (current) (current[p.name] ??= []).push(p.value);
  }
  return events;
}

scenario('a coordinator schedules a weekly event; the calendar feed carries it', server, async ({ as, base }) => {
  const coordinator = await as('coordinator');
  if (!state.community) await communitiesFor(await as('member'), coordinator, base);
  const c = state.community;
  const { page } = coordinator;
  await page.goto(`${base}/communities/${c.slug}`);
  await page.getByRole('link', { name: 'Events', exact: true }).first().click();
  await page.getByRole('heading', { level: 1, name: `Events of ${c.name}` }).waitFor();
  assert.equal(path(page), `/communities/${c.slug}/events`);

  // A week from now, 09:30 UTC, every week.
  const start = new Date(Date.now() + 7 * 86_400_000);
  start.setUTCHours(9, 30, 0, 0);
  const local = start.toISOString().slice(0, 16); // YYYY-MM-DDTHH:MM, as datetime-local wants it
  const title = `${WORD} runbook review`;
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Starts (UTC)').fill(local);
  await page.getByLabel('Duration (minutes)').fill('45');
  await page.getByLabel('Repeats').selectOption({ label: 'Every week, same weekday' });
  await page.getByLabel('Place').fill('Room 4; the big screen');
  await page.getByLabel('Description').fill('Half an hour, runbooks, coffee.');
  await page.getByRole('button', { name: 'Schedule' }).click();
  await page.waitForURL((u) => new RegExp(`^/communities/${c.slug}/events/\\d+$`).test(u.pathname));
  await see(page, 'The event is scheduled.');
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
  assert.match(await page.locator('.lead').first().innerText(), /45 minutes/);

  await page.locator('.crumbs').getByRole('link', { name: 'Events' }).click();
  await page.getByRole('heading', { level: 1, name: `Events of ${c.name}` }).waitFor();
  const upcoming = page.locator('li.event-occurrence', { hasText: title });
  assert.ok(await upcoming.count() >= 2, 'several weekly occurrences are coming up');
  const series = page.locator('aside li', { hasText: title });
  await series.waitFor();
  await page.getByRole('heading', { level: 2, name: 'Subscribe' }).waitFor();
  const feed = page.locator('aside a[href*="calendar.ics"]');
  const href = await feed.getAttribute('href');
  assert.equal(await feed.innerText(), href, 'the address is shown, not just linked');
  assert.equal(new URL(href, base).pathname, `/communities/${c.slug}/calendar.ics`);
  state.eventsUrl = page.url();

  // An open community's feed needs no session.
  const r = await fetch(new URL(href, base));
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/calendar\b/);
  const text = await r.text();
  assert.match(text, /^BEGIN:VCALENDAR\r\n/);
  assert.match(text, /END:VCALENDAR\r\n?$/);
  for (const line of text.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 75, `folded at 75 octets: ${line}`);
  const ev = vevents(text).find((e) => e.SUMMARY?.some((s) => icsText(s) === title));
  assert.ok(ev, `a VEVENT with SUMMARY ${title}`);
  const stamp = start.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  assert.deepEqual(ev.DTSTART, [stamp], 'it starts at the chosen time, in UTC');
  assert.deepEqual(ev.DTEND, [new Date(start.getTime() + 45 * 60_000).toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '')]);
  assert.equal(ev.RRULE?.length, 1, 'one RRULE');
  const rule = Object.fromEntries(ev.RRULE[0].split(';').map((kv) => kv.split('=')));
  assert.equal(rule.FREQ, 'WEEKLY');
  if (rule.BYDAY) assert.equal(rule.BYDAY, ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'][start.getUTCDay()]);
  assert.ok(!rule.INTERVAL || rule.INTERVAL === '1', 'every week');
  assert.deepEqual(ev.LOCATION?.map(icsText), ['Room 4; the big screen'], 'text values are escaped and read back');
  assert.ok(ev.UID?.[0], 'a UID');

  // A private community's feed: a personal address with a key, made on
  // request and shown once (only its hash is kept), which works without a
  // session; without the key the calendar is not there.
  const p = state.privateCommunity;
  await page.goto(`${base}/communities/${p.slug}/events`);
  await page.getByRole('heading', { level: 1, name: `Events of ${p.name}` }).waitFor();
  await page.getByRole('button', { name: /calendar address/ }).click();
  await see(page, 'This address is personal');
  const personal = new URL(await page.locator('aside a[href*="calendar.ics"]').getAttribute('href'), base);
  assert.equal(personal.pathname, `/communities/${p.slug}/calendar.ics`);
  assert.ok(personal.searchParams.get('key'), 'the address carries a key');
  const withKey = await fetch(personal);
  assert.equal(withKey.status, 200);
  assert.match(withKey.headers.get('content-type'), /^text\/calendar\b/);
  assert.match(await withKey.text(), /^BEGIN:VCALENDAR\r\n/);
  const noKey = await fetch(new URL(personal.pathname, base));
  assert.equal(noKey.status, 404, 'without the key, a private calendar is not found');
  const text404 = await noKey.text();
  assert.ok(!text404.includes('BEGIN:VCALENDAR') && !text404.includes(p.name), 'and nothing of it is shown');
});

scenario('the new pages have no serious accessibility violations', server, async ({ as }) => {
  // The XSS reply's bare <img src=x> has no alt text: that is its author's
  // markup (kept, made harmless), not the page's, so it is left out.
  const pages = [
    ['thread', state.thread?.url, [`#reply-${state.hostileReplyId}`]],
    ['resource-diff', state.resource?.diffUrl],
    ['search-results', state.searchUrl],
    ['events', state.eventsUrl],
  ];
  const missing = pages.filter(([, url]) => !url).map(([name]) => name);
  assert.deepEqual(missing, [], 'the earlier scenarios reached every page');
  const { page } = await as('coordinator');
  for (const [name, url, exclude = []] of pages) {
    const r = await page.goto(url);
    assert.equal(r.status(), 200, `${url} answers 200`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await checkAccessibility(page, name, { exclude });
  }
});
