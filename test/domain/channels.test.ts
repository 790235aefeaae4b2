import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { CHANNELS, createChannelRegistry } from '../../domain/channels';
import { fallbackChannels, reminderChannel } from '../../domain/channels/choice';
import { emailChannel } from '../../domain/channels/email';
import { smsChannel } from '../../domain/channels/sms';
import { voiceChannel, voiceScript } from '../../domain/channels/voice';
import { parseWebhookAddress, webhookChannel } from '../../domain/channels/webhook';
import { contactSchemaFor, parseConfig, responderOf } from '../../domain/config';
import { deliveriesFor, type Responder } from '../../domain/escalation';
import type { NotificationRequest } from '../../domain/notification';
import { pagerChannel } from '../support/pagerChannel';

const alice: Responder = { id: 'alice', name: 'Alice', email: 'alice@example.test', phone: '+15550000001' };

function request(channel: NotificationRequest['channel'], kind: NotificationRequest['kind'] = 'page'): NotificationRequest {
  return {
    idempotencyKey: `inc-1:${kind}:L1:c0:alice:${channel}`,
    kind,
    channel,
    responder: alice,
    incident: { id: 'inc-1', code: '7KQ2MX', service: 'checkout', severity: 'critical', summary: 'checkout down', status: 'triggered', alertCount: 1, level: 1, runbookLines: [] },
  };
}

describe('the channel registry', () => {
  it('lists email, SMS, voice, ntfy and webhook, in the order config errors name them; pages SMS, then ntfy, voice, webhook, then email', () => {
    expect(CHANNELS.ids).toEqual(['email', 'sms', 'voice', 'ntfy', 'webhook']);
    expect(CHANNELS.pagingOrder).toEqual(['sms', 'ntfy', 'voice', 'webhook', 'email']);
    // Voice calls the number SMS texts, ntfy and webhook are used where named: by default (no rules) a person is paged as before.
    expect(CHANNELS.defaultOrder).toEqual(['sms', 'email']);
  });

  it('reads the addresses saved histories hold: Responder.email and Responder.phone', () => {
    expect(CHANNELS.addressOf(alice, 'email')).toBe('alice@example.test');
    expect(CHANNELS.addressOf(alice, 'sms')).toBe('+15550000001');
    expect(CHANNELS.reachable({ id: 'b', name: 'B', email: 'b@example.test' }, 'sms')).toBe(false);
    expect(CHANNELS.reachable({ id: 'b', name: 'B', email: 'b@example.test' }, 'email')).toBe(true);
  });

  it('declares email quiet and acknowledged by link, SMS loud and acknowledged by reply, each with its route', () => {
    expect([emailChannel.quiet, emailChannel.acknowledgement]).toEqual([true, { by: 'link', route: '/v1/ack/:token' }]);
    expect([smsChannel.quiet, smsChannel.acknowledgement]).toEqual([false, { by: 'reply', route: '/v1/webhooks/twilio/sms' }]);
  });

  it('checks each address the way config did: an email address, an E.164 number', () => {
    expect(emailChannel.addressSchema(z).safeParse('not-mail').success).toBe(false);
    expect(smsChannel.addressSchema(z).safeParse('+15551234567').success).toBe(true);
    expect(smsChannel.addressSchema(z).safeParse('5551234567').error?.issues[0].message).toBe('an E.164 phone number such as +15551234567');
  });

  it('renders a page per channel: email with its acknowledge link, SMS as one text', () => {
    const mail = emailChannel.render(request('email'), { publicUrl: 'https://vigil.example.test', ackUrl: 'https://vigil.example.test/v1/ack/T' });
    expect(mail.subject).toContain('[Vigil 7KQ2MX] ACTION NEEDED');
    expect(mail.text).toContain('Acknowledge with one click: https://vigil.example.test/v1/ack/T');
    expect(smsChannel.render(request('sms'))).toBe('Vigil 7KQ2MX CRITICAL checkout: checkout down. Reply ACK 7KQ2MX or RESOLVE 7KQ2MX');
  });

  it('copies a contact into a responder with the same fields as before (email, phone; no addresses key)', () => {
    const config = parseConfig(
      {
        services: {},
        defaultEscalationPolicy: 'p',
        contacts: { bob: { name: 'Bob', email: 'bob@example.test' } },
        escalationPolicies: { p: { levels: [{ notify: ['bob'], timeout: '5m' }] } },
      },
      'test',
    );
    const bob = responderOf(config, 'bob');
    expect(bob).toEqual({ id: 'bob', name: 'Bob', email: 'bob@example.test' });
    expect(Object.keys(bob)).toEqual(['id', 'name', 'email', 'phone']);
  });

  it('refuses a channel declared twice or two channels on one contact field', () => {
    expect(() => createChannelRegistry([emailChannel, emailChannel])).toThrow('channel "email" is declared twice');
    expect(() => createChannelRegistry([smsChannel, { ...pagerChannel, contactField: 'phone' }])).toThrow('contact field "phone" is claimed by two channels');
  });
});

