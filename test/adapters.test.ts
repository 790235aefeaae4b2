/** Every registered adapter, on the real example payload it ships with (a new source needs no new test file). */
import { describe, expect, it } from 'vitest';
import { ADAPTERS } from '../api/adapters/index';
import { AdapterInputError } from '../api/adapters/types';

describe.each(Object.values(ADAPTERS))('adapter $id', (adapter) => {
  it('turns its example payload into the expected alerts', () => {
    expect(adapter.parse(adapter.example.payload, adapter.example.context)).toEqual(adapter.example.expected);
  });

  it.each([null, 'text', 42, [], {}])('refuses %j with the offending field', (body) => {
    let thrown: unknown;
    try {
      adapter.parse(body, {});
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AdapterInputError);
    expect((thrown as AdapterInputError).field).toMatch(/^body/);
  });
});

describe('alertmanager adapter specifics', () => {
  const { parse, example } = ADAPTERS.alertmanager;
  const payload = example.payload as { alerts: Array<Record<string, unknown>>; version: string };

  it('ignores fields added by newer releases', () => {
    const newer = { ...payload, someFutureField: { x: 1 }, alerts: payload.alerts.map((alert) => ({ ...alert, newField: true })) };
    expect(parse(newer, {})).toEqual(example.expected);
  });

  it('refuses another payload version, naming it', () => {
    expect(() => parse({ ...payload, version: '5' }, {})).toThrow(/version "5"/);
  });

  it('takes the integration service when the alert names none, and refuses an alert with no service at all', () => {
    const bare = { ...payload, alerts: [{ status: 'firing', labels: { alertname: 'X' }, annotations: {} }] };
    expect(parse(bare, { defaultService: 'Payments API' })[0].service).toBe('payments-api');
    expect(() => parse(bare, {})).toThrow(AdapterInputError);
  });
});
