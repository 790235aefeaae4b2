import { describe, expect, it } from 'vitest';
import { Incident } from '../../domain/incident';
import { endpointsFor, webhookDeliveryWorkflowId, webhookEventId, webhookIncident, webhookPayload, type WebhookEvent } from '../../domain/webhooks';
import { makeAlert } from '../../devkit/alerts';

const view = new Incident({
  id: 'aW5jaWRlbnQvd2ViL2Rpc2s.0b1c',
  code: '7KQ2MX',
  workflowId: 'incident/web/disk',
  alert: makeAlert({ service: 'web', dedupKey: 'disk', summary: 'Disk almost full', severity: 'critical' }),
  now: new Date('2026-11-30T08:00:00Z'),
}).view();

describe('webhook payloads', () => {
  it('builds the documented body, with the incident link from the public URL', () => {
    const event: WebhookEvent = {
      id: webhookEventId(view.id, 3),
      type: 'incident.acknowledged',
      at: '2026-11-30T08:04:00.000Z',
      incident: { ...webhookIncident(view), status: 'acknowledged' },
      details: { actor: 'bob (sms)' },
    };
    expect(webhookPayload(event, 'https://vigil.example.test/')).toEqual({
      type: 'incident.acknowledged',
      id: 'aW5jaWRlbnQvd2ViL2Rpc2s.0b1c.3',
      timestamp: '2026-11-30T08:04:00.000Z',
      data: {
        incident: {
          id: view.id,
          key: '7KQ2MX',
          dedupKey: 'disk',
          service: 'web',
          severity: 'critical',
          status: 'acknowledged',
          summary: 'Disk almost full',
          url: 'https://vigil.example.test/v1/incidents/aW5jaWRlbnQvd2ViL2Rpc2s.0b1c',
        },
        actor: 'bob (sms)',
      },
    });
  });

  it('links the review in review_ready only', () => {
    const event: WebhookEvent = { id: webhookEventId(view.id, 9), type: 'incident.review_ready', at: '2026-11-30T09:00:00.000Z', incident: webhookIncident(view), details: {} };
    expect(webhookPayload(event, 'https://vigil.example.test').data.review).toEqual({ url: `https://vigil.example.test/v1/incidents/${view.id}/review` });
    expect(webhookPayload({ ...event, type: 'incident.resolved' }, 'https://vigil.example.test').data).not.toHaveProperty('review');
  });

  it('derives ids from the incident and the sequence only, so a replay or retry repeats them', () => {
    expect(webhookEventId(view.id, 0)).toBe(`${view.id}.0`);
    expect(webhookEventId(view.id, 0)).not.toBe(webhookEventId(view.id, 1));
    expect(webhookDeliveryWorkflowId('0b1c', 0)).toBe('webhook/0b1c/0');
  });

  it('picks the endpoints that follow an event type', () => {
    const subscriptions = [
      { endpoint: 'all', events: ['incident.opened' as const, 'incident.resolved' as const] },
      { endpoint: 'resolved', events: ['incident.resolved' as const] },
    ];
    expect(endpointsFor(subscriptions, 'incident.resolved')).toEqual(['all', 'resolved']);
    expect(endpointsFor(subscriptions, 'incident.opened')).toEqual(['all']);
    expect(endpointsFor(subscriptions, 'incident.paged')).toEqual([]);
    expect(endpointsFor(undefined, 'incident.paged')).toEqual([]);
  });
});