describe('a channel added by registering it, with no other edit', () => {
  const registry = createChannelRegistry([emailChannel, smsChannel, pagerChannel]);
  const carol: Responder = { id: 'carol', name: 'Carol', email: 'carol@example.test', addresses: { pager: 'dev-7' } };

  it('gets its contact field and notification rules in config, checked by its own schema', () => {
    const contact = contactSchemaFor(registry);
    const parsed = contact.parse({ name: 'Carol', email: 'carol@example.test', pagerDevice: 'dev-7', notificationRules: [{ channel: 'pager' }, { channel: 'email', after: '1m' }] });
    expect(parsed.pagerDevice).toBe('dev-7');
    expect(registry.responderAddresses(parsed)).toEqual({ email: 'carol@example.test', phone: undefined, addresses: { pager: 'dev-7' } });
    expect(contact.safeParse({ name: 'Carol', pagerDevice: '42' }).error?.issues[0]).toMatchObject({ path: ['pagerDevice'], message: 'a pager device id such as dev-42' });
    // The real registry does not know it: the same contact is refused there.
    expect(contactSchemaFor(CHANNELS).safeParse({ name: 'Carol', pagerDevice: 'dev-7' }).success).toBe(false);
  });

  it('is reachable through Responder.addresses, paged in its rank, and dropped at low urgency (not quiet)', () => {
    expect(registry.reachable(carol, 'pager')).toBe(true);
    expect(registry.reachable(carol, 'sms')).toBe(false);
    expect(registry.pagingOrder).toEqual(['pager', 'sms', 'email']);
    const everything = deliveriesFor(carol, { channels: [], channelsFromRules: true }, 'high', registry);
    expect(everything.map((entry) => entry.channel)).toEqual(['pager', 'email']);
    expect(deliveriesFor(carol, { channels: [], channelsFromRules: true }, 'low', registry).map((entry) => entry.channel)).toEqual(['email']);
  });

  it('renders with its own renderer', () => {
    expect(registry.get('pager').render(request('email'), { publicUrl: 'https://vigil.example.test' })).toEqual({ title: '7KQ2MX page: checkout down', urgent: true });
  });
});

describe('channels the workflow chooses', () => {
  const people: Responder[] = [
    alice,
    { id: 'e', name: 'E', email: 'e@example.test' },
    { id: 'p', name: 'P', phone: '+15550000002' },
    { id: 'n', name: 'N' },
  ];

  it('falls back to the other reachable channels, SMS before email, as the workflow listed them', () => {
    for (const person of people) {
      for (const failed of CHANNELS.ids) {
        // The workflow's list before the registry (workflows/incident.ts).
        const before = (['sms', 'email'] as const).filter((channel) => channel !== failed && (channel === 'email' ? person.email : person.phone));
        expect(fallbackChannels(person, failed)).toEqual(before);
      }
    }
    expect(fallbackChannels(alice, 'email')).toEqual(['sms']);
  });

  it('reminds by email when the person has it, else by SMS, as the workflow chose before', () => {
    expect(people.map((person) => reminderChannel(person))).toEqual(people.map((person) => (person.email ? 'email' : 'sms')));
  });

  it('chooses among registered channels only: a pager falls back first and is never a reminder (not quiet)', () => {
    const registry = createChannelRegistry([emailChannel, smsChannel, pagerChannel]);
    const carol: Responder = { id: 'carol', name: 'Carol', phone: '+15550000003', addresses: { pager: 'dev-7' } };
    expect(fallbackChannels(carol, 'sms', undefined, registry)).toEqual(['pager']);
    expect(fallbackChannels({ ...carol, email: 'c@example.test' }, 'pager', undefined, registry)).toEqual(['sms', 'email']);
    expect(reminderChannel(carol, registry)).toBe('pager');
    expect(reminderChannel({ ...carol, email: 'c@example.test' }, registry)).toBe('email');
  });
});

