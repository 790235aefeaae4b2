import { z } from 'zod';
import { parseDurationSeconds } from './duration';
import { isValidLabelPattern, type EventPolicy } from './classification';
import { LABEL_PATTERN_RULE } from './labelPattern';
import type { GroupingRule } from './grouping';
import type { Channel, EscalationPolicySnapshot, Responder } from './escalation';
import { CHANNELS, type ChannelDefinition, type ChannelRegistry } from './channels';
import { onCallAt, type Schedule } from './schedule';
import { isValidTimeZone, restrictionFromConfig, restrictionSchema, scheduleFromConfig, scheduleSchema, scheduleUserReferences } from './scheduleConfig';
import { SEVERITIES } from './severity';
import { statusPageIssues, statusPagesSchema } from './statusPageConfig';
import { DEFAULT_ROLE, ROLES } from './roles';
import { accessSchema, limitsSchema } from './accessConfig';
import { DEFAULT_PROBLEMS, problemsConfigSchema } from './problemConfig';
import { emailIntakeSchema } from './emailIntakeConfig';
import { heartbeatIssues, heartbeatsSchema } from './heartbeatConfig';
import { webhookIssues, webhooksSchema } from './webhookConfig';
import { chatChannelsSchema, chatIdentitySchema, chatIssues, incidentRoomsSchema } from './chat/chatConfig';

const idPattern = /^[a-z0-9][a-z0-9._-]{0,62}$/;
/** An SNS topic ARN in any AWS partition (standard, China, GovCloud); FIFO topics end in `.fifo`. */
const SNS_TOPIC_ARN = /^arn:aws(-cn|-us-gov)?:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const id = z.string().regex(idPattern, 'lower-case letters, digits, ".", "_" or "-", starting with a letter or digit');

const duration = z.string().refine((text) => (parseDurationSeconds(text) ?? 0) > 0, {
  message: 'a positive duration such as "30s", "5m", "2h" or "1d"',
});

/** "0s" is allowed here: a notification rule may fire at once. */
const delay = z.string().refine((text) => parseDurationSeconds(text) !== undefined || text === '0' || text === '0s', {
  message: 'a duration such as "0s", "30s", "5m"',
});

/**
 * A contact in config: a name, one address field per channel (`email`, `phone`, ... as each
 * channel in `domain/channels/` declares), and notification rules naming channels by id.
 * `registry` is the channel registry (another one in tests).
 */
export function contactSchemaFor<Id extends string, Defs extends readonly ChannelDefinition<Id>[]>(registry: ChannelRegistry<Id, Defs>) {
  const addresses = {} as { [Def in Defs[number] as Def['contactField']]: z.ZodOptional<ReturnType<Def['addressSchema']>> };
  for (const channel of registry.definitions) (addresses as Record<string, z.ZodType>)[channel.contactField] = channel.addressSchema(z).optional();
  return z
    .object({
      name: z.string().min(1),
      ...addresses,
      /**
       * How this person is paged when a level leaves it to them (sets no `channels`), e.g. SMS at
       * once and email a minute later if nobody acknowledged. Default: every method they have, at once.
       */
      notificationRules: z
        .array(z.object({ channel: z.enum(registry.ids), after: delay.default('0s') }).strict())
        .min(1)
        .optional(),
      /** Their chat identities (`slack`, `mattermost`, `matrix`, `teams`), whether pages also go to their direct messages, and their role there (docs/chat.md). */
      chat: chatIdentitySchema.optional(),
    })
    .strict();
}

const contactSchema = contactSchemaFor(CHANNELS);

/** `alice` or `user:alice` (a contact), `schedule:<id>` (who is on call when the level fires), `team:<id>` (every member). */
const targetRef = z.string().regex(/^((user|schedule|team):)?[a-z0-9][a-z0-9._-]{0,62}$/, 'a contact id, or user:<id>, schedule:<id>, team:<id>');

const levelSchema = z
  .object({
    notify: z.array(targetRef).min(1),
    /** Channels for everyone of the level, at once; leave out to follow each person's notification rules. */
    channels: z.array(z.enum(CHANNELS.ids)).min(1).optional(),
    /** How long this level waits for an acknowledgement before the next one fires. */
    timeout: duration,
    /** Team chat channels (names from `chatChannels`) that get the incident card when this level fires. */
    chat: z.array(id).min(1).max(20).optional(),
  })
  .strict();

