import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, statfs, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import diskCleanup from '../../runbooks/diskCleanup';
import { makeAlert } from '../../devkit/alerts';

async function scratch() {
  const root = await mkdtemp(join(tmpdir(), 'vigil-disk-'));
  const dir = join(root, 'scratch');
  const outside = join(root, 'keep-me.log');
  await mkdir(join(dir, 'nested'), { recursive: true });
  const old = new Date(Date.now() - 30 * 86_400_000);
  for (const name of ['old.log', 'nested/old.bin']) {
    await writeFile(join(dir, name), 'x'.repeat(1024));
    await utimes(join(dir, name), old, old);
  }
  await writeFile(join(dir, 'fresh.log'), 'new');
  await writeFile(outside, 'not ours');
  await utimes(outside, old, old);
  await symlink(outside, join(dir, 'link-to-outside'));
  return { root, dir, outside };
}

function context(params: unknown) {
  const lines: string[] = [];
  return { alert: makeAlert({ labels: { check: 'disk' } }), params: diskCleanup.params.parse(params), findings: {}, signal: new AbortController().signal, log: (line: string) => lines.push(line) };
}

describe('disk-cleanup runbook', () => {
  it('counts stale files, deletes only those under the configured directories, never through a symlink', async () => {
    const { root, dir, outside } = await scratch();
    const params = { path: root, cleanupDirs: [dir], olderThanDays: 7, targetUsedPercent: 100 };
    const diagnosed = await diskCleanup.diagnose(context(params));
    expect(diagnosed.findings).toMatchObject({ staleFiles: 2, staleBytes: 2048 });

    const remediated = await diskCleanup.remediate(context(params));
    expect(remediated).toMatchObject({ ok: true, summary: expect.stringContaining('deleted 2 file(s)') });
    expect(existsSync(join(dir, 'old.log'))).toBe(false);
    expect(existsSync(join(dir, 'nested/old.bin'))).toBe(false);
    expect(existsSync(join(dir, 'fresh.log'))).toBe(true);
    expect(existsSync(outside)).toBe(true);

    // Any real disk is at or below 100% used.
    expect((await diskCleanup.verify(context(params))).recovered).toBe(true);
  });

  it('reports no recovery while usage stays above the target', async () => {
    const { root, dir } = await scratch();
    const stats = await statfs(root);
    const used = ((stats.blocks - stats.bavail) / stats.blocks) * 100;
    expect(used).toBeGreaterThan(1); // any disk holding a test run is
    const outcome = await diskCleanup.verify(context({ path: root, cleanupDirs: [dir], targetUsedPercent: 1 }));
    expect(outcome.recovered).toBe(false);
    expect(outcome.summary).toContain('above 1%');
  });

  it('requires at least one cleanup directory', () => {
    const result = diskCleanup.params.safeParse({ path: '/', cleanupDirs: [] });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].path).toEqual(['cleanupDirs']);
  });
});
