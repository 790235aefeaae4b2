/**
 * Which vendor the `sms` channel sends through, chosen from the environment: `VIGIL_SMS_PROVIDER`
 * (`twilio` or `telnyx`) when set, else the one vendor whose settings are complete, else the
 * outbox. Anything that cannot be a working choice (an unknown name, a chosen vendor without its
 * settings, both vendors set and neither chosen) stops the worker at start, naming the variables.
 */
import type { SmsTransport } from '../../domain/transports';
import type { Outbox } from '../transports/outbox';
import { createTelnyxSmsTransport } from '../transports/telnyxSms';
import { createTwilioSmsTransport } from '../transports/twilioSms';

export const SMS_PROVIDERS = ['twilio', 'telnyx'] as const;
export type SmsProvider = (typeof SMS_PROVIDERS)[number];

/** A setting that makes no working SMS vendor: thrown at start, its message names what to set. */
export class SmsProviderConfigError extends Error {
  override name = 'SmsProviderConfigError';
}

const set = (env: NodeJS.ProcessEnv, name: string) => Boolean(env[name]?.trim());

/** The variables each vendor needs and does not have (an empty list: it can send). */
function missingFor(provider: SmsProvider, env: NodeJS.ProcessEnv): string[] {
  if (provider === 'twilio') return ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM'].filter((name) => !set(env, name));
  const missing = set(env, 'TELNYX_API_KEY') ? [] : ['TELNYX_API_KEY'];
  if (!set(env, 'TELNYX_FROM') && !set(env, 'TELNYX_MESSAGING_PROFILE_ID')) missing.push('TELNYX_FROM or TELNYX_MESSAGING_PROFILE_ID');
  return missing;
}

/** The vendor the environment chooses, or `undefined` for the outbox. */
export function smsProviderOf(env: NodeJS.ProcessEnv): SmsProvider | undefined {
  const named = env.VIGIL_SMS_PROVIDER?.trim().toLowerCase();
  if (named) {
    if (!(SMS_PROVIDERS as readonly string[]).includes(named)) {
      throw new SmsProviderConfigError(`VIGIL_SMS_PROVIDER is "${env.VIGIL_SMS_PROVIDER}": use one of ${SMS_PROVIDERS.join(', ')} (or leave it unset)`);
    }
    const provider = named as SmsProvider;
    const missing = missingFor(provider, env);
    if (missing.length > 0) throw new SmsProviderConfigError(`VIGIL_SMS_PROVIDER is ${provider} but ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set`);
    return provider;
  }
  // Twilio counts only when complete: its credentials alone may be there for voice calls.
  const twilio = missingFor('twilio', env).length === 0;
  const telnyx = set(env, 'TELNYX_API_KEY');
  if (twilio && telnyx) throw new SmsProviderConfigError('both Twilio (TWILIO_FROM) and Telnyx (TELNYX_API_KEY) can send SMS: set VIGIL_SMS_PROVIDER to twilio or telnyx');
  if (telnyx) {
    const missing = missingFor('telnyx', env);
    if (missing.length > 0) throw new SmsProviderConfigError(`TELNYX_API_KEY is set but ${missing.join(', ')} is not`);
    return 'telnyx';
  }
  return twilio ? 'twilio' : undefined;
}

/** The SMS transport the environment configures, or the outbox when it configures none. */
export function smsTransportFromEnv(env: NodeJS.ProcessEnv, outbox: Outbox): SmsTransport & { warm?(): Promise<void> } {
  const provider = smsProviderOf(env);
  if (provider === 'twilio') {
    return createTwilioSmsTransport({ accountSid: env.TWILIO_ACCOUNT_SID as string, authToken: env.TWILIO_AUTH_TOKEN as string, from: env.TWILIO_FROM as string, apiBaseUrl: env.TWILIO_API_URL });
  }
  if (provider === 'telnyx') {
    return createTelnyxSmsTransport({
      apiKey: env.TELNYX_API_KEY as string,
      from: env.TELNYX_FROM || undefined,
      messagingProfileId: env.TELNYX_MESSAGING_PROFILE_ID || undefined,
      baseUrl: env.TELNYX_API_URL || undefined,
    });
  }
  return outbox.sms;
}
