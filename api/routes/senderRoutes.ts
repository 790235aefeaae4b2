/**
 * Every route a sender (a monitoring tool, Twilio, a scheduled job) calls with its own
 * credential, by the module that mounts it. `api/routes/openapi.ts` documents them from these
 * declarations, so a sender's route, body and authentication are written once, beside its handler.
 * Adding a sender with its own route: its module (declaration + router), a line here and its
 * mount in `api/app.ts`; a source on the shared integration route needs only its adapter.
 */
import { slackSenderRoute } from './chatSlack';
import { mattermostSenderRoute } from './chatMattermost';
import { heartbeatSenderRoute } from './heartbeats';
import { integrationSenderRoute } from './integrations';
import type { SenderRoute } from './operationParts';
import { opsgenieSenderRoute } from './opsgenieAlerts';
import { pagerDutySenderRoute } from './pagerDutyEvents';
import { snsSenderRoute } from './sns';
import { twilioSmsSenderRoute } from './twilioSms';
import { telnyxSmsSenderRoute } from './telnyxSms';
import { twilioVoiceSenderRoute } from './twilioVoice';
import { matrixAppServiceSenderRoute } from './matrixAppService';

export const SENDER_ROUTES: readonly SenderRoute[] = [integrationSenderRoute, pagerDutySenderRoute, opsgenieSenderRoute, snsSenderRoute, twilioSmsSenderRoute, telnyxSmsSenderRoute, twilioVoiceSenderRoute, heartbeatSenderRoute, matrixAppServiceSenderRoute, slackSenderRoute, mattermostSenderRoute];
