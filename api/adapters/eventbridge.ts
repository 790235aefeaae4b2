/**
 * Amazon EventBridge, through an API destination: the whole event envelope (`version`, `id`,
 * `detail-type`, `source`, `account`, `time`, `region`, `resources`, `detail`) as the body, no
 * input transformer. CloudWatch alarm state changes, AWS Health events and GuardDuty findings
 * have their own mapping (`eventbridgeAws.ts`); any other event gets the generic one below.
 *
 * The envelope `id` is the sender identity: EventBridge retries an event under the same id, so a
 * retry counts once; a GuardDuty finding's update comes under a new id and joins its incident by
 * the finding id. Sender config and the field tables: docs/integrations.md ("Amazon EventBridge").
 */
import { z } from 'zod';
import { fingerprint64 } from '../../domain/hash';
import { awsHealth, boundedJson, cloudWatchAlarm, guardDutyFinding, type EventBridgeEnvelope, type MappedAlert } from './eventbridgeAws';
import { firstIssue } from './prometheusStyle';
import { toServiceId } from './serviceName';
import type { AlertAdapter, SourceAlert, StateChange } from './types';
import { AdapterInputError } from './types';

const envelopeSchema = z.object({
  version: z.string().max(16).optional(),
  id: z.string().min(1).max(256),
  'detail-type': z.string().min(1).max(256),
  source: z.string().min(1).max(256),
  account: z.string().max(32).optional(),
  time: z.string().max(64).optional(),
  region: z.string().max(64).optional(),
  resources: z.array(z.string().max(1600)).max(100).default([]),
  detail: z.record(z.string(), z.unknown()),
});

/** Mappings by `source` and `detail-type`; `aws.*` sources are AWS's own, so a custom app cannot pose as one. */
const MAPPINGS: Array<{ source: string; detailType: string; map: (envelope: EventBridgeEnvelope) => MappedAlert }> = [
  { source: 'aws.cloudwatch', detailType: 'CloudWatch Alarm State Change', map: cloudWatchAlarm },
  { source: 'aws.health', detailType: 'AWS Health Event', map: awsHealth },
  { source: 'aws.guardduty', detailType: 'GuardDuty Finding', map: guardDutyFinding },
];

/**
 * Any other event: it fires (EventBridge has no general notion of "over") at `warning`, unless
 * the integration's `severityFrom` says otherwise; events of one source and detail-type about the
 * same resources share an incident, events naming no resource each stand alone (by their id).
 */
export function genericEvent(envelope: EventBridgeEnvelope): MappedAlert {
  const resources = [...envelope.resources].sort();
  const pairing = resources.length > 0 ? `${envelope.source}/${envelope['detail-type']}/${resources.join(',')}` : `${envelope.source}/${envelope.id}`;
  const labels: Record<string, string> = { detailType: envelope['detail-type'], eventSource: envelope.source };
  if (envelope.region) labels.region = envelope.region;
  if (envelope.account) labels.account = envelope.account;
  return {
    summary: `${envelope['detail-type']} (${envelope.source})`.slice(0, 1000),
    severity: 'warning',
    dedupKey: pairing.length <= 250 ? `eb-${pairing}` : `eb-${fingerprint64(pairing)}`,
    labels,
    details: { detail: boundedJson(envelope.detail, 8000), resources: resources.slice(0, 20), eventTime: envelope.time },
    status: 'firing',
  };
}

function parse(body: unknown, context: { defaultService?: string }): SourceAlert[] {
  const result = envelopeSchema.safeParse(body);
  if (!result.success) throw firstIssue(result.error);
  const envelope = result.data;
  const service = toServiceId(context.defaultService);
  if (!service) throw new AdapterInputError('integration.service', 'an eventbridge integration needs a service in config');
  const mapping = MAPPINGS.find((entry) => entry.source === envelope.source && entry.detailType === envelope['detail-type']);
  const mapped = (mapping?.map ?? genericEvent)(envelope);
  return [{ ...mapped, service, source: 'eventbridge', details: { ...mapped.details, eventId: envelope.id }, senderId: envelope.id }];
}

/**
 * A CloudWatch alarm's changes are ordered by the state's own timestamp, an AWS Health event's by
 * its `lastUpdatedTime`: a late delivery of an older one must not reopen or resolve.
 */
function stateChangeOf(alert: SourceAlert): StateChange | undefined {
  const { detailType } = alert.labels;
  const time = detailType === 'CloudWatch Alarm State Change' ? alert.details.stateChangeTime : detailType === 'AWS Health Event' ? alert.details.lastUpdatedTime : undefined;
  const at = typeof time === 'string' ? Date.parse(time) : Number.NaN;
  return Number.isNaN(at) ? undefined : { key: alert.dedupKey, state: alert.status, at: new Date(at) };
}

export const eventBridgeAdapter: AlertAdapter = {
  id: 'eventbridge',
  description: 'Amazon EventBridge event through an API destination (CloudWatch alarms, AWS Health, GuardDuty, any other event)',
  body: envelopeSchema,
  example: {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '111122223333',
    time: '2026-11-24T08:45:13Z',
    region: 'eu-west-1',
    resources: ['arn:aws:cloudwatch:eu-west-1:111122223333:alarm:checkout-latency'],
    detail: {
      alarmName: 'checkout-latency',
      state: { value: 'ALARM', reason: 'Threshold Crossed', timestamp: '2026-11-24T08:45:13.000+0000' },
      previousState: { value: 'OK', timestamp: '2026-11-24T08:30:13.000+0000' },
      configuration: { description: 'Checkout p99 latency above 2 s' },
    },
  },
  senderConfig: [
    '# An API destination with a connection whose API key header is the integration\'s tokenHeader:',
    'aws events create-connection --name vigil --authorization-type API_KEY \\',
    '  --auth-parameters \'{"ApiKeyAuthParameters":{"ApiKeyName":"x-vigil-token","ApiKeyValue":"<token>"}}\'',
    'aws events create-api-destination --name vigil --connection-arn <connection arn> --http-method POST \\',
    '  --invocation-endpoint https://vigil.example.com/v1/integrations/<integration id>',
    '# then a rule whose target is the API destination, with no input transformer',
  ].join('\n'),
  parse,
  stateChangeOf,
};
