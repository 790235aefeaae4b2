/**
 * `npm run build`: the production build in `dist/` (or the folder given as the first argument).
 *
 * - Every source file of the API and the worker (and the config `vigil.config.ts`) becomes one
 *   JavaScript file at the same relative path, so `import.meta.url` and "is this the main
 *   module" checks mean what they mean in the sources. esbuild transpiles (type checking is
 *   `tsc --noEmit`); a resolver plugin adds the `.js` that Node's ESM loader needs to the
 *   sources' extension-less relative imports, and leaves packages to `node_modules`.
 * - The workflow bundle is built ahead of time (`dist/workflow-bundle.js`): the worker loads it
 *   instead of running webpack at start.
 * - The dashboard's static files are copied beside the compiled route that serves them.
 *
 * docs/decisions.md explains why not plain `tsc`.
 */
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowBundleOptions } from '../worker/workflowBundleOptions';
import { build, type Plugin } from 'esbuild';
import { WARM_CODE_CACHE_ENV } from '../platform/codeCache';
import { FAILURE_CONVERTER_FILES } from '../platform/failureEncoding';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
/** What production runs: the API, the worker and what they import. Not tests, benches or scripts. */
const SOURCE_DIRS = ['domain', 'contracts', 'workflows', 'activities', 'worker', 'api', 'runbooks', 'platform'];
const CONFIG_FILE = 'vigil.config.ts';
export const WORKFLOW_BUNDLE_FILE = 'workflow-bundle.js';

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, dir), { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The file a relative import names, tried the way the sources' `moduleResolution: Bundler` does. */
function resolveSource(fromDir: string, specifier: string): string | undefined {
  const base = resolve(fromDir, specifier);
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** Keeps each file its own module: relative imports stay imports, pointed at the compiled `.js`. */
const relativeImportsToJs: Plugin = {
  name: 'relative-imports-to-js',
  setup(builder) {
    builder.onResolve({ filter: /^\.\.?(\/|$)/ }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const target = resolveSource(args.resolveDir, args.path);
      if (!target) return { errors: [{ text: `cannot resolve ${args.path} from ${args.importer}` }] };
      let specifier = relative(args.resolveDir, target).split(sep).join('/').replace(/\.ts$/, '.js');
      if (!specifier.startsWith('.')) specifier = `./${specifier}`;
      return { path: specifier, external: true };
    });
  },
};

/**
 * Each inlined file's `import.meta.url` keeps meaning where that file's own compiled copy lies
 * (beside the bundle, from the per-file build), so paths it computes from it stay true.
 */
function moduleUrlsOfInlinedFiles(bundleFile: string, out: string): Plugin {
  return {
    name: 'module-urls-of-inlined-files',
    setup(builder) {
      builder.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const compiled = join(out, relative(ROOT, args.path)).replace(/\.ts$/, '.js');
        let specifier = relative(dirname(bundleFile), compiled).split(sep).join('/');
        if (!specifier.startsWith('.')) specifier = `./${specifier}`;
        // `__vigilBundleUrl`: the bundle's own URL, passed in by platform/codeCache.ts's wrapper.
        return { contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(specifier)}, __vigilBundleUrl).href`), loader: 'ts' };
      });
    },
  };
}

/**
 * Package files that find a file beside themselves with `require.resolve('./x')` (the Temporal
 * worker's workflow threads and interceptors) name it by package path instead, resolved from
 * node_modules at run time: beside the bundle there is no `./x`.
 */
const packageRelativeResolves: Plugin = {
  name: 'package-relative-resolves',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]node_modules[\\/].*\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!/require\.resolve\(['"]\.\.?\//.test(source)) return undefined;
      const packagePath = (specifier: string) => {
        const target = resolve(dirname(args.path), specifier);
        return target.slice(target.lastIndexOf(`${sep}node_modules${sep}`) + '/node_modules/'.length).split(sep).join('/');
      };
      return {
        contents: source.replace(/require\.resolve\((['"])(\.\.?\/[^'"]+)\1\)/g, (_match, _quote, specifier: string) => `require.resolve(${JSON.stringify(packagePath(specifier))})`),
        loader: 'js',
        resolveDir: dirname(args.path),
      };
    });
  },
};

/**
 * A process's entry as one file with its packages inlined, over the per-file entry. Starting
 * Node on one file instead of hundreds is most of the way to #12's start-up goals: resolving,
 * reading and lexing each CommonJS package that ESM imports (to find its named exports) cost more
 * than running them. Packages that load files beside themselves at run time stay outside.
 *
 * The bundle is CommonJS (`<entry>.bundle.cjs`) so that it can run through a V8 code cache
 * (platform/codeCache.ts, decision 63); `<entry>.js` is a launcher of three lines that runs it,
 * so `node dist/api/main.js` stays the command. Dynamic `import()` becomes `require()` (a
 * `vm.Script` has no ES module loader without an experimental flag; Node 20 requires ES modules).
 */
async function bundleEntry(out: string, entry: string): Promise<string> {
  const launcher = join(out, entry.replace(/\.ts$/, '.js'));
  const outfile = launcher.replace(/\.js$/, '.bundle.cjs');
  await build({
    absWorkingDir: ROOT,
    entryPoints: [join(ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    supported: { 'dynamic-import': false },
    external: BUNDLE_EXTERNALS,
    plugins: [moduleUrlsOfInlinedFiles(outfile, out), packageRelativeResolves],
    // Less source to read and compile at each start. Identifiers are not renamed, so class and
    // function names in logs and errors stay as written.
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    logLevel: 'warning',
    // packageRelativeResolves leaves these to node_modules on purpose.
    logOverride: { 'require-resolve-not-external': 'silent' },
  });
  const codeCacheModule = relative(dirname(launcher), join(out, 'platform', 'codeCache.js')).split(sep).join('/');
  await writeFile(
    launcher,
    [
      '// Made by scripts/build.ts: runs the bundle beside this file through its V8 code cache.',
      "import { fileURLToPath } from 'node:url';",
      `import { runBundleWithCodeCache } from ${JSON.stringify(codeCacheModule.startsWith('.') ? codeCacheModule : `./${codeCacheModule}`)};`,
      `runBundleWithCodeCache(fileURLToPath(new URL(${JSON.stringify(`./${relative(dirname(launcher), outfile)}`)}, import.meta.url)));`,
      '',
    ].join('\n'),
  );
  return launcher;
}

/**
 * Loads each bundle once with its main function held back, so the first start after a build
 * already has a code cache (the modules' code; a process adds what its start compiled). A bundle
 * that cannot even load fails the build here rather than at deploy.
 */
function warmCodeCache(launcher: string): Promise<void> {
  return new Promise((done, fail) => {
    execFile(process.execPath, [launcher], { env: { ...process.env, [WARM_CODE_CACHE_ENV]: '1' }, timeout: 120_000 }, (error, _stdout, stderr) => {
      if (error) fail(new Error(`loading ${relative(ROOT, launcher)} to warm its code cache failed: ${error.message}\n${stderr}`));
      else done();
    });
  });
}

/**
 * Loaded from node_modules at run time: native or WASM files found beside the package (the
 * Temporal worker's core bridge, PGlite), optional drivers, the workflow bundler's tools (used
 * only without a prebuilt bundle), and the Twilio and Telnyx SDKs (7 MB; 1 MB of each entry bundle,
 * imported when first used).
 */
const BUNDLE_EXTERNALS = ['@electric-sql/pglite', 'pg-native', '@temporalio/core-bridge', 'webpack', '@swc/core', 'swc-loader', 'source-map-loader', 'twilio', 'telnyx'];

export async function buildVigil(outDir: string, options: { workflowBundle?: boolean } = {}): Promise<void> {
  const out = resolve(ROOT, outDir);
  await rm(out, { recursive: true, force: true });
  const entryPoints = [...(await Promise.all(SOURCE_DIRS.map(sourceFiles))).flat(), join(ROOT, CONFIG_FILE)];
  await build({
    absWorkingDir: ROOT,
    entryPoints,
    outdir: out,
    outbase: ROOT,
    bundle: true,
    packages: 'external',
    plugins: [relativeImportsToJs],
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  await cp(join(ROOT, 'api', 'dashboard'), join(out, 'api', 'dashboard'), { recursive: true });
  // Loaded by path at run time (platform/failureEncoding.ts), so they sit beside their compiled module.
  for (const file of FAILURE_CONVERTER_FILES) await cp(join(ROOT, 'platform', file), join(out, 'platform', file));
  const launchers = [await bundleEntry(out, 'api/main.ts'), await bundleEntry(out, 'worker/main.ts')];
  await Promise.all(launchers.map(warmCodeCache));
  if (options.workflowBundle !== false) {
    const { code } = await bundleWorkflowCode(
      workflowBundleOptions(join(ROOT, 'workflows', 'index.ts'), { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error }),
    );
    await mkdir(dirname(join(out, WORKFLOW_BUNDLE_FILE)), { recursive: true });
    await writeFile(join(out, WORKFLOW_BUNDLE_FILE), code);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2] ?? 'dist';
  const started = Date.now();
  void buildVigil(outDir).then(
    () => console.log(`[vigil] built ${relative(process.cwd(), resolve(ROOT, outDir)) || '.'} in ${((Date.now() - started) / 1000).toFixed(1)} s`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
