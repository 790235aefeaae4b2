import { describe, expect, it } from 'vitest';
import { parseSmsCommand } from '../../domain/smsCommand';

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
