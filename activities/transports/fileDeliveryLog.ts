import { createHash } from 'node:crypto';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeliveryLog } from '../../domain/transports';

/**
 * Delivery log kept as one small file per sent notification, under a directory every worker on
 * the host shares. File creation is atomic, so two workers never both record a key, and the
 * log survives worker restarts. Workers on several hosts need a shared store instead.
 */
export function createFileDeliveryLog(dir: string): DeliveryLog {
  const fileFor = (key: string) => join(dir, createHash('sha256').update(key).digest('hex'));
  let ready: Promise<unknown> | undefined;
  return {
    async wasSent(key) {
      try {
        await access(fileFor(key));
        return true;
      } catch {
        return false;
      }
    },
    async recordSent(key) {
      ready ??= mkdir(dir, { recursive: true });
      await ready;
      await writeFile(fileFor(key), `${key}\n`, { flag: 'w' });
    },
  };
}
