/**
 * schemathesis (the Python OpenAPI fuzzer, pinned in scripts/pythonTools.ts) against the served
 * `/openapi.json`: examples, boundary cases, random and invalid inputs and chains of calls (an
 * alert's incident acknowledged, then resolved) for every documented operation, checking that
 * nothing answers 5xx and that every status, content type and body is the one the document
 * promises. Seeded, so a failure reproduces; its output, printed on failure, has a curl line for
 * each. The app runs in-process over the fake gateway, so there is no Temporal here.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../api/routes/openapi';
import { locateSchemathesis, SCHEMATHESIS_VERSION } from '../../scripts/pythonTools';
import { createAlertSpool } from '../../api/intake/alertSpool';
import { createEventLog } from '../../api/records/eventLog';
import { createMaintenanceWindows } from '../../platform/maintenanceWindows';
import { createUsedAckLinks } from '../../api/records/usedAckLinks';
import { createIncidentReviews } from '../../api/records/incidentReviews';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';
import { newPayloadKeyEntry, parsePayloadKeys, PayloadEncryptionCodec } from '../../platform/payloadEncryption';
import { API_KEY, startTestApp } from '../../devkit/testApp';

/**
 * Test cases per operation and phase. With every operation of the document this is a few
 * thousand requests: about a minute on 2 cores, longer while other tests share them.
 */
const MAX_EXAMPLES = 60;
const SEED = 20261124;
const CHECKS = ['not_a_server_error', 'status_code_conformance', 'content_type_conformance', 'response_schema_conformance', 'response_headers_conformance'];

let schemathesis: string;
let app: Awaited<ReturnType<typeof startTestApp>>;
let workDir: string;
let store: SqlStore;

beforeAll(async () => {
  // Installs from PyPI the first time (CI does it ahead, in .ci/run); throws naming what to install.
  schemathesis = locateSchemathesis();
  // With the SQL store, so events, maintenance windows and the spool answer for real.
  store = await openSqlStore({});
  app = await startTestApp({
    spool: await createAlertSpool(store),
    events: createEventLog(store),
    maintenance: createMaintenanceWindows(store),
    linkSecret: 'schemathesis-link-secret',
    usedAckLinks: createUsedAckLinks(store),
    reviews: createIncidentReviews(store),
    codecServer: { codec: new PayloadEncryptionCodec(parsePayloadKeys(newPayloadKeyEntry('fuzz'))), namespace: 'default', uiOrigins: [] },
  });
  // An empty working directory: no stray schemathesis.toml is read, nothing is written in the repo.
  workDir = mkdtempSync(join(tmpdir(), 'vigil-schemathesis-'));
}, 600_000);

afterAll(async () => {
  await app?.close();
  await store?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** Runs schemathesis without blocking the event loop: the API it calls lives in this process. */
function run(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const noProxy = ['127.0.0.1', 'localhost', process.env.NO_PROXY ?? process.env.no_proxy].filter(Boolean).join(',');
    const child = spawn(schemathesis, args, {
      cwd: workDir,
      env: { ...process.env, NO_COLOR: '1', NO_PROXY: noProxy, no_proxy: noProxy },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

describe(`schemathesis ${SCHEMATHESIS_VERSION} against /openapi.json`, () => {
  it('finds no server error and no answer the document does not describe', async () => {
    const { code, output } = await run([
      'run',
      `${app.url}/openapi.json`,
      '--checks',
      CHECKS.join(','),
      // The incidents API's key; integration endpoints answer it with their documented 401.
      '--header',
      `Authorization: Bearer ${API_KEY}`,
      '--max-examples',
      String(MAX_EXAMPLES),
      '--seed',
      String(SEED),
      '--workers',
      '1',
      '--generation-database',
      'none',
      '--request-timeout',
      '10',
      '--continue-on-failure',
      // The key is a test fixture: keep it in the report's curl lines so they run as printed.
      '--output-sanitize',
      'false',
      '--no-color',
    ]);
    expect(code, `schemathesis exited ${code}; its report:\n${output}`).toBe(0);
    // It really ran, and on every documented operation.
    const operations = Object.values(openApiDocument().paths as Record<string, object>).reduce((count, path) => count + Object.keys(path).length, 0);
    expect(output).toMatch(new RegExp(`Tested: ${operations}\\b`));
  }, 300_000);
});
