import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../domain/config';
import { Incident } from '../../domain/incident';
import { DEFAULT_REVIEW_POLICY, draftReview, IncidentNotResolvedError, renderReviewMarkdown, reviewOf, reviewPolicyOf } from '../../domain/review';
import type { Responder } from '../../domain/escalation';
import { makeAlert } from '../../devkit/alerts';

const t0 = new Date('2026-03-02T10:00:00Z');
const later = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const alice: Responder = { id: 'alice', name: 'Alice', email: 'alice@example.test', phone: '+15550100001' };
const bob: Responder = { id: 'bob', name: 'Bob', email: 'bob@example.test' };

function open(severity: 'critical' | 'error' | 'warning' = 'critical') {
  return new Incident({ id: 'inc-1', code: 'ABC123', workflowId: 'incident/checkout/k', alert: makeAlert({ severity, summary: 'checkout p99 above 2s' }), now: t0 });
}

describe('a review draft', () => {
  it('measures the impact window, time to acknowledge and time to resolve from the first alert', () => {
    const incident = open();
    incident.recordEscalation({ cycle: 0, levelIndex: 0 }, 'p', later(1), later(301));
    incident.recordPage(alice, 'sms', { cycle: 0, levelIndex: 0 }, later(2), 'sent');
    incident.recordPage(alice, 'email', { cycle: 0, levelIndex: 0 }, later(2), 'sent');
    incident.acknowledge('alice (sms)', later(240));
    incident.recordStatusUpdate({ at: later(600).toISOString(), by: 'alice (api)', text: 'rolling back the deploy', eta: later(1800).toISOString() });
    incident.resolve('alice (api)', later(2520), 'rolled back');

    const draft = draftReview(incident.view());
    expect(draft.impact).toEqual({ from: t0.toISOString(), to: later(2520).toISOString(), seconds: 2520 });
    expect(draft.timeToAcknowledgeSeconds).toBe(240);
    expect(draft.timeToResolveSeconds).toBe(2520);
    expect(draft.acknowledgements).toEqual([{ at: later(240).toISOString(), by: 'alice (sms)' }]);
    expect(draft.paged.map((page) => `${page.name}:${page.channel}:${page.level}:${page.at}`)).toEqual([
      `Alice:sms:1:${later(2).toISOString()}`,
      `Alice:email:1:${later(2).toISOString()}`,
    ]);
    expect(draft.statusUpdates).toEqual([{ at: later(600).toISOString(), by: 'alice (api)', text: 'rolling back the deploy', eta: later(1800).toISOString() }]);
    expect(draft).toMatchObject({ severity: 'critical', sevLevel: 'SEV1', service: 'checkout', summary: 'checkout p99 above 2s', resolvedBy: 'alice (api)', resolvedByRunbook: false });
    expect(draft.runbook).toBeUndefined();
    expect(draft.problem).toBeUndefined();
  });

  it('says nobody acknowledged an incident resolved without an acknowledgement', () => {
    const incident = open('error');
    incident.recordPage(bob, 'email', { cycle: 0, levelIndex: 0 }, later(5), 'sent');
    incident.resolve('bob (api)', later(900));
    const draft = draftReview(incident.view());
    expect(draft.timeToAcknowledgeSeconds).toBeNull();
    expect(draft.acknowledgements).toEqual([]);
    expect(draft.timeToResolveSeconds).toBe(900);
    const markdown = renderReviewMarkdown(reviewOf(draft, undefined, DEFAULT_REVIEW_POLICY, later(1000)));
    expect(markdown).toContain('| Time to acknowledge | never acknowledged |');
    expect(markdown).toContain('| Acknowledged by | nobody |');
  });

  it('lists the runbook steps of an incident its runbook resolved, with nobody paged', () => {
    const incident = open();
    incident.startRunbook('disk-cleanup', later(1));
    incident.recordRunbookStep({ step: 'diagnose', ok: true, summary: 'disk 97% full', at: later(3).toISOString() });
    incident.recordRunbookStep({ step: 'remediate', ok: true, summary: 'removed 4 GB of scratch files', at: later(20).toISOString() });
    incident.recordRunbookStep({ step: 'verify', ok: true, summary: 'disk 71% full', at: later(25).toISOString() });
    incident.resolve('runbook disk-cleanup', later(25), 'disk 71% full');

    const draft = draftReview(incident.view());
    expect(draft.resolvedByRunbook).toBe(true);
    expect(draft.timeToAcknowledgeSeconds).toBeNull();
    expect(draft.timeToResolveSeconds).toBe(25);
    expect(draft.paged).toEqual([]);
    expect(draft.runbook?.steps.map((step) => `${step.step}:${step.ok}`)).toEqual(['diagnose:true', 'remediate:true', 'verify:true']);
    const markdown = renderReviewMarkdown(reviewOf(draft, undefined, DEFAULT_REVIEW_POLICY, later(30)));
    expect(markdown).toContain('_Nobody was paged._');
    expect(markdown).toContain('- 2026-03-02T10:00:20.000Z: remediate ok: removed 4 GB of scratch files');
    expect(markdown).toContain('automatically, by its runbook');
  });

  it('keeps the first acknowledgement when an escalation cleared it and someone else acknowledged', () => {
    const incident = open();
    incident.acknowledge('alice (sms)', later(60));
    incident.retrigger('escalated by alice (api)', later(120));
    incident.acknowledge('bob (api)', later(400));
    incident.resolve('bob (api)', later(1000));
    const draft = draftReview(incident.view());
    expect(draft.timeToAcknowledgeSeconds).toBe(60);
    expect(draft.acknowledgements.map((ack) => ack.by)).toEqual(['alice (sms)', 'bob (api)']);
  });

  it('names the linked problem and its workaround', () => {
    const incident = open();
    incident.linkProblem({ id: 'prb-1', title: 'Connection pool exhaustion', workaround: 'restart the pool' }, 'recurred 3 times within 24h', later(1));
    incident.resolve('alice (api)', later(100));
    const draft = draftReview(incident.view());
    expect(draft.problem).toEqual({ id: 'prb-1', title: 'Connection pool exhaustion', workaround: 'restart the pool' });
    const markdown = renderReviewMarkdown(reviewOf(draft, undefined, DEFAULT_REVIEW_POLICY, later(200)));
    expect(markdown).toContain('| Linked problem | Connection pool exhaustion (prb-1) |');
    expect(markdown).toContain('## Known workaround');
  });

  it('names who declared it and who held each role, with every assignment and who made it', () => {
    const incident = new Incident({
      id: 'inc-2',
      code: 'DEC123',
      workflowId: 'incident/checkout/declared-x',
      alert: makeAlert({ summary: 'EU checkout failing', source: 'declared', declared: { by: 'bob', via: 'api', page: false } }),
      now: t0,
    });
    incident.assignRoles({ commander: alice, scribe: bob, responders: [alice, bob] }, 'bob (api)', later(60));
    incident.assignRoles({ commander: bob }, 'alice (sms)', later(120));
    incident.resolve('bob (api)', later(600));
    const draft = draftReview(incident.view());
    expect(draft.declaredBy).toBe('bob (api)');
    expect(draft.roles).toEqual({ commander: { id: 'bob', name: 'Bob' }, scribe: { id: 'bob', name: 'Bob' }, responders: [{ id: 'alice', name: 'Alice' }, { id: 'bob', name: 'Bob' }] });
    expect(draft.roleChanges?.map((change) => `${change.by}: ${change.text}`)).toEqual([
      'bob (api): commander: Alice, assigned by bob (api)',
      'bob (api): scribe: Bob, assigned by bob (api)',
      'bob (api): responders: Alice, Bob, assigned by bob (api)',
      'alice (sms): commander: Bob (was Alice), assigned by alice (sms)',
    ]);
    const markdown = renderReviewMarkdown(reviewOf(draft, undefined, DEFAULT_REVIEW_POLICY, later(700)));
    expect(markdown).toContain('| Declared by | bob (api) |');
    expect(markdown).toContain('## Incident roles\n\n- commander: Bob\n- scribe: Bob\n- responders: Alice, Bob\n');
    expect(markdown).toContain(`- ${later(120).toISOString()}: commander: Bob (was Alice), assigned by alice (sms)`);
    // An incident nobody assigned a role to says so, and its draft carries no role fields.
    const plain = open();
    plain.resolve('alice (api)', later(60));
    expect(draftReview(plain.view())).not.toHaveProperty('roles');
    expect(renderReviewMarkdown(reviewOf(draftReview(plain.view()), undefined, DEFAULT_REVIEW_POLICY, later(70)))).toContain('_No incident role was assigned._');
  });

  it('refuses an incident that has not resolved', () => {
    const incident = open();
    incident.acknowledge('alice (sms)', later(60));
    expect(() => draftReview(incident.view())).toThrow(IncidentNotResolvedError);
    expect(() => draftReview(incident.view())).toThrow(/ABC123 is acknowledged, not resolved/);
  });
});

