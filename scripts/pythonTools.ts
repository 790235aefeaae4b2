/**
 * Finds (or installs) the Python tools the tests run, pinned to one version: schemathesis, the
 * OpenAPI fuzzer `test/api/schemathesis.test.ts` points at `/openapi.json`, and Synapse, the Matrix
 * homeserver `devkit/synapse.ts` runs on loopback for the Matrix tests (#16).
 * Installs go under `.vigil/tools/<package>` from PyPI with `pip install --target` (like
 * `scripts/temporalBinaries.ts`): no venv, so a plain python3 + pip is enough (Debian's
 * python3-venv is not needed, and PEP 668 does not apply to a --target install).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';

const PROJECT_ROOT = resolve(import.meta.dirname, '..');
const VIGIL_DIR = resolve(process.env.VIGIL_HOME ?? join(PROJECT_ROOT, '.vigil'));
const TOOLS_DIR = join(VIGIL_DIR, 'tools');

/** The one schemathesis the tests' flags and check names are written for. */
export const SCHEMATHESIS_VERSION = '4.32.5';

/** Thrown when no way of getting a tool worked; the message says what to install. */
export class PythonToolNotFoundError extends Error {
  constructor(what: string, tried: string[], howToInstall: string) {
    super(`${what} not found. Tried:\n${tried.map((line) => `  - ${line}`).join('\n')}\n${howToInstall}`);
    this.name = 'PythonToolNotFoundError';
  }
}

/** The one Synapse (Matrix homeserver) the Matrix tests' generated config is written for. */
export const SYNAPSE_VERSION = '1.163.2';

/** `<executable> --version` mentions `version` (schemathesis prints "schemathesis, version X"). */
function reportsVersion(executable: string, version: string): boolean {
  const result = spawnSync(executable, ['--version'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } });
  return result.status === 0 && new RegExp(`\\b${version.replaceAll('.', '\\.')}\\b`).test(result.stdout);
}

function pythonWithPip(): string | undefined {
  for (const python of ['python3', 'python']) {
    if (spawnSync(python, ['-m', 'pip', '--version'], { stdio: 'ignore' }).status === 0) return python;
  }
  return undefined;
}

const shellQuote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/**
 * `pip install --target .vigil/tools/<pkg> <pkg>==<version>`, then a small `run` script beside it
 * that puts the folder on PYTHONPATH and starts pip's console script (whose first line already
 * names the interpreter pip ran under). Returns that script, or undefined after noting why not.
 */
