/**
 * `npm run bench:crash:hosts`: two-host kill trials, on the production topology as processes
 * (devkit/topology.ts: Debian's PostgreSQL, a self-hosted Temporal server with PostgreSQL
 * persistence and SQL visibility, two API replicas, two workers on separate VIGIL_HOMEs, a real
 * SMTP server and the twilio SDK against the loopback fake).
 *
 * BENCH_TRIALS (100) trials, one after another. Each opens one incident through one API replica
 * (alternating); the policy pages alice (email + SMS + a phone call the fake answers as a person
 * 1.5 s after it is placed), then bob (email + SMS + ntfy push to his topic on the fake ntfy
 * server + a signed webhook page to the loopback receiver) BENCH_LEVEL_TIMEOUT_S (2 s) later,
 * then carol (email) as much later; the last level waits 1 h, so eight pages each. A
 * random worker is SIGKILLed, either at a uniform moment in the escalation's span (two level
 * timeouts + 1 s) or right after the sink or the Twilio fake accepted the trial's k-th page (k
 * uniform in 1..8; half the trials each), and restarted after 0..BENCH_DOWN_MAX_S (3 s). The
 * other worker keeps running, as the other host would.
 *
 * Figures, once every trial is done and BENCH_GRACE_S (40 s: a page activity killed in flight
 * runs out its 30 s start-to-close timeout before it is retried) has passed:
 *   - duplicate pages: pages beyond one per incident and recipient/channel;
 *   - missed pages: expected (incident, recipient/channel) never paged;
 *   - next-page delay: for the first page of the trial received after the kill (not a repeat of
 *     one sent before it), receipt minus
 *     the later of the kill and the moment it fell due (level 1: the alert's 202; level n: the
 *     first receipt of level n-1 plus the level timeout, slightly after the workflow's own clock).
 * Random choices come from a seeded PRNG (BENCH_SEED reproduces the choices, not the timing).
 * Bounded by BENCH_DEADLINE_MIN (60 min; 100 trials took 40 min on 2 loaded cores): no trial starts that could not finish within it; everything started is stopped on the way out.
 */
import { benchClock, sleep } from './harness/benchClock';
import { benchCleanups, envNumber, envSeed, uptimeLine } from './harness/benchProcess';
import { percentile } from './harness/stats';
import { writeBenchResult } from './harness/benchResult';
import { seededRandom } from '../devkit/seededRandom';
import { receivedPages, startTopology, tallyPages, TOPOLOGY_NTFY_TOKEN_ENV, TOPOLOGY_WEBHOOK_SECRET_ENV, type ReceivedPage, type Topology } from '../devkit/topology';

const TRIALS = Math.floor(envNumber('BENCH_TRIALS', 100));
const LEVEL_TIMEOUT_S = Math.max(1, Math.floor(envNumber('BENCH_LEVEL_TIMEOUT_S', 2)));
const KILL_WINDOW_MS = (2 * LEVEL_TIMEOUT_S + 1) * 1000;
const DOWN_MAX_MS = envNumber('BENCH_DOWN_MAX_S', 3) * 1000;
const GRACE_MS = envNumber('BENCH_GRACE_S', 40) * 1000;
const TRIAL_WAIT_MS = envNumber('BENCH_TRIAL_WAIT_S', 90) * 1000;
const DEADLINE_MS = envNumber('BENCH_DEADLINE_MIN', 60) * 60_000;
const SEED = envSeed();

const CONTACTS = {
  alice: { name: 'Alice', email: 'alice@example.test', phone: '+15550100001' },
  bob: { name: 'Bob', email: 'bob@example.test', phone: '+15550100002' },
  carol: { name: 'Carol', email: 'carol@example.test' },
};
/** Recipient/channel of each level, in order (level 1 has three pages, level 2 four, level 3 one). */
const LEVEL_RECIPIENTS = [
  [`email:${CONTACTS.alice.email}`, `sms:${CONTACTS.alice.phone}`, `voice:${CONTACTS.alice.phone}`],
  [`email:${CONTACTS.bob.email}`, `sms:${CONTACTS.bob.phone}`, 'ntfy:bob-pages', 'webhook:bob'],
  [`email:${CONTACTS.carol.email}`],
];
const EVERY_PAGE = LEVEL_RECIPIENTS.flat();

