/** Every alert source Vigil reads, by the id config uses. Adding one: a file here, a line below, and its real payload in test/fixtures/<id>.json. */
import { alertmanagerAdapter } from './alertmanager';
import { cloudwatchAdapter } from './cloudwatch';
import { datadogAdapter } from './datadog';
import { emailAdapter } from './email';
import { eventBridgeAdapter } from './eventbridge';
import { genericAdapter } from './generic';
import { grafanaAdapter } from './grafana';
import { opsgenieAdapter } from './opsgenie';
import { pagerDutyAdapter } from './pagerduty';
import type { AlertAdapter } from './types';

export const ADAPTERS = {
  alertmanager: alertmanagerAdapter,
  cloudwatch: cloudwatchAdapter,
  datadog: datadogAdapter,
  email: emailAdapter,
  eventbridge: eventBridgeAdapter,
  generic: genericAdapter,
  grafana: grafanaAdapter,
  opsgenie: opsgenieAdapter,
  pagerduty: pagerDutyAdapter,
} as const satisfies Record<string, AlertAdapter>;

export type AdapterId = keyof typeof ADAPTERS;

export const ADAPTER_IDS = Object.keys(ADAPTERS) as [AdapterId, ...AdapterId[]];
