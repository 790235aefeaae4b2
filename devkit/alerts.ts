import { randomUUID } from 'node:crypto';
import type { Alert } from '../domain/alert';

/** A valid alert with overridable fields. */
export function makeAlert(overrides: Partial<Alert> = {}): Alert {
  return {
    id: randomUUID(),
    service: 'checkout',
    summary: 'checkout p99 latency above 2s',
    severity: 'critical',
    dedupKey: 'checkout-latency',
    source: 'api',
    labels: {},
    details: {},
    receivedAt: new Date().toISOString(),
    ...overrides,
  };
}
