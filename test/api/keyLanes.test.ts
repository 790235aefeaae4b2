import { describe, expect, it } from 'vitest';
import type { Alert } from '../../domain/alert';
import { incidentWorkflowId } from '../../domain/alert';
import { BackendUnavailableError, type IncidentGateway } from '../../api/gateways/incidentGateway';
import { createKeyLanes } from '../../api/intake/keyLanes';
import type { IntakeItem } from '../../api/intake/intakeItem';
import { makeAlert } from '../../devkit/alerts';

/** A gateway whose calls stay in flight until the test lets them finish. */
function heldGateway() {
  const calls: Array<{ kind: string; ids: string[]; finish: () => void; fail: (error: unknown) => void }> = [];
  function held<T>(kind: string, alerts: Alert[], value: T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      calls.push({ kind, ids: alerts.map((alert) => alert.id), finish: () => resolve(value), fail: reject });
    });
  }
  const gateway = {
    submitAlert: (alert: Alert) => held('alert', [alert], { incidentId: `incident-of-${incidentWorkflowId(alert)}` }),
    submitAlerts: (alerts: Alert[]) => held('batch', alerts, { incidentId: `incident-of-${incidentWorkflowId(alerts[0])}` }),
    noteSourceResolved: (alert: Alert) => held('resolve', [alert], true),
    acknowledgeOpen: (alert: Alert) => held('acknowledge', [alert], true),
  } as unknown as IncidentGateway;
  return { gateway, calls };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

function trigger(id: string, dedupKey = 'storm'): IntakeItem {
  return { action: 'trigger', alert: makeAlert({ id, dedupKey }) };
}

