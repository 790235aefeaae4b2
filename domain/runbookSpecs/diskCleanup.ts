import { z } from 'zod';
import { defineRunbookSpec } from '../runbookSpec';

/** A disk is filling: delete old files from allowed directories (steps: `runbooks/diskCleanup.ts`). */
export const diskCleanupSpec = defineRunbookSpec({
  id: 'disk-cleanup',
  description: 'Delete files older than a cut-off from configured scratch directories until disk usage is below target.',
  match: { labels: { check: 'disk' } },
  params: z.object({
    /** Mount point (or any path on it) whose usage the alert is about. */
    path: z.string().min(1),
    /** Only files under these directories are ever deleted. */
    cleanupDirs: z.array(z.string().min(1)).min(1),
    olderThanDays: z.number().positive().default(7),
    targetUsedPercent: z.number().min(1).max(100).default(85),
  }),
});
