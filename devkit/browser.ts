/**
 * Debian's Chromium driven by playwright-core, for the browser test and the dashboard bench.
 * playwright-core downloads no browser: it is pointed at the system one (`apt-get install
 * chromium`; `CHROMIUM_PATH` names another).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where tests and benches leave screenshots (gitignored). */
export const ARTIFACTS_DIR = 'test-artifacts';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH}: apt-get install chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, timeout: 60_000 });
}
