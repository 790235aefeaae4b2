/**
 * What can be checked of `deploy/` and the `Dockerfile` without a container runtime or a cluster
 * (issue 12, point 7): every YAML file parses; the compose file has the production topology; every
 * environment variable set for Vigil is one the code reads (a typo would be silently ignored);
 * the probes and health checks point at routes that exist; the Dockerfile copies paths that exist
 * and runs entry points the build produces. YAML is parsed by PyYAML, which `npm test`'s own
 * setup installs with schemathesis (`scripts/pythonTools.ts`).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve('.');
const DEPLOY = join(ROOT, 'deploy');
const CODE_DIRS = ['domain', 'workflows', 'activities', 'worker', 'api', 'runbooks', 'platform'];

function filesUnder(dir: string, suffix: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && suffix.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** Every YAML document of every file under deploy/, parsed by PyYAML (safe loader). */
function parseDeployYaml(): Record<string, unknown[]> {
  const files = filesUnder(DEPLOY, /\.ya?ml$/);
  const script = [
    'import json, sys, yaml',
    'out = {}',
    'for path in sys.argv[1:]:',
    '    with open(path) as f: out[path] = list(yaml.safe_load_all(f))',
    'print(json.dumps(out))',
  ].join('\n');
  const pythonPath = [join(ROOT, '.vigil', 'tools', 'schemathesis'), process.env.PYTHONPATH].filter(Boolean).join(delimiter);
  const parsed = JSON.parse(execFileSync('python3', ['-c', script, ...files], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: pythonPath } })) as Record<string, unknown[]>;
  return Object.fromEntries(Object.entries(parsed).map(([path, docs]) => [relative(DEPLOY, path), docs]));
}