describe('a review and its due time', () => {
  const resolved = (severity: 'critical' | 'error' | 'warning') => {
    const incident = open(severity);
    incident.resolve('alice (api)', later(3600));
    return draftReview(incident.view());
  };
  const resolvedAt = later(3600).getTime();
  const day = 86_400_000;

  it('is required for critical and error, due five days after resolution, overdue after that', () => {
    for (const severity of ['critical', 'error'] as const) {
      const review = reviewOf(resolved(severity), undefined, DEFAULT_REVIEW_POLICY, new Date(resolvedAt + day));
      expect(review).toMatchObject({ required: true, dueAt: new Date(resolvedAt + 5 * day).toISOString(), overdue: false, status: 'draft' });
      expect(reviewOf(resolved(severity), undefined, DEFAULT_REVIEW_POLICY, new Date(resolvedAt + 5 * day + 1)).overdue).toBe(true);
    }
  });

  it('is optional, and never overdue, for warning', () => {
    const review = reviewOf(resolved('warning'), undefined, DEFAULT_REVIEW_POLICY, new Date(resolvedAt + 30 * day));
    expect(review).toMatchObject({ required: false, overdue: false });
    expect(review.dueAt).toBeUndefined();
  });

  it('is not overdue once completed, and carries what people wrote', () => {
    const notes = {
      wentWell: ['paged within a minute'],
      wentBadly: ['the runbook | lacked a rollback'],
      actionItems: [{ what: 'add a rollback step', owner: 'bob', due: '2026-03-20', done: false }],
      completedAt: new Date(resolvedAt + 2 * day).toISOString(),
      completedBy: 'alice',
    };
    const review = reviewOf(resolved('critical'), notes, DEFAULT_REVIEW_POLICY, new Date(resolvedAt + 10 * day));
    expect(review).toMatchObject({ status: 'completed', overdue: false, completedBy: 'alice', wentWell: ['paged within a minute'] });
    const markdown = renderReviewMarkdown(review);
    expect(markdown).toContain('- the runbook \\| lacked a rollback');
    expect(markdown).toContain('- [ ] add a rollback step (owner bob, due 2026-03-20)');
    expect(markdown).toContain('Status: completed by alice');
  });

  it('keeps a bare CR, CRLF or control character in written text from breaking the Markdown', () => {
    const notes = {
      wentWell: ['paged fast\r# Injected heading'],
      wentBadly: ['slow\r\n| a | fake | row |', 'bell\u0007 and escape\u001b[31m and NEL\u0085 and LS\u2028# x'],
      actionItems: [{ what: 'fix\rit', owner: 'bob\r\n## owner', due: '2026-03-20', done: false }],
      completedAt: new Date(resolvedAt + 2 * day).toISOString(),
      completedBy: 'alice\r# admin',
    };
    const markdown = renderReviewMarkdown(reviewOf(resolved('critical'), notes, DEFAULT_REVIEW_POLICY, new Date(resolvedAt + 10 * day)));
    expect(markdown).not.toMatch(/[\r\u0000-\u0008\u000B-\u001F\u007F-\u009F\u2028\u2029]/);
    expect(markdown).toContain('- paged fast \\# Injected heading');
    expect(markdown).toContain('- slow \\| a \\| fake \\| row \\|');
    expect(markdown).toContain('- bell and escape\\[31m and NEL and LS \\# x');
    expect(markdown).toContain('- [ ] fix it (owner bob \\#\\# owner, due 2026-03-20)');
    expect(markdown.split('\n').filter((line) => line.startsWith('#')).every((line) => !/Injected|owner|admin|# x/.test(line))).toBe(true);
  });

  it('follows the configured severities and due time', () => {
    const base = {
      services: {},
      defaultEscalationPolicy: 'p',
      contacts: { alice: { name: 'Alice', email: 'alice@example.test' } },
      escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m' }] } },
    };
    expect(reviewPolicyOf(parseConfig(base, 'test'))).toEqual(DEFAULT_REVIEW_POLICY);
    const policy = reviewPolicyOf(parseConfig({ ...base, reviews: { requiredFor: ['critical'], dueWithin: '2d' } }, 'test'));
    expect(policy).toEqual({ requiredFor: ['critical'], dueWithinSeconds: 2 * 86_400 });
    expect(reviewOf(resolved('error'), undefined, policy, new Date(resolvedAt + 30 * day)).required).toBe(false);
    expect(reviewOf(resolved('critical'), undefined, policy, new Date(resolvedAt + 2 * day + 1)).overdue).toBe(true);
  });
});
