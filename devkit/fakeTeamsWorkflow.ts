/**
 * A loopback stand-in for a Teams Workflows webhook (Power Automate's "When a Teams webhook
 * request is received" trigger posting to a channel): the URL carries its own signature (`sig`),
 * a body must be a message with one Adaptive Card attachment, and the trigger answers 202 with the
 * run's id. Every card is checked against the parts of the Adaptive Card 1.4 schema Vigil uses
 * (TextBlock, FactSet, Action.OpenUrl), strictly, so a card Teams would not render fails here.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

const httpUrl = z.string().max(2048).regex(/^https?:\/\/\S+$/, 'an http(s) URL');
const textBlock = z.strictObject({
  type: z.literal('TextBlock'),
  text: z.string().min(1),
  weight: z.enum(['Default', 'Lighter', 'Bolder']).optional(),
  size: z.enum(['Default', 'Small', 'Medium', 'Large', 'ExtraLarge']).optional(),
  color: z.enum(['Default', 'Dark', 'Light', 'Accent', 'Good', 'Warning', 'Attention']).optional(),
  wrap: z.boolean().optional(),
});
const factSet = z.strictObject({ type: z.literal('FactSet'), facts: z.array(z.strictObject({ title: z.string().min(1), value: z.string() })).min(1) });
const openUrl = z.strictObject({ type: z.literal('Action.OpenUrl'), title: z.string().min(1), url: httpUrl });

/** The Adaptive Card subset Vigil sends, as Teams reads it. */
export const adaptiveCardSchema = z.strictObject({
  type: z.literal('AdaptiveCard'),
  $schema: z.literal('http://adaptivecards.io/schemas/adaptive-card.json'),
  version: z.enum(['1.0', '1.1', '1.2', '1.3', '1.4', '1.5']),
  body: z.array(z.discriminatedUnion('type', [textBlock, factSet])).min(1),
  // Teams shows at most six actions on a card.
  actions: z.array(openUrl).max(6),
  msteams: z.strictObject({ width: z.literal('Full') }).optional(),
});
export const workflowMessageSchema = z.strictObject({
  type: z.literal('message'),
  attachments: z.array(z.strictObject({ contentType: z.literal('application/vnd.microsoft.card.adaptive'), contentUrl: z.null(), content: adaptiveCardSchema })).length(1),
});
export type AdaptiveCardMessage = z.infer<typeof workflowMessageSchema>;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeTeamsWorkflow() {
  const flows = new Map<string, string>();
  const posts: Array<{ flow: string; runId: string; message: AdaptiveCardMessage }> = [];
  let failNext: number[] = [];
  const answer = (res: ServerResponse, status: number, code: string, message: string) =>
    void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code, message } }));

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://fake-workflows');
      const text = await readBody(req);
      const flow = /^\/workflows\/([a-z0-9]+)\/triggers\/manual\/paths\/invoke$/.exec(url.pathname)?.[1];
      if (req.method !== 'POST' || !flow || !flows.has(flow)) return answer(res, 404, 'WorkflowNotFound', 'The workflow could not be found.');
      if (url.searchParams.get('sig') !== flows.get(flow)) return answer(res, 401, 'DirectApiAuthorizationRequired', 'The request must be authenticated.');
      const injected = failNext.shift();
      if (injected !== undefined) return answer(res, injected, 'Told', 'told to fail');
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return answer(res, 400, 'InvalidRequestContent', 'The request content is not valid JSON.');
      }
      const parsed = workflowMessageSchema.safeParse(body);
      if (!parsed.success) return answer(res, 400, 'InvalidRequestContent', parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
      const runId = randomUUID();
      posts.push({ flow, runId, message: parsed.data });
      res.writeHead(202, { 'x-ms-workflow-run-id': runId }).end();
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    posts,
    /** A new flow's webhook URL (its `sig` is its credential, as in Power Automate). */
    addFlow(flow: string): string {
      const sig = randomUUID().replace(/-/g, '');
      flows.set(flow, sig);
      return `${baseUrl}/workflows/${flow}/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${sig}`;
    },
    /** The next posts answer these statuses, one each. */
    failNext(...statuses: number[]) {
      failNext = [...statuses];
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type FakeTeamsWorkflow = Awaited<ReturnType<typeof startFakeTeamsWorkflow>>;
