/**
 * Escalation shapes on the time-skipping test server: targets resolved when a level fires
 * (a schedule hand-off during an incident), notification rules, urgency and its re-plan, the ack
 * timeout, manual escalate and reassign, and who hears when a policy is exhausted.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import type { ResolvedTargets } from '../../activities/escalationTargets';
import type { IncidentPlan } from '../../domain/incidentPlan';
import type { Alert } from '../../domain/alert';
import { incidentWorkflowId } from '../../domain/alert';
import type { EscalationPolicySnapshot, Responder } from '../../domain/escalation';
import { acknowledgeUpdate, alertSignal, escalateUpdate, incidentQuery, reassignUpdate, resolveUpdate, statusUpdateUpdate } from '../../contracts/incident';
import { incidentWorkflow } from '../../workflows/incident';
import { makeAlert } from '../../devkit/alerts';
import { alice, bob, carol, fakeWorkflowActivities, pagesOf, type SentNotification } from '../../devkit/fakeWorkflowActivities';
import { useTimeSkippingEnv, workflowBundle } from '../support/temporalTestEnv';

let env: TestWorkflowEnvironment;
useTimeSkippingEnv((created) => (env = created));

type Fakes = ReturnType<typeof fakeWorkflowActivities>;

async function run(
  plan: IncidentPlan,
  body: (fakes: Fakes, start: (alert?: Partial<Alert>) => ReturnType<typeof startIncident>) => Promise<void>,
  resolve?: (refs: string[], atMs: number) => ResolvedTargets,
  failChannels?: string[],
  outcomes?: Record<string, string>,
) {
  const fakes = fakeWorkflowActivities({ plan, resolve, failChannels, outcomes });
  const taskQueue = `esc-${randomUUID()}`;
  const started: string[] = [];
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: fakes.activities });
  try {
    await worker.runUntil(async () => {
      try {
        await body(fakes, (overrides = {}) => {
        const alert = makeAlert({ dedupKey: `esc-${randomUUID()}`, ...overrides });
        started.push(incidentWorkflowId(alert));
        return startIncident(alert, taskQueue, plan);
        });
      } catch (error) {
        // What was sent, for a reader of the failure.
        console.error('sent:', fakes.sent.map((entry) => `${entry.request.responder.id}/${entry.request.channel}/${entry.request.kind}`));
        throw error;
      }
    });
  } finally {
    for (const id of started) await env.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
  }
}

function startIncident(alert: Alert, taskQueue: string, plan: IncidentPlan) {
  return env.client.workflow.signalWithStart(incidentWorkflow, { workflowId: incidentWorkflowId(alert), taskQueue, args: [{ alert, plan }], signal: alertSignal, signalArgs: [alert] });
}

/** `<seconds after the first page> <who>/<channel>/<kind>` for every notification, sorted. */
function timeline(sent: SentNotification[], fromMs = sent[0]?.atMs ?? 0): string[] {
  return sent.map(({ atMs, request }) => `${Math.round((atMs - fromMs) / 1000)}s ${request.responder.id}/${request.channel}/${request.kind}`).sort((a, b) => parseInt(a, 10) - parseInt(b, 10) || a.localeCompare(b));
}

/**
 * The timeline with each entry within `slackSeconds` of the expected one's time shown as expected:
 * for a page the test itself triggers after `env.sleep`, whose time is the sleep's give or take the
 * real time the test's own calls and the first page's task took (a loaded CI machine: 59 s for 60).
 */
function roughly(actual: string[], expected: string[], slackSeconds = 3): string[] {
  const what = (entry: string) => entry.slice(entry.indexOf(' '));
  return actual.map((entry, index) => {
    const want = expected[index];
    const close = want !== undefined && what(want) === what(entry) && Math.abs(parseInt(entry, 10) - parseInt(want, 10)) <= slackSeconds;
    return close ? want : entry;
  });
}

const level = (targets: Responder[], timeoutSeconds: number, extra: Partial<EscalationPolicySnapshot['levels'][number]> = {}) => ({ targets, channels: ['email' as const], timeoutSeconds, ...extra });