describe('key lanes', () => {
  it('sends a lone alert at once, as one alert', async () => {
    const { gateway, calls } = heldGateway();
    const lanes = createKeyLanes(gateway);
    const delivered = lanes.deliver(trigger('a1'));
    await flush();
    expect(calls.map((call) => [call.kind, call.ids])).toEqual([['alert', ['a1']]]);
    calls[0].finish();
    expect(await delivered).toEqual({ incidentId: `incident-of-incident/checkout/storm`, reachedIncident: true });
    expect(lanes.busy).toBe(0);
  });

  it('sends the repeats that queue behind a call in flight as one batch, in order, each caller answered', async () => {
    const { gateway, calls } = heldGateway();
    const lanes = createKeyLanes(gateway);
    const first = lanes.deliver(trigger('a1'));
    const queued = ['a2', 'a3', 'a4'].map((id) => lanes.deliver(trigger(id)));
    await flush();
    expect(calls).toHaveLength(1);
    calls[0].finish();
    await first;
    await flush();
    expect(calls.map((call) => [call.kind, call.ids])).toEqual([
      ['alert', ['a1']],
      ['batch', ['a2', 'a3', 'a4']],
    ]);
    calls[1].finish();
    for (const delivered of await Promise.all(queued)) expect(delivered.reachedIncident).toBe(true);
  });

  it('keeps a resolve and an acknowledge in their place between triggers of the key', async () => {
    const { gateway, calls } = heldGateway();
    const lanes = createKeyLanes(gateway);
    const alert = makeAlert({ id: 'r1', dedupKey: 'storm' });
    const all = [
      lanes.deliver(trigger('a1')),
      lanes.deliver(trigger('a2')),
      lanes.deliver(trigger('a3')),
      lanes.deliver({ action: 'resolve', alert }),
      lanes.deliver({ action: 'acknowledge', alert: { ...alert, id: 'k1' }, actor: { by: 'pd', via: 'api' } }),
      lanes.deliver(trigger('a4')),
    ];
    for (let step = 0; step < 5; step++) {
      await flush();
      calls[step].finish();
    }
    await Promise.all(all);
    expect(calls.map((call) => [call.kind, call.ids])).toEqual([
      ['alert', ['a1']],
      ['batch', ['a2', 'a3']],
      ['resolve', ['r1']],
      ['acknowledge', ['k1']],
      ['alert', ['a4']],
    ]);
  });

  it('lets different keys go side by side', async () => {
    const { gateway, calls } = heldGateway();
    const lanes = createKeyLanes(gateway);
    const both = [lanes.deliver(trigger('a1', 'one')), lanes.deliver(trigger('b1', 'two'))];
    await flush();
    expect(calls.map((call) => call.ids[0])).toEqual(['a1', 'b1']);
    expect(lanes.busy).toBe(2);
    for (const call of calls) call.finish();
    await Promise.all(both);
    expect(lanes.busy).toBe(0);
  });

  it('fails everything queued behind a call that finds Temporal unreachable, so each caller can spool at once', async () => {
    const { gateway, calls } = heldGateway();
    const lanes = createKeyLanes(gateway);
    const results = ['a1', 'a2', 'a3'].map((id) => lanes.deliver(trigger(id)).catch((error: unknown) => error));
    await flush();
    calls[0].fail(new BackendUnavailableError(new Error('connection refused')));
    for (const result of await Promise.all(results)) expect(result).toBeInstanceOf(BackendUnavailableError);
    expect(calls).toHaveLength(1);
    expect(lanes.busy).toBe(0);
  });

  it('fails only its own batch on any other error, and goes on with the rest', async () => {
    const { gateway, calls } = heldGateway();
    const lanes = createKeyLanes(gateway);
    const first = lanes.deliver(trigger('a1')).catch((error: unknown) => error);
    const second = lanes.deliver(trigger('a2'));
    await flush();
    calls[0].fail(new Error('bad input'));
    expect(((await first) as Error).message).toBe('bad input');
    await flush();
    calls[1].finish();
    expect((await second).reachedIncident).toBe(true);
  });

  it('cuts batches at the alert and byte limits', async () => {
    const { gateway, calls } = heldGateway();
    const lanes = createKeyLanes(gateway, { maxBatchAlerts: 2, maxBatchBytes: 1_000_000 });
    const bulky = (id: string): IntakeItem => ({ action: 'trigger', alert: makeAlert({ id, dedupKey: 'storm', summary: 'x'.repeat(600) }) });
    const all = [lanes.deliver(trigger('a1')), ...['a2', 'a3', 'a4'].map((id) => lanes.deliver(trigger(id)))];
    for (let step = 0; step < 3; step++) {
      await flush();
      calls[step].finish();
    }
    await Promise.all(all);
    expect(calls.map((call) => call.ids)).toEqual([['a1'], ['a2', 'a3'], ['a4']]);

    const bytes = createKeyLanes(gateway, { maxBatchAlerts: 100, maxBatchBytes: 2_000 });
    calls.length = 0;
    const heavy = [bytes.deliver(bulky('b1')), ...['b2', 'b3', 'b4'].map((id) => bytes.deliver(bulky(id)))];
    for (let step = 0; step < 3; step++) {
      await flush();
      calls[step].finish();
    }
    await Promise.all(heavy);
    expect(calls.map((call) => call.ids)).toEqual([['b1'], ['b2', 'b3'], ['b4']]);
  });

  it('answers every caller when an alert cannot be serialized, and the lane goes on', async () => {
    const crashes: unknown[] = [];
    const onCrash = (error: unknown) => crashes.push(error);
    process.on('unhandledRejection', onCrash);
    try {
      const { gateway, calls } = heldGateway();
      const lanes = createKeyLanes(gateway);
      const first = lanes.deliver(trigger('a1'));
      await flush();
      // A cycle makes JSON.stringify throw, as 5,000 nested arrays once did.
      const cyclic = trigger('a2');
      (cyclic.alert.details as Record<string, unknown>).self = cyclic.alert.details;
      const second = lanes.deliver(cyclic);
      const third = lanes.deliver(trigger('a3'));
      calls[0].finish();
      await first;
      await flush();
      // The unmeasurable alert goes alone; the next one is not held back by it.
      expect(calls.slice(1).map((call) => [call.kind, call.ids])).toEqual([['alert', ['a2']]]);
      calls[1].fail(new TypeError('Converting circular structure to JSON'));
      await expect(second).rejects.toThrow(/circular/);
      await flush();
      calls[2].finish();
      await expect(third).resolves.toMatchObject({ reachedIncident: true });
      await flush();
      expect(lanes.busy).toBe(0);
      expect(crashes).toEqual([]);
    } finally {
      process.off('unhandledRejection', onCrash);
    }
  });
});
