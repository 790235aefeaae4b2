import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { watchConfiguredHeartbeats } from '../../api/gateways/heartbeatWatch';
import type { HeartbeatSettings } from '../../domain/heartbeat';
import { createFakeHeartbeatGateway } from '../support/fakeHeartbeatGateway';

const backup: HeartbeatSettings = { id: 'nightly-backup', service: 'storage', intervalSeconds: 86_400, graceSeconds: 3600, severity: 'critical', summary: 'backup missed' };

describe('watching configured heartbeats at API start', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('starts every configured heartbeat, and keeps trying while Temporal is down', async () => {
    vi.useFakeTimers();
    const fake = createFakeHeartbeatGateway();
    fake.state.down = true;
    const watch = watchConfiguredHeartbeats(fake.gateway, [backup], pino({ level: 'silent' }));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fake.watching.size).toBe(0);
    fake.state.down = false;
    await vi.advanceTimersByTimeAsync(30_000);
    expect([...fake.watching.values()]).toEqual([backup]);
    watch.stop();
  });
});