const random = seededRandom(SEED);
const cleanups = benchCleanups('bench:crash:hosts');
const { started, progress, withinDeadline, poll } = benchClock({ name: 'bench:crash:hosts', deadlineMs: DEADLINE_MS, cleanups });
/** Polls every `intervalMs` until `check` holds, or `timeoutMs` passes (then undefined). */
const until = <T>(what: string, check: () => T | undefined | false, timeoutMs: number, intervalMs = 5) => poll(what, check, timeoutMs, intervalMs);

interface Trial {
  code: string;
  openedAtMs: number;
  killedAtMs: number;
  kill: string;
  /** Receipt of the first page after the kill minus when it was due (or the kill, if later). */
  nextPageDelayMs?: number;
}

function pagesOf(topology: Topology, code: string): ReceivedPage[] {
  return receivedPages(topology).filter((page) => page.code === code);
}

/** When `page` fell due: the alert's acceptance for level 1, else the previous level's first receipt plus the timeout. */
function dueAtMs(page: ReceivedPage, pages: readonly ReceivedPage[], openedAtMs: number): number {
  const level = LEVEL_RECIPIENTS.findIndex((recipients) => recipients.includes(page.recipient));
  if (level <= 0) return openedAtMs;
  const previous = pages.filter((other) => LEVEL_RECIPIENTS[level - 1].includes(other.recipient)).map((other) => other.receivedAtMs);
  return previous.length > 0 ? Math.min(...previous) + LEVEL_TIMEOUT_S * 1000 : openedAtMs;
}

async function runTrial(topology: Topology, index: number): Promise<Trial> {
  const victim = topology.workers[Math.floor(random() * topology.workers.length)];
  const afterAccept = random() < 0.5;
  const killAfterPage = 1 + Math.floor(random() * EVERY_PAGE.length);
  const killAtMs = random() * KILL_WINDOW_MS;
  const downMs = random() * DOWN_MAX_MS;

  const answer = await topology.postAlert(index % topology.apis.length, { service: 'payments', summary: `trial ${index}`, severity: 'critical', dedupKey: `trial-${SEED}-${index}` });
  const openedAtMs = Date.now();
  if (answer.status !== 202 || !answer.code) throw new Error(`trial ${index}: the alert was answered ${answer.status} ${JSON.stringify(answer.body)}`);
  const code = answer.code;

  let kill: string;
  if (afterAccept) {
    kill = `${victim.name} right after page ${killAfterPage} was accepted`;
    await until(`trial ${index}'s page ${killAfterPage}`, () => pagesOf(topology, code).length >= killAfterPage, TRIAL_WAIT_MS, 1);
  } else {
    kill = `${victim.name} at +${(killAtMs / 1000).toFixed(2)} s`;
    await sleep(openedAtMs + killAtMs - Date.now());
  }
  await victim.kill('SIGKILL');
  const killedAtMs = Date.now();
  const restarted = sleep(downMs).then(() => victim.start());

  await until(`trial ${index}'s pages`, () => tallyPages(receivedPages(topology), [code], EVERY_PAGE).missed.length === 0, TRIAL_WAIT_MS, 50);
  await restarted;
  const pages = pagesOf(topology, code);
  // A repeat of a page sent before the kill is a duplicate, not the next page.
  const next = pages.find((page) => page.receivedAtMs >= killedAtMs && !pages.some((earlier) => earlier.recipient === page.recipient && earlier.receivedAtMs < killedAtMs));
  const nextPageDelayMs = next && next.receivedAtMs - Math.max(killedAtMs, dueAtMs(next, pages, openedAtMs));
  return { code, openedAtMs, killedAtMs, kill, nextPageDelayMs };
}

