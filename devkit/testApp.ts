import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createApp, type AppDeps } from '../api/app';
import { parseConfig, type VigilConfig } from '../domain/config';
import { createFakeGateway } from './fakeGateway';
import { createFakeProblemGateway } from './fakeProblemGateway';
import { createFakeKpiSource } from './fakeKpiSource';
import { telnyxWebhookSigner } from './fakeTelnyx';

/** Alice's key: an operations manager's, so it may make every write. */
export const API_KEY = 'test-key-alice';
/** Bob's key: a responder's. */
export const RESPONDER_KEY = 'test-key-bob';
/** Priya's key: a problem manager's. */
export const PROBLEM_MANAGER_KEY = 'test-key-priya';
export const TWILIO_TOKEN = 'test-twilio-token';
export const PUBLIC_URL = 'https://vigil.example.test';
export const ALICE_PHONE = '+15550100001';
export const METRICS_TOKEN = 'test-metrics-token';
/** Headers of a request made with Alice's key: every /v1 route needs a credential. */
export const AUTH = { authorization: `Bearer ${API_KEY}` } as const;
/** Headers of a scrape of `/metrics` on the API's port. */
export const METRICS_AUTH = { authorization: `Bearer ${METRICS_TOKEN}` } as const;

const TEST_CONFIG_RAW = {
  services: { checkout: { escalationPolicy: 'p' } },
  defaultEscalationPolicy: 'p',
  contacts: { alice: { name: 'Alice', email: 'alice@example.test', phone: ALICE_PHONE } },
  escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m' }] } },
};

export const testConfig = parseConfig(TEST_CONFIG_RAW, 'test config');

/** `testConfig` plus more top-level settings (an integration, an event policy), for a test or bench that needs them. */
export function testConfigWith(extra: Record<string, unknown>): VigilConfig {
  return parseConfig({ ...TEST_CONFIG_RAW, ...extra }, 'test config');
}

/** The API in-process on a loopback port, over a fake gateway; `overrides` replace any dependency. */
/** The Telnyx webhook key pair the test app trusts (tests that sign use their own, passed as an override). */
export const TELNYX_SIGNER = telnyxWebhookSigner();
/** The Matrix homeserver token the test app trusts (a deployment with Matrix sets one; without it the route is a 503). */
export const MATRIX_HS_TOKEN = 'test-matrix-hs-token';
/** Slack's and Mattermost's credentials the test app trusts, as a deployment with them sets (without them their routes are 503s). */
export const CHAT_TEST_CREDENTIALS = {
  slack: { signingSecret: 'test-slack-signing-secret' },
  mattermost: { commandToken: 'test-mattermost-command-token', actionSecret: 'test-mattermost-action-secret', mattermostUrl: 'http://127.0.0.1:1' },
} as const;

export async function startTestApp(overrides: Partial<AppDeps> = {}) {
  const fake = createFakeGateway();
  const problems = createFakeProblemGateway();
  const kpis = createFakeKpiSource();
  const app = createApp({
    gateway: fake.gateway,
    kpis: kpis.source,
    problems: problems.gateway,
    config: testConfig,
    apiKeys: new Map([
      [API_KEY, { user: 'alice', role: 'operations-manager' }],
      [RESPONDER_KEY, { user: 'bob', role: 'responder' }],
      [PROBLEM_MANAGER_KEY, { user: 'priya', role: 'problem-manager' }],
    ]),
    publicUrl: PUBLIC_URL,
    twilioAuthToken: TWILIO_TOKEN,
    // Configured as a deployment would be, so its route checks signatures (403) instead of answering 503.
    telnyxPublicKey: TELNYX_SIGNER.publicKey,
    matrix: { hsToken: MATRIX_HS_TOKEN },
    ...CHAT_TEST_CREDENTIALS,
    metricsToken: METRICS_TOKEN,
    logger: pino({ level: 'silent' }),
    ...overrides,
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, fake, problems, kpis, close: () => new Promise((resolve) => server.close(resolve)) };
}
