/**
 * What the API tells its logs and metrics: never a token from a URL path, never a label value a
 * sender chooses (one Prometheus series per value).
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeGateway } from '../../devkit/fakeGateway';
import { API_KEY, METRICS_AUTH, startTestApp, testConfigWith } from '../../devkit/testApp';

const TOKEN = 'path-token-3f9a1c';
const config = testConfigWith({ integrations: { cron: { source: 'generic', service: 'checkout', tokenEnv: 'CRON_TOKEN' } } });

let app: Awaited<ReturnType<typeof startTestApp>> | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('logs and metrics', () => {
  it('log the route pattern of a failed request, never a token in its path', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const fake = createFakeGateway();
    // A bug, not an outage: the request ends in a 500 and the error is logged.
    fake.gateway.submitAlert = async () => {
      throw new TypeError('something broke');
    };
    app = await startTestApp({ config, env: { CRON_TOKEN: TOKEN }, gateway: fake.gateway, logger: pino({ level: 'info' }, sink) });
    const response = await fetch(`${app.url}/v1/integrations/cron/${TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ summary: 'backup failed', severity: 'warning' }),
    });
    expect(response.status).toBe(500);
    const logged = lines.join('');
    expect(logged).toContain('unexpected error');
    expect(logged).toContain('/v1/integrations/:integrationId/:token');
    expect(logged).not.toContain(TOKEN);
  });

  it('count accepted alerts by integration, not by the source a sender names', async () => {
    app = await startTestApp();
    for (const source of ['one', 'two', 'three']) {
      const response = await fetch(`${app.url}/v1/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
        body: JSON.stringify({ service: 'checkout', summary: `from ${source}`, severity: 'critical', source }),
      });
      expect(response.status).toBe(202);
    }
    const metrics = await (await fetch(`${app.url}/metrics`, { headers: METRICS_AUTH })).text();
    const series = metrics.split('\n').filter((line) => line.startsWith('vigil_alerts_accepted_total{'));
    expect(series).toEqual(['vigil_alerts_accepted_total{integration="api"} 3']);
  });
});
