/**
 * The modules preloaded into the workflow sandbox are shared by every workflow run on a worker
 * thread: they must be pure. This walks each one's value imports and holds the whole set to it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { WORKFLOWS_PATH } from '../../devkit/timeSkippingServer';
import { SHARED_WORKFLOW_MODULES, workflowBundleOptions } from '../../worker/workflowBundleOptions';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Value imports and re-exports (type-only ones vanish from the bundle). */
function valueImports(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const specs = [...source.matchAll(/^(?:import|export)\s+(?!type\s)(?:[^;]*?\sfrom\s+)?'([^']+)'/gms)].map((match) => match[1] as string);
  return specs;
}

function resolveImport(from: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  const base = resolve(dirname(from), spec);
  return [`${base}.ts`, join(base, 'index.ts')].find((candidate) => existsSync(candidate)) ?? base;
}

function sharedClosure(): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    if (file.endsWith('.ts')) for (const spec of valueImports(file)) visit(resolveImport(file, spec));
  };
  for (const module of SHARED_WORKFLOW_MODULES) visit(join(ROOT, `${module}.ts`));
  return seen;
}

describe('the workflow modules shared between runs', () => {
  const closure = [...sharedClosure()];

  it('are domain modules only, importing nothing outside domain/ (no Temporal, no library)', () => {
    expect(closure.length).toBeGreaterThanOrEqual(SHARED_WORKFLOW_MODULES.length);
    const outside = closure.filter((file) => !file.startsWith(join(ROOT, 'domain') + '/') || !file.endsWith('.ts'));
    expect(outside.map((file) => relative(ROOT, file))).toEqual([]);
  });

  it('keep nothing mutable at module scope and read no clock or randomness there', () => {
    const offenders = closure.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .map((line, index) => ({ line, at: `${relative(ROOT, file)}:${index + 1}` }))
        .filter(({ line }) => /^(?:export\s+)?(?:let|var)\s/.test(line) || /^(?:export\s+)?const\s+\w+(?::[^=]+)?=\s*(?:new\s+(?:Map|Set|WeakMap|Array)\b|\[\s*\]|Date\.now|Math\.random|new Date)/.test(line))
        .map(({ at, line }) => `${at}: ${line.trim()}`),
    );
    expect(offenders).toEqual([]);
  });

  it('are what the bundle preloads, and the bundle still carries the workflows', async () => {
    const options = workflowBundleOptions(WORKFLOWS_PATH, { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} });
    expect(options.preloadModules).toHaveLength(SHARED_WORKFLOW_MODULES.length);
    const { code } = await bundleWorkflowCode(options);
    expect(code).toContain('preloadModules');
    expect(code).toContain('./domain/incident.ts');
    expect(code).toContain('incidentWorkflow');
  }, 120_000);
});