describe('the voice channel', () => {
  it('calls the number SMS uses, checked the same way, and reads severity, service, summary and code with the keys', () => {
    expect(CHANNELS.addressOf(alice, 'voice')).toBe('+15550000001');
    expect(voiceChannel.addressSchema(z).safeParse('5551234567').success).toBe(false);
    const call = voiceChannel.render(request('voice'), { publicUrl: 'https://vigil.example.test/' });
    expect(call.script).toBe('Vigil page. critical incident on checkout. checkout down. Incident code 7. K. Q. 2. M. X. Press 4 to acknowledge, 6 to resolve, 5 to escalate.');
    expect(call.gatherUrl).toBe('https://vigil.example.test/v1/webhooks/twilio/voice?incident=inc-1');
    expect(call.rounds).toBe(3);
    expect(voiceScript({ code: 'AB', service: 's', severity: 'warning', summary: 'x' }, 'exhausted')).toContain('nobody acknowledged');
  });

  it('is used only where named: not among "every method", not a fallback or reminder unless the person\'s rules name it', () => {
    expect(deliveriesFor(alice, { channels: [], channelsFromRules: true }).map((delivery) => delivery.channel)).toEqual(['sms', 'email']);
    expect(deliveriesFor(alice, { channels: ['voice'] }).map((delivery) => delivery.channel)).toEqual(['voice']);
    const callsFirst: Responder = { ...alice, rules: [{ channel: 'voice', afterSeconds: 0 }, { channel: 'email', afterSeconds: 60 }] };
    expect(deliveriesFor(callsFirst, { channels: [], channelsFromRules: true }).map((delivery) => delivery.channel)).toEqual(['voice', 'email']);
    expect(fallbackChannels(alice, 'sms')).toEqual(['email']);
    expect(fallbackChannels(callsFirst, 'voice')).toEqual(['sms', 'email']);
    expect(fallbackChannels(callsFirst, 'sms')).toEqual(['voice', 'email']);
    expect(reminderChannel({ id: 'p', name: 'P', phone: '+15550000002' })).toBe('sms');
  });

  it('lets two channels share a contact field only when they carry it in the same responder field', () => {
    expect(() => createChannelRegistry([smsChannel, voiceChannel])).not.toThrow();
    expect(() => createChannelRegistry([smsChannel, { ...voiceChannel, responderField: undefined }])).toThrow('contact field "phone" is claimed by two channels');
  });

  it('accepts voice in a level and in notification rules, the phone field being its address', () => {
    const config = parseConfig(
      {
        services: {},
        defaultEscalationPolicy: 'p',
        contacts: { bob: { name: 'Bob', phone: '+15550000009', notificationRules: [{ channel: 'voice' }, { channel: 'sms', after: '1m' }] } },
        escalationPolicies: { p: { levels: [{ notify: ['bob'], channels: ['voice'], timeout: '5m' }] } },
      },
      'test config',
    );
    expect(responderOf(config, 'bob')).toMatchObject({ phone: '+15550000009', rules: [{ channel: 'voice', afterSeconds: 0 }, { channel: 'sms', afterSeconds: 60 }] });
  });
});

