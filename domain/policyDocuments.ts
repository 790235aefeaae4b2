/**
 * The seed process's Event, Incident and Problem Management Policy documents, rendered as
 * Markdown from the live configuration: what the documents say is what runs, and a change of
 * config shows in them at once. Pure; the API serves them at `/v1/policies/{event,incident,problem}`.
 */
import type { AlertMatcher, Disposition } from './classification';
import type { VigilConfig } from './config';
import { parseTargetRef } from './config';
import { formatDurationSeconds, parseDurationSeconds } from './duration';
import { mdBullets, mdTable, mdText } from './markdown';
import { SEV_LEVEL } from './review';
import { ROLE_DUTIES, ROLES, type Role } from './roles';
import { SEVERITIES, type Severity } from './severity';
import { recurrencePolicyFor } from './problemConfig';
import type { RecurrencePolicy } from './recurrence';

export const POLICY_KINDS = ['event', 'incident', 'problem'] as const;
export type PolicyKind = (typeof POLICY_KINDS)[number];

/** `5m` → `5 min`; config durations are validated, so they always parse. */
function readable(duration: string): string {
  return formatDurationSeconds(parseDurationSeconds(duration) ?? 0);
}

function list(values: readonly string[], last = 'or'): string {
  if (values.length <= 1) return values.join('');
  return `${values.slice(0, -1).join(', ')} ${last} ${values[values.length - 1]}`;
}

/** A rule's condition in words: `severity warning; label env = /dev|test/`. */
export function describeMatcher(match: AlertMatcher): string {
  const parts: string[] = [];
  if (match.source?.length) parts.push(`source ${list(match.source.map(mdText))}`);
  if (match.service?.length) parts.push(`service ${list(match.service.map(mdText))}`);
  if (match.severity?.length) parts.push(`severity ${list(match.severity)}`);
  for (const [label, pattern] of Object.entries(match.labels ?? {})) {
    parts.push(pattern === '*' ? `label ${mdText(label)} present` : `label ${mdText(label)} = ${mdText(pattern)}`);
  }
  return parts.length > 0 ? parts.join('; ') : 'every alert';
}

const DISPOSITION_WORDS: Record<Disposition, string> = {
  incident: 'incident (a runbook or a person acts now)',
  event: 'event (recorded, nobody paged)',
  drop: 'dropped',
};

function severityTable(config: VigilConfig): string[] {
  const low = new Set<Severity>(config.urgency.low);
  return mdTable(
    ['Severity', 'Seed level', 'Urgency', 'Post-incident review'],
    SEVERITIES.map((severity) => [
      severity,
      SEV_LEVEL[severity],
      low.has(severity) ? 'low: email only' + (config.urgency.businessHours ? ', in business hours' : '') : 'high: every channel at once',
      config.reviews.requiredFor.includes(severity) ? `required within ${readable(config.reviews.dueWithin)} of resolution` : 'optional',
    ]),
  );
}

function keyHolders(config: VigilConfig, role: Role): string {
  const users = config.apiKeys.filter((key) => key.role === role).map((key) => mdText(key.user));
  return users.length > 0 ? users.join(', ') : '_no key configured_';
}

function rolesTable(config: VigilConfig, roles: readonly Role[]): string[] {
  return mdTable(['Role', 'May', 'API keys held by'], roles.map((role) => [role, ROLE_DUTIES[role], keyHolders(config, role)]));
}

function contactName(config: VigilConfig, contactId: string): string {
  const contact = config.contacts[contactId];
  return contact ? `${mdText(contact.name)} (${mdText(contactId)})` : mdText(contactId);
}

/** A level's target in words: a person, every member of a team, or whoever is on call. */
function describeTarget(config: VigilConfig, ref: string): string {
  const { kind, target } = parseTargetRef(ref);
  if (kind === 'team') {
    const team = config.teams[target];
    return `team ${mdText(team?.name ?? target)} (${(team?.members ?? []).map((member) => contactName(config, member)).join(', ')})`;
  }
  if (kind === 'schedule') return `whoever is on call on schedule ${mdText(target)} (${mdText(config.schedules[target]?.timeZone ?? '')})`;
  return contactName(config, target);
}

