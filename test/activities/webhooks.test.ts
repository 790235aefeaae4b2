import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookActivities } from '../../activities/webhooks';
import { ConfigError } from '../../domain/config';
import type { WebhookEvent } from '../../domain/webhooks';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const endpoint = (url: string) => ({ id: 'bridge', url, secretEnv: 'BRIDGE_SECRET' });

describe('webhook secrets', () => {
  it('fails at start naming the variable when it is missing or not a Standard Webhooks secret, never echoing it', () => {
    const attempt = (value: string | undefined) => () => createWebhookActivities({ endpoints: [endpoint('https://x.test/')], env: { BRIDGE_SECRET: value }, publicUrl: 'https://vigil.test' });
    expect(attempt(undefined)).toThrow(ConfigError);
    for (const bad of ['plain-text-password', 'whsec_c2hvcnQ=', `whsec_${randomBytes(80).toString('base64')}`]) {
      try {
        attempt(bad)();
        expect.unreachable(`${bad} was accepted`);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).issues[0]).toMatchObject({ path: 'webhooks.0.secretEnv' });
        expect(JSON.stringify((error as ConfigError).issues)).not.toContain(bad.slice(6));
      }
    }
    expect(attempt(secret)).not.toThrow();
  });
});

describe('webhook answers', () => {
  let status = 204;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(status, status === 302 ? { location: 'http://127.0.0.1:1/' } : {}).end());
  });
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const event: WebhookEvent = {
    id: 'inc.0',
    type: 'incident.opened',
    at: '2026-11-30T08:00:00.000Z',
    incident: { id: 'inc', key: '7KQ2MX', dedupKey: 'disk', service: 'web', severity: 'critical', status: 'triggered', summary: 'Disk full' },
    details: {},
  };
  const deliver = () => new MockActivityEnvironment().run(createWebhookActivities({ endpoints: [endpoint(url)], env: { BRIDGE_SECRET: secret }, publicUrl: 'https://vigil.test' }).deliverWebhookEvent, { endpoint: 'bridge', event });

  it('reports a 2xx as delivered', async () => {
    status = 204;
    await expect(deliver()).resolves.toBe('delivered (204)');
  });

  it('retries 5xx, 408 and 429; gives up on other 4xx and on redirects', async () => {
    for (const retried of [500, 503, 408, 429]) {
      status = retried;
      const error = await deliver().catch((caught: unknown) => caught);
      expect(error, `status ${retried}`).toBeInstanceOf(Error);
      expect(error, `status ${retried}`).not.toBeInstanceOf(ApplicationFailure);
    }
    for (const final of [400, 401, 404, 410, 302]) {
      status = final;
      const error = await deliver().catch((caught: unknown) => caught);
      expect(error, `status ${final}`).toBeInstanceOf(ApplicationFailure);
      expect((error as ApplicationFailure).nonRetryable, `status ${final}`).toBe(true);
    }
  });
});
