import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { httpHealthRestartSpec } from '../domain/runbookSpecs/httpHealthRestart';
import { defineRunbook } from './runbook';

const execFileAsync = promisify(execFile);

interface ProbeResult {
  healthy: boolean;
  line: string;
}

async function probe(url: string, expectStatus: number, timeoutMs: number, signal: AbortSignal): Promise<ProbeResult> {
  const started = Date.now();
  try {
    const response = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]), redirect: 'manual' });
    await response.body?.cancel();
    const elapsed = Date.now() - started;
    return { healthy: response.status === expectStatus, line: `GET ${url} answered ${response.status} in ${elapsed} ms` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    return { healthy: false, line: `GET ${url} failed: ${cause}` };
  }
}

/**
 * Reference runbook (see runbooks/README.md). An HTTP health endpoint is down: confirm it,
 * run the service's restart command, and poll until it answers again.
 */
export default defineRunbook({
  ...httpHealthRestartSpec,

  async diagnose({ params, signal }) {
    const result = await probe(params.url, params.expectStatus, params.probeTimeoutMs, signal);
    return { ok: true, summary: result.healthy ? `healthy: ${result.line}` : `unhealthy: ${result.line}`, findings: { healthy: result.healthy } };
  },

  async remediate({ params, findings, signal, log }) {
    if (findings.healthy === true) return { ok: true, summary: 'endpoint already healthy; nothing restarted' };
    const [command, ...args] = params.restartCommand;
    try {
      const { stdout, stderr } = await execFileAsync(command, args, { signal, timeout: 60_000 });
      const lastLine = `${stdout}\n${stderr}`.trim().split('\n').pop() ?? '';
      log(`restart command finished: ${lastLine}`);
      return { ok: true, summary: `ran ${params.restartCommand.join(' ')}${lastLine ? `: ${lastLine}` : ''}` };
    } catch (error) {
      const failure = error as { code?: string | number; stderr?: string; message: string };
      const detail = failure.stderr?.trim().split('\n').pop() || failure.message;
      return { ok: false, summary: `restart command failed (${failure.code ?? 'error'}): ${detail}` };
    }
  },

  async verify({ params, signal }) {
    let last: ProbeResult = { healthy: false, line: 'not probed' };
    for (let attempt = 1; attempt <= params.verifyAttempts; attempt++) {
      last = await probe(params.url, params.expectStatus, params.probeTimeoutMs, signal);
      if (last.healthy) return { recovered: true, summary: `recovered after ${attempt} probe(s): ${last.line}` };
      if (attempt < params.verifyAttempts) await sleep(params.verifyIntervalMs, undefined, { signal });
    }
    return { recovered: false, summary: `still unhealthy after ${params.verifyAttempts} probe(s): ${last.line}` };
  },
});