/** The Event Management Policy: sources, classification, promotion, grouping, maintenance. */
export function renderEventPolicy(config: VigilConfig): string {
  const lines: string[] = ['# Event Management Policy', '', '_Generated from the running configuration: it changes when the configuration does._', ''];

  lines.push('## Sources', '');
  const integrations = Object.entries(config.integrations);
  lines.push("Alerts arrive through `POST /v1/alerts` (Vigil's JSON), PagerDuty-compatible `/v2/enqueue`, and these integrations:", '');
  if (integrations.length === 0) lines.push('_No integration is configured._');
  else {
    lines.push(
      ...mdTable(
        ['Integration', 'Format', 'Default service', 'Dedup key', 'Sender groups'],
        integrations.map(([id, integration]) => [
          mdText(id),
          mdText(integration.source),
          integration.service ? mdText(integration.service) : '_named by the alert_',
          integration.dedupKey ? mdText(integration.dedupKey) : "_the sender's own_",
          integration.groupBySender ? 'one incident per group' : 'one incident per alert',
        ]),
      ),
    );
  }
  lines.push('');

  lines.push('## Severities', '', ...severityTable(config), '');

  lines.push('## Classification: incident, event or dropped', '');
  lines.push('Each alert is checked against these rules in order; the first that matches decides.', '');
  const rules = config.eventPolicy.rules;
  if (rules.length > 0) {
    lines.push(
      ...mdTable(
        ['#', 'Rule', 'When', 'Becomes', 'Promoted to an incident'],
        rules.map((rule, index) => {
          const promote = rule.promote;
          const promotion = promote
            ? [
                promote.count !== undefined ? `at ${promote.count} events of the same key within ${readable(promote.within ?? '1h')}` : '',
                promote.persistsFor !== undefined ? `when the key keeps firing for ${readable(promote.persistsFor)}` : '',
              ]
                .filter(Boolean)
                .join(', or ')
            : '—';
          return [String(index + 1), mdText(rule.name), describeMatcher(rule.match), DISPOSITION_WORDS[rule.action], promotion];
        }),
      ),
      '',
    );
  } else lines.push('_No rule is configured._', '');
  lines.push(`An alert no rule matches becomes: **${DISPOSITION_WORDS[config.eventPolicy.default]}**.`, '');

  lines.push('## Grouping', '');
  lines.push(
    ...mdBullets(
      config.grouping.map((rule) => `${mdText(rule.name)}: alerts with ${describeMatcher(rule.match)} sharing ${list(rule.by.map(mdText), 'and')} join one incident while they keep arriving within ${readable(rule.window)} of each other.`),
      'No grouping rule: alerts share an incident only by dedup key (or as one group of their sender).',
    ),
    '',
  );

  lines.push('## Flaps and resolutions, per service', '');
  const services = Object.entries(config.services);
  lines.push(
    ...mdTable(
      ['Service', 'Wait before acting (flap pause)', "When the source reports every alert resolved"],
      services.map(([id, service]) => [
        `${mdText(service.name ?? id)} (${mdText(id)})`,
        service.flapPause ? readable(service.flapPause) : 'none',
        service.autoResolve ? 'the incident resolves' : 'noted; a person resolves',
      ]),
    ),
    '',
  );

  lines.push('## Maintenance windows', '');
  lines.push('Alerts a maintenance window covers are recorded as suppressed events and page nobody. Windows are opened and ended at `/v1/maintenance` with an operations manager\'s API key; `GET /v1/maintenance` lists those not yet over.', '');
  return lines.join('\n');
}

