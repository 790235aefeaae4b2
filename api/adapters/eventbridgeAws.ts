/**
 * The AWS services' events Vigil reads out of an EventBridge envelope: CloudWatch alarm state
 * changes, AWS Health events and GuardDuty findings. Each mapper gets the envelope, already
 * checked, and returns the alert minus what every EventBridge alert shares (service, source,
 * senderId). Field names and bands are documented in docs/integrations.md ("Amazon EventBridge").
 */
import { z } from 'zod';
import type { Severity } from '../../domain/severity';
import { nestingDepth } from '../http/inputLimits';
import type { SourceAlert } from './types';
import { AdapterInputError } from './types';

/** The envelope fields the mappers read (`api/adapters/eventbridge.ts` checks them). */
export interface EventBridgeEnvelope {
  id: string;
  'detail-type': string;
  source: string;
  account?: string;
  time?: string;
  region?: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export type MappedAlert = Omit<SourceAlert, 'service' | 'source' | 'senderId'>;

const text = (max: number) => z.string().max(max);

/** The issue's first problem as an AdapterInputError naming `body.detail.<path>`. */
function readDetail<T extends z.ZodType>(schema: T, detail: unknown): z.infer<T> {
  const result = schema.safeParse(detail);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new AdapterInputError(['body', 'detail', ...issue.path].join('.'), issue.message);
}

/** A console URL for the event's region, only when the region looks like one (it goes into a link). */
function consoleUrl(region: string | undefined, path: string): string | undefined {
  return region && /^[a-z]{2}(-[a-z]+)+-\d$/.test(region) ? `https://${region}.console.aws.amazon.com/${path}` : undefined;
}

const alarmDetailSchema = z.object({
  alarmName: text(255).min(1),
  state: z.object({
    value: z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']),
    reason: text(2000).optional(),
    // The time the alarm entered this state: what orders its changes (not the envelope's `time`).
    timestamp: text(64).refine((value) => !Number.isNaN(Date.parse(value)), 'a timestamp'),
  }),
  previousState: z.object({ value: text(64).optional(), timestamp: text(64).optional() }).optional(),
  configuration: z
    .object({
      description: text(1024).nullable().optional(),
      metrics: z.array(z.object({ metricStat: z.object({ metric: z.object({ namespace: text(256).optional(), name: text(256).optional() }).optional() }).optional() })).max(20).optional(),
    })
    .optional(),
});

/**
 * ALARM opens, OK resolves, INSUFFICIENT_DATA fires at `warning` (as the SNS path does) with the
 * label `state`, so a rule can make it an event or drop it. Paired by the alarm's ARN.
 */
export function cloudWatchAlarm(envelope: EventBridgeEnvelope): MappedAlert {
  const detail = readDetail(alarmDetailSchema, envelope.detail);
  const arn = envelope.resources[0];
  if (!arn) throw new AdapterInputError('body.resources', 'a CloudWatch alarm event names its alarm ARN in resources[0]');
  const state = detail.state.value;
  const labels: Record<string, string> = { alarm: detail.alarmName, state, detailType: envelope['detail-type'] };
  if (envelope.region) labels.region = envelope.region;
  if (envelope.account) labels.account = envelope.account;
  // A single-metric alarm's metric, labelled as on the SNS path (`namespace`, `metric`).
  const metric = detail.configuration?.metrics?.length === 1 ? detail.configuration.metrics[0].metricStat?.metric : undefined;
  if (metric?.namespace) labels.namespace = metric.namespace;
  if (metric?.name) labels.metric = metric.name;
  const description = detail.configuration?.description;
  return {
    summary: (description || `${detail.alarmName}: ${detail.state.reason ?? state}`).slice(0, 1000),
    severity: state === 'INSUFFICIENT_DATA' ? 'warning' : 'error',
    // The same key as the SNS path's: ALARM and OK pair up, through either path.
    dedupKey: `cw-${arn}`.slice(0, 255),
    labels,
    details: {
      reason: detail.state.reason,
      stateChangeTime: detail.state.timestamp,
      oldState: detail.previousState?.value,
      alarmArn: arn,
      link: consoleUrl(envelope.region, `cloudwatch/home?region=${envelope.region}#alarmsV2:alarm/${encodeURIComponent(detail.alarmName)}`),
    },
    status: state === 'OK' ? 'resolved' : 'firing',
  };
}

const healthDetailSchema = z.object({
  eventArn: text(1600).min(1),
  service: text(128).optional(),
  eventTypeCode: text(256).optional(),
  eventTypeCategory: text(64),
  statusCode: z.enum(['open', 'closed', 'upcoming']),
  eventScopeCode: text(64).optional(),
  startTime: text(64).optional(),
  endTime: text(64).optional(),
  lastUpdatedTime: text(64).optional(),
  eventRegion: text(64).optional(),
  eventDescription: z.array(z.object({ language: text(16).optional(), latestDescription: text(20_000).optional() })).max(20).optional(),
  affectedEntities: z.array(z.object({ entityValue: text(1600).optional() })).max(1000).optional(),
});

/**
 * `issue` is an outage affecting the account: open → firing at `error` (`upcoming` → `warning`).
 * `scheduledChange`, `accountNotification` and any other category are notices, fired at `info`:
 * the event policy (`eventPolicy`, e.g. severity info → event) decides whether they page. Closed
 * resolves, whatever the category. Paired by `eventArn`; ordered by `lastUpdatedTime`.
 */
export function awsHealth(envelope: EventBridgeEnvelope): MappedAlert {
  const detail = readDetail(healthDetailSchema, envelope.detail);
  const issue = detail.eventTypeCategory === 'issue';
  const severity: Severity = !issue ? 'info' : detail.statusCode === 'upcoming' ? 'warning' : 'error';
  const english = detail.eventDescription?.find((entry) => !entry.language || entry.language.startsWith('en')) ?? detail.eventDescription?.[0];
  const entities = (detail.affectedEntities ?? []).flatMap((entity) => (entity.entityValue ? [entity.entityValue] : []));
  const region = detail.eventRegion ?? envelope.region;
  const labels: Record<string, string> = { category: detail.eventTypeCategory, statusCode: detail.statusCode, detailType: envelope['detail-type'] };
  if (detail.service) labels.awsService = detail.service;
  if (detail.eventTypeCode) labels.eventTypeCode = detail.eventTypeCode;
  if (region) labels.region = region;
  if (envelope.account) labels.account = envelope.account;
  return {
    summary: `AWS Health ${detail.eventTypeCategory}: ${detail.eventTypeCode ?? detail.service ?? detail.eventArn}${region ? ` in ${region}` : ''}`.slice(0, 1000),
    severity,
    dedupKey: `health-${detail.eventArn}`.slice(0, 255),
    labels,
    details: {
      body: english?.latestDescription?.slice(0, 4000),
      eventArn: detail.eventArn,
      affectedEntities: entities.slice(0, 50),
      affectedEntityCount: entities.length,
      startTime: detail.startTime,
      endTime: detail.endTime,
      lastUpdatedTime: detail.lastUpdatedTime,
      eventScopeCode: detail.eventScopeCode,
      link: 'https://health.aws.amazon.com/health/home#/account/dashboard/open-issues',
    },
    status: detail.statusCode === 'closed' ? 'resolved' : 'firing',
  };
}

/** AWS's documented bands of GuardDuty's numeric severity, lowest bound first matched from the top. */
export const GUARDDUTY_BANDS: Array<{ from: number; band: string; severity: Severity }> = [
  { from: 9, band: 'critical', severity: 'critical' },
  { from: 7, band: 'high', severity: 'error' },
  { from: 4, band: 'medium', severity: 'warning' },
  { from: 0, band: 'low', severity: 'info' },
];

const findingSchema = z.object({
  id: text(256).min(1),
  type: text(256),
  severity: z.number().min(0).max(10),
  title: text(1000).optional(),
  description: text(10_000).optional(),
  arn: text(1600).optional(),
  accountId: text(32).optional(),
  region: text(64).optional(),
  createdAt: text(64).optional(),
  updatedAt: text(64).optional(),
  resource: z.object({ resourceType: text(128).optional() }).passthrough().optional(),
  service: z.object({ count: z.number().optional(), archived: z.boolean().optional(), eventFirstSeen: text(64).optional(), eventLastSeen: text(64).optional() }).passthrough().optional(),
});

/**
 * Severity by AWS's bands (low < 4 ≤ medium < 7 ≤ high < 9 ≤ critical). Paired by the finding's
 * `id`: an update of the finding (a new envelope id, a higher `service.count`) joins its incident.
 * GuardDuty sends no "resolved": a finding ends when a responder resolves its incident.
 */
export function guardDutyFinding(envelope: EventBridgeEnvelope): MappedAlert {
  const finding = readDetail(findingSchema, envelope.detail);
  const band = GUARDDUTY_BANDS.find((entry) => finding.severity >= entry.from) as (typeof GUARDDUTY_BANDS)[number];
  const region = finding.region ?? envelope.region;
  const labels: Record<string, string> = { findingType: finding.type, band: band.band, detailType: envelope['detail-type'] };
  if (finding.resource?.resourceType) labels.resourceType = finding.resource.resourceType;
  if (region) labels.region = region;
  if (finding.accountId ?? envelope.account) labels.account = (finding.accountId ?? envelope.account) as string;
  return {
    summary: (finding.title ?? finding.type).slice(0, 1000),
    severity: band.severity,
    dedupKey: `guardduty-${finding.id}`.slice(0, 255),
    labels,
    details: {
      body: finding.description?.slice(0, 4000),
      findingId: finding.id,
      findingArn: finding.arn,
      severityValue: finding.severity,
      count: finding.service?.count,
      firstSeen: finding.service?.eventFirstSeen,
      lastSeen: finding.service?.eventLastSeen,
      updatedAt: finding.updatedAt,
      resource: boundedJson(finding.resource, 4000),
      link: consoleUrl(region, `guardduty/home?region=${region}#/findings?fId=${encodeURIComponent(finding.id)}`),
    },
    status: 'firing',
  };
}

/** A value kept whole when its JSON is at most `maxChars` and 6 levels deep, else its JSON clipped to text. */
export function boundedJson(value: unknown, maxChars: number): unknown {
  if (value === undefined) return undefined;
  const json = JSON.stringify(value);
  return json.length <= maxChars && nestingDepth(value, 6) <= 6 ? value : `${json.slice(0, maxChars)}…`;
}
