/**
 * Simultaneous acknowledgements through the real incident workflow (time-skipping server) and the
 * real Temporal gateway, as two API replicas and an SMS reply would send them: exactly one is told
 * it acknowledged, the others that it already was, by whom and when (issue 12 point 5).
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import type { IncidentPlan } from '../../domain/incidentPlan';
import { createTemporalGateway } from '../../api/gateways/temporalGateway';
import { decodeIncidentId } from '../../domain/incidentId';
import { makeAlert } from '../../devkit/alerts';
import { fakeWorkflowActivities, twoLevelPolicy } from '../../devkit/fakeWorkflowActivities';
import { useTimeSkippingEnv, workflowBundle } from '../support/temporalTestEnv';
import { waitFor } from '../../devkit/waitFor';

let env: TestWorkflowEnvironment;
useTimeSkippingEnv((created) => (env = created));

const plan: IncidentPlan = { policy: twoLevelPolicy };

describe('acknowledge races through the real workflow', () => {
  it('tells exactly one of three simultaneous acks that it won, and the others who did', async () => {
    const fakes = fakeWorkflowActivities({ plan });
    const taskQueue = `ack-race-${randomUUID()}`;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: fakes.activities });
    // Two API replicas: separate gateways over one cluster.
    const replicaA = createTemporalGateway({ client: env.client, taskQueue, plan: () => plan });
    const replicaB = createTemporalGateway({ client: env.client, taskQueue, plan: () => plan });
    let workflowId: string | undefined;
    try {
      await worker.runUntil(async () => {
        const { incidentId } = await replicaA.submitAlert(makeAlert({ dedupKey: `race-${randomUUID()}` }));
        workflowId = decodeIncidentId(incidentId)?.workflowId;
        await waitFor("the first page", () => fakes.sent.length > 0);
        const answers = await Promise.all([
          replicaA.acknowledge(incidentId, { by: 'alice', via: 'api' }),
          replicaB.acknowledge(incidentId, { by: 'bob', via: 'api' }),
          replicaB.acknowledge(incidentId, { by: 'Alice', via: 'sms' }),
        ]);
        expect(answers.filter((answer) => !answer.alreadyAcknowledged)).toHaveLength(1);
        const winner = answers.find((answer) => !answer.alreadyAcknowledged)?.incident;
        for (const answer of answers) {
          expect(answer.incident.status).toBe('acknowledged');
          expect(answer.incident.acknowledgedBy).toBe(winner?.acknowledgedBy);
          expect(answer.incident.acknowledgedAt).toBe(winner?.acknowledgedAt);
          // The flag is the gateway's answer, not part of the incident.
          expect(answer.incident).not.toHaveProperty('alreadyAcknowledged');
        }
        const view = await replicaA.get(incidentId);
        expect(view?.timeline.filter((entry) => entry.kind === 'acknowledged')).toHaveLength(1);
        // The same person retrying later is told it was already done (by themselves): not an error.
        const retry = await replicaA.acknowledge(incidentId, { by: 'alice', via: 'api' });
        expect(retry.alreadyAcknowledged).toBe(true);
      });
    } finally {
      if (workflowId) await env.client.workflow.getHandle(workflowId).terminate('test over').catch(() => undefined);
    }
  });
});
