/**
 * Amazon CloudWatch alarms delivered by SNS. `parse` reads a verified SNS `Notification`
 * envelope whose `Message` is the alarm's JSON; the SNS route (`api/routes/sns.ts`) checks the
 * signature and handles subscription confirmation before this runs. Sender config: an SNS topic
 * as the alarm's action, with an HTTPS subscription to
 * `https://vigil.example.com/v1/webhooks/sns/<integration id>/<token>`.
 */
import { z } from 'zod';
import { detailsSchema, tooDeepField } from '../http/inputLimits';
import { toServiceId } from './serviceName';
import { firstIssue } from './prometheusStyle';
import type { AlertAdapter, SourceAlert } from './types';
import { AdapterInputError } from './types';

const alarmSchema = z.object({
  AlarmName: z.string().min(1),
  AlarmDescription: z.string().nullable().optional(),
  AWSAccountId: z.string().optional(),
  NewStateValue: z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']),
  NewStateReason: z.string().optional(),
  StateChangeTime: z.string().optional(),
  Region: z.string().optional(),
  AlarmArn: z.string().optional(),
  OldStateValue: z.string().optional(),
  Trigger: detailsSchema.optional(),
});

const envelopeSchema = z.object({ Type: z.literal('Notification'), Message: z.string(), TopicArn: z.string().optional(), MessageId: z.string().optional() });

function parse(body: unknown, context: { defaultService?: string }): SourceAlert[] {
  const envelope = envelopeSchema.safeParse(body);
  if (!envelope.success) throw firstIssue(envelope.error);
  let message: unknown;
  try {
    message = JSON.parse(envelope.data.Message);
  } catch {
    throw new AdapterInputError('body.Message', 'not the JSON of a CloudWatch alarm');
  }
  const tooDeep = tooDeepField(message);
  if (tooDeep) throw new AdapterInputError(tooDeep.field.replace(/^body/, 'body.Message'), tooDeep.message);
  const result = alarmSchema.safeParse(message);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new AdapterInputError(['body', 'Message', ...issue.path].join('.'), issue.message);
  }
  const alarm = result.data;
  const service = toServiceId(context.defaultService);
  if (!service) throw new AdapterInputError('integration.service', 'a cloudwatch integration needs a service in config');
  const trigger = alarm.Trigger ?? {};
  const labels: Record<string, string> = { alarm: alarm.AlarmName };
  if (alarm.Region) labels.region = alarm.Region;
  if (typeof trigger.Namespace === 'string') labels.namespace = trigger.Namespace;
  if (typeof trigger.MetricName === 'string') labels.metric = trigger.MetricName;
  return [
    {
      service,
      summary: (alarm.AlarmDescription || `${alarm.AlarmName}: ${alarm.NewStateReason ?? alarm.NewStateValue}`).slice(0, 1000),
      severity: alarm.NewStateValue === 'INSUFFICIENT_DATA' ? 'warning' : 'error',
      // The alarm's ARN is stable across its state changes: ALARM and the later OK pair up.
      dedupKey: `cw-${alarm.AlarmArn ?? `${alarm.AWSAccountId ?? ''}:${alarm.Region ?? ''}:${alarm.AlarmName}`}`.slice(0, 255),
      source: 'cloudwatch',
      labels,
      details: { reason: alarm.NewStateReason, stateChangeTime: alarm.StateChangeTime, oldState: alarm.OldStateValue, topicArn: envelope.data.TopicArn, trigger },
      status: alarm.NewStateValue === 'OK' ? 'resolved' : 'firing',
      // SNS redelivers a message under its MessageId; one message is one alarm state change.
      ...(envelope.data.MessageId ? { senderId: envelope.data.MessageId } : {}),
    },
  ];
}

export const cloudwatchAdapter: AlertAdapter = {
  id: 'cloudwatch',
  description: 'Amazon CloudWatch alarm through an SNS HTTPS subscription',
  body: envelopeSchema,
  example: {
    Type: 'Notification',
    MessageId: '22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324',
    TopicArn: 'arn:aws:sns:eu-west-1:123456789012:cloudwatch-alarms',
    Message: JSON.stringify({
      AlarmName: 'checkout-5xx-high',
      AlarmDescription: 'Checkout ALB 5xx above 5% for 5 minutes',
      AWSAccountId: '123456789012',
      NewStateValue: 'ALARM',
      NewStateReason: 'Threshold Crossed: 1 datapoint [7.2] was greater than the threshold (5.0).',
      StateChangeTime: '2026-11-24T08:45:13.000+0000',
      Region: 'EU (Ireland)',
      AlarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-5xx-high',
      OldStateValue: 'OK',
    }),
  },
  senderConfig: [
    '# An SNS topic as the alarm action, with an HTTPS subscription (SNS cannot set headers):',
    'aws sns subscribe --topic-arn <topic arn> --protocol https \\',
    '  --notification-endpoint https://vigil.example.com/v1/webhooks/sns/<integration id>/<token>',
  ].join('\n'),
  parse,
};