const policySchema = z
  .object({
    levels: z.array(levelSchema).min(1),
    /** Further passes through all levels after the first (0 = run once). */
    repeat: z.number().int().min(0).max(20).default(0),
    /** An acknowledged incident not resolved within this long returns to triggered and escalates again. */
    ackTimeout: duration.optional(),
    /** Who is told when every level and repeat passed without an acknowledgement (e.g. the operations manager). */
    onExhausted: z.object({ notify: z.array(targetRef).min(1) }).strict().optional(),
  })
  .strict();

const teamSchema = z
  .object({
    name: z.string().min(1).optional(),
    members: z.array(id).min(1),
  })
  .strict();

const serviceSchema = z
  .object({
    name: z.string().min(1).optional(),
    escalationPolicy: id,
    /** Parameters for runbooks on this service, keyed by runbook id; each runbook validates its own. */
    runbooks: z.record(z.string(), z.unknown()).default({}),
    /**
     * Resolve an incident when its source reports every one of its alerts resolved. Off by
     * default: the source's word is then noted on the timeline and a human closes the incident.
     */
    autoResolve: z.boolean().default(false),
    /**
     * Wait this long before the first page (and before any runbook): an alert that resolves
     * meanwhile was a flap, and its incident closes having paged nobody.
     */
    flapPause: duration.optional(),
    /** Who is kept informed about this service's incidents, and how often (see `communicationPlans`). */
    communicationPlan: id.optional(),
  })
  .strict();

/**
 * Stakeholders and cadence: who hears of an incident's status changes and responders' updates
 * (by email), and how often responders owe an update, by severity (a severity left out: no cadence).
 */
const communicationPlanSchema = z
  .object({
    stakeholders: z.array(id).default([]),
    updateEvery: z.partialRecord(z.enum(SEVERITIES), duration).default({}),
  })
  .strict();

const apiKeySchema = z
  .object({
    /** Recorded as the actor of every acknowledge or resolve made with this key. */
    user: z.string().min(1),
    /** Name of the environment variable that holds the key: keys never live in the repository. */
    env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name'),
    /** Which writes the key may make (see docs/roles.md); a key without one is a responder, as before roles. */
    role: z.enum(ROLES).default(DEFAULT_ROLE),
  })
  .strict();

/**
 * A monitoring tool that sends to Vigil. Its token is read from the environment variable named by
 * `tokenEnv`; the sender presents it as `Authorization: Bearer <token>`, as the password of Basic
 * auth, or, for senders that cannot set headers, at the end of the URL (`/v1/integrations/<id>/<token>`).
 */
/** Headers HTTP, proxies or Vigil already give a meaning: never a token's. */
const RESERVED_TOKEN_HEADERS = /^(authorization|proxy-authorization|host|cookie|connection|upgrade|te|trailer|transfer-encoding|user-agent|accept(-.*)?|content-.*|forwarded|x-forwarded-.*|x-real-ip|via|idempotency-key|x-request-id)$/i;

const integrationSchema = z
  .object({
    /** Payload format: an adapter id from `api/adapters/index.ts`. */
    source: z.string().min(1),
    /** Service for alerts that do not name one. */
    service: id.optional(),
    tokenEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name'),
    /**
     * Dedup key from the alert's labels, e.g. `{alertname}/{instance}`, instead of the sender's
     * own (Alertmanager fingerprint, PagerDuty dedup_key, ...).
     */
    dedupKey: z.string().min(1).max(200).regex(/\{[^{}]+\}/, 'a template naming at least one {label}').optional(),
    /** Read severity from this label through this table (values compared case-insensitively). */
    severityFrom: z
      .object({ label: z.string().min(1), values: z.record(z.string(), z.enum(SEVERITIES)) })
      .strict()
      .optional(),
    /**
     * A header the sender presents the token in, as its whole value (an EventBridge connection's
     * API key name, e.g. `x-vigil-token`), besides Bearer and Basic. Not one a proxy or client sets.
     */
    tokenHeader: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/, 'a header name: letters, digits and dashes')
      .refine((name) => !RESERVED_TOKEN_HEADERS.test(name), 'a header of its own, not a standard one (authorization, host, cookie, content-*, x-forwarded-*, ...)')
      .optional(),
    /** With Basic auth, the user name the sender must give (the password is the token); any name when absent. */
    basicAuthUser: z.string().min(1).max(128).optional(),
    /** Alerts the sender sent as one group (Alertmanager, Grafana) share one incident; false keeps them apart. */
    groupBySender: z.boolean().default(true),
    /**
     * SNS (cloudwatch) only: the topics whose messages are accepted. A signed message from any
     * other topic, another account's included, is refused; with none listed every message is
     * refused and its topic logged, so the operator can pin it (docs/integrations.md).
     */
    topicArns: z.array(z.string().regex(SNS_TOPIC_ARN, 'an SNS topic ARN: arn:aws:sns:<region>:<12-digit account>:<topic name>')).min(1).max(20).optional(),
    /** Email only: dedup key and resolved-subject patterns, severity (docs/integrations.md, "Inbound email"). */
    email: emailIntakeSchema.optional(),
  })
  .strict()
  .refine((integration) => integration.topicArns === undefined || integration.source === 'cloudwatch', {
    message: 'only a cloudwatch (SNS) integration has topics',
    path: ['topicArns'],
  })
  .refine((integration) => integration.email === undefined || integration.source === 'email', {
    message: 'only an email integration has email settings',
    path: ['email'],
  });