/** Names of environment variables Vigil reads: in its code, its config's `env`/`tokenEnv`, Temporal's envconfig, the image's health check. */
function namesTheCodeReads(): Set<string> {
  const names = new Set<string>();
  const add = (text: string, pattern: RegExp) => {
    for (const match of text.matchAll(pattern)) names.add(match[1]);
  };
  for (const file of CODE_DIRS.flatMap((dir) => filesUnder(join(ROOT, dir), /\.ts$/))) {
    add(readFileSync(file, 'utf8'), /\benv\.([A-Z][A-Z0-9_]+)/g);
    add(readFileSync(file, 'utf8'), /\benv,\s*'([A-Z][A-Z0-9_]+)'/g);
    add(readFileSync(file, 'utf8'), /\benv\[['"]([A-Z][A-Z0-9_]+)['"]\]/g);
    add(readFileSync(file, 'utf8'), /\b(?:const|let)\s*\{([^}]*)\}\s*=\s*env\b/g);
  }
  // Destructured names (`const { TWILIO_FROM: from } = env`) were captured whole: split them.
  for (const name of [...names]) {
    if (!/^[A-Z][A-Z0-9_]+$/.test(name)) {
      names.delete(name);
      for (const part of name.matchAll(/\b([A-Z][A-Z0-9_]+)\s*:/g)) names.add(part[1]);
    }
  }
  add(readFileSync(join(ROOT, 'vigil.config.ts'), 'utf8'), /\b(?:env|tokenEnv):\s*'([A-Z][A-Z0-9_]+)'/g);
  const envconfig = join(ROOT, 'node_modules', '@temporalio', 'envconfig', 'lib');
  for (const file of filesUnder(envconfig, /\.js$/)) add(readFileSync(file, 'utf8'), /'(TEMPORAL_[A-Z_]+[A-Z])'/g);
  add(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'), /process\.env\.([A-Z][A-Z0-9_]+)/g);
  return names;
}

function unknownNames(env: Record<string, unknown> | undefined, known: Set<string>): string[] {
  return Object.keys(env ?? {}).filter((name) => !known.has(name));
}

type Compose = { services: Record<string, { image?: string; command?: string[]; environment?: Record<string, unknown>; volumes?: string[]; healthcheck?: unknown }> };
type K8sDoc = { apiVersion?: string; kind?: string; metadata?: { name?: string }; data?: Record<string, string>; stringData?: Record<string, string>; resources?: string[]; spec?: any };

const yaml = parseDeployYaml();
const known = namesTheCodeReads();

describe('deploy/ checked offline', () => {
  it('every YAML file parses, and the list of known variables is real', () => {
    expect(Object.keys(yaml)).toEqual(expect.arrayContaining(['compose.yaml', 'kubernetes/api.yaml', 'kubernetes/worker.yaml', 'kubernetes/kustomization.yaml']));
    for (const [file, docs] of Object.entries(yaml)) expect(docs.length, file).toBeGreaterThan(0);
    // The check below can fail: names the code reads are found, an invented one is not.
    for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'VIGIL_PUBLIC_URL', 'VIGIL_LINK_SECRET', 'VIGIL_WORKER_PORT', 'SMTP_URL', 'TWILIO_FROM', 'VIGIL_API_KEY', 'PORT']) expect(known, name).toContain(name);
    expect(unknownNames({ VIGIL_PUBLIC_ULR: 'typo' }, known)).toEqual(['VIGIL_PUBLIC_ULR']);
  });

  it('compose: the production topology, with only variables the code reads', () => {
    const compose = yaml['compose.yaml'][0] as Compose;
    const services = compose.services;
    expect(Object.keys(services).sort()).toEqual(['api-1', 'api-2', 'postgresql', 'proxy', 'temporal', 'temporal-ui', 'worker-1', 'worker-2']);
    for (const name of ['api-1', 'api-2', 'worker-1', 'worker-2']) {
      const service = services[name];
      expect(unknownNames(service.environment, known), name).toEqual([]);
      for (const required of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'VIGIL_PUBLIC_URL', 'VIGIL_LINK_SECRET']) expect(service.environment, `${name} ${required}`).toHaveProperty(required);
      // Each replica its own VIGIL_HOME, as on its own host.
      expect(service.volumes?.[0], name).toMatch(new RegExp(`^${name}-home:/var/lib/vigil$`));
    }
    expect(services['worker-1'].command).toEqual(['node', 'dist/worker/main.js']);
    expect(services['worker-1'].environment?.VIGIL_HEALTH_URL).toBe(`http://127.0.0.1:${String(services['worker-1'].environment?.VIGIL_WORKER_PORT)}/healthz`);
    expect(services.temporal.environment?.DB).toBe('postgres12');
    // Files mounted from deploy/ exist.
    for (const service of Object.values(services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0];
        if (source.startsWith('./')) expect(existsSync(join(DEPLOY, source)), volume).toBe(true);
      }
    }
    const caddyfile = readFileSync(join(DEPLOY, 'Caddyfile'), 'utf8');
    expect(caddyfile).toMatch(/reverse_proxy api-1:3000 api-2:3000/);
    expect(caddyfile).toMatch(/health_uri \/readyz/);
  });

  it('kubernetes: kustomization lists files that exist; Deployments use known variables, real routes and ports', () => {
    const kustomization = yaml['kubernetes/kustomization.yaml'][0] as K8sDoc;
    for (const resource of kustomization.resources ?? []) expect(existsSync(join(DEPLOY, 'kubernetes', resource)), resource).toBe(true);
    const docs = Object.entries(yaml)
      .filter(([file]) => file.startsWith('kubernetes/'))
      .flatMap(([, list]) => list as K8sDoc[]);
    for (const doc of docs) {
      expect(doc.apiVersion).toBeTruthy();
      expect(doc.kind).toBeTruthy();
    }
    const configMap = docs.find((doc) => doc.kind === 'ConfigMap');
    const secret = docs.find((doc) => doc.kind === 'Secret');
    expect(unknownNames(configMap?.data, known)).toEqual([]);
    expect(unknownNames(secret?.stringData, known)).toEqual([]);
    const deployments = docs.filter((doc) => doc.kind === 'Deployment');
    expect(deployments.map((doc) => doc.metadata?.name).sort()).toEqual(['vigil-api', 'vigil-worker']);
    for (const deployment of deployments) {
      const container = deployment.spec.template.spec.containers[0];
      const env = Object.fromEntries((container.env as Array<{ name: string; value: string }>).map((entry) => [entry.name, entry.value]));
      expect(unknownNames(env, known), deployment.metadata?.name).toEqual([]);
      const ports = Object.fromEntries((container.ports as Array<{ name: string; containerPort: number }>).map((port) => [port.name, port.containerPort]));
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
        if (!container[probe]) continue;
        expect(['/healthz', '/readyz'], `${deployment.metadata?.name} ${probe}`).toContain(container[probe].httpGet.path);
        expect(ports, `${deployment.metadata?.name} ${probe}`).toHaveProperty(container[probe].httpGet.port);
      }
      expect(container.args[1]).toMatch(/^dist\/(api|worker)\/main\.js$/);
      if (deployment.metadata?.name === 'vigil-worker') expect(String(ports.health)).toBe(env.VIGIL_WORKER_PORT);
      if (deployment.metadata?.name === 'vigil-api') expect(String(ports.http)).toBe(env.PORT);
    }
    expect(docs.filter((doc) => doc.kind === 'PodDisruptionBudget')).toHaveLength(2);
  });

  it('Dockerfile: copies paths that exist, runs what the build produces, as a non-root user with a health check', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const copies = [...dockerfile.matchAll(/^COPY (?!--from)(.+)$/gm)].map((match) => match[1].trim().split(/\s+/).slice(0, -1));
    expect(copies.length).toBeGreaterThan(3);
    for (const source of copies.flat()) expect(existsSync(join(ROOT, source)), source).toBe(true);
    // `node dist/x/main.js` exists after `npm run build` exactly when x/main.ts exists.
    for (const entry of dockerfile.matchAll(/dist\/(\w+)\/main\.js/g)) expect(existsSync(join(ROOT, entry[1], 'main.ts')), entry[0]).toBe(true);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
    expect(dockerfile).toMatch(/^FROM .+ AS build$/m);
    expect(dockerfile).toMatch(/npm run build/);
    expect(existsSync(join(dirname(join(ROOT, 'Dockerfile')), '.dockerignore'))).toBe(true);
  });

  it("Dockerfile: the HEALTHCHECK command passes on a 200 and fails on a 503 or no answer", async () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const exec = JSON.parse(/HEALTHCHECK[^\n]*\\\n\s*CMD (\[.*\])/.exec(dockerfile)?.[1] ?? 'null') as string[];
    expect(exec[0]).toBe('node');
    let status = 200;
    const server = createServer((_req, res) => res.writeHead(status).end());
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
    // Asynchronously: the server above answers from this process's event loop.
    const run = (healthUrl: string) =>
      new Promise<number | null>((done) => {
        const child = spawn(process.execPath, exec.slice(1), { env: { ...process.env, VIGIL_HEALTH_URL: healthUrl }, stdio: 'ignore', timeout: 30_000 });
        child.once('exit', (code) => done(code));
      });
    try {
      expect(await run(url)).toBe(0);
      status = 503;
      expect(await run(url)).toBe(1);
    } finally {
      await new Promise((done) => server.close(done));
    }
    expect(await run('http://127.0.0.1:1/healthz')).toBe(1);
  }, 90_000);
});
