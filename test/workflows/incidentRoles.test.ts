/**
 * Incidents declared by hand and incident roles (#15.5, #15.6) on the time-skipping test server:
 * an unpaged declaration pages nobody, roles are assigned and changed by update (malformed ones
 * refused), carried across continue-as-new, and the commander gets the cadence reminders.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import type { IncidentPlan } from '../../domain/incidentPlan';
import type { Alert } from '../../domain/alert';
import { incidentWorkflowId } from '../../domain/alert';
import type { EscalationPolicySnapshot, Responder } from '../../domain/escalation';
import { acknowledgeUpdate, alertSignal, assignRolesUpdate, incidentQuery, resolveUpdate } from '../../contracts/incident';
import { incidentWorkflow } from '../../workflows/incident';
import { makeAlert } from '../../devkit/alerts';
import { alice, bob, carol, fakeWorkflowActivities, pagesOf } from '../../devkit/fakeWorkflowActivities';
import { waitFor } from '../../devkit/waitFor';
import { useTimeSkippingEnv, workflowBundle } from '../support/temporalTestEnv';

let env: TestWorkflowEnvironment;
useTimeSkippingEnv((created) => (env = created));

type Fakes = ReturnType<typeof fakeWorkflowActivities>;
type Start = (alert?: Partial<Alert>, historyLimit?: number) => ReturnType<typeof env.client.workflow.signalWithStart<typeof incidentWorkflow>>;

const level = (targets: Responder[], timeoutSeconds: number) => ({ targets, channels: ['email' as const], timeoutSeconds });
const policy: EscalationPolicySnapshot = { id: 'two', repeat: 0, levels: [level([alice], 300), level([bob], 300)] };
const hourly: IncidentPlan = { policy, communication: { stakeholders: [], updateEverySeconds: { critical: 3600 } } };

async function run(plan: IncidentPlan, body: (fakes: Fakes, start: Start) => Promise<void>) {
  const fakes = fakeWorkflowActivities({ plan });
  const taskQueue = `roles-${randomUUID()}`;
  const started: string[] = [];
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: fakes.activities });
  try {
    await worker.runUntil(
      body(fakes, (overrides = {}, historyLimit) => {
        const alert = makeAlert({ dedupKey: `roles-${randomUUID()}`, severity: 'critical', ...overrides });
        started.push(incidentWorkflowId(alert));
        return env.client.workflow.signalWithStart(incidentWorkflow, {
          workflowId: incidentWorkflowId(alert),
          taskQueue,
          args: [{ alert, plan, ...(historyLimit ? { historyLimit } : {}) }],
          signal: alertSignal,
          signalArgs: [alert],
        });
      }),
    );
  } finally {
    for (const id of started) await env.client.workflow.getHandle(id).terminate('test over').catch(() => undefined);
  }
}

describe('declared by hand', () => {
  it('with page: false opens the incident, pages nobody, and says so; the declared commander holds the role', async () => {
    const unpaged: IncidentPlan = { policy: { id: 'two', levels: [], repeat: 0 }, commander: carol };
    await run(unpaged, async ({ sent }, start) => {
      const handle = await start({ source: 'declared', declared: { by: 'bob', via: 'api', page: false, commander: 'carol' } });
      await env.sleep('30m');
      expect(pagesOf(sent)).toEqual([]);
      const view = await handle.query(incidentQuery);
      expect(view.status).toBe('triggered');
      expect(view.declaredBy).toBe('bob (api)');
      expect(view.roles).toEqual({ commander: { id: 'carol', name: 'Carol' } });
      const texts = view.timeline.map((entry) => entry.text);
      expect(texts[0]).toMatch(/^declared by bob \(api\): critical: .* \(paging nobody\)$/);
      expect(texts).toContain('commander: Carol, assigned by bob (api)');
      expect(texts).toContain('paging nobody: declared without paging (reassign to page someone)');
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'carol', via: 'api' }] });
      await handle.result();
    });
  });
});

describe('incident roles', () => {
  it('assigns and reassigns each role, on the timeline with who did it, and refuses malformed roles', async () => {
    await run({ policy }, async (_fakes, start) => {
      const handle = await start();
      const first = await handle.executeUpdate(assignRolesUpdate, { args: [{ by: 'alice', via: 'api', roles: { commander: alice, communicationsLead: bob, scribe: carol, responders: [bob, carol] } }] });
      expect(first.roles).toEqual({
        commander: { id: 'alice', name: 'Alice' },
        communicationsLead: { id: 'bob', name: 'Bob' },
        scribe: { id: 'carol', name: 'Carol' },
        responders: [{ id: 'bob', name: 'Bob' }, { id: 'carol', name: 'Carol' }],
      });
      // No addresses in the view.
      expect(JSON.stringify(first.roles)).not.toContain('@');
      const second = await handle.executeUpdate(assignRolesUpdate, { args: [{ by: 'bob', via: 'sms', roles: { commander: bob, scribe: null } }] });
      expect(second.roles).toEqual({ commander: { id: 'bob', name: 'Bob' }, communicationsLead: { id: 'bob', name: 'Bob' }, responders: first.roles?.responders });
      const roleEntries = second.timeline.filter((entry) => entry.kind === 'role').map((entry) => `${entry.text} | ${entry.by}`);
      expect(roleEntries).toEqual([
        'commander: Alice, assigned by alice (api) | alice (api)',
        'communications lead: Bob, assigned by alice (api) | alice (api)',
        'scribe: Carol, assigned by alice (api) | alice (api)',
        'responders: Bob, Carol, assigned by alice (api) | alice (api)',
        'commander: Bob (was Alice), assigned by bob (sms) | bob (sms)',
        'scribe: nobody (was Carol), assigned by bob (sms) | bob (sms)',
      ]);
      for (const roles of [{}, { captain: alice }, { commander: { name: 'no id' } }, { responders: 'bob' }]) {
        const refused = handle.executeUpdate(assignRolesUpdate, { args: [{ by: 'alice', via: 'api', roles: roles as never }] });
        await expect(refused).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
      }
      expect((await handle.query(incidentQuery)).timeline.filter((entry) => entry.kind === 'role')).toHaveLength(6);
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'bob', via: 'api' }] });
      await handle.result();
    });
  });

  it('reminds the commander, not the holder, when a status update is overdue; without a commander, the holder as before', async () => {
    await run(hourly, async ({ sent }, start) => {
      const handle = await start();
      await env.sleep('10m'); // both levels paged: Bob holds it
      await handle.executeUpdate(acknowledgeUpdate, { args: [{ by: 'bob', via: 'sms' }] });
      await env.sleep('55m'); // 1 h 5 min in: one reminder, to Bob
      await handle.executeUpdate(assignRolesUpdate, { args: [{ by: 'bob', via: 'api', roles: { commander: carol } }] });
      await env.sleep('2h'); // two more, to Carol
      await handle.executeUpdate(assignRolesUpdate, { args: [{ by: 'bob', via: 'api', roles: { commander: null } }] });
      await env.sleep('1h'); // one more, to Bob again
      await handle.executeUpdate(resolveUpdate, { args: [{ by: 'bob', via: 'api' }] });
      const final = await handle.result();
      const reminders = sent.filter((entry) => entry.request.kind === 'update-due').map((entry) => entry.request.responder.id);
      expect(reminders).toEqual(['bob', 'carol', 'carol', 'bob']);
      expect(final.timeline.filter((entry) => entry.text.startsWith('no status update')).map((entry) => entry.text.replace(/^.*reminded /, ''))).toEqual([
        'Bob',
        'Carol (commander)',
        'Carol (commander)',
        'Bob',
      ]);
    });
  });

  it('carries the roles and the commander across continue-as-new', async () => {
    await run(hourly, async ({ sent }, start) => {
      const alert = makeAlert({ dedupKey: `roles-${randomUUID()}`, severity: 'critical' });
      const first = await start(alert, 80);
      await first.executeUpdate(assignRolesUpdate, { args: [{ by: 'alice', via: 'api', roles: { commander: carol, responders: [alice, bob] } }] });
      for (let index = 0; index < 120; index++) await first.signal(alertSignal, { ...alert, id: randomUUID() });
      const latest = env.client.workflow.getHandle(first.workflowId);
      await waitFor('the hand-over to a new run', async () => (await latest.describe()).runId !== first.signaledRunId);
      const carried = await latest.query(incidentQuery);
      expect(carried.roles).toEqual({ commander: { id: 'carol', name: 'Carol' }, responders: [{ id: 'alice', name: 'Alice' }, { id: 'bob', name: 'Bob' }] });
      await env.sleep('61m');
      await expect.poll(() => sent.filter((entry) => entry.request.kind === 'update-due').map((entry) => entry.request.responder.id)).toEqual(['carol']);
      await latest.executeUpdate(resolveUpdate, { args: [{ by: 'carol', via: 'api' }] });
      await latest.result();
    });
  });
});