const oneOrMany = <T extends z.ZodType>(item: T) => z.union([item, z.array(item).min(1)]).transform((value) => (Array.isArray(value) ? value : [value]));

const matcherSchema = z
  .object({
    source: oneOrMany(z.string().min(1)).optional(),
    service: oneOrMany(z.string().min(1)).optional(),
    severity: oneOrMany(z.enum(SEVERITIES)).optional(),
    /** Exact value, `*` (present), or `/regex/` (anchored). */
    labels: z.record(z.string(), z.string().refine(isValidLabelPattern, LABEL_PATTERN_RULE)).optional(),
  })
  .strict();

/** Alerts matching `match` and sharing the values of the `by` labels join one incident. */
const groupingRuleSchema = z
  .object({
    name: id,
    match: matcherSchema,
    by: z.array(z.string().min(1)).min(1),
    /** The group takes new alerts until this long after its last one; later ones start a new group. */
    window: duration,
  })
  .strict();

/**
 * One rule of the event policy: alerts it matches become incidents, events (recorded, nobody
 * paged) or are dropped. An event rule may promote a recurring event to an incident.
 */
const classificationRuleSchema = z
  .object({
    name: id,
    match: matcherSchema,
    action: z.enum(['incident', 'event', 'drop']),
    promote: z
      .object({
        /** Becomes an incident on this many events of the same key... */
        count: z.number().int().min(2).max(100_000).optional(),
        /** ...within this long (default: 1h). */
        within: duration.optional(),
        /** Or when the same key has been firing this long without resolving. */
        persistsFor: duration.optional(),
      })
      .strict()
      .refine((promote) => promote.count !== undefined || promote.persistsFor !== undefined, 'give "count" or "persistsFor"')
      .optional(),
  })
  .strict()
  .refine((rule) => rule.promote === undefined || rule.action === 'event', { message: 'only an "event" rule can promote', path: ['promote'] });

const eventPolicySchema = z
  .object({
    rules: z.array(classificationRuleSchema).default([]),
    /** For alerts no rule matches: every alert pages by default, as before any policy. */
    default: z.enum(['incident', 'event', 'drop']).default('incident'),
  })
  .strict();

