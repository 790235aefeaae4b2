import { lstat, readdir, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { diskCleanupSpec } from '../domain/runbookSpecs/diskCleanup';
import { defineRunbook } from './runbook';

async function usedPercent(path: string): Promise<number> {
  const stats = await statfs(path);
  const total = stats.blocks * stats.bsize;
  const available = stats.bavail * stats.bsize;
  return total === 0 ? 0 : Math.round(((total - available) / total) * 1000) / 10;
}

interface StaleFile {
  path: string;
  bytes: number;
}

/** Regular files under `dir` older than `cutoffMs`; symbolic links are never followed. */
async function findStaleFiles(dir: string, cutoffMs: number, signal: AbortSignal): Promise<StaleFile[]> {
  const found: StaleFile[] = [];
  const pending = [dir];
  while (pending.length > 0) {
    signal.throwIfAborted();
    const current = pending.pop() as string;
    let entries;
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch {
      continue; // vanished or unreadable: nothing to clean there
    }
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isFile()) {
        const stats = await lstat(path);
        if (stats.mtimeMs < cutoffMs) found.push({ path, bytes: stats.size });
      }
    }
  }
  return found;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A disk is filling: measure it, delete old files from the directories config allows, measure again. */
export default defineRunbook({
  ...diskCleanupSpec,

  async diagnose({ params, signal }) {
    const used = await usedPercent(params.path);
    const cutoff = Date.now() - params.olderThanDays * 86_400_000;
    let count = 0;
    let bytes = 0;
    for (const dir of params.cleanupDirs) {
      for (const file of await findStaleFiles(dir, cutoff, signal)) {
        count += 1;
        bytes += file.bytes;
      }
    }
    return {
      ok: true,
      summary: `${params.path} is ${used}% used (target ${params.targetUsedPercent}%); ${count} file(s) older than ${params.olderThanDays} d hold ${megabytes(bytes)}`,
      findings: { usedPercent: used, staleFiles: count, staleBytes: bytes },
    };
  },

  async remediate({ params, signal, log }) {
    const cutoff = Date.now() - params.olderThanDays * 86_400_000;
    let deleted = 0;
    let freed = 0;
    for (const dir of params.cleanupDirs) {
      for (const file of await findStaleFiles(dir, cutoff, signal)) {
        signal.throwIfAborted();
        await rm(file.path, { force: true });
        deleted += 1;
        freed += file.bytes;
      }
    }
    log(`deleted ${deleted} file(s)`);
    return { ok: true, summary: `deleted ${deleted} file(s), freed ${megabytes(freed)}` };
  },

  async verify({ params }) {
    const used = await usedPercent(params.path);
    return used <= params.targetUsedPercent
      ? { recovered: true, summary: `${params.path} now ${used}% used, at or below ${params.targetUsedPercent}%` }
      : { recovered: false, summary: `${params.path} still ${used}% used, above ${params.targetUsedPercent}%` };
  },
});