describe('the ntfy channel', () => {
  const pushed: Responder = { ...alice, addresses: { ntfy: 'https://ntfy.example.org/alice-pages#tokenEnv=ALICE_NTFY_TOKEN' } };

  it('is used only where named: a person given a topic is paged by default exactly as before', () => {
    expect(deliveriesFor(pushed, { channels: [], channelsFromRules: true }).map((delivery) => delivery.channel)).toEqual(['sms', 'email']);
    expect(deliveriesFor(pushed, { channels: ['ntfy'] }).map((delivery) => delivery.channel)).toEqual(['ntfy']);
    expect(fallbackChannels(pushed, 'sms')).toEqual(['email']);
    const pushFirst: Responder = { ...pushed, rules: [{ channel: 'ntfy', afterSeconds: 0 }, { channel: 'sms', afterSeconds: 120 }] };
    expect(fallbackChannels(pushFirst, 'ntfy')).toEqual(['sms', 'email']);
    expect(fallbackChannels(pushFirst, 'sms')).toEqual(['ntfy', 'email']);
    expect(reminderChannel(pushed)).toBe('email');
  });

  it('takes a topic URL, with the name of the token variable, in config; levels and rules may name it', () => {
    const config = parseConfig(
      {
        services: {},
        defaultEscalationPolicy: 'p',
        contacts: {
          alice: { name: 'Alice', ntfy: { topic: 'https://ntfy.example.org/alice-pages', tokenEnv: 'ALICE_NTFY_TOKEN' }, notificationRules: [{ channel: 'ntfy' }, { channel: 'email', after: '2m' }], email: 'alice@example.test' },
          bob: { name: 'Bob', ntfy: 'https://ntfy.example.org/bob-pages' },
        },
        escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m' }, { notify: ['bob'], channels: ['ntfy'], timeout: '5m' }] } },
      },
      'test config',
    );
    expect(responderOf(config, 'alice')).toMatchObject({ addresses: { ntfy: 'https://ntfy.example.org/alice-pages#tokenEnv=ALICE_NTFY_TOKEN' }, rules: [{ channel: 'ntfy', afterSeconds: 0 }, { channel: 'email', afterSeconds: 120 }] });
    expect(responderOf(config, 'bob').addresses).toEqual({ ntfy: 'https://ntfy.example.org/bob-pages' });
  });

  it('refuses a token written into config, and a topic that is not a URL, naming the field', () => {
    const parse = (ntfy: unknown) => () =>
      parseConfig({ services: {}, defaultEscalationPolicy: 'p', contacts: { bob: { name: 'Bob', ntfy } }, escalationPolicies: { p: { levels: [{ notify: ['bob'], channels: ['ntfy'], timeout: '5m' }] } } }, 'test config');
    expect(parse({ topic: 'https://ntfy.example.org/bob', token: 'tk_secret' })).toThrow(/contacts\.bob\.ntfy/);
    expect(parse({ topic: 'https://ntfy.example.org/bob', tokenEnv: 'tk_secret' })).toThrow(/contacts\.bob\.ntfy\.tokenEnv/);
    expect(parse('bob-pages')).toThrow(/an http\(s\) topic URL on your ntfy server/);
  });
});

