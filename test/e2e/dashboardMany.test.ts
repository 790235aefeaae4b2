/**
 * The dashboard with more open incidents than one page holds, in Chromium against the API (with
 * the in-memory gateway, so a thousand incidents open in a moment): the first listing walks every
 * page, adds each below the rows before it, and ends with every incident in the table once, in
 * the API's order, each with its detail, the last one reachable by scrolling; its first two pages
 * are asked for before the modules arrive (decision 85); the panels (the KPIs above all) are asked
 * for only once that listing is in (decision 81).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../devkit/browser';
import { makeAlert } from '../../devkit/alerts';
import { API_KEY, AUTH, startTestApp } from '../../devkit/testApp';

/** More than the page's first page (100) and two of its later pages (500 each). */
const OPEN = 1_234;
const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;

let app: Awaited<ReturnType<typeof startTestApp>>;
let browser: Browser;

beforeAll(async () => {
  [app, browser] = await Promise.all([startTestApp(), launchChromium()]);
  for (let index = 0; index < OPEN; index++) {
    app.fake.open(makeAlert({ severity: SEVERITIES[index % SEVERITIES.length], summary: `many ${index}`, dedupKey: `many-${index}` }));
    // Apart in time, as incidents open: the cursor tells apart up to 200 runs opened in one millisecond.
    if (index % 40 === 39) await new Promise((resolve) => setTimeout(resolve, 2));
  }
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function listedIds(): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  do {
    const page = (await (await fetch(`${app.url}/v1/dashboard/rows?limit=500${after ? `&after=${encodeURIComponent(after)}` : ''}`, { headers: AUTH })).json()) as { incidents: Array<{ id: string }>; next?: string };
    ids.push(...page.incidents.map((row) => row.id));
    after = page.next;
  } while (after);
  return ids;
}

describe('the dashboard with many open incidents', () => {
  it('shows every open incident once, in order and detailed, reachable by scrolling, asks for the panels only after the listing, and answers its rows\' buttons', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.addInitScript((key) => sessionStorage.setItem('vigil.apiKey', key), API_KEY);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${app.url}/dashboard`);
    await page.waitForFunction((open) => document.querySelectorAll('#incident-rows tr').length >= open && !/Loading/.test(document.querySelector('#refreshed')?.textContent ?? ''), OPEN, { timeout: 60_000 });

    const shown = await page.$$eval('#incident-rows tr', (rows) => rows.map((row) => ({ id: (row as HTMLElement).dataset.id ?? '', escalate: row.querySelector('td[data-label="To escalate"]')?.textContent ?? '' })));
    const expected = await listedIds();
    expect(expected).toHaveLength(OPEN);
    expect(shown.map((row) => row.id)).toEqual(expected);
    expect(shown.filter((row) => row.escalate === '…' || row.escalate === '')).toEqual([]);
    expect(await page.textContent('#incident-count')).toBe(`(${OPEN})`);

    // The last row is reachable: scrolled to, it is in the viewport.
    const last = page.locator(`#incident-rows tr[data-id="${expected.at(-1)}"]`);
    await last.scrollIntoViewIfNeeded();
    await expect.poll(async () => last.evaluate((row) => {
      const box = row.getBoundingClientRect();
      return box.bottom > 0 && box.top < window.innerHeight;
    })).toBe(true);

    // A page of 100, then pages of 500 from its cursor, the first two asked for by the first
    // page's own script (decision 85): the first before the modules arrived, the second as soon
    // as the first was in; the listing took several requests, and every panel came after the last.
    const requests = await page.evaluate(() =>
      (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map((entry) => ({ path: new URL(entry.name).pathname, search: new URL(entry.name).search, start: entry.startTime, end: entry.responseEnd })),
    );
    const rowPages = requests.filter((request) => request.path === '/v1/dashboard/rows');
    expect(rowPages.length).toBeGreaterThanOrEqual(Math.ceil((OPEN - 100) / 500) + 1);
    expect(rowPages[0].search).toBe('?limit=100');
    expect(rowPages[0].start).toBeLessThan(requests.find((request) => request.path === '/dashboard/assets/dashboard.js')!.end);
    expect(rowPages.slice(1).every((request) => request.search.startsWith('?limit=500&after='))).toBe(true);
    // Each page asked for once: the page did not ask again for what the first script had.
    const firstWalk = rowPages.slice(0, Math.ceil((OPEN - 100) / 500) + 1);
    expect(new Set(firstWalk.map((request) => request.search)).size).toBe(firstWalk.length);
    const listed = Math.max(...rowPages.slice(0, Math.ceil((OPEN - 100) / 500) + 1).map((request) => request.end));
    const panels = requests.filter((request) => ['/v1/kpis', '/v1/events', '/v1/problems', '/v1/reviews', '/v1/heartbeats'].includes(request.path));
    expect(panels.map((request) => request.path).sort()).toEqual(['/v1/events', '/v1/heartbeats', '/v1/kpis', '/v1/problems', '/v1/reviews']);
    for (const request of panels) expect(request.start, request.path).toBeGreaterThanOrEqual(listed);

    // The next round asks for the same pages as the first listing, so unchanged ones come back as 304s (headers only).
    const polled = await page.waitForFunction(
      (count) => {
        const rows = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((entry) => new URL(entry.name).pathname === '/v1/dashboard/rows' && entry.responseEnd > 0);
        return rows.length >= 2 * count && rows.slice(count, 2 * count).map((entry) => ({ search: new URL(entry.name).search, bytes: entry.transferSize, body: entry.encodedBodySize }));
      },
      firstWalk.length,
      { timeout: 30_000 },
    );
    const round = (await polled.jsonValue()) as Array<{ search: string; bytes: number; body: number }>;
    expect(round.map((request) => request.search)).toEqual(firstWalk.map((request) => request.search));
    for (const request of round) expect(request.bytes, request.search).toBeLessThan(1_024);

    // The rows' buttons answer through the table's one listener (decision 85): acknowledge one
    // row, resolve another (confirmed in the dialog), each by its own id.
    const [first, second] = expected;
    page.on('dialog', (dialog) => {
      dialog.accept().catch((error: unknown) => problems.push(String(error)));
    });
    await page.locator(`#incident-rows tr[data-id="${first}"]`).getByRole('button', { name: /^Acknowledge / }).click();
    await expect.poll(() => page.locator(`#incident-rows tr[data-id="${first}"] td[data-label="Status"]`).textContent(), { timeout: 30_000 }).toBe('acknowledged');
    await page.locator(`#incident-rows tr[data-id="${second}"]`).getByRole('button', { name: /^Resolve / }).click();
    await page.locator(`#incident-rows tr[data-id="${second}"]`).waitFor({ state: 'detached', timeout: 30_000 });
    const statusOf = async (id: string) => ((await (await fetch(`${app.url}/v1/incidents/${encodeURIComponent(id)}`, { headers: AUTH })).json()) as { status: string }).status;
    expect(await statusOf(first)).toBe('acknowledged');
    expect(await statusOf(second)).toBe('resolved');
    expect(await page.textContent('#incident-count')).toBe(`(${OPEN - 1})`);
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);
});