export const vigilConfigSchema = z
  .object({
    services: z.record(id, serviceSchema),
    /** Policy for alerts whose service is not listed: an unknown service still pages someone. */
    defaultEscalationPolicy: id,
    contacts: z.record(id, contactSchema),
    communicationPlans: z.record(id, communicationPlanSchema).default({}),
    /** The plan of services that name none (none: nobody beyond the responders is told). */
    defaultCommunicationPlan: id.optional(),
    /** On-call schedules a level can page (`schedule:<id>`): whoever is on call when it fires. */
    schedules: z.record(id, scheduleSchema).default({}),
    /** Groups of contacts a level can notify together (`team:<id>`). */
    teams: z.record(id, teamSchema).default({}),
    escalationPolicies: z.record(id, policySchema),
    apiKeys: z.array(apiKeySchema).default([]),
    /** Who may read without a key (nobody, by default): see docs/security.md. */
    access: accessSchema,
    /** Storm guard, failed-authentication and per-client limits: see docs/security.md. */
    limits: limitsSchema,
    integrations: z.record(id, integrationSchema).default({}),
    /** Scheduled jobs that must ping in time, else an incident opens (docs/heartbeats.md). */
    heartbeats: heartbeatsSchema,
    eventPolicy: eventPolicySchema.default({ rules: [], default: 'incident' }),
    /** Severities paged at low urgency: email only (high urgency pages by SMS and email at once). */
    urgency: z
      .object({
        low: z.array(z.enum(SEVERITIES)).default(['warning', 'info']),
        /** Low-urgency pages wait for these hours (e.g. weekdays 09:00–17:00); absent: they go out at once. */
        businessHours: z.object({ timeZone: z.string().refine(isValidTimeZone, 'an IANA time zone such as Europe/Berlin'), windows: z.array(restrictionSchema).min(1) }).strict().optional(),
      })
      .strict()
      .default({ low: ['warning', 'info'] }),
    /** Grouping rules, first match wins (alerts matching none stay one incident per dedup key). */
    grouping: z.array(groupingRuleSchema).default([]),
    /** Recurring incidents become problems: thresholds, reopen window, fingerprint (see `docs/problems.md`). */
    problems: problemsConfigSchema.default(DEFAULT_PROBLEMS),
    /** Public, read-only status pages for stakeholders, one per group of services (`/status/<id>`). */
    statusPages: statusPagesSchema,
    /** Endpoints that receive incident events as signed JSON (docs/webhooks.md). */
    webhooks: webhooksSchema,
    /** Team channels in Slack, Teams, Mattermost or Matrix that levels post incident cards to, by name (docs/chat.md). */
    chatChannels: chatChannelsSchema,
    /** Which incidents get a chat room of their own, on which platform, and who is invited; first match wins (docs/chat.md). */
    incidentRooms: incidentRoomsSchema,
    runbooks: z
      .object({
        /** Per-step activity timeout. */
        stepTimeout: duration.default('2m'),
      })
      .strict()
      .default({ stepTimeout: '2m' }),
    /** Post-incident reviews: which severities must have one, and how soon after resolution. */
    reviews: z
      .object({
        requiredFor: z.array(z.enum(SEVERITIES)).default(['critical', 'error']),
        dueWithin: duration.default('5d'),
      })
      .strict()
      .default({ requiredFor: ['critical', 'error'], dueWithin: '5d' }),
  })
  .strict()
  .superRefine((config, ctx) => {
    const policyIds = new Set(Object.keys(config.escalationPolicies));
    if (!policyIds.has(config.defaultEscalationPolicy)) {
      ctx.addIssue({ code: 'custom', path: ['defaultEscalationPolicy'], message: `no escalation policy "${config.defaultEscalationPolicy}"` });
    }
    for (const [serviceId, service] of Object.entries(config.services)) {
      if (!policyIds.has(service.escalationPolicy)) {
        ctx.addIssue({ code: 'custom', path: ['services', serviceId, 'escalationPolicy'], message: `no escalation policy "${service.escalationPolicy}"` });
      }
    }
    for (const issue of statusPageIssues(config)) ctx.addIssue({ code: 'custom', ...issue });
    for (const issue of heartbeatIssues(config)) ctx.addIssue({ code: 'custom', ...issue });
    for (const issue of webhookIssues(config)) ctx.addIssue({ code: 'custom', ...issue });
    for (const issue of chatIssues(config)) ctx.addIssue({ code: 'custom', ...issue });
    const planIds = new Set(Object.keys(config.communicationPlans));
    if (config.defaultCommunicationPlan && !planIds.has(config.defaultCommunicationPlan)) {
      ctx.addIssue({ code: 'custom', path: ['defaultCommunicationPlan'], message: `no communication plan "${config.defaultCommunicationPlan}"` });
    }
    for (const [serviceId, service] of Object.entries(config.services)) {
      if (service.communicationPlan && !planIds.has(service.communicationPlan)) {
        ctx.addIssue({ code: 'custom', path: ['services', serviceId, 'communicationPlan'], message: `no communication plan "${service.communicationPlan}"` });
      }
    }
    for (const [planId, plan] of Object.entries(config.communicationPlans)) {
      plan.stakeholders.forEach((contactId, index) => {
        const contact = config.contacts[contactId];
        const path = ['communicationPlans', planId, 'stakeholders', index];
        if (!contact) ctx.addIssue({ code: 'custom', path, message: `no contact "${contactId}"` });
        else if (!contact.email) ctx.addIssue({ code: 'custom', path, message: `contact "${contactId}" has no email (stakeholders are told by email)` });
      });
    }
    for (const [scheduleId, schedule] of Object.entries(config.schedules)) {
      for (const { userId, path } of scheduleUserReferences(schedule)) {
        if (!config.contacts[userId]) ctx.addIssue({ code: 'custom', path: ['schedules', scheduleId, ...path], message: `no contact "${userId}"` });
      }
    }
    for (const [teamId, team] of Object.entries(config.teams)) {
      team.members.forEach((member, index) => {
        if (!config.contacts[member]) ctx.addIssue({ code: 'custom', path: ['teams', teamId, 'members', index], message: `no contact "${member}"` });
      });
    }
    const checkRef = (ref: string, path: Array<string | number>, channels: readonly string[] | undefined) => {
      const { kind, target } = parseTargetRef(ref);
      if (kind === 'team') {
        if (!config.teams[target]) ctx.addIssue({ code: 'custom', path, message: `no team "${target}"` });
        return;
      }
      if (kind === 'schedule') {
        if (!scheduleIds(config).has(target)) ctx.addIssue({ code: 'custom', path, message: `no schedule "${target}"` });
        return;
      }
      const contact = config.contacts[target];
      if (!contact) {
        ctx.addIssue({ code: 'custom', path, message: `no contact "${target}"` });
        return;
      }
      // A level without channels pages by the person's rules, else by every channel not used only where named (`deliveriesFor`).
      const wanted = channels ?? contact.notificationRules?.map((rule) => rule.channel) ?? CHANNELS.defaultOrder;
      if (!wanted.some((channel) => CHANNELS.contactAddress(contact, channel as Channel))) {
        const hint = channels || contact.notificationRules ? '' : ` (${CHANNELS.pagingOrder.filter((id) => CHANNELS.get(id).onlyWhenNamed).join(', ')} only where a level's channels or the contact's notificationRules name them)`;
        ctx.addIssue({ code: 'custom', path, message: `contact "${target}" has no address for channels ${wanted.join(', ')}${hint}` });
      }
    };
    for (const [policyId, policy] of Object.entries(config.escalationPolicies)) {
      policy.levels.forEach((level, levelIndex) => {
        level.notify.forEach((ref, targetIndex) => checkRef(ref, ['escalationPolicies', policyId, 'levels', levelIndex, 'notify', targetIndex], level.channels));
      });
      policy.onExhausted?.notify.forEach((ref, index) => checkRef(ref, ['escalationPolicies', policyId, 'onExhausted', 'notify', index], undefined));
    }
  });

