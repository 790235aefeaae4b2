// The dashboard page: open incidents (polled), and panels for KPIs, reviews, heartbeats, problems, events.
// Reads use the public API; writes carry the API key (see api.js). Nothing here needs a build.
import { ApiError, apiKey, describeError, earlyJson, getJson, mountKeyForm, noticeWriter, post } from './api.js';
import { mountDeclareForm } from './declare.js';
import { dayBars } from './chart.js';
import { age, el, message, seconds, timeEl } from './format.js';

/** Open incidents are re-listed this often at least (unchanged pages are 304s); a long list waits longer, see pollDelay. */
const POLL_MS = 5_000;
/** The slower panels (events, problems, reviews) and the KPIs. */
const PANEL_MS = 30_000;
const KPI_MS = 300_000;
/**
 * Rows come detailed, a page at a time, most severe and newest first (GET /v1/dashboard/rows): on
 * first load a page that fills the screen, then full pages (index.html's first script asks for
 * the first two), each shown as it arrives; later rounds walk the same pages.
 */
const FIRST_PAGE = 100;
const PAGE = 500;
/** At most this many open incidents are listed (a bound on the page's memory and each poll's work). */
const MAX_ROWS = 20_000;
const KPI_DAYS = 14;
const SEVERITY_ORDER = ['critical', 'error', 'warning', 'info'];

const summaries = new Map(); // id → { id, code, status, severity, service, summary, createdAt }
const digests = new Map(); // id → { digest, at }
const rows = new Map(); // id → { tr, cells, ack, resolve, shown }
let listedOnce = false;
/** How long the last full listing took: a long list is polled less often, so polling never piles up. */
let lastWalkMs = 0;

const $ = (selector) => document.querySelector(selector);
const notice = $('#notice');
const live = $('#live');
// A key given or forgotten changes what may be read: read again at once.
const keyForm = mountKeyForm($('#key-form'), $('#key-status'), () => rerunAll());

const say = noticeWriter(notice);

/* ---------- incidents ---------- */

function holderText(digest, summary) {
  if (!digest) return '…';
  const level = digest.escalation.level ? `L${digest.escalation.level}` : 'not paged';
  const who = digest.heldBy.length ? digest.heldBy.join(', ') : summary.status === 'acknowledged' ? 'acknowledged' : 'nobody yet';
  return `${level} · ${who}${digest.escalation.exhausted ? ' (policy exhausted)' : ''}`;
}

function escalateText(digest) {
  if (!digest) return '…';
  if (!digest.escalateTo) return '–';
  return `${digest.escalateTo.label}: ${digest.escalateTo.names.join(', ') || 'nobody on call'}`;
}

function sortedOpen() {
  return [...summaries.values()].sort(
    (a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) || Date.parse(b.createdAt) - Date.parse(a.createdAt),
  );
}

function statusOf(id) {
  return digests.get(id)?.digest.status ?? summaries.get(id)?.status;
}

async function act(id, verb, body) {
  const summary = summaries.get(id);
  const label = summary ? `${summary.code} (${summary.service})` : id;
  if (!apiKey()) {
    say(`Enter your API key to ${verb === 'ack' ? 'acknowledge' : verb} ${label}.`, true);
    keyForm.focus();
    return;
  }
  try {
    const view = await post(`/v1/incidents/${encodeURIComponent(id)}/${verb}`, body);
    // A losing ack is answered 200 with the flag: say who holds it rather than claim it.
    say(view.alreadyAcknowledged ? `${label} was already acknowledged by ${view.acknowledgedBy} at ${new Date(view.acknowledgedAt).toLocaleString()}.` : `${verb === 'ack' ? 'Acknowledged' : 'Resolved'} ${label}: now ${view.status}.`);
    if (view.status === 'resolved') summaries.delete(id);
    else if (summary) summary.status = view.status;
    digests.delete(id);
    await refreshDigests([id]);
    render();
    if (verb === 'ack') rows.get(id)?.resolve.focus();
  } catch (error) {
    say(`Could not ${verb === 'ack' ? 'acknowledge' : 'resolve'} ${label}: ${describeError(error)}`, true);
    keyForm.refresh();
  }
}

/** A row's cells in order: name, label (for narrow screens and tests), class. */
const CELLS = [
  ['severity', 'Severity', 'severity'],
  ['service', 'Service'],
  ['incident', 'Incident', 'summary'],
  ['status', 'Status'],
  ['age', 'Age'],
  ['holder', 'Level · held by'],
  ['eta', 'ETA'],
  ['action', 'Under way', 'action'],
  ['escalate', 'To escalate'],
  ['buttons', 'Actions', 'buttons'],
];
let rowTemplate;