async function main(): Promise<void> {
  console.log(`bench:crash:hosts  trials=${TRIALS} seed=${SEED} level timeout=${LEVEL_TIMEOUT_S} s kill window=${KILL_WINDOW_MS / 1000} s down<=${DOWN_MAX_MS / 1000} s`);
  console.log(uptimeLine());
  const topology = await startTopology({
    name: 'vigil-bench-hosts',
    ntfyTopics: ['bob-pages'],
    config: ({ ntfyBaseUrl, webhookUrl }) => ({
      services: {},
      defaultEscalationPolicy: 'p',
      contacts: {
        ...CONTACTS,
        bob: { ...CONTACTS.bob, ntfy: { topic: `${ntfyBaseUrl}/bob-pages`, tokenEnv: TOPOLOGY_NTFY_TOKEN_ENV }, webhook: { url: webhookUrl, secretEnv: TOPOLOGY_WEBHOOK_SECRET_ENV } },
      },
      escalationPolicies: {
        p: {
          levels: [
            { notify: ['alice'], channels: ['email', 'sms', 'voice'], timeout: `${LEVEL_TIMEOUT_S}s` },
            { notify: ['bob'], channels: ['email', 'sms', 'ntfy', 'webhook'], timeout: `${LEVEL_TIMEOUT_S}s` },
            { notify: ['carol'], channels: ['email'], timeout: '1h' },
          ],
        },
      },
    }),
  });
  cleanups.push({ what: 'the topology', run: () => topology.stop() });
  progress(`topology up in ${((Date.now() - started) / 1000).toFixed(1)} s (logs under ${topology.dir})`);

  const trials: Trial[] = [];
  // A trial is started only while it and the grace can still finish within the bound: a slow
  // machine then reports fewer trials (and says so) rather than none.
  const lastTrialStartMs = DEADLINE_MS - GRACE_MS - TRIAL_WAIT_MS;
  for (let index = 0; index < TRIALS; index++) {
    if (Date.now() - started > lastTrialStartMs) {
      progress(`stopping after ${index} trials: BENCH_DEADLINE_MIN (${DEADLINE_MS / 60_000}) leaves no time for another`);
      break;
    }
    withinDeadline(`trial ${index}`);
    const trial = await runTrial(topology, index);
    trials.push(trial);
    progress(`trial ${index + 1}/${TRIALS} ${trial.code}: killed ${trial.kill}; next page ${trial.nextPageDelayMs === undefined ? 'none left' : `${(trial.nextPageDelayMs / 1000).toFixed(2)} s`}`);
  }
  progress(`waiting ${GRACE_MS / 1000} s for late duplicates`);
  await sleep(GRACE_MS);

  const tally = tallyPages(receivedPages(topology), trials.map((trial) => trial.code), EVERY_PAGE);
  const delays = trials.flatMap((trial) => (trial.nextPageDelayMs === undefined ? [] : [trial.nextPageDelayMs]));
  const duplicatePages = tally.duplicates.reduce((sum, entry) => sum + entry.count - 1, 0);
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`trials:              ${trials.length}${trials.length < TRIALS ? ` of ${TRIALS} (time bound reached)` : ''} (${trials.filter((trial) => trial.kill.includes('accepted')).length} killed right after a page was accepted)`);
  console.log(`pages expected:      ${trials.length * EVERY_PAGE.length}`);
  const sameMessageResends = tally.duplicates.reduce((sum, entry) => sum + entry.count - entry.distinct, 0);
  console.log(`duplicate pages:     ${duplicatePages} in ${new Set(tally.duplicates.map((entry) => entry.code)).size} incidents${tally.duplicates.length ? ` ${JSON.stringify(tally.duplicates)}` : ''}`);
  console.log(`  of which           ${sameMessageResends} re-sent with the first send's id (an email's Message-ID, a webhook page's webhook-id: one message to clients and receivers that dedupe by it), ${duplicatePages - sameMessageResends} distinct messages`);
  console.log(`missed pages:        ${tally.missed.length}${tally.missed.length ? ` ${JSON.stringify(tally.missed)}` : ''}`);
  console.log(`next-page delay:     p50 ${s(percentile(delays, 50))}, p99 ${s(percentile(delays, 99))}, max ${s(Math.max(...delays))} (n=${delays.length})`);
  console.log(uptimeLine());
  console.log(`reproduce: BENCH_TRIALS=${TRIALS} BENCH_SEED=${SEED} npm run bench:crash:hosts`);
  writeBenchResult({
    bench: 'crash-hosts',
    settings: { BENCH_TRIALS: TRIALS, BENCH_SEED: SEED, trialsRun: trials.length },
    figures: [
      { name: 'duplicate pages', value: duplicatePages, unit: 'count', goal: '0' },
      { name: 'missed pages', value: tally.missed.length, unit: 'count', goal: '0' },
      { name: 'next-page delay after a kill, p50', value: percentile(delays, 50), unit: 'ms' },
      { name: 'next-page delay after a kill, p99', value: percentile(delays, 99), unit: 'ms' },
    ],
    series: { nextPageDelayMs: delays },
  });
}

main()
  .catch((error: unknown) => {
    console.error(`bench:crash:hosts failed: ${(error as Error).stack ?? error}`);
    process.exitCode = 1;
  })
  .finally(() => cleanups.cleanUp());
