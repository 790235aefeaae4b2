import { describe, expect, it } from 'vitest';
import { MAX_COMMAND_LENGTH, parseChatCommand } from '../../domain/chat/commands';

const command = (text: string) => {
  const parsed = parseChatCommand(text);
  if (!parsed.ok) throw new Error(`refused: ${parsed.error}`);
  return parsed.command;
};
const refusal = (text: string) => {
  const parsed = parseChatCommand(text);
  if (parsed.ok) throw new Error(`accepted: ${JSON.stringify(parsed.command)}`);
  return parsed.error;
};

describe('chat commands', () => {
  it('reads every verb, with or without the /vigil or !vigil prefix and an incident code', () => {
    expect(command('ack')).toEqual({ verb: 'ack' });
    expect(command('/vigil ACK 7kq2mx')).toEqual({ verb: 'ack', incident: '7KQ2MX' });
    expect(command('!vigil acknowledge 7KQ2MX')).toEqual({ verb: 'ack', incident: '7KQ2MX' });
    expect(command('resolve 7KQ2MX')).toEqual({ verb: 'resolve', incident: '7KQ2MX' });
    expect(command('  escalate  ')).toEqual({ verb: 'escalate' });
    expect(command('status')).toEqual({ verb: 'status' });
    expect(command('room 7KQ2MX')).toEqual({ verb: 'room', incident: '7KQ2MX' });
    expect(command('')).toEqual({ verb: 'help' });
    expect(command('/vigil')).toEqual({ verb: 'help' });
    expect(command('help')).toEqual({ verb: 'help' });
    expect(command('oncall')).toEqual({ verb: 'oncall' });
    expect(command('oncall primary')).toEqual({ verb: 'oncall', schedule: 'primary' });
    expect(command('declare checkout crit payments are failing  at checkout')).toEqual({ verb: 'declare', service: 'checkout', severity: 'critical', summary: 'payments are failing  at checkout' });
    expect(command('declare critical-svc critical critical everywhere')).toEqual({ verb: 'declare', service: 'critical-svc', severity: 'critical', summary: 'critical everywhere' });
  });

  it('takes an update code only as shown, so ordinary words stay text', () => {
    expect(command('update 7KQ2MX rolled back, watching')).toEqual({ verb: 'update', incident: '7KQ2MX', text: 'rolled back, watching' });
    expect(command('update backed out the deploy')).toEqual({ verb: 'update', text: 'backed out the deploy' });
    expect(command('update BACKED')).toEqual({ verb: 'update', text: 'BACKED' });
    expect(refusal('update')).toMatch(/needs the text/);
  });

  it('reads roles with an optional code, mentions as the platforms write them, and none', () => {
    expect(command('role commander @alice')).toEqual({ verb: 'role', role: 'commander', target: '@alice' });
    expect(command('role 7KQ2MX ic <@U0123|alice>')).toEqual({ verb: 'role', incident: '7KQ2MX', role: 'commander', target: '<@U0123|alice>' });
    expect(command('role comms @bob:example.org')).toEqual({ verb: 'role', role: 'communicationsLead', target: '@bob:example.org' });
    expect(command('role scribe none')).toEqual({ verb: 'role', role: 'scribe', target: 'none' });
    expect(refusal('role boss @alice')).toMatch(/no role/);
    expect(refusal('role commander')).toMatch(/needs a role and one person/);
    expect(refusal('role commander @alice @bob')).toMatch(/needs a role and one person/);
  });

  it('refuses hostile and malformed input with a reason, never a throw', () => {
    expect(refusal('x'.repeat(MAX_COMMAND_LENGTH + 1))).toMatch(/at most/);
    expect(refusal(`update ${'y'.repeat(2_001)}`)).toMatch(/at most 2000/);
    expect(refusal(`declare checkout critical ${'z'.repeat(501)}`)).toMatch(/at most 500/);
    expect(refusal('declare checkout __proto__ summary')).toMatch(/no severity/);
    expect(refusal('declare checkout constructor summary')).toMatch(/no severity/);
    expect(refusal('declare Checkout! critical summary')).toMatch(/no service id/);
    expect(refusal('declare checkout critical')).toMatch(/needs a service, a severity and a summary/);
    expect(refusal('ack 7KQ2MX extra')).toMatch(/at most an incident code/);
    expect(refusal('ack OOOOOO')).toMatch(/no incident code/);
    expect(refusal('ack <script>')).toMatch(/no incident code/);
    expect(refusal('oncall ../../etc')).toMatch(/no schedule id/);
    expect(refusal('rm -rf /')).toMatch(/does not know "rm"/);
    expect(refusal('role commander @al\u0000ice')).toMatch(/needs a role and one person/);
    // Bidirectional overrides and control characters never reach a timeline.
    expect(command('update all\u202e good\u0007 now')).toEqual({ verb: 'update', text: 'all  good  now' });
    expect(parseChatCommand(undefined as unknown as string)).toEqual({ ok: false, error: 'no command' });
    // Linear time on adversarial whitespace.
    const started = Date.now();
    parseChatCommand(`declare a b${' \t'.repeat(1_999)}`);
    parseChatCommand(`update ${'a '.repeat(1_999)}`);
    expect(Date.now() - started).toBeLessThan(500);
  });
});
