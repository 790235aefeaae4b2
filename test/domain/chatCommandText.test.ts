import { describe, expect, it } from 'vitest';
import { parseCommandText } from '../../domain/chat/commandText';

const command = (text: string) => {
  const result = parseCommandText(text);
  return result.ok ? result.command : { refused: result.problem.split('\n')[0] };
};

describe('the /vigil command text', () => {
  it('reads each verb, with an incident code in any case or without one', () => {
    expect(command('')).toEqual({ verb: 'help' });
    expect(command('help')).toEqual({ verb: 'help' });
    expect(command('ack')).toEqual({ verb: 'ack', incident: undefined });
    expect(command('  ACKNOWLEDGE  7kq2mx ')).toEqual({ verb: 'ack', incident: '7KQ2MX' });
    expect(command('res 7KQ2MX')).toEqual({ verb: 'resolve', incident: '7KQ2MX' });
    expect(command('esc 7KQ2MX')).toEqual({ verb: 'escalate', incident: '7KQ2MX' });
    expect(command('status')).toEqual({ verb: 'status', incident: undefined });
    expect(command('oncall')).toEqual({ verb: 'oncall', schedule: undefined });
    expect(command('oncall platform-primary')).toEqual({ verb: 'oncall', schedule: 'platform-primary' });
    expect(command('declare sev1 checkout  Card payments failing')).toEqual({ verb: 'declare', severity: 'critical', service: 'checkout', summary: 'Card payments failing' });
    expect(command('role ic @carol')).toEqual({ verb: 'role', role: 'commander', target: '@carol', incident: undefined });
    expect(command('role comms @dave 7KQ2MX')).toEqual({ verb: 'role', role: 'communicationsLead', target: '@dave', incident: '7KQ2MX' });
  });

  it('keeps an update as typed, with or without a code first', () => {
    expect(command('update 7KQ2MX Rolled back;  error rate   falling')).toEqual({ verb: 'update', incident: '7KQ2MX', text: 'Rolled back;  error rate   falling' });
    expect(command('update Rolled back')).toEqual({ verb: 'update', incident: undefined, text: 'Rolled back' });
  });

  it('refuses what it cannot read, saying why', () => {
    expect(command('ack everything')).toEqual({ refused: '"everything" is not an incident code (six letters and digits).' });
    expect(command('ack 7KQ2MX now')).toEqual({ refused: '`ack` takes at most an incident code.' });
    expect(command('update')).toEqual({ refused: '`update` needs the text of the update.' });
    expect(command('update 7KQ2MX')).toEqual({ refused: '`update` needs the text of the update.' });
    expect(command('role king @x')).toEqual({ refused: '"king" is not a role (commander, comms, scribe, responders).' });
    expect(command('role ic')).toEqual({ refused: '`role` needs the person to give it to.' });
    expect(command('declare urgent checkout x')).toEqual({ refused: '"urgent" is not a severity (critical, error, warning, info).' });
    expect(command('declare critical checkout')).toEqual({ refused: '`declare` needs a service and a summary.' });
    expect(command('reboot')).toEqual({ refused: '"reboot" is not a Vigil command.' });
    expect(command('x'.repeat(4001))).toMatchObject({ refused: expect.stringContaining('longer than 4000') });
  });
});
