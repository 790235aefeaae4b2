/**
 * Mattermost's commands carry `@username` as typed: the handler asks Mattermost (the official
 * client against a loopback fake of its v4 API) whose user that is, and names the contact with that
 * user id, never a Vigil contact that merely shares the name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChatInboundHandler } from '../../api/chat/chatInbound';
import { createChatRequestGuard } from '../../api/chat/chatRequestGuard';
import { mattermostMentionLookup } from '../../api/chat/mattermost/mattermostUsers';
import { createAlertIntake } from '../../api/intake/alertIntake';
import { parseChatCommand } from '../../domain/chat/commands';
import type { ChatInbound } from '../../domain/chat/platform';
import { parseConfig, responderOf } from '../../domain/config';
import { makeAlert } from '../../devkit/alerts';
import { createFakeGateway } from '../../devkit/fakeGateway';
import { startFakeMattermost, type FakeMattermost } from '../../devkit/fakeMattermost';
import { openSqlStore, type SqlStore } from '../../platform/sqlStore';

const TOKEN = 'mattermost-bot-token';
const ID = { alice: 'aliceid0000000000000000000', carol: 'carolid0000000000000000000', dave: 'daveid00000000000000000000', erin: 'erinid00000000000000000000' };
const config = parseConfig(
  {
    services: { checkout: { escalationPolicy: 'p' } },
    defaultEscalationPolicy: 'p',
    contacts: {
      alice: { name: 'Alice', email: 'alice@example.test', chat: { mattermost: ID.alice } },
      // Vigil's contact "carol" is @carol.w on Mattermost; @carol there is Dave.
      carol: { name: 'Carol', email: 'carol@example.test', chat: { mattermost: ID.carol } },
      dave: { name: 'Dave', email: 'dave@example.test', chat: { mattermost: ID.dave } },
    },
    escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m' }] } },
  },
  'mattermost mentions test',
);

let store: SqlStore;
let mattermost: FakeMattermost;
beforeAll(async () => {
  store = await openSqlStore({});
  mattermost = await startFakeMattermost({ token: TOKEN, users: { alice: ID.alice, 'carol.w': ID.carol, carol: ID.dave, erin: ID.erin } });
});
afterAll(async () => {
  await mattermost.close();
  await store.close();
});

let sequence = 0;
function setUp() {
  const fakes = createFakeGateway();
  const handler = createChatInboundHandler({
    config,
    gateway: fakes.gateway,
    intake: createAlertIntake({ gateway: fakes.gateway }),
    requests: createChatRequestGuard(store),
    mentions: { mattermost: mattermostMentionLookup({ url: mattermost.url, token: TOKEN }) },
  });
  const opened = fakes.open(makeAlert({ service: 'checkout' }));
  const live = fakes.incidents.get(opened.id);
  live?.recordEscalation({ cycle: 0, levelIndex: 0 }, 'p', new Date(), undefined);
  live?.recordPage(responderOf(config, 'alice'), 'email', { cycle: 0, levelIndex: 0 }, new Date(), 'sent');
  const command = (text: string): ChatInbound => {
    const parsed = parseChatCommand(`role ${opened.code} ${text}`);
    if (!parsed.ok) throw new Error(parsed.error);
    return { platform: 'mattermost', userId: ID.alice, requestId: `mm-${++sequence}`, request: { kind: 'command', command: parsed.command } };
  };
  return { handler, command, commander: () => fakes.incidents.get(opened.id)?.view().roles?.commander?.name };
}

describe('mentions in Mattermost commands', () => {
  it('names the contact whose Mattermost user the mention is, not a contact of the same name', async () => {
    const { handler, command, commander } = setUp();
    expect((await handler.handle(command('commander @carol'))).text).toMatch(/commander Dave, set by Alice/);
    expect(commander()).toBe('Dave');
    expect((await handler.handle(command('commander @Carol.W'))).text).toMatch(/commander Carol, set by Alice/);
    expect(commander()).toBe('Carol');
  });

  it('refuses a Mattermost user who is no contact, and a name Mattermost does not know that is no contact either', async () => {
    const { handler, command, commander } = setUp();
    expect((await handler.handle(command('commander @erin'))).text).toMatch(/knows nobody called @erin/);
    expect((await handler.handle(command('commander @mallory'))).text).toMatch(/knows nobody called @mallory/);
    expect((await handler.handle(command('commander @..'))).text).toMatch(/knows nobody called @\.\./);
    expect(commander()).toBeUndefined();
    expect(mattermost.requests.filter((request) => request.path.startsWith('/users/username/')).map((request) => request.path)).toContain('/users/username/mallory');
    expect(mattermost.requests.map((request) => request.path)).not.toContain('/users');
  });
});