/** A level's target, split: `alice` and `user:alice` are both the contact alice. */
export function parseTargetRef(ref: string): { kind: 'user' | 'schedule' | 'team'; target: string } {
  const colon = ref.indexOf(':');
  if (colon < 0) return { kind: 'user', target: ref };
  return { kind: ref.slice(0, colon) as 'user' | 'schedule' | 'team', target: ref.slice(colon + 1) };
}

function scheduleIds(config: { schedules: Record<string, unknown> }): Set<string> {
  return new Set(Object.keys(config.schedules));
}

/** What a config file is written as (defaults may be left out). */
export type VigilConfigInput = z.input<typeof vigilConfigSchema>;
/** A validated config, defaults filled in. */
export type VigilConfig = z.output<typeof vigilConfigSchema>;

/** Configs written before it moved import it from here. */
export { defineConfig } from './defineConfig';

/** A config problem with the path of the offending field, e.g. `escalationPolicies.web.levels.0.timeout`. */
export interface ConfigIssue {
  path: string;
  message: string;
}

/** Thrown when the config file does not validate; lists every problem, each with its field. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: ConfigIssue[],
  ) {
    super(`invalid config ${source}:\n${issues.map((issue) => `  - ${issue.path || '(root)'}: ${issue.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function parseConfig(raw: unknown, source: string): VigilConfig {
  const result = vigilConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      source,
      result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    );
  }
  return result.data;
}

/** The policy that applies to a service (the default one for services not in config). */
export function policyIdForService(config: VigilConfig, service: string): string {
  return config.services[service]?.escalationPolicy ?? config.defaultEscalationPolicy;
}

/** A contact as a responder: addresses and notification rules copied from config. */
export function responderOf(config: VigilConfig, contactId: string): Responder {
  const contact = config.contacts[contactId];
  const rules = contact.notificationRules?.map((rule) => ({ channel: rule.channel as Channel, afterSeconds: parseDurationSeconds(rule.after) ?? 0 }));
  return { id: contactId, name: contact.name, ...CHANNELS.responderAddresses(contact), ...(rules ? { rules } : {}) };
}