describe('escalation targets resolved when a level fires', () => {
  it('pages whoever is on call when the level fires: a hand-off during the incident pages the new on-call', async () => {
    const policy: EscalationPolicySnapshot = {
      id: 'oncall',
      repeat: 0,
      levels: [level([], 600, { targetRefs: ['schedule:primary'] }), level([], 600, { targetRefs: ['schedule:primary'] })],
    };
    let firstAskedAtMs: number | undefined;
    // Alice is on call until the hand-off 5 minutes after the incident opened; Bob after.
    const onCall = (_refs: string[], atMs: number) => {
      firstAskedAtMs ??= atMs;
      return { responders: [atMs < firstAskedAtMs + 300_000 ? alice : bob], notes: [] };
    };
    await run({ policy }, async ({ sent, resolved }, start) => {
      const handle = await start();
      await env.sleep('11m');
      expect(timeline(sent)).toEqual(['0s alice/email/page', '600s bob/email/page']);
      expect(resolved.map((entry) => entry.refs)).toEqual([['schedule:primary'], ['schedule:primary']]);
      await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'bob', via: 'sms' }] });
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'bob', via: 'api' }] });
      const final = await handle.result();
      // Both were paged, so both hear of the acknowledgement and the resolution.
      expect(sent.filter((entry) => entry.request.kind !== 'page').map((entry) => `${entry.request.responder.id}/${entry.request.kind}`).sort()).toEqual([
        'alice/acknowledged',
        'alice/resolved',
        'bob/acknowledged',
        'bob/resolved',
      ]);
      expect(final.status).toBe('resolved');
    }, onCall);
  });

  it('notes on the timeline a schedule with nobody on call, and goes on to the next level', async () => {
    const policy: EscalationPolicySnapshot = { id: 'gap', repeat: 0, levels: [level([], 60, { targetRefs: ['schedule:empty'] }), level([carol], 60)] };
    await run({ policy }, async ({ sent }, start) => {
      const handle = await start();
      await env.sleep('2m');
      expect(sent.map((entry) => entry.request.responder.id)).toEqual(['carol']);
      expect((await handle.query(incidentQuery)).timeline.some((entry) => entry.text === 'nobody is on call on schedule empty')).toBe(true);
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'carol', via: 'api' }] });
      await handle.result();
    }, () => ({ responders: [], notes: ['nobody is on call on schedule empty'] }));
  });
});

describe('notification rules and urgency', () => {
  const ruled: Responder = { ...alice, rules: [{ channel: 'sms', afterSeconds: 0 }, { channel: 'email', afterSeconds: 60 }] };
  const byRules: EscalationPolicySnapshot = { id: 'rules', repeat: 0, levels: [{ targets: [ruled], channels: [], channelsFromRules: true, timeoutSeconds: 600 }, level([bob], 600)] };

  it("follows a person's rules: SMS at once, email a minute later", async () => {
    await run({ policy: byRules, lowUrgencySeverities: ['warning', 'info'] }, async ({ sent }, start) => {
      const handle = await start({ severity: 'critical' });
      await env.sleep('2m');
      expect(timeline(sent)).toEqual(['0s alice/sms/page', '60s alice/email/page']);
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
      await handle.result();
    });
  });

  it('sends nothing more of a level once it is acknowledged', async () => {
    await run({ policy: byRules, lowUrgencySeverities: ['warning', 'info'] }, async ({ sent }, start) => {
      const handle = await start({ severity: 'critical' });
      await env.sleep('30s');
      await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'alice', via: 'sms' }] });
      await env.sleep('2m');
      expect(sent.filter((entry) => entry.request.kind === 'page').map((entry) => entry.request.channel)).toEqual(['sms']);
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
      await handle.result();
    });
  });

  it('emails only at low urgency, and starts over by every channel when the severity rises to high urgency', async () => {
    await run({ policy: byRules, lowUrgencySeverities: ['warning', 'info'] }, async ({ sent }, start) => {
      const alert = { severity: 'warning' as const, dedupKey: `esc-${randomUUID()}` };
      const handle = await start(alert);
      await env.sleep('2m');
      expect(timeline(sent)).toEqual(['0s alice/email/page']);
      await handle.signal(alertSignal, makeAlert({ ...alert, severity: 'critical' }));
      await env.sleep('2m');
      const pages = timeline(sent);
      expect(pages.slice(1).map((entry) => entry.replace(/^\d+s /, ''))).toEqual(['alice/sms/page', 'alice/email/page']);
      const view = await handle.query(incidentQuery);
      expect(view.timeline.some((entry) => entry.text.startsWith('severity critical is high urgency'))).toBe(true);
      // A new round: a new page, not a retry of the first (distinct idempotency keys).
      expect(new Set(sent.map((entry) => entry.request.idempotencyKey)).size).toBe(sent.length);
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
      await handle.result();
    });
  });
});

