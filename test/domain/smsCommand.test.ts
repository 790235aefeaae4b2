import { describe, expect, it } from 'vitest';
import { parseConfig, policyContacts } from '../../domain/config';
import { mayCommand, pagedBefore, parseSmsCommand, waitingForBareAck } from '../../domain/smsCommand';

describe('SMS reply commands', () => {
  it.each([
    ['ACK', { action: 'acknowledge', code: undefined }],
    ['ack 7kq2mx', { action: 'acknowledge', code: '7KQ2MX' }],
    ['  Ack. ', { action: 'acknowledge', code: undefined }],
    ['RESOLVE 7KQ2MX', { action: 'resolve', code: '7KQ2MX' }],
    ['res 7kq2mx!', { action: 'resolve', code: '7KQ2MX' }],
  ])('reads %j', (body, expected) => {
    expect(parseSmsCommand(body)).toEqual(expected);
  });

  it.each(['RESOLVE', 'ACK 7KQ2MX please', 'ACK ILOU00', 'hello', ''])('does not act on %j', (body) => {
    expect(parseSmsCommand(body).action).toBe('unknown');
  });
});

describe('who an SMS may act for (issue 11 point 5, issue 13 point 7)', () => {
  const received = Date.parse('2026-11-29T10:00:00Z');
  const page = (responderId: string, at: string) => ({ responderId, at });

  it('takes a bare ACK only for waiting incidents that paged the sender before the reply arrived', () => {
    const before = { id: 'a', status: 'triggered' as const, paged: [page('alice', '2026-11-29T09:59:00Z')] };
    const after = { id: 'b', status: 'triggered' as const, paged: [page('alice', '2026-11-29T10:00:01Z')] };
    const acknowledged = { id: 'c', status: 'acknowledged' as const, paged: [page('alice', '2026-11-29T09:58:00Z')] };
    const someoneElse = { id: 'd', status: 'triggered' as const, paged: [page('bob', '2026-11-29T09:58:00Z')] };
    expect(waitingForBareAck([before, after, acknowledged, someoneElse], 'alice', received).map((incident) => incident.id)).toEqual(['a']);
    expect(pagedBefore(after, 'alice', received)).toBe(false);
    expect(pagedBefore({ ...after, paged: [...after.paged, page('alice', '2026-11-29T09:00:00Z')] }, 'alice', received)).toBe(true);
  });

  it('hears a command from a contact paged for the incident or on its policy, and nobody else', () => {
    const incident = { status: 'triggered' as const, paged: [page('alice', '2026-11-29T09:59:00Z')] };
    expect(mayCommand(incident, 'alice', new Set())).toBe(true);
    expect(mayCommand(incident, 'bob', new Set(['bob']))).toBe(true);
    expect(mayCommand(incident, 'mallory', new Set(['bob']))).toBe(false);
  });

  it('counts users, team members, everyone on its schedules and the exhausted contacts as a policy’s', () => {
    const contact = (name: string) => ({ name, email: `${name}@example.test` });
    const config = parseConfig(
      {
        services: {},
        defaultEscalationPolicy: 'p',
        contacts: { alice: contact('alice'), bob: contact('bob'), carol: contact('carol'), dave: contact('dave'), erin: contact('erin'), mallory: contact('mallory') },
        teams: { dba: { members: ['bob'] } },
        schedules: { primary: { timeZone: 'UTC', layers: [{ type: 'daily', handoff: '09:00', users: ['carol', 'dave'], start: '2026-01-01T00:00:00Z' }] } },
        escalationPolicies: {
          p: { levels: [{ notify: ['alice', 'team:dba'], timeout: '5m' }, { notify: ['schedule:primary'], timeout: '5m' }], onExhausted: { notify: ['erin'] } },
          other: { levels: [{ notify: ['mallory'], timeout: '5m' }] },
        },
      },
      'test',
    );
    expect([...policyContacts(config, 'p')].sort()).toEqual(['alice', 'bob', 'carol', 'dave', 'erin']);
    expect([...policyContacts(config, 'unknown')]).toEqual([]);
  });
});

describe('SMS role commands (#15.6)', () => {
  it.each([
    ['ROLE 7kq2mx commander alice', { action: 'role', code: '7KQ2MX', role: 'commander', contacts: ['alice'] }],
    ['commander 7KQ2MX Alice.', { action: 'role', code: '7KQ2MX', role: 'commander', contacts: ['alice'] }],
    ['IC 7KQ2MX bob', { action: 'role', code: '7KQ2MX', role: 'commander', contacts: ['bob'] }],
    ['role 7KQ2MX comms carol', { action: 'role', code: '7KQ2MX', role: 'communicationsLead', contacts: ['carol'] }],
    ['ROLE 7KQ2MX scribe none', { action: 'role', code: '7KQ2MX', role: 'scribe', contacts: [] }],
    ['ROLE 7KQ2MX responders alice, bob carol', { action: 'role', code: '7KQ2MX', role: 'responders', contacts: ['alice', 'bob', 'carol'] }],
  ])('reads %j', (body, expected) => {
    expect(parseSmsCommand(body)).toEqual(expected);
  });

  it.each(['ROLE 7KQ2MX captain alice', 'ROLE 7KQ2MX commander', 'ROLE commander alice', 'COMMANDER 7KQ2MX alice bob', 'ROLE 7KQ2MX scribe al!ce', 'ROLE'])('does not take %j for a role command', (body) => {
    expect(parseSmsCommand(body).action).toBe('unknown');
  });
});