/** The people a user or team target names now (schedules are resolved when a level fires). */
export function contactsOf(config: VigilConfig, ref: string): string[] {
  const { kind, target } = parseTargetRef(ref);
  if (kind === 'team') return config.teams[target]?.members ?? [];
  if (kind === 'user') return [target];
  return [];
}

/**
 * Everyone an escalation policy may page: its users, its teams' members and everyone on its
 * schedules' rotations (whoever is on call at any time), and whom it tells when exhausted.
 */
export function policyContacts(config: VigilConfig, policyId: string): Set<string> {
  const policy = config.escalationPolicies[policyId];
  const refs = [...(policy?.levels.flatMap((level) => level.notify) ?? []), ...(policy?.onExhausted?.notify ?? [])];
  const contacts = new Set<string>();
  for (const ref of refs) {
    const { kind, target } = parseTargetRef(ref);
    const ids = kind === 'schedule' ? (config.schedules[target] ? scheduleUserReferences(config.schedules[target]).map((reference) => reference.userId) : []) : contactsOf(config, ref);
    for (const contactId of ids) contacts.add(contactId);
  }
  return contacts;
}

/**
 * Copies a policy with its contacts' addresses resolved, to freeze into an incident at start.
 * A level naming a schedule or a team keeps its targets as references, resolved when it fires.
 */
export function snapshotPolicy(config: VigilConfig, policyId: string): EscalationPolicySnapshot {
  const policy = config.escalationPolicies[policyId];
  return {
    id: policyId,
    repeat: policy.repeat,
    ...(policy.ackTimeout ? { ackTimeoutSeconds: parseDurationSeconds(policy.ackTimeout) } : {}),
    ...(policy.onExhausted ? { onExhaustedRefs: policy.onExhausted.notify } : {}),
    levels: policy.levels.map((level) => {
      const dynamic = level.notify.some((ref) => parseTargetRef(ref).kind !== 'user');
      return {
        channels: (level.channels ?? []) as Channel[],
        ...(level.channels ? {} : { channelsFromRules: true }),
        timeoutSeconds: parseDurationSeconds(level.timeout) as number,
        targets: level.notify.flatMap((ref) => contactsOf(config, ref)).map((contactId) => responderOf(config, contactId)),
        ...(dynamic ? { targetRefs: level.notify } : {}),
      };
    }),
  };
}

/** The configured contact with this phone number, if any (SMS replies are accepted only from them). */
export function contactByPhone(config: VigilConfig, phone: string): (Responder & { phone: string }) | undefined {
  for (const [contactId, contact] of Object.entries(config.contacts)) {
    if (contact.phone === phone) return { id: contactId, name: contact.name, email: contact.email, phone: contact.phone };
  }
  return undefined;
}

/** The event policy in the form `domain/classification.ts` applies (durations in seconds). */
export function eventPolicyOf(config: VigilConfig): EventPolicy {
  return {
    defaultAction: config.eventPolicy.default,
    rules: config.eventPolicy.rules.map((rule) => ({
      name: rule.name,
      match: rule.match,
      action: rule.action,
      promote: rule.promote && {
        count: rule.promote.count,
        withinSeconds: rule.promote.count !== undefined ? parseDurationSeconds(rule.promote.within ?? '1h') : undefined,
        persistsSeconds: rule.promote.persistsFor !== undefined ? parseDurationSeconds(rule.promote.persistsFor) : undefined,
      },
    })),
  };
}

/** The grouping rules in the form `domain/grouping.ts` applies (windows in seconds). */
export function groupingRulesOf(config: VigilConfig): GroupingRule[] {
  return config.grouping.map((rule) => ({ name: rule.name, match: rule.match, by: rule.by, windowSeconds: parseDurationSeconds(rule.window) as number }));
}

/** The configured schedules in the form `domain/schedule.ts` computes with. */
export function schedulesOf(config: VigilConfig): Record<string, Schedule> {
  return Object.fromEntries(Object.entries(config.schedules).map(([scheduleId, schedule]) => [scheduleId, scheduleFromConfig(schedule)]));
}

/** Who is on call on a configured schedule at an instant (undefined: nobody, or no such schedule). */
export function onCallLookup(config: VigilConfig): (scheduleId: string, at: Date) => string | undefined {
  const schedules = schedulesOf(config);
  return (scheduleId, at) => {
    const schedule = schedules[scheduleId];
    return schedule ? onCallAt(schedule, at)?.userId : undefined;
  };
}
