import { describe, expect, it } from 'vitest';
import { roomName, type ChatEvent } from '../../domain/chat/chatEvents';
import { cardAfter, statusText, timelineLine, topicOf } from '../../domain/chat/chatText';

const incident = { id: 'inc-1', key: '7KQ2MX', dedupKey: 'k', service: 'checkout', severity: 'critical' as const, status: 'triggered' as const, summary: 'payments failing' };
const event = (type: ChatEvent['type'], details: ChatEvent['details'] = {}, extra: Partial<ChatEvent> = {}): ChatEvent => ({ sequence: 0, type, at: '2026-11-30T10:15:00.000Z', incident, details, ...extra });
const page = (name: string, channel: 'sms' | 'email') => ({ responderId: name.toLowerCase(), responderName: name, channel, level: 1, outcome: 'sent' });

describe('chat text', () => {
  it('grows the paged list once per person and follows status and commander', () => {
    let card = cardAfter(undefined, event('incident.opened'));
    expect(card).toEqual({ incidentId: 'inc-1', code: '7KQ2MX', service: 'checkout', severity: 'critical', status: 'triggered', summary: 'payments failing', paged: [] });
    card = cardAfter(card, event('incident.paged', { page: page('Alice', 'sms') }));
    card = cardAfter(card, event('incident.paged', { page: page('Alice', 'email') }));
    card = cardAfter(card, event('incident.paged', { page: page('Bob', 'sms') }));
    card = cardAfter(card, event('incident.acknowledged', {}, { incident: { ...incident, status: 'acknowledged' }, commander: { id: 'carol', name: 'Carol' } }));
    expect(card).toMatchObject({ paged: ['Alice', 'Bob'], status: 'acknowledged', commander: 'Carol' });
    expect(topicOf(card)).toBe('[ACKNOWLEDGED] critical · checkout · 7KQ2MX · commander Carol · payments failing');
    expect(topicOf({ ...card, summary: 'x'.repeat(400) }).length).toBe(250);
  });

  it('words every timeline event, free text last', () => {
    expect(timelineLine(event('incident.paged', { page: page('Alice', 'sms') }))).toBe('10:15 Paged Alice by sms (level 1): sent');
    expect(timelineLine(event('incident.escalated', { escalation: { level: 2, cycle: 1, byHand: false } }))).toBe('10:15 Escalated to level 2 (repeat 1)');
    expect(timelineLine(event('incident.escalated', { actor: 'Bob (slack)', escalation: { level: 1, cycle: 0, byHand: true } }))).toBe('10:15 Escalated by Bob (slack)');
    expect(timelineLine(event('incident.update_posted', { actor: 'Carol (api)', update: { text: 'rolling back', eta: '11:00' } }))).toBe('10:15 Status update by Carol (api) (ETA 11:00): rolling back');
    expect(timelineLine(event('incident.runbook_step', { runbook: { step: 'verify', ok: false, summary: 'still 500' } }))).toBe('10:15 Runbook verify failed: still 500');
    expect(timelineLine(event('incident.resolved', { actor: 'Bob (slack)' }))).toBe('10:15 Resolved by Bob (slack)');
    expect(timelineLine(event('incident.roles_changed', {}, { commander: { id: 'carol', name: 'Carol' } }))).toBe('10:15 Commander: Carol');
    expect(timelineLine(event('incident.paged'))).toBeUndefined();
  });

  it('names rooms readably and uniquely per incident, whatever the service is called', () => {
    expect(roomName({ code: '7KQ2MX', service: 'checkout' })).toBe('inc-7kq2mx-checkout');
    expect(roomName({ code: '7KQ2MX', service: 'Payments API / EU!' })).toBe('inc-7kq2mx-payments-api-eu');
    expect(roomName({ code: '7KQ2MX', service: '!!!' })).toBe('inc-7kq2mx');
  });

  it('answers /vigil status in a few lines', () => {
    const view = { ...incident, code: '7KQ2MX', status: 'acknowledged' as const, acknowledgedBy: 'Bob (slack)', paged: [{ name: 'Alice' }, { name: 'Alice' }, { name: 'Bob' }], roles: { commander: { name: 'Carol' } }, updates: [{ text: 'rolling back', by: 'Carol (api)' }] };
    expect(statusText(view)).toBe(['7KQ2MX [ACKNOWLEDGED] critical on checkout: payments failing', 'Paged: Alice, Bob · acknowledged by Bob (slack)', 'Commander: Carol', 'Last update (Carol (api)): rolling back'].join('\n'));
  });
});