describe('the webhook channel', () => {
  const BRIDGE_URL = 'https://bridge.example.com/vigil/page';
  const bridge: Responder = { id: 'payments-bridge', name: 'Payments bridge', email: 'payments-oncall@example.test', addresses: { webhook: `${BRIDGE_URL}#secretEnv=PAGER_BRIDGE_SECRET` } };
  const parseWith = (contact: Record<string, unknown>, level: Record<string, unknown> = { channels: ['webhook'] }) => () =>
    parseConfig({ services: {}, defaultEscalationPolicy: 'p', contacts: { bridge: { name: 'Payments bridge', ...contact } }, escalationPolicies: { p: { levels: [{ notify: ['bridge'], timeout: '5m', ...level }] } } }, 'test config');

  it('is used only where named: a level naming it pages the system; a failed page falls back to the contact\'s other channels', () => {
    expect(deliveriesFor({ ...alice, addresses: bridge.addresses }, { channels: [], channelsFromRules: true }).map((delivery) => delivery.channel)).toEqual(['sms', 'email']);
    expect(deliveriesFor(bridge, { channels: ['webhook'] }).map((delivery) => delivery.channel)).toEqual(['webhook']);
    expect(fallbackChannels(bridge, 'webhook')).toEqual(['email']);
    const ruled: Responder = { ...alice, addresses: bridge.addresses, rules: [{ channel: 'webhook', afterSeconds: 0 }] };
    expect(fallbackChannels(ruled, 'sms')).toEqual(['webhook', 'email']);
    expect(reminderChannel(bridge)).toBe('email');
  });

  it('takes an https URL with the name of the signing secret\'s variable in config; levels and rules may name it', () => {
    const config = parseWith({ webhook: { url: BRIDGE_URL, secretEnv: 'PAGER_BRIDGE_SECRET' }, email: 'payments-oncall@example.test' })();
    expect(responderOf(config, 'bridge')).toMatchObject({ email: 'payments-oncall@example.test', addresses: { webhook: `${BRIDGE_URL}#secretEnv=PAGER_BRIDGE_SECRET` } });
    expect(parseWebhookAddress(responderOf(config, 'bridge').addresses?.webhook ?? '')).toEqual({ url: BRIDGE_URL, secretEnv: 'PAGER_BRIDGE_SECRET' });
    const ruled = parseWith({ webhook: { url: 'http://127.0.0.1:8080/page?team=payments', secretEnv: 'S' }, notificationRules: [{ channel: 'webhook' }] }, {})();
    expect(responderOf(ruled, 'bridge').rules).toEqual([{ channel: 'webhook', afterSeconds: 0 }]);
  });

  it('refuses a URL that is not https (http only to this machine), carries credentials or a fragment, naming the field', () => {
    for (const url of ['http://bridge.example.com/page', 'ftp://bridge.example.com/page', 'https://user:pw@bridge.example.com/page', 'https://bridge.example.com/page#x', 'bridge.example.com/page']) {
      expect(parseWith({ webhook: { url, secretEnv: 'PAGER_BRIDGE_SECRET' } }), url).toThrow(/contacts\.bridge\.webhook\.url: an https:\/\/ URL \(http:\/\/ only to localhost\)/);
    }
  });

  it('refuses a secret written into config, a missing variable name, and a value where the name belongs, naming the field', () => {
    expect(parseWith({ webhook: { url: BRIDGE_URL, secretEnv: 'S', secret: 'whsec_abc' } })).toThrow(/contacts\.bridge\.webhook/);
    expect(parseWith({ webhook: { url: BRIDGE_URL } })).toThrow(/contacts\.bridge\.webhook\.secretEnv/);
    expect(parseWith({ webhook: { url: BRIDGE_URL, secretEnv: 'whsec_abc' } })).toThrow(/contacts\.bridge\.webhook\.secretEnv: the name of an environment variable/);
    expect(parseWith({ webhook: BRIDGE_URL })).toThrow(/contacts\.bridge\.webhook: \{ url, secretEnv \}/);
  });

  it('refuses a level that leaves the channel to a contact reachable only where named, instead of paging nobody', () => {
    expect(parseWith({ webhook: { url: BRIDGE_URL, secretEnv: 'S' } }, {})).toThrow(/escalationPolicies\.p\.levels\.0\.notify\.0: contact "bridge" has no address for channels sms, email \(ntfy, voice, webhook only where/);
    expect(parseWith({ webhook: { url: BRIDGE_URL, secretEnv: 'S' }, notificationRules: [{ channel: 'sms' }] }, {})).toThrow(/no address for channels sms$/m);
  });

  it('renders a page as JSON with the incident, the recipient, and its acknowledge and resolve links; other messages carry no links', () => {
    const links = { publicUrl: 'https://vigil.example.test/', ackUrl: 'https://vigil.example.test/v1/ack/A', resolveUrl: 'https://vigil.example.test/v1/ack/R' };
    const page = webhookChannel.render({ ...request('webhook'), responder: bridge }, links);
    expect(page).toMatchObject({
      type: 'notification.page',
      data: {
        kind: 'page',
        urgency: 'high',
        recipient: { id: 'payments-bridge', name: 'Payments bridge' },
        incident: { id: 'inc-1', key: '7KQ2MX', service: 'checkout', severity: 'critical', status: 'triggered', level: 1, url: 'https://vigil.example.test/v1/incidents/inc-1', dashboardUrl: 'https://vigil.example.test/dashboard/incidents/inc-1' },
        actions: { acknowledge: links.ackUrl, resolve: links.resolveUrl },
      },
    });
    expect(page.data.title).toBe('[7KQ2MX] Page: critical checkout');
    const told = webhookChannel.render({ ...request('webhook', 'update-due'), responder: bridge }, links);
    expect(told.type).toBe('notification.update_due');
    expect(told.data.actions).toBeUndefined();
    expect(webhookChannel.render({ ...request('webhook'), urgency: 'low', responder: bridge }, { publicUrl: 'https://vigil.example.test' }).data).not.toHaveProperty('actions');
  });
});