describe('acknowledgement timeout, manual escalation and reassignment', () => {
  const twoLevels = (extra: Partial<EscalationPolicySnapshot> = {}): EscalationPolicySnapshot => ({ id: 'two', repeat: 0, levels: [level([alice], 300), level([bob], 300)], ...extra });

  it('escalates again when an acknowledged incident is not resolved within the ack timeout', async () => {
    await run({ policy: twoLevels({ ackTimeoutSeconds: 1800 }) }, async ({ sent }, start) => {
      const handle = await start();
      await env.sleep('1m');
      await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'alice', via: 'sms' }] });
      await env.sleep('29m');
      expect((await handle.query(incidentQuery)).status).toBe('acknowledged');
      await env.sleep('2m');
      const view = await handle.query(incidentQuery);
      expect(view.status).toBe('triggered');
      expect(view.timeline.some((entry) => entry.text.includes('not resolved within 1800 s of the acknowledgement'))).toBe(true);
      expect(timeline(sent)).toEqual(['0s alice/email/page', '60s alice/email/acknowledged', '1860s alice/email/page']);
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
      await handle.result();
    });
  });

  it('jumps to the next level on a manual escalate while escalating', async () => {
    await run({ policy: twoLevels() }, async ({ sent }, start) => {
      const handle = await start();
      await env.sleep('1m');
      const escalated = await handle.executeUpdate(escalateUpdate, { args: [{ by: 'alice', via: 'api' }] });
      expect(escalated.status).toBe('triggered');
      await env.sleep('10s');
      const expected = ['0s alice/email/page', '60s bob/email/page'];
      await expect.poll(() => roughly(timeline(sent), expected)).toEqual(expected);
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'bob', via: 'api' }] });
      await handle.result();
    });
  });

  it('escalates an acknowledged incident to the next level on a manual escalate', async () => {
    await run({ policy: twoLevels() }, async ({ sent }, start) => {
      const handle = await start();
      // Alice acknowledges her page (an incident acknowledged before any page would escalate to level 1).
      await expect.poll(() => pagesOf(sent).map((entry) => entry.request.responder.id)).toEqual(['alice']);
      await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'alice', via: 'sms' }] });
      await env.sleep('1m');
      const escalated = await handle.executeUpdate(escalateUpdate, { args: [{ by: 'alice', via: 'api' }] });
      expect(escalated.status).toBe('triggered');
      await env.sleep('10s');
      // The page goes out in the background of the workflow: wait for the activity to have run.
      await expect.poll(() => sent.filter((entry) => entry.request.kind === 'page').map((entry) => entry.request.responder.id)).toEqual(['alice', 'bob']);
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'bob', via: 'api' }] });
      await handle.result();
    });
  });

  it('pages the person an incident is reassigned to at once; a policy takes over from its first level', async () => {
    await run({ policy: twoLevels() }, async ({ sent }, start) => {
      const handle = await start();
      await env.sleep('1m');
      await handle.executeUpdate(reassignUpdate, { args: [{ by: 'alice', via: 'api', to: { responder: carol } }] });
      await env.sleep('5s');
      const expected = ['0s alice/email/page', '60s carol/email/page'];
      await expect.poll(() => roughly(timeline(sent), expected)).toEqual(expected);
      const other: EscalationPolicySnapshot = { id: 'dba', repeat: 0, levels: [level([bob], 120)] };
      await handle.executeUpdate(reassignUpdate, { args: [{ by: 'carol', via: 'api', to: { policy: other } }] });
      await env.sleep('5s');
      await expect.poll(() => sent.at(-1)?.request).toMatchObject({ kind: 'page', responder: { id: 'bob' } });
      expect((await handle.query(incidentQuery)).escalation.policyId).toBe('dba');
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'bob', via: 'api' }] });
      await handle.result();
      // Everyone paged hears of the resolution, the reassigned ones included.
      expect(sent.filter((entry) => entry.request.kind === 'resolved').map((entry) => entry.request.responder.id).sort()).toEqual(['alice', 'bob', 'carol']);
    });
  });

  it('tells the onExhausted contacts when every level passed without an acknowledgement', async () => {
    await run({ policy: twoLevels({ onExhaustedRefs: ['user:carol'] }) }, async ({ sent }, start) => {
      const handle = await start();
      await env.sleep('11m');
      expect(timeline(sent)).toEqual(['0s alice/email/page', '300s bob/email/page', '600s carol/email/exhausted']);
      expect((await handle.query(incidentQuery)).escalation.exhausted).toBe(true);
      // Escalating by hand after exhaustion starts the policy over.
      await handle.executeUpdate(escalateUpdate, { args: [{ by: 'carol', via: 'api' }] });
      await env.sleep('5s');
      await expect.poll(() => sent.at(-1)?.request).toMatchObject({ kind: 'page', responder: { id: 'alice' } });
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
      await handle.result();
    });
  });
});

