import { describe, expect, it } from 'vitest';
import { decodeIncidentId, encodeIncidentId, INCIDENT_CODE_PATTERN, incidentCode } from '../../domain/incidentId';

const runId = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('incident ids', () => {
  it.each(['incident/checkout/latency', 'incident/zahlung/Überlast ⚠', 'incident/a/b/c'])('round-trips %s', (workflowId) => {
    const id = encodeIncidentId({ workflowId, runId });
    expect(id).toMatch(/^[A-Za-z0-9_-]+\.[0-9a-f-]{36}$/);
    expect(decodeIncidentId(id)).toEqual({ workflowId, runId });
  });

  it.each(['', 'nope', '.abc', `${encodeIncidentId({ workflowId: 'other/x', runId })}`, 'aW5jaWRlbnQvYQ.not-a-uuid'])('rejects %j', (id) => {
    expect(decodeIncidentId(id)).toBeUndefined();
  });

  it('gives each run a short, unambiguous code', () => {
    const code = incidentCode({ workflowId: 'incident/checkout/latency', runId });
    expect(code).toMatch(INCIDENT_CODE_PATTERN);
    expect(incidentCode({ workflowId: 'incident/checkout/latency', runId: runId.replace('0f', '1f') })).not.toBe(code);
  });
});
