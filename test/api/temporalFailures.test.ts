/**
 * Only a Temporal that cannot be reached or does not answer in time is an outage (503); a call it
 * refused for its content is the caller's 400. Once any ServiceError was a 503 "Temporal is
 * unavailable", so a malformed workflow id looked like an outage.
 */
import type { Client } from '@temporalio/client';
import { ServiceError } from '@temporalio/client';
import { afterEach, describe, expect, it } from 'vitest';
import { createTemporalGateway } from '../../api/gateways/temporalGateway';
import { classifyTemporalFailure } from '../../api/gateways/temporalFailure';
import { encodeIncidentId } from '../../domain/incidentId';
import { API_KEY, startTestApp } from '../../devkit/testApp';

/** A gRPC error as @grpc/grpc-js makes it, wrapped by the Temporal client as it does. */
function serviceError(code: number, text: string): ServiceError {
  return new ServiceError(`${text}`, { cause: Object.assign(new Error(`${code} ${text}`), { code, details: text, metadata: {} }) });
}
const connectionRefused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:7233'), { code: 'ECONNREFUSED' });

/** A client whose every call fails with `failure`. */
function failingClient(failure: () => unknown): Client {
  const fail = async () => {
    throw failure();
  };
  return {
    connection: { withDeadline: (_deadline: number, fn: () => Promise<unknown>) => fn() },
    workflow: { getHandle: () => ({ describe: fail, query: fail, result: fail }) },
  } as unknown as Client;
}

const incidentId = encodeIncidentId({ workflowId: 'incident/checkout/key', runId: '0190f1c6-0000-7000-8000-000000000001' });
let app: Awaited<ReturnType<typeof startTestApp>> | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('Temporal failures', () => {
  it('tell an outage from a refusal', () => {
    expect(classifyTemporalFailure(serviceError(14, 'UNAVAILABLE: No connection established'))).toBe('outage');
    expect(classifyTemporalFailure(serviceError(4, 'DEADLINE_EXCEEDED: Deadline exceeded'))).toBe('outage');
    expect(classifyTemporalFailure(connectionRefused())).toBe('outage');
    expect(classifyTemporalFailure(new ServiceError('no status at all'))).toBe('outage');
    expect(classifyTemporalFailure(serviceError(3, 'INVALID_ARGUMENT: WorkflowId is not a valid UTF-8 string'))).toBe('refused');
    expect(classifyTemporalFailure(serviceError(9, 'FAILED_PRECONDITION'))).toBe('refused');
    expect(classifyTemporalFailure(serviceError(7, 'PERMISSION_DENIED'))).toBe('other');
    expect(classifyTemporalFailure(new TypeError('a bug'))).toBe('other');
  });

  const cases: Array<[string, () => unknown, number, string | undefined]> = [
    ['a malformed workflow id (INVALID_ARGUMENT)', () => serviceError(3, 'INVALID_ARGUMENT: WorkflowId length exceeds limit'), 400, 'id'],
    ['Temporal down (UNAVAILABLE)', () => serviceError(14, 'UNAVAILABLE: No connection established'), 503, undefined],
    ['a deadline (DEADLINE_EXCEEDED)', () => serviceError(4, 'DEADLINE_EXCEEDED: Deadline exceeded'), 503, undefined],
    ['a refused connection', connectionRefused, 503, undefined],
  ];
  for (const [what, failure, status, field] of cases) {
    it(`answer ${status} for ${what}`, async () => {
      app = await startTestApp({ gateway: createTemporalGateway({ client: failingClient(failure), taskQueue: 'vigil' }) });
      const response = await fetch(`${app.url}/v1/incidents/${incidentId}`, { headers: { authorization: `Bearer ${API_KEY}` } });
      const body = (await response.json()) as { error: string; details: Array<{ field: string }> };
      expect(response.status, JSON.stringify(body)).toBe(status);
      if (field) {
        expect(body.details.map((detail) => detail.field)).toEqual([field]);
        expect(body.error).not.toMatch(/unavailable/i);
      } else {
        expect(body.error).toMatch(/unavailable/i);
      }
    });
  }
});