function pipInstall(pkg: string, version: string, consoleScript: string, tried: string[], isInstalled: (runner: string) => boolean = (runner) => reportsVersion(runner, version)): string | undefined {
  const python = pythonWithPip();
  if (!python) {
    tried.push(`pip install ${pkg}==${version}: no python3 with pip`);
    return undefined;
  }
  const target = join(TOOLS_DIR, pkg);
  // A fresh folder: --target over an older install would leave its files mixed in.
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  process.stderr.write(`[vigil] installing ${pkg}==${version} from PyPI into ${target} (once)\n`);
  const result = spawnSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input', '--target', target, `${pkg}==${version}`], {
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 600_000,
  });
  const script = join(target, 'bin', consoleScript);
  if (result.status !== 0 || !existsSync(script)) {
    tried.push(`pip install --target ${target} ${pkg}==${version}: exit ${result.status ?? result.error?.message}`);
    return undefined;
  }
  const runner = join(target, 'run');
  // The real path: `.vigil/tools` may be a symlink a worktree shares, and the worktree may go.
  const home = realpathSync(target);
  writeFileSync(
    runner,
    [
      '#!/bin/sh',
      `# Written by scripts/pythonTools.ts: ${pkg} ${version} from this folder's pip --target install.`,
      `PYTHONPATH=${shellQuote(home)} PYTHONNOUSERSITE=1 exec ${shellQuote(join(home, 'bin', consoleScript))} "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(runner, 0o755);
  if (isInstalled(runner)) return runner;
  tried.push(`${runner} --version: did not report ${version} after the install`);
  return undefined;
}

/**
 * The schemathesis executable, at exactly SCHEMATHESIS_VERSION: `VIGIL_SCHEMATHESIS` (a path, taken
 * as is), then `.vigil/tools/schemathesis`, then `schemathesis` on PATH, then a PyPI install.
 * @throws PythonToolNotFoundError naming what to install.
 */
export function locateSchemathesis(): string {
  const tried: string[] = [];
  const fromEnv = process.env.VIGIL_SCHEMATHESIS;
  if (fromEnv) {
    if (existsSync(fromEnv)) return fromEnv;
    tried.push(`VIGIL_SCHEMATHESIS=${fromEnv}: no such file`);
  }
  const cached = join(TOOLS_DIR, 'schemathesis', 'run');
  if (existsSync(cached) && reportsVersion(cached, SCHEMATHESIS_VERSION)) return cached;
  tried.push(`${cached} (schemathesis ${SCHEMATHESIS_VERSION})`);
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'schemathesis');
    if (dir && existsSync(candidate) && reportsVersion(candidate, SCHEMATHESIS_VERSION)) return candidate;
  }
  tried.push(`\`schemathesis\` ${SCHEMATHESIS_VERSION} on PATH`);
  const installed = pipInstall('schemathesis', SCHEMATHESIS_VERSION, 'schemathesis', tried);
  if (installed) return installed;
  throw new PythonToolNotFoundError(
    `schemathesis ${SCHEMATHESIS_VERSION}`,
    tried,
    `Install python3 and pip (Debian: \`apt-get install python3 python3-pip\`) with access to PyPI and run \`npx tsx scripts/pythonTools.ts\`, ` +
      `or \`pip install schemathesis==${SCHEMATHESIS_VERSION}\` yourself and set VIGIL_SCHEMATHESIS to the installed \`schemathesis\`.`,
  );
}

/**
 * Synapse's `synapse_homeserver` has no `--version` (and starting Python to ask takes seconds):
 * pip's record of the install, `matrix_synapse-<version>.dist-info` beside the run script, says it.
 */
const hasSynapseDistInfo = (runner: string) => existsSync(join(dirname(runner), `matrix_synapse-${SYNAPSE_VERSION}.dist-info`));

/**
 * A script that runs Synapse's `synapse_homeserver` at exactly SYNAPSE_VERSION: `VIGIL_SYNAPSE` (a
 * path, taken as is), then `.vigil/tools/matrix-synapse/run`, then a PyPI install there (about a
 * minute and 220 MB). Not looked up on PATH: a system Synapse's version is rarely the pinned one.
 * @throws PythonToolNotFoundError naming what to install.
 */
export function locateSynapse(): string {
  const tried: string[] = [];
  const fromEnv = process.env.VIGIL_SYNAPSE;
  if (fromEnv) {
    if (existsSync(fromEnv)) return fromEnv;
    tried.push(`VIGIL_SYNAPSE=${fromEnv}: no such file`);
  }
  const cached = join(TOOLS_DIR, 'matrix-synapse', 'run');
  if (existsSync(cached) && hasSynapseDistInfo(cached)) return cached;
  tried.push(`${cached} (matrix-synapse ${SYNAPSE_VERSION})`);
  const installed = pipInstall('matrix-synapse', SYNAPSE_VERSION, 'synapse_homeserver', tried, hasSynapseDistInfo);
  if (installed) return installed;
  throw new PythonToolNotFoundError(
    `matrix-synapse ${SYNAPSE_VERSION}`,
    tried,
    `Install python3 and pip with access to PyPI and run \`npx tsx scripts/pythonTools.ts\`, ` +
      `or \`pip install matrix-synapse==${SYNAPSE_VERSION}\` yourself and set VIGIL_SYNAPSE to the installed \`synapse_homeserver\`.`,
  );
}

// `tsx scripts/pythonTools.ts` installs ahead of time (CI does this before `npm test`).
if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  console.log(`schemathesis: ${locateSchemathesis()}`);
  console.log(`synapse: ${locateSynapse()}`);
}