describe('communication plan', () => {
  it('tells stakeholders of every status change and update, and reminds the holder when an update is overdue, over 8 hours', async () => {
    const policy: EscalationPolicySnapshot = { id: 'two', repeat: 0, levels: [level([alice], 300), level([bob], 300)] };
    const plan: IncidentPlan = { policy, communication: { stakeholders: [carol], updateEverySeconds: { critical: 3600 } } };
    await run(plan, async ({ sent }, start) => {
      const handle = await start({ severity: 'critical' });
      await env.sleep('10m');
      await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'bob', via: 'sms' }] });
      await env.sleep('200m'); // 3 h 30 min in
      const updated = await handle.executeUpdate(statusUpdateUpdate, { args: [{ by: 'bob', via: 'api', text: 'failing over to the replica', eta: '2026-11-25T20:00:00.000Z' }] });
      expect(updated.updates?.at(-1)).toMatchObject({ by: 'bob (api)', text: 'failing over to the replica', eta: '2026-11-25T20:00:00.000Z' });
      await env.sleep('270m'); // 8 h in
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'bob', via: 'api' }] });
      await handle.result();

      const startMs = sent[0].atMs;
      const hours = (entry: SentNotification) => Math.round(((entry.atMs - startMs) / 3_600_000) * 10) / 10;
      const reminders = sent.filter((entry) => entry.request.kind === 'update-due');
      // Bob holds it (the last level paged): reminded each hour without an update, counted from the last one.
      expect(reminders.map((entry) => `${hours(entry)}h ${entry.request.responder.id}`)).toEqual(['1h bob', '2h bob', '3h bob', '4.5h bob', '5.5h bob', '6.5h bob', '7.5h bob']);
      const toStakeholder = sent.filter((entry) => entry.request.responder.id === 'carol');
      expect(toStakeholder.map((entry) => `${entry.request.kind}/${entry.request.channel}`)).toEqual(['acknowledged/email', 'update/email', 'resolved/email']);
      expect(toStakeholder[1].request.incident.latestUpdate).toMatchObject({ text: 'failing over to the replica' });
      expect(new Set(sent.map((entry) => entry.request.idempotencyKey)).size).toBe(sent.length);
    });
  });
});

describe('delivery failures', () => {
  it("falls back to a person's other channel when one keeps failing, on the timeline, and escalation keeps its time", async () => {
    const policy: EscalationPolicySnapshot = { id: 'sms-first', repeat: 0, levels: [{ targets: [alice], channels: ['sms'], timeoutSeconds: 600 }, level([bob], 600)] };
    await run({ policy, deliveryFallback: true }, async ({ sent }, start) => {
      const handle = await start();
      await env.sleep('5m'); // the SMS retries run out within a couple of minutes
      await expect.poll(() => sent.map((entry) => `${entry.request.responder.id}/${entry.request.channel}`)).toEqual(['alice/email']);
      const view = await handle.query(incidentQuery);
      expect(view.paged.map((page) => `${page.channel}:${page.outcome.startsWith('failed') ? 'failed' : 'sent'}`)).toEqual(['sms:failed', 'email:sent']);
      expect(view.timeline.some((entry) => entry.text === 'page to Alice by sms failed: falling back to email')).toBe(true);
      await env.sleep('6m'); // level 2 still fires 10 minutes after level 1
      await expect.poll(() => sent.filter((entry) => entry.request.responder.id === 'bob').length).toBe(1);
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'bob', via: 'api' }] });
      await handle.result();
    }, undefined, ['sms']);
  });
});