/** A row for `summary`: a copy of one built once (hundreds arrive at a time on first load, decision 85); its buttons answer through the table's one listener. */
function newRow(summary) {
  if (!rowTemplate) {
    rowTemplate = el('tr', {}, CELLS.map(([, label, className]) => el('td', { className, dataset: { label } })));
    rowTemplate.children[2].append(el('a', {}), ' ', el('span', {}));
    rowTemplate.lastElementChild.append(el('button', { type: 'button', className: 'primary', dataset: { action: 'ack' } }, 'Acknowledge'), ' ', el('button', { type: 'button', dataset: { action: 'resolve' } }, 'Resolve'));
  }
  const tr = rowTemplate.cloneNode(true);
  tr.dataset.id = summary.id;
  const cells = Object.fromEntries(CELLS.map(([name], index) => [name, tr.children[index]]));
  const [ack, resolve] = cells.buttons.children;
  ack.setAttribute('aria-label', `Acknowledge ${summary.code}`);
  resolve.setAttribute('aria-label', `Resolve ${summary.code}`);
  const [link, text] = cells.incident.children;
  link.href = `/dashboard/incidents/${encodeURIComponent(summary.id)}`;
  link.textContent = summary.code || 'open';
  text.textContent = summary.summary;
  return { tr, cells, ack, resolve };
}

/** The rows' buttons, through one listener on the table body. */
function mountRowButtons() {
  $('#incident-rows').addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('button[data-action]') : null;
    const id = button?.closest('tr')?.dataset.id;
    const summary = id === undefined ? undefined : summaries.get(id);
    if (!summary) return;
    if (button.dataset.action === 'ack') void act(id, 'ack');
    else if (window.confirm(`Resolve ${summary.code} (${summary.service}: ${summary.summary})?`)) void act(id, 'resolve');
  });
}

