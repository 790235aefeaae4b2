import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** The repository modules a file loads at run time: static imports and re-exports, `import()` of a literal; `import type` is erased. */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) specifiers.push(node.moduleSpecifier.text);
    else if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) specifiers.push(node.moduleSpecifier.text);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0])) specifiers.push(node.arguments[0].text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers.filter((specifier) => specifier.startsWith('.')).map((specifier) => resolveModule(dirname(file), specifier));
}

function resolveModule(from: string, specifier: string): string {
  const base = join(from, specifier);
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`cannot resolve ${specifier} from ${relative(ROOT, from)}`);
}

/** Every repository module reachable from `entry`, as paths relative to the repository root. */
function moduleGraph(entry: string): string[] {
  const seen = new Set<string>();
  const pending = [resolve(ROOT, entry)];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    if (file.endsWith('.ts')) pending.push(...runtimeImports(file));
  }
  return [...seen].map((file) => relative(ROOT, file)).sort();
}

// Issue #14: the API process must not load worker code. Runbooks run commands and touch disks, and
// every module loaded counts against the API's start-up time.
describe('the API process', () => {
  it('loads no activity, runbook or worker module', () => {
    const graph = moduleGraph('api/main.ts');
    expect(graph).toContain('domain/incidentPlan.ts');
    expect(graph.filter((file) => /^(activities|runbooks|worker)\//.test(file))).toEqual([]);
  });

  it('the worker, for contrast, loads both (so the walk does follow imports)', () => {
    const graph = moduleGraph('worker/main.ts');
    expect(graph).toContain('runbooks/httpHealthRestart.ts');
    expect(graph).toContain('activities/plan.ts');
  });
});