describe('voice pages nobody answered', () => {
  it.each(['no-answer', 'busy', 'answered by machine_start'])('falls back to the other channels when the call ends %s, on the timeline', async (why) => {
    const policy: EscalationPolicySnapshot = { id: 'call-first', repeat: 0, levels: [{ targets: [alice], channels: ['voice'], timeoutSeconds: 600 }] };
    await run({ policy, deliveryFallback: true }, async ({ sent }, start) => {
      const handle = await start();
      // The fallbacks go out together: their order among themselves is the activities' finishing order.
      await expect.poll(() => sent.map((entry) => `${entry.request.responder.id}/${entry.request.channel}`).sort(), { timeout: 30_000 }).toEqual(['alice/email', 'alice/sms', 'alice/voice']);
      expect(sent[0].request.channel).toBe('voice');
      // Sent is not yet recorded: the workflow takes each fallback's result when its activity completes.
      await expect
        .poll(async () => (await handle.query(incidentQuery)).paged.map((page) => `${page.channel}:${page.outcome}`).sort(), { timeout: 30_000 })
        .toEqual(['email:sent via fake', 'sms:sent via fake', `voice:not reached by voice: ${why}`]);
      const view = await handle.query(incidentQuery);
      expect(view.timeline.some((entry) => entry.text === 'page to Alice by voice failed: falling back to sms, email')).toBe(true);
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
      await handle.result();
    }, undefined, undefined, { voice: `not reached by voice: ${why}` });
  });
});

describe('low urgency and business hours', () => {
  it('holds a low-urgency page until business hours open, and pages a high-urgency one at once', async () => {
    const nowMs = await env.currentTimeMs();
    const minuteOfDay = (ms: number) => Math.floor((ms % 86_400_000) / 60_000);
    // Business hours (UTC) open two hours from now and last an hour, every day.
    const opens = (minuteOfDay(nowMs) + 120) % 1440;
    const windows = [{ days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const, fromMinutes: opens, toMinutes: (opens + 60) % 1440 || 1440 }];
    const policy: EscalationPolicySnapshot = { id: 'hours', repeat: 0, levels: [level([alice], 3600)] };
    const plan: IncidentPlan = { policy, lowUrgencySeverities: ['warning', 'info'], businessHours: { timeZone: 'UTC', windows: windows.map((window) => ({ ...window, days: [...window.days] })) } };
    await run(plan, async ({ sent }, start) => {
      const low = await start({ severity: 'warning' });
      const high = await start({ severity: 'critical' });
      await env.sleep('1h');
      await expect.poll(() => sent.map((entry) => `${entry.request.incident.severity}/${entry.request.channel}`)).toEqual(['critical/email']);
      expect((await low.query(incidentQuery)).timeline.some((entry) => entry.text.startsWith('low urgency: paging waits for business hours'))).toBe(true);
      await env.sleep('75m');
      await expect.poll(() => sent.filter((entry) => entry.request.incident.severity === 'warning').length).toBe(1);
      const lowPage = sent.find((entry) => entry.request.incident.severity === 'warning') as SentNotification;
      // Paged when the hours opened (whole minutes: the window starts on a minute boundary).
      expect(lowPage.atMs - nowMs).toBeGreaterThanOrEqual(119 * 60_000);
      expect(lowPage.atMs - nowMs).toBeLessThanOrEqual(121 * 60_000);
      expect(lowPage.request.channel).toBe('email');
      // Channels that can page quietly (ntfy's priority) are told the page is low urgency; a high-urgency page carries nothing new.
      expect(lowPage.request.urgency).toBe('low');
      expect(sent.find((entry) => entry.request.incident.severity === 'critical')?.request).not.toHaveProperty('urgency');
      // Resolve both before waiting on either: waiting unlocks time skipping, which would race
      // the other, timer-less incident to its execution timeout.
      for (const handle of [low, high]) await handle.executeUpdate(resolveUpdate, { args: [{ by: 'alice', via: 'api' }] });
      for (const handle of [low, high]) await handle.result();
    });
  });
});
