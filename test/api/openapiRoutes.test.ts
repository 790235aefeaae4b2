/**
 * The served OpenAPI document cannot drift from the app: every route the app mounts under `/v1`,
 * `/v2` (integrations and resources), `/codec`, health and metrics has its operation in the
 * document, and the document names no operation the app does not mount. The routes are read from
 * Express's own router, so a route added without a declaration fails here.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Router } from 'express';
import { createApp } from '../../api/app';
import { ADAPTERS } from '../../api/adapters/index';
import { openApiDocument } from '../../api/routes/openapi';
import { RESOURCE_ROUTES } from '../../api/routes/resourceRoutes';
import { SENDER_ROUTES } from '../../api/routes/senderRoutes';
import { createFakeGateway } from '../../devkit/fakeGateway';
import { API_KEY, testConfig } from '../../devkit/testApp';

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** `METHOD /openapi/{style}` for every route in a router's stack, sub-routers included. */
function mountedOperations(stack: Layer[]): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      const methods = Object.keys(layer.route.methods).filter((method) => layer.route?.methods[method] && method !== '_all');
      return paths.flatMap((path) => methods.map((method) => `${method.toUpperCase()} ${path.replace(/:(\w+)/g, '{$1}')}`));
    }
    return layer.handle?.stack ? mountedOperations(layer.handle.stack) : [];
  });
}

/** Not operations: pages for people (the dashboard's HTML and files), the document itself, CORS preflights. */
const notApi = (operation: string) => / \/$| \/dashboard(\/|$)/.test(operation) || operation === 'GET /openapi.json' || operation.startsWith('OPTIONS ');

function documentedOperations(): string[] {
  const paths = openApiDocument().paths as Record<string, Record<string, unknown>>;
  return Object.entries(paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
}

describe('the OpenAPI document', () => {
  const app = createApp({
    gateway: createFakeGateway().gateway,
    config: testConfig,
    apiKeys: new Map([[API_KEY, { user: 'alice', role: 'operations-manager' }]]),
    publicUrl: 'https://vigil.example.test',
    logger: pino({ level: 'silent' }),
  });
  const mounted = mountedOperations((app as unknown as { router: Router & { stack: Layer[] } }).router.stack).filter((operation) => !notApi(operation));

  it('lists every operation the app mounts, and none it does not', () => {
    // The walk found the senders' routes at all (the check below would pass on an empty list).
    expect(mounted).toEqual(expect.arrayContaining(['POST /v1/integrations/{integrationId}', 'POST /v2/enqueue', 'POST /v1/webhooks/sns/{integrationId}/{token}', 'GET /v1/incidents']));
    expect(new Set(documentedOperations())).toEqual(new Set(mounted));
  });

  it('documents each sender route from its declaration', () => {
    const documented = new Set(documentedOperations());
    for (const sender of SENDER_ROUTES) {
      expect(sender.operations.length, sender.id).toBeGreaterThan(0);
      for (const operation of sender.operations) expect(documented, `${sender.id}: ${operation.method} ${operation.path}`).toContain(`${operation.method.toUpperCase()} ${operation.path}`);
    }
  });

  it('documents each resource route from the declaration beside its handlers, each operation once', () => {
    const declared = [...SENDER_ROUTES, ...RESOURCE_ROUTES].flatMap((routes) => routes.operations.map((operation) => `${operation.method.toUpperCase()} ${operation.path}`));
    // Declarations alone make the document: nothing is documented that no module declares, and no module declares an operation twice.
    expect(declared.length).toBe(new Set(declared).size);
    expect(new Set(declared)).toEqual(new Set(documentedOperations()));
  });

  it("carries every adapter's example, which its own adapter reads and its body schema accepts", () => {
    const paths = openApiDocument().paths as Record<string, { post: { requestBody: { content: Record<string, { examples: Record<string, { value: unknown }> }> } } }>;
    const examples = paths['/v1/integrations/{integrationId}'].post.requestBody.content['application/json'].examples;
    for (const adapter of Object.values(ADAPTERS)) {
      expect(examples[adapter.id]?.value, adapter.id).toEqual(adapter.example);
      expect(adapter.body.safeParse(adapter.example).success, `${adapter.id} body schema`).toBe(true);
      expect(adapter.parse(adapter.example, { defaultService: 'checkout' }).length, `${adapter.id} parse`).toBeGreaterThan(0);
      expect(adapter.senderConfig, adapter.id).toMatch(/https:\/\/vigil\.example\.com|<integration id>/);
    }
  });
});
