import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createApp, type AppDeps } from '../../api/app';
import { parseConfig } from '../../domain/config';
import { createFakeGateway } from '../support/fakeGateway';

export const API_KEY = 'test-key-alice';
export const TWILIO_TOKEN = 'test-twilio-token';
export const PUBLIC_URL = 'https://vigil.example.test';
export const ALICE_PHONE = '+15550100001';

export const testConfig = parseConfig(
  {
    services: { checkout: { escalationPolicy: 'p' } },
    defaultEscalationPolicy: 'p',
    contacts: { alice: { name: 'Alice', email: 'alice@example.test', phone: ALICE_PHONE } },
    escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m' }] } },
  },
  'test config',
);

/** The API in-process on a loopback port, over a fake gateway; `overrides` replace any dependency. */
export async function startTestApp(overrides: Partial<AppDeps> = {}) {
  const fake = createFakeGateway();
  const app = createApp({
    gateway: fake.gateway,
    config: testConfig,
    apiKeys: new Map([[API_KEY, 'alice']]),
    publicUrl: PUBLIC_URL,
    twilioAuthToken: TWILIO_TOKEN,
    logger: pino({ level: 'silent' }),
    ...overrides,
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, fake, close: () => new Promise((resolve) => server.close(resolve)) };
}