/** A link to the incident's chat room (#16) beside its code, once the digest names one (http(s) only). */
function chatLink(row, room) {
  if (!room || typeof room.url !== 'string' || !/^https?:\/\//i.test(room.url) || row.chat?.href === room.url) return;
  row.chat?.remove();
  row.chat = el('a', { href: room.url, className: 'chat-room', rel: 'noopener noreferrer nofollow', target: '_blank' }, `chat (${room.platform})`);
  row.cells.incident.append(' ', row.chat);
}

function fillRow(row, summary, now) {
  const entry = digests.get(summary.id);
  const digest = entry?.digest;
  const status = digest?.status ?? summary.status;
  // Thousands of rows are re-rendered as each page arrives: only a row whose text changed is touched.
  const shown = `${age(summary.createdAt, now)}|${status}|${JSON.stringify(digest ?? null)}`;
  if (row.shown === shown) return;
  row.shown = shown;
  const { cells } = row;
  row.tr.className = `sev-${summary.severity} status-${status}`;
  cells.severity.replaceChildren(el('span', { className: `badge sev-${summary.severity}` }, summary.severity));
  cells.service.textContent = summary.service;
  cells.status.replaceChildren(el('span', { className: `status ${status}` }, status));
  cells.age.textContent = age(summary.createdAt, now);
  cells.holder.textContent = holderText(digest, summary);
  cells.eta.replaceChildren(digest?.eta ? timeEl(digest.eta) : '–');
  cells.action.textContent = digest ? (digest.action?.text ?? '–') : '…';
  cells.escalate.textContent = escalateText(digest);
  chatLink(row, digest?.chatRoom);
  row.ack.hidden = status !== 'triggered';
}

function render() {
  const started = performance.now();
  const now = Date.now();
  const body = $('#incident-rows');
  const ordered = sortedOpen();
  for (const [id, row] of rows) {
    if (!summaries.has(id)) {
      row.tr.remove();
      rows.delete(id);
    }
  }
  // Walks the table beside the order (indexing body.children after a move re-walks it: seconds at 5,000 rows).
  let place = body.firstElementChild;
  for (const summary of ordered) {
    let row = rows.get(summary.id);
    if (!row) {
      row = newRow(summary);
      rows.set(summary.id, row);
    }
    fillRow(row, summary, now);
    // Move only rows out of place, so a focused button keeps its focus.
    if (row.tr === place) place = place.nextElementSibling;
    else body.insertBefore(row.tr, place);
  }
  $('#incident-count').textContent = `(${ordered.length})`;
  $('#no-incidents').hidden = ordered.length > 0;
  $('#incident-table').hidden = ordered.length === 0;
  // Where a load's time goes, for devtools and bench:dashboard's trace (BENCH_TRACE=1).
  performance.measure(`render ${ordered.length} rows`, { start: started });
}

/** Rows not shown yet, added at the end of the table in one write (pages come most severe and newest first; render() fixes any order). */
function appendRows(incidents) {
  const started = performance.now();
  const now = Date.now();
  const fragment = document.createDocumentFragment();
  for (const { id } of incidents) {
    const summary = summaries.get(id);
    if (!summary || rows.has(id)) continue;
    const row = newRow(summary);
    rows.set(id, row);
    fillRow(row, summary, now);
    fragment.append(row.tr);
  }
  $('#incident-rows').append(fragment);
  $('#incident-count').textContent = `(${rows.size})`;
  $('#no-incidents').hidden = rows.size > 0;
  $('#incident-table').hidden = rows.size === 0;
  performance.measure(`append ${incidents.length} rows`, { start: started });
}

async function fetchDigests(ids) {
  const answer = await getJson(`/v1/dashboard/incidents?ids=${ids.map(encodeURIComponent).join(',')}`);
  const at = Date.now();
  for (const digest of answer.incidents) digests.set(digest.id, { digest, at });
}

/** Reads these rows again now (after an action on them). */
async function refreshDigests(ids) {
  await fetchDigests(ids);
  render();
}

function summaryOf(row) {
  return { id: row.id, code: row.code, status: row.status, severity: row.severity, service: row.service, summary: row.summary, createdAt: row.createdAt };
}

/**
 * The first listing's opening pages: the first screen's, then a full page from its cursor, both
 * asked for by index.html's first script when the key was already there (decision 85), so the
 * first waits for no module and the second for no rendering; each is shown as it arrives, and the
 * walk goes on from the second's cursor.
 */
async function openingPages(take) {
  // Both may have been asked for before this ran: an action answered after now is fresher than either.
  const asked = Date.now();
  const first = await earlyJson(`/v1/dashboard/rows?limit=${FIRST_PAGE}`);
  take(first, asked);
  if (!first.next) return undefined;
  const second = await earlyJson(`/v1/dashboard/rows?limit=${PAGE}&after=${encodeURIComponent(first.next)}`);
  take(second, asked);
  return second.next;
}

/** Lists every open incident with its detail, page by page, showing each page of the first listing as it arrives. */
async function refreshIncidents() {
  const started = performance.now();
  const seen = new Set();
  const arrived = [];
  const take = (page, asked) => {
    for (const row of page.incidents) {
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      if (listedOnce && !summaries.has(row.id)) arrived.push(row);
      // A row read after this page was asked for (an action's answer) is fresher than the listing.
      if ((digests.get(row.id)?.at ?? 0) > asked) continue;
      summaries.set(row.id, summaryOf(row));
      digests.set(row.id, { digest: row, at: asked });
    }
    // The first listing shows each page as it arrives, added below the rows before it in one DOM
    // write; later rounds render once, at the end (a page is mostly unchanged, and a full render
    // of thousands of rows per page would keep the page busy for seconds).
    if (!listedOnce) appendRows(page.incidents);
  };
  // Later rounds walk the pages the first listing asked for (a first page of FIRST_PAGE, then full
  // ones), so each is revalidated (an unchanged page is a 304) and each row is listed once a round.
  const nextPage = async (after) => {
    const asked = Date.now();
    const page = await getJson(`/v1/dashboard/rows?limit=${after ? PAGE : FIRST_PAGE}${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    take(page, asked);
    return page.next;
  };
  let after = listedOnce ? await nextPage(undefined) : await openingPages(take);
  while (after && seen.size < MAX_ROWS) {
    $('#refreshed').textContent = `Loading more incidents… (${seen.size} so far)`;
    after = await nextPage(after);
  }
  for (const id of [...summaries.keys()]) {
    if (!seen.has(id)) {
      summaries.delete(id);
      digests.delete(id);
    }
  }
  // After the first listing, the order is checked once the rows are on screen, not before.
  // (A hidden tab has no frames: then it waits a moment at most.)
  if (!listedOnce) {
    await new Promise((resolve) => {
      requestAnimationFrame(() => setTimeout(resolve, 0));
      setTimeout(resolve, 100);
    });
  }
  listedOnce = true;
  render();
  if (arrived.length) {
    live.textContent = arrived.length === 1 ? `New incident: ${arrived[0].severity}, ${arrived[0].service}: ${arrived[0].summary}` : `${arrived.length} new incidents`;
  }
  lastWalkMs = performance.now() - started;
  $('#refreshed').replaceChildren('Updated ', timeEl(new Date().toISOString()), ` · refreshes every ${Math.round(pollDelay() / 1000)} s`);
}

/** The pause between listings: POLL_MS, or three times the last listing when that took longer. */
function pollDelay() {
  return Math.max(POLL_MS, lastWalkMs * 3);
}

/* ---------- panels ---------- */

function panel(id) {
  return $(`#${id} [data-body]`);
}

/** Fills a panel from an endpoint; one that this server does not have (404) says so. */
async function fillPanel(id, path, draw) {
  const body = panel(id);
  try {
    const answer = await getJson(path, { optional: true });
    if (answer === undefined) return message(body, 'Not available on this server.');
    draw(body, answer);
  } catch (error) {
    message(body, error instanceof ApiError && error.status === 404 ? 'Not available on this server.' : `Could not load: ${error.message}`, 'error');
  }
}

function list(items, render, empty) {
  if (!items.length) return el('p', { className: 'muted' }, empty);
  return el('ul', { className: 'list' }, items.map((item) => el('li', {}, render(item))));
}

function incidentLink(id, text) {
  return el('a', { href: `/dashboard/incidents/${encodeURIComponent(id)}` }, text);
}

function drawEvents(body, answer) {
  body.replaceChildren(
    list(
      answer.events ?? [],
      (event) => [timeEl(event.receivedAt), ' ', el('span', { className: `badge sev-${event.severity}` }, event.severity), ` ${event.service}: ${event.summary} `, el('span', { className: 'muted' }, `(${event.disposition})`)],
      'No recent events.',
    ),
  );
}

function drawProblems(body, answer) {
  const problems = (answer.problems ?? []).filter((problem) => problem.status !== 'closed');
  body.replaceChildren(
    list(
      problems,
      (problem) => [
        el('strong', {}, problem.title ?? problem.id),
        problem.service ? ` · ${problem.service}` : '',
        problem.incidentCount !== undefined ? ` · ${problem.incidentCount} incidents` : '',
        problem.openedAt ? [' · opened ', timeEl(problem.openedAt)] : '',
        problem.workaround ? el('div', { className: 'muted' }, `Workaround: ${problem.workaround}`) : '',
      ],
      'No open problems.',
    ),
  );
}

function drawReviews(body, answer) {
  body.replaceChildren(
    list(
      answer.reviews ?? [],
      (review) => [
        incidentLink(review.incidentId, review.code || review.incidentId),
        ` ${review.sevLevel ?? review.severity} · ${review.service}: ${review.summary} · due `,
        timeEl(review.dueAt),
      ],
      'No overdue reviews.',
    ),
  );
}

/** Scheduled jobs that ping Vigil: late ones first, each with its last ping and next deadline. */
function drawHeartbeats(body, answer) {
  const order = { late: 0, unknown: 1, ok: 2 };
  const heartbeats = [...(answer.heartbeats ?? [])].sort((a, b) => (order[a.state] ?? 1) - (order[b.state] ?? 1));
  body.replaceChildren(
    list(
      heartbeats,
      (heartbeat) => [
        el('span', { className: `badge ${heartbeat.state === 'late' ? 'sev-critical' : heartbeat.state === 'ok' ? 'sev-info' : ''}` }, heartbeat.state),
        ' ',
        el('strong', {}, heartbeat.id),
        ` · ${heartbeat.service} · every ${heartbeat.interval} (+${heartbeat.grace}) · last ping `,
        heartbeat.lastPingAt ? timeEl(heartbeat.lastPingAt) : 'never',
        heartbeat.nextDeadlineAt ? [' · due by ', timeEl(heartbeat.nextDeadlineAt)] : '',
        heartbeat.maintenanceUntil ? [' · in maintenance, no page before ', timeEl(heartbeat.maintenanceUntil)] : '',
      ],
      'No heartbeats configured.',
    ),
  );
}

function drawKpis(body, report) {
  const figure = (label, value) => el('div', { className: 'kpi' }, el('dt', {}, label), el('dd', {}, value));
  const percent = (value) => (value === null || value === undefined ? '–' : `${Math.round(value)}%`);
  const noise = report.noise ? (report.noise.ratio === null ? '–' : report.noise.ratio.toFixed(2)) : 'not available';
  const series = (report.series ?? []).map((day) => ({ day: day.day, value: day.opened ?? 0 }));
  body.replaceChildren(
    el(
      'dl',
      { className: 'kpis' },
      figure('Opened', String(report.incidents?.opened ?? '–')),
      figure('Resolved', String(report.incidents?.resolved ?? '–')),
      figure('MTTA', seconds(report.mtta?.seconds)),
      figure('MTTR', seconds(report.mttr?.seconds)),
      figure('Pages / incident', report.pagesPerIncident?.value === null || report.pagesPerIncident?.value === undefined ? '–' : report.pagesPerIncident.value.toFixed(1)),
      figure('Resolved by runbook', percent(report.autoResolved?.percent)),
      figure('Noise (events : incidents)', noise),
      figure('Open problems', String(report.openProblems ?? '–')),
    ),
    el('figure', {}, dayBars(series, 'incidents opened'), el('figcaption', { className: 'muted' }, 'Incidents opened per day')),
  );
}

function refreshKpis() {
  const to = new Date();
  const from = new Date(to.getTime() - KPI_DAYS * 24 * 3600 * 1000);
  return fillPanel('kpis', `/v1/kpis?from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`, drawKpis);
}

function refreshPanels() {
  return Promise.all([
    fillPanel('events', '/v1/events?limit=10', drawEvents),
    fillPanel('problems', '/v1/problems?status=open', drawProblems),
    fillPanel('reviews', '/v1/reviews?overdue=true&limit=20', drawReviews),
    fillPanel('heartbeats', '/v1/heartbeats', drawHeartbeats),
  ]);
}

/* ---------- open a problem ---------- */

function mountProblemForm() {
  const form = $('#problem-form');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const codes = String(data.get('incidents') ?? '')
      .split(/[\s,]+/)
      .filter(Boolean);
    const byCode = new Map([...summaries.values()].map((summary) => [summary.code, summary.id]));
    const incidentIds = codes.map((code) => byCode.get(code.toUpperCase()) ?? code);
    const body = { title: String(data.get('title') ?? '').trim(), ...(incidentIds.length ? { incidentIds } : {}) };
    const workaround = String(data.get('workaround') ?? '').trim();
    if (workaround) body.workaround = workaround;
    try {
      const problem = await post('/v1/problems', body);
      say(`Opened problem: ${problem.title ?? body.title}.`);
      form.reset();
      await refreshPanels();
    } catch (error) {
      say(`Could not open the problem: ${describeError(error)}`, true);
    }
  });
}

/* ---------- loop ---------- */

const failing = new Map(); // task name → error text

function showConnection() {
  const error = [...failing.values()][0];
  const box = $('#connection');
  box.hidden = !error;
  // Reads need a key: a missing or refused one is not a connection problem.
  const needsKey = error instanceof ApiError && (error.status === 401 || error.status === 403);
  box.textContent = !error ? '' : needsKey ? `${describeError(error)} Reads need an API key (a viewer's will do).` : `Cannot reach Vigil: ${error.message}. Retrying.`;
}

const runners = [];
function rerunAll() {
  for (const run of runners) void run();
}

/** Runs `task` now and every `ms` (a number, or a function giving it) while the page is visible, never two runs at once. */
function every(name, ms, task) {
  let timer;
  let running = false;
  const run = async () => {
    // A run in progress schedules the next one itself.
    if (running) return;
    clearTimeout(timer);
    if (!document.hidden) {
      running = true;
      try {
        await task();
        failing.delete(name);
      } catch (error) {
        failing.set(name, error);
      }
      running = false;
      showConnection();
    }
    timer = setTimeout(run, typeof ms === 'function' ? ms() : ms);
  };
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) void run();
  });
  runners.push(run);
  void run();
}

mountRowButtons();
mountProblemForm();
mountDeclareForm(say);
// The open incidents are what the page is for: the panels (the KPIs above all, a scan of two
// weeks) start once the first listing is in, so they do not compete with it for the API.
let startPanels = () => {
  startPanels = () => undefined;
  every('panels', PANEL_MS, refreshPanels);
  every('kpis', KPI_MS, refreshKpis);
};
every('incidents', pollDelay, async () => {
  try {
    await refreshIncidents();
  } finally {
    startPanels();
  }
});
