/**
 * `npm test`: the whole suite. Test files run one at a time (vitest.config.ts: most start their own
 * Temporal server, and on 2 cores one at a time is faster), except the files in SIDE_LANE: they
 * spend minutes waiting on purpose (a Temporal outage held for two minutes) while using little CPU,
 * so they run in a second vitest beside the rest instead of adding their wait to the total.
 * With arguments (`npm test -- test/domain`), it is plain `vitest run` with them.
 */
import { spawn } from 'node:child_process';

const SIDE_LANE = ['test/e2e/temporalOutage.test.ts'];

function vitest(args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...args], { stdio: options.capture ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.on('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

const args = process.argv.slice(2);
if (args.length > 0) {
  process.exit((await vitest(args)).code);
}

// The side lane's output is printed whole after the main lane's, so the two never interleave.
const side = vitest(SIDE_LANE, { capture: true });
const main = await vitest(SIDE_LANE.flatMap((file) => ['--exclude', file]));
const sideResult = await side;
process.stdout.write(`\n== side lane (${SIDE_LANE.join(', ')}) ==\n${sideResult.output}`);
const failed = [main.code !== 0 && 'main lane', sideResult.code !== 0 && 'side lane'].filter(Boolean);
if (failed.length > 0) console.error(`npm test: ${failed.join(' and ')} failed`);
process.exit(failed.length > 0 ? 1 : 0);
