/** One-click acknowledge links: signed, expiring, single use, and a GET changes nothing. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createUsedAckLinks } from '../../api/records/usedAckLinks';
import { signAckLink, verifyAckLink, type AckLinkClaims } from '../../platform/ackLink';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { makeAlert } from '../../devkit/alerts';
import { startTestApp } from '../../devkit/testApp';

const SECRET = 'link-secret-for-tests';
let store: SqlStore;
let app: Awaited<ReturnType<typeof startTestApp>>;
beforeEach(async () => {
  store = await openSqlStore({});
  app = await startTestApp({ linkSecret: SECRET, usedAckLinks: createUsedAckLinks(store) });
});
afterEach(async () => {
  await app.close();
  await store.close();
});

function linkFor(incidentId: string, overrides: Partial<AckLinkClaims> = {}, secret = SECRET) {
  const token = signAckLink({ id: `l-${Math.random()}`, incidentId, responderId: 'alice', responderName: 'Alice', expiresAt: Date.now() + 60_000, ...overrides }, secret);
  return `${app.url}/v1/ack/${token}`;
}
const click = (link: string) => fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });

describe('acknowledge links', () => {
  it('verifies its own signature and expiry, and nothing else', () => {
    const claims = { id: 'x', incidentId: 'i', responderId: 'a', responderName: 'A', expiresAt: 2_000 };
    const token = signAckLink(claims, SECRET);
    expect(verifyAckLink(token, SECRET, new Date(1_000))).toEqual({ ok: true, claims });
    expect(verifyAckLink(token, SECRET, new Date(3_000))).toEqual({ ok: false, reason: 'expired' });
    expect(verifyAckLink(token, 'another secret', new Date(1_000))).toEqual({ ok: false, reason: 'bad signature' });
    const [payload, mac] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, incidentId: 'other' })).toString('base64url');
    expect(verifyAckLink(`${forged}.${mac}`, SECRET, new Date(1_000))).toEqual({ ok: false, reason: 'bad signature' });
    expect(verifyAckLink(`${payload}`, SECRET, new Date(1_000))).toEqual({ ok: false, reason: 'malformed' });
  });

  it('shows a confirm page on GET without acknowledging, acknowledges on POST as the person linked, and only once', async () => {
    const view = app.fake.open(makeAlert({ dedupKey: `ack-${Math.random()}` }));
    const link = linkFor(view.id);
    const confirm = await fetch(link);
    expect(confirm.status).toBe(200);
    expect(confirm.headers.get('content-type')).toContain('text/html');
    expect(app.fake.incidents.get(view.id)?.status).toBe('triggered');
    expect((await click(link)).status).toBe(200);
    expect(app.fake.incidents.get(view.id)?.view().acknowledgedBy).toBe('Alice (email link)');
    const again = await click(link);
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('used already');
  });

  it('refuses an expired link (410), a forged or mangled one (404), and works nowhere without a secret (503)', async () => {
    const view = app.fake.open(makeAlert({ dedupKey: `ack-${Math.random()}` }));
    expect((await click(linkFor(view.id, { expiresAt: Date.now() - 1 }))).status).toBe(410);
    expect((await click(linkFor(view.id, {}, 'wrong secret'))).status).toBe(404);
    expect((await click(`${app.url}/v1/ack/not-a-token`)).status).toBe(404);
    expect(app.fake.incidents.get(view.id)?.status).toBe('triggered');
    const bare = await startTestApp();
    try {
      expect((await fetch(`${bare.url}/v1/ack/x.y`)).status).toBe(503);
    } finally {
      await bare.close();
    }
  });

  it('reads links made before actions as acknowledge links, and refuses an action it does not know as not a link', () => {
    const claims = { id: 'x', incidentId: 'i', responderId: 'a', responderName: 'A', expiresAt: 2_000 };
    expect(verifyAckLink(signAckLink({ ...claims, action: 'resolve' }, SECRET), SECRET, new Date(1_000))).toEqual({ ok: true, claims: { ...claims, action: 'resolve' } });
    expect(verifyAckLink(signAckLink({ ...claims, action: 'reopen' } as unknown as AckLinkClaims, SECRET), SECRET, new Date(1_000))).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyAckLink(signAckLink({ ...claims, channel: '<b>' }, SECRET), SECRET, new Date(1_000))).toEqual({ ok: false, reason: 'malformed' });
  });

  it('resolves with a resolve link on POST (its GET only asks), as the person linked, and only once', async () => {
    const view = app.fake.open(makeAlert({ dedupKey: `ack-${Math.random()}` }));
    const link = linkFor(view.id, { action: 'resolve', channel: 'ntfy' });
    expect(await (await fetch(link)).text()).toContain('Resolve this incident?');
    expect(app.fake.incidents.get(view.id)?.status).toBe('triggered');
    expect((await click(link)).status).toBe(200);
    expect(app.fake.incidents.get(view.id)?.view().resolvedBy).toBe('Alice (ntfy button)');
    expect((await click(link)).status).toBe(409);
  });

  it('escalates with an escalate link on POST (its GET only asks), as the person linked, and only once', async () => {
    const view = app.fake.open(makeAlert({ dedupKey: `ack-${Math.random()}` }));
    const link = linkFor(view.id, { action: 'escalate', channel: 'teams', responderId: 'teams:ops', responderName: 'Teams channel ops' });
    expect(await (await fetch(link)).text()).toContain('Escalate this incident?');
    expect(app.fake.escalations).toEqual([]);
    const response = await click(link);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain(`Escalated ${view.code}`);
    expect(app.fake.escalations).toEqual([{ id: view.id, by: 'Teams channel ops' }]);
    expect((await click(link)).status).toBe(409);
  });

  it('gives the link back when Temporal cannot take the acknowledgement, so a retry works', async () => {
    const view = app.fake.open(makeAlert({ dedupKey: `ack-${Math.random()}` }));
    const link = linkFor(view.id);
    app.fake.state.available = false;
    expect((await click(link)).status).toBe(503);
    app.fake.state.available = true;
    expect((await click(link)).status).toBe(200);
  });
});
