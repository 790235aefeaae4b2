/**
 * `npm start`: everything a laptop needs. Starts the Temporal dev server (state in
 * `.vigil/temporal.db`, UI on :8233) unless TEMPORAL_ADDRESS names a cluster, then the worker and
 * the API as two separate processes, the way a deployment runs them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { newPayloadKeyEntry } from '../platform/payloadEncryption';
import { startDevServer, type DevServer } from './devServer';
import { VIGIL_DIR } from './temporalBinaries';

const say = (line: string) => process.stdout.write(`[vigil] ${line}\n`);

/** A secret made once and kept under .vigil/ (for a laptop; a deployment sets its own). */
function localSecret(name: string, make: () => string = () => randomBytes(24).toString('base64url')): string {
  const file = join(VIGIL_DIR, name);
  if (!existsSync(file)) {
    mkdirSync(VIGIL_DIR, { recursive: true });
    writeFileSync(file, make(), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

async function main(): Promise<void> {
  const env = { ...process.env };
  let devServer: DevServer | undefined;
  if (!env.TEMPORAL_ADDRESS) {
    const port = Number(env.TEMPORAL_DEV_PORT ?? 7233);
    say(`starting the Temporal dev server on 127.0.0.1:${port} (state in ${join(VIGIL_DIR, 'temporal.db')}, UI http://localhost:8233)`);
    devServer = await startDevServer({ port, uiPort: 8233, dbFile: join(VIGIL_DIR, 'temporal.db'), stdio: 'inherit' });
    env.TEMPORAL_ADDRESS = devServer.address;
  } else {
    say(`using the Temporal cluster at ${env.TEMPORAL_ADDRESS}`);
  }
  if (!env.VIGIL_API_KEY) {
    env.VIGIL_API_KEY = localSecret('demo-api-key');
    say(`demo API key (user demo-responder): ${env.VIGIL_API_KEY}  (kept in ${join(VIGIL_DIR, 'demo-api-key')})`);
  }
  // One demo key per other role (docs/roles.md); only where they are kept is printed.
  for (const [variable, file] of [['VIGIL_OPS_API_KEY', 'demo-ops-api-key'], ['VIGIL_PROBLEM_API_KEY', 'demo-problem-api-key']] as const) {
    if (env[variable]) continue;
    env[variable] = localSecret(file);
    say(`demo ${variable === 'VIGIL_OPS_API_KEY' ? 'operations-manager' : 'problem-manager'} API key kept in ${join(VIGIL_DIR, file)}`);
  }
  env.VIGIL_HOME ??= VIGIL_DIR;
  // Signs the one-click acknowledge links in page emails; the worker signs, the API verifies.
  env.VIGIL_LINK_SECRET ??= localSecret('link-secret');
  // Encrypts workflow payloads (contact data) in the demo's Temporal too; the same keys for API and worker.
  env.VIGIL_PAYLOAD_KEYS ??= localSecret('payload-keys', () => newPayloadKeyEntry(`demo-${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`));
  if (devServer) {
    say(`workflow payloads are encrypted (key kept in ${join(VIGIL_DIR, 'payload-keys')}); to read them in the Temporal UI see docs/security.md, "Workflow history encryption"`);
  }

  const children: ChildProcess[] = [];
  let stopping = false;
  const stopAll = (code: number): void => {
    if (stopping) return;
    stopping = true;
    for (const child of children) child.kill('SIGTERM');
    Promise.all(children.map((child) => (child.exitCode === null ? new Promise((resolve) => child.once('exit', resolve)) : undefined)))
      .then(() => devServer?.stop())
      .catch((error: unknown) => say(`stopping the dev server failed: ${(error as Error).message}`))
      .finally(() => process.exit(code));
  };
  for (const [name, entry] of [['worker', 'worker/main.ts'], ['api', 'api/main.ts']] as const) {
    const child = spawn(process.execPath, ['--import', 'tsx', entry], { env, stdio: 'inherit' });
    child.once('exit', (code) => {
      if (!stopping) say(`${name} exited (${code}); stopping everything`);
      stopAll(code ?? 1);
    });
    children.push(child);
  }
  process.once('SIGINT', () => stopAll(0));
  process.once('SIGTERM', () => stopAll(0));
  say(
    `API on http://localhost:${env.PORT ?? 3000}  (try: curl -XPOST localhost:${env.PORT ?? 3000}/v1/alerts -H "authorization: Bearer ${env.VIGIL_API_KEY}" -H 'content-type: application/json' -d '{"service":"checkout","summary":"checkout is down","severity":"critical"}')`,
  );
}

main().catch((error: unknown) => {
  console.error(`[vigil] ${(error as Error).message}`);
  process.exit(1);
});
