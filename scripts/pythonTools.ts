/**
 * Finds (or installs) the Python tools the tests run, pinned to one version: today only
 * schemathesis, the OpenAPI fuzzer `test/api/schemathesis.test.ts` points at `/openapi.json`.
 * Installs go under `.vigil/tools/<package>` from PyPI with `pip install --target` (like
 * `scripts/temporalBinaries.ts`): no venv, so a plain python3 + pip is enough (Debian's
 * python3-venv is not needed, and PEP 668 does not apply to a --target install).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

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
function pipInstall(pkg: string, version: string, consoleScript: string, tried: string[]): string | undefined {
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
  writeFileSync(
    runner,
    [
      '#!/bin/sh',
      `# Written by scripts/pythonTools.ts: ${pkg} ${version} from this folder's pip --target install.`,
      `PYTHONPATH=${shellQuote(target)} PYTHONNOUSERSITE=1 exec ${shellQuote(script)} "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(runner, 0o755);
  if (reportsVersion(runner, version)) return runner;
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

// `tsx scripts/pythonTools.ts` installs ahead of time (CI does this before `npm test`).
if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  console.log(`schemathesis: ${locateSchemathesis()}`);
}