/** The Incident Management Policy: severities, escalation paths, communication, roles, reviews. */
export function renderIncidentPolicy(config: VigilConfig): string {
  const lines: string[] = ['# Incident Management Policy', '', '_Generated from the running configuration: it changes when the configuration does._', ''];

  lines.push('## Severities and urgency', '', ...severityTable(config), '');
  if (config.urgency.businessHours) {
    const hours = config.urgency.businessHours;
    lines.push(
      `Business hours (${mdText(hours.timeZone)}): ${hours.windows.map((window) => `${window.days.join(', ')} ${window.from}–${window.to}`).join('; ')}. A low-urgency incident opened outside them waits until they open.`,
      '',
    );
  }

  lines.push('## Services', '');
  lines.push(
    ...mdTable(
      ['Service', 'Escalation policy', 'Communication plan', 'Runbooks'],
      Object.entries(config.services).map(([id, service]) => [
        `${mdText(service.name ?? id)} (${mdText(id)})`,
        mdText(service.escalationPolicy),
        mdText(service.communicationPlan ?? config.defaultCommunicationPlan ?? '—'),
        Object.keys(service.runbooks).map(mdText).join(', ') || '—',
      ]),
    ),
    '',
    `A service not listed follows escalation policy ${mdText(config.defaultEscalationPolicy)}${config.defaultCommunicationPlan ? ` and communication plan ${mdText(config.defaultCommunicationPlan)}` : ''}.`,
    '',
  );

  lines.push('## Escalation paths', '');
  for (const [policyId, policy] of Object.entries(config.escalationPolicies)) {
    lines.push(`### ${mdText(policyId)}`, '');
    policy.levels.forEach((level, index) => {
      const how = level.channels ? `by ${list(level.channels, 'and')}` : "by each person's notification rules";
      const next = index + 1 < policy.levels.length ? `level ${index + 2}` : policy.repeat > 0 ? 'the next pass' : 'the end of the policy';
      lines.push(`${index + 1}. Notify ${level.notify.map((ref) => describeTarget(config, ref)).join(', ')} ${how}; unacknowledged after ${readable(level.timeout)}, ${next}.`);
    });
    lines.push('');
    const notes: string[] = [];
    if (policy.repeat > 0) notes.push(`The levels run ${policy.repeat + 1} times in all.`);
    if (policy.ackTimeout) notes.push(`An acknowledged incident not resolved within ${readable(policy.ackTimeout)} escalates again from level 1.`);
    if (policy.onExhausted) notes.push(`When every level went unacknowledged, ${policy.onExhausted.notify.map((ref) => describeTarget(config, ref)).join(', ')} ${policy.onExhausted.notify.length > 1 ? 'are' : 'is'} told.`);
    if (notes.length > 0) lines.push(notes.join(' '), '');
  }

  lines.push('## Notification rules', '');
  const withRules = Object.entries(config.contacts).filter(([, contact]) => contact.notificationRules);
  lines.push(
    ...mdBullets(
      withRules.map(([id, contact]) => `${contactName(config, id)}: ${(contact.notificationRules ?? []).map((rule) => `${rule.channel} ${parseDurationSeconds(rule.after) ? `after ${readable(rule.after)}` : 'at once'}`).join(', then ')}`),
      'Nobody has notification rules: a level without channels pages each person by every method they have, at once.',
    ),
    '',
  );

  lines.push('## Communication plans', '');
  const plans = Object.entries(config.communicationPlans);
  if (plans.length === 0) lines.push('_No communication plan: nobody beyond the responders is told._', '');
  for (const [planId, plan] of plans) {
    const cadence = SEVERITIES.filter((severity) => plan.updateEvery[severity]).map((severity) => `${severity} every ${readable(plan.updateEvery[severity] as string)}`);
    lines.push(
      `- **${mdText(planId)}**: stakeholders ${plan.stakeholders.map((id) => contactName(config, id)).join(', ') || 'none'} hear of every acknowledgement, resolution and status update by email; responders owe an update ${cadence.length > 0 ? list(cadence, 'and') : 'at no set cadence'}.`,
    );
  }
  if (plans.length > 0) lines.push('');

  lines.push('## Roles', '', ...rolesTable(config, ROLES), '');

  lines.push('## Post-incident reviews', '');
  lines.push(
    `Every resolved incident has a review drafted from its timeline (\`GET /v1/incidents/{id}/review\`). Reviews of ${list(config.reviews.requiredFor, 'and')} incidents are required and due ${readable(config.reviews.dueWithin)} after resolution; responders complete them with \`PUT\` (what went well, what went badly, action items). \`GET /v1/reviews?overdue=true\` lists those overdue.`,
    '',
  );
  return lines.join('\n');
}

/** One row of the recurrence table: the policy as it applies to a service (or by default). */
function recurrenceRow(label: string, policy: RecurrencePolicy): string[] {
  if (!policy.detect) return [label, 'off', '—', '—', '—'];
  return [
    label,
    'on',
    `${policy.count} incidents within ${formatDurationSeconds(policy.windowSeconds)}`,
    policy.reopenWithinSeconds !== undefined ? `within ${formatDurationSeconds(policy.reopenWithinSeconds)} of its resolution` : 'off',
    policy.fingerprintTemplate ? mdText(policy.fingerprintTemplate) : 'service and dedup key (or alert group)',
  ];
}

function recurrenceLines(config: VigilConfig): string[] {
  // Services without an override follow the default row.
  const services = Object.keys(config.problems.services).sort();
  return [
    'Incidents with the same fingerprint are "the same incident again". A new incident is linked to a problem (one per fingerprint, opened if none is open) when enough of them open within the window, or when it opens soon after the previous one resolved (a reopening).',
    '',
    ...mdTable(
      ['Applies to', 'Automatic linking', 'Recurrence threshold', 'Reopening', 'Fingerprint'],
      [recurrenceRow('every service (default)', recurrencePolicyFor(config.problems, '')), ...services.map((service) => recurrenceRow(mdText(service), recurrencePolicyFor(config.problems, service)))],
    ),
    '',
    'Problems may also be opened by hand (`POST /v1/problems`), linking incidents.',
  ];
}

/** The Problem Management Policy: when recurrences open a problem, who analyses and closes it. */
export function renderProblemPolicy(config: VigilConfig): string {
  const lines: string[] = ['# Problem Management Policy', '', '_Generated from the running configuration: it changes when the configuration does._', ''];
  lines.push('## Recurrence: when incidents open a problem', '', ...recurrenceLines(config), '');
  lines.push('## Roles', '', ...rolesTable(config, ['problem-manager', 'operations-manager']), '');
  lines.push('## Analysis and closure', '');
  lines.push(
    'A problem stays open until a problem manager records its root cause, contributing factors and corrective actions (each with an owner and a due date) and closes it. A known problem with a documented workaround shows that workaround on each new linked incident.',
    '',
    `Post-incident reviews feed it: reviews of ${list(config.reviews.requiredFor, 'and')} incidents are required within ${readable(config.reviews.dueWithin)} of resolution, and name the linked problem.`,
    '',
  );
  return lines.join('\n');
}

export const POLICY_RENDERERS: Record<PolicyKind, (config: VigilConfig) => string> = {
  event: renderEventPolicy,
  incident: renderIncidentPolicy,
  problem: renderProblemPolicy,
};
