/**
 * The senders of `bench:storm`, as a child process: senders run on other hosts, so their HTTP
 * client's CPU must not sit on the API's event loop (in the API's process, fetch's own work was
 * about as large as the API's). Keep-alive connections, as Alertmanager and most senders hold.
 * Started by bench/storm.ts over IPC: it answers `ready`, sends on `go`, then reports and exits.
 */
import http from 'node:http';

export interface StormSendersInput {
  apiUrl: string;
  authorization: string;
  alerts: number;
  keys: number;
  concurrency: number;
  runTag: string;
}

export interface StormSendersResult {
  seconds: number;
  latencies: number[];
  /** Seconds from the storm's start at which each answer came (bench:report's throughput-over-time chart). */
  answeredAtS: number[];
  incidentIds: string[];
  rejected: number;
  spooled: number;
  /** The first few answers that were not 202, for the bench's output. */
  failures: string[];
}

interface Answer {
  status: number;
  body: string;
}

function post(agent: http.Agent, url: URL, authorization: string, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { agent, method: 'POST', headers: { authorization, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

async function send(input: StormSendersInput): Promise<StormSendersResult> {
  const url = new URL('/v1/alerts', input.apiUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: input.concurrency });
  const latencies: number[] = [];
  const answeredAtS: number[] = [];
  const incidentIds = new Set<string>();
  const failures: string[] = [];
  let rejected = 0;
  let spooled = 0;
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(input.concurrency, input.alerts) }, async () => {
      while (next < input.alerts) {
        const index = next++;
        const key = index % input.keys;
        const sent = performance.now();
        const body = JSON.stringify({ service: 'storm', summary: `storm key ${key}`, severity: 'critical', dedupKey: `storm-${input.runTag}-${key}` });
        let answer: Answer;
        try {
          answer = await post(agent, url, input.authorization, body);
        } catch (error) {
          answer = { status: 0, body: (error as Error).message };
        }
        latencies.push(performance.now() - sent);
        answeredAtS.push((performance.now() - start) / 1000);
        const parsed = (() => {
          try {
            return JSON.parse(answer.body) as { incidentId?: string; status?: string };
          } catch {
            return {};
          }
        })();
        if (answer.status === 202 && parsed.incidentId) incidentIds.add(parsed.incidentId);
        else if (answer.status === 202 && parsed.status === 'spooled') spooled += 1;
        else {
          rejected += 1;
          if (failures.length < 3) failures.push(`${answer.status} ${answer.body.slice(0, 200)}`);
        }
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  agent.destroy();
  return { seconds, latencies, answeredAtS, incidentIds: [...incidentIds], rejected, spooled, failures };
}

if (process.send) {
  process.once('message', (input: StormSendersInput) => {
    process.send?.({ ready: true });
    process.once('message', () => {
      send(input).then(
        (result) => process.send?.({ result }, () => process.disconnect()),
        (error: unknown) => process.send?.({ error: String(error) }, () => process.disconnect()),
      );
    });
  });
}
