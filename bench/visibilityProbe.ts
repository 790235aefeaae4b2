/**
 * `npx tsx bench/visibilityProbe.ts`: what one visibility listing of open incident runs costs the
 * Temporal server, per run returned, on the dev server (SQLite) and on production's store (the
 * self-hosted server on PostgreSQL): decision 85 measured the first, decision 88 both. Starts
 * PROBE_RUNS (default 500) incident workflows on a task queue no worker polls, each with a memo
 * and search attributes of an incident's size (encrypted as Vigil's are), spread over three
 * severities, then lists them with the raw `ListWorkflowExecutions` as the dashboard does (open
 * runs of one severity, or of all) and counts them, PROBE_REPEATS times each, reading the CPU the
 * Temporal process (and PostgreSQL's processes) used from /proc. `PROBE_STORES=dev,postgres`
 * (default both, one after the other). Loopback only; bounded (each store's seeding ≤ 5 min).
 */
import { Client, Connection } from '@temporalio/client';
import { newPayloadKeyEntry, parsePayloadKeys, payloadEncryptionWith } from '../platform/payloadEncryption';
import { INCIDENT_WORKFLOW_TYPE, searchAttributes } from '../domain/visibility';
import { MAX_ROW_ACTION_CHARS, ROW_MEMO_KEY } from '../domain/incidentRowFacts';
import { runBounded, percentile } from './harness/stats';
import { startBenchTemporal, type BenchTemporalKind } from './harness/benchTemporalStore';
import { listOpenRunsPage } from '../api/gateways/openRunsListing';
import { uptimeLine } from './harness/benchProcess';

const RUNS = Number(process.env.PROBE_RUNS ?? 500);
const REPEATS = Number(process.env.PROBE_REPEATS ?? 10);
const STORES = (process.env.PROBE_STORES ?? 'dev,postgres').split(',') as BenchTemporalKind[];
const SEVERITIES = ['critical', 'error', 'warning'];
const SEED_DEADLINE_MS = 5 * 60_000;
if (RUNS > 5_000) throw new Error('PROBE_RUNS must be ≤ 5000');

const OPEN = `WorkflowType = '${INCIDENT_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND ${searchAttributes.status.name} != 'resolved'`;

async function probe(kind: BenchTemporalKind): Promise<void> {
  const temporal = await startBenchTemporal(kind);
  const connection = await Connection.connect({ address: temporal.address });
  const encryption = payloadEncryptionWith(parsePayloadKeys(newPayloadKeyEntry('probe')));
  const client = new Client({ connection, dataConverter: encryption.dataConverter });
  try {
    const started = Date.now();
    await runBounded(RUNS, 16, async (index) => {
      if (Date.now() - started > SEED_DEADLINE_MS) throw new Error('seeding took over 5 min');
      await client.workflow.start(INCIDENT_WORKFLOW_TYPE, {
        workflowId: `probe-${index}`,
        taskQueue: 'probe-parked',
        memo: {
          incidentId: `probe-incident-id-${index}-${'x'.repeat(40)}`,
          summary: `probe incident ${index}: error rate above threshold on instance-${index % 37}`,
          [ROW_MEMO_KEY]: { level: 1, exhausted: false, nextLevelAt: new Date().toISOString(), policyId: 'p', heldBy: ['Alice Ops'], action: { at: new Date().toISOString(), kind: 'update', text: 'y'.repeat(MAX_ROW_ACTION_CHARS / 2) } },
        },
        typedSearchAttributes: [
          { key: searchAttributes.status, value: 'triggered' },
          { key: searchAttributes.severity, value: SEVERITIES[index % SEVERITIES.length] },
          { key: searchAttributes.service, value: `service-${index % 5}` },
          { key: searchAttributes.code, value: `P${String(index).padStart(5, '0')}` },
          { key: searchAttributes.openedAt, value: new Date() },
          { key: searchAttributes.paged, value: ['alice'] },
        ],
      });
    });
    const namespace = client.options.namespace;
    for (;;) {
      const { count } = await client.workflowService.countWorkflowExecutions({ namespace, query: OPEN });
      if (Number(count) >= RUNS) break;
      if (Date.now() - started > SEED_DEADLINE_MS) throw new Error(`only ${String(count)} of ${RUNS} runs visible`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    console.log(`${temporal.label}: ${RUNS} open runs seeded in ${((Date.now() - started) / 1000).toFixed(1)} s; ${uptimeLine()}`);
    // Let the server's own work after the starts (visibility tasks, timers) settle before measuring.
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    const cases: Array<{ name: string; run: () => Promise<number> }> = [
      { name: 'count, all open', run: async () => Number((await client.workflowService.countWorkflowExecutions({ namespace, query: OPEN })).count) },
      { name: 'count, one severity', run: async () => Number((await client.workflowService.countWorkflowExecutions({ namespace, query: `${OPEN} AND ${searchAttributes.severity.name} = 'critical'` })).count) },
      ...[10, 101, 500].map((size) => ({
        name: `list ${size}, one severity`,
        run: async () => (await client.workflowService.listWorkflowExecutions({ namespace, query: `${OPEN} AND ${searchAttributes.severity.name} = 'critical'`, pageSize: size })).executions?.length ?? 0,
      })),
      ...[101, 500].map((size) => ({
        name: `list ${size}, all open`,
        run: async () => (await client.workflowService.listWorkflowExecutions({ namespace, query: OPEN, pageSize: size })).executions?.length ?? 0,
      })),
      // The API's own listing of a page (openRunsListing.ts): the same call, and the rows decoded.
      { name: 'API rows 500, all open', run: async () => (await listOpenRunsPage(client, OPEN, 500)).length },
    ];
    for (const probeCase of cases) {
      const wall: number[] = [];
      const temporalCpu: number[] = [];
      const databaseCpu: number[] = [];
      const clientCpu: number[] = [];
      let returned = 0;
      for (let repeat = 0; repeat < REPEATS; repeat++) {
        const before = temporal.cpuMs();
        const at = performance.now();
        const own = process.cpuUsage();
        returned = await probeCase.run();
        wall.push(performance.now() - at);
        const used = process.cpuUsage(own);
        clientCpu.push((used.user + used.system) / 1000);
        // /proc's counters tick every 10 ms: read them once the server has surely finished its share.
        await new Promise((resolve) => setTimeout(resolve, 50));
        const after = temporal.cpuMs();
        temporalCpu.push(after.temporal - before.temporal);
        databaseCpu.push(after.database - before.database);
      }
      // /proc counts in 10 ms ticks: CPU is the mean over the repeats, not a percentile of ticks.
      const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
      const perRun = /list|rows/.test(probeCase.name) && returned > 0 ? `  server CPU per run ${((mean(temporalCpu) + mean(databaseCpu)) / returned).toFixed(2)} ms` : '';
      console.log(
        `  ${probeCase.name.padEnd(24)} → ${String(returned).padStart(4)}   wall p50 ${percentile(wall, 50).toFixed(0).padStart(4)} ms   mean CPU temporal ${mean(temporalCpu).toFixed(0).padStart(4)} ms + database ${mean(databaseCpu).toFixed(0).padStart(3)} ms, this process ${mean(clientCpu).toFixed(0).padStart(3)} ms${perRun}`,
      );
    }
    console.log(`  ${uptimeLine()}`);
  } finally {
    await connection.close();
    await temporal.stop();
  }
}

for (const kind of STORES) await probe(kind);
