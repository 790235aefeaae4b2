import { describe, expect, it } from 'vitest';
import { parseConfig, type VigilConfigInput } from '../../domain/config';
import { describeMatcher, renderEventPolicy, renderIncidentPolicy, renderProblemPolicy } from '../../domain/policyDocuments';
import demoConfig from '../../vigil.config';

const demo = () => structuredClone(demoConfig) as VigilConfigInput;
const parse = (input: VigilConfigInput) => parseConfig(input, 'demo config');

describe('the Event Management Policy of the demo config', () => {
  it('lists the classification rules in order, their promotion, the default and the flap pauses', () => {
    const document = renderEventPolicy(parse(demo()));
    expect(document).toMatch(/^# Event Management Policy\n/);
    expect(document).toContain('| 1 | info-is-an-event | severity info | event (recorded, nobody paged) | — |');
    expect(document).toContain('| 2 | recurring-warnings | severity warning | event (recorded, nobody paged) | at 3 events of the same key within 30 min, or when the key keeps firing for 1 h |');
    expect(document).toContain('An alert no rule matches becomes: **incident (a runbook or a person acts now)**.');
    expect(document).toContain('| Storage nodes (storage) | 2 min | the incident resolves |');
    expect(document).toContain('| Checkout (checkout) | none | noted; a person resolves |');
  });

  it('changes when the config does', () => {
    const input = demo();
    input.eventPolicy = {
      default: 'event',
      rules: [{ name: 'no-dev', match: { labels: { env: '/dev|test/' } }, action: 'drop' }, ...(input.eventPolicy?.rules ?? [])],
    };
    input.grouping = [{ name: 'per-cluster', match: { service: 'storage' }, by: ['cluster'], window: '10m' }];
    const document = renderEventPolicy(parse(input));
    expect(document).toContain('| 1 | no-dev | label env = /dev\\|test/ | dropped | — |');
    expect(document).toContain('| 2 | info-is-an-event |');
    expect(document).toContain('An alert no rule matches becomes: **event (recorded, nobody paged)**.');
    expect(document).toContain('- per-cluster: alerts with service storage sharing cluster join one incident while they keep arriving within 10 min of each other.');
  });

  it('describes matchers in words', () => {
    expect(describeMatcher({})).toBe('every alert');
    expect(describeMatcher({ source: ['alertmanager'], severity: ['critical', 'error'], labels: { team: '*' } })).toBe('source alertmanager; severity critical or error; label team present');
  });
});

describe('the Incident Management Policy of the demo config', () => {
  it('shows severities with urgency and review duty, escalation paths, roles and the review rule', () => {
    const document = renderIncidentPolicy(parse(demo()));
    expect(document).toContain('| critical | SEV1 | high: every channel at once | required within 5 d of resolution |');
    expect(document).toContain('| warning | SEV3 | low: email only | optional |');
    expect(document).toContain('### checkout-oncall\n\n1. Notify Alice Ops (alice) by sms and email; unacknowledged after 5 min, level 2.');
    expect(document).toContain('3. Notify Operations Manager (manager) by email; unacknowledged after 15 min, the next pass.');
    expect(document).toContain('The levels run 2 times in all.');
    expect(document).toContain('| Checkout (checkout) | checkout-oncall | — | http-health-restart |');
    expect(document).toContain('| responder | acknowledge, resolve, escalate and reassign incidents, post status updates, fill post-incident reviews | demo-responder |');
    expect(document).toContain('Reviews of critical and error incidents are required and due 5 d after resolution');
  });

  it('changes when the config does: timeouts, teams and schedules, communication plans, roles, review rules', () => {
    const input = demo();
    input.teams = { sre: { name: 'SRE', members: ['alice', 'bob'] } };
    input.escalationPolicies['checkout-oncall'].levels[0] = { notify: ['team:sre'], channels: ['sms'], timeout: '7m' };
    input.escalationPolicies['checkout-oncall'].onExhausted = { notify: ['manager'] };
    input.communicationPlans = { checkout: { stakeholders: ['manager'], updateEvery: { critical: '30m' } } };
    input.services.checkout.communicationPlan = 'checkout';
    input.apiKeys = [...(input.apiKeys ?? []), { user: 'olga', env: 'OLGA_KEY', role: 'operations-manager' }];
    input.reviews = { requiredFor: ['critical'], dueWithin: '3d' };
    const document = renderIncidentPolicy(parse(input));
    expect(document).toContain('1. Notify team SRE (Alice Ops (alice), Bob SRE (bob)) by sms; unacknowledged after 7 min, level 2.');
    expect(document).toContain('When every level went unacknowledged, Operations Manager (manager) is told.');
    expect(document).toContain('- **checkout**: stakeholders Operations Manager (manager) hear of every acknowledgement, resolution and status update by email; responders owe an update critical every 30 min.');
    expect(document).toContain('| operations-manager | every write of the other roles, plus maintenance windows | demo-ops-manager, olga |');
    expect(document).toContain('| error | SEV2 | high: every channel at once | optional |');
    expect(document).toContain('Reviews of critical incidents are required and due 3 d after resolution');
  });
});

describe('the Problem Management Policy of the demo config', () => {
  it('shows the recurrence thresholds, and a service override when one is configured', () => {
    expect(renderProblemPolicy(parse(demo()))).toContain('| every service (default) | on | 3 incidents within 1 d | within 1 h of its resolution | service and dedup key (or alert group) |');
    const input = demo();
    input.problems = { recurrence: { count: 5, window: '12h' }, reopenWithin: false, services: { storage: { detect: false } } };
    const document = renderProblemPolicy(parse(input));
    expect(document).toContain('| every service (default) | on | 5 incidents within 12 h | off | service and dedup key (or alert group) |');
    expect(document).toContain('| storage | off | — | — | — |');
    expect(document).toContain('| problem-manager | open, analyse and close problems | demo-problem-manager |');
  });
});
