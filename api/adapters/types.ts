/**
 * An alert source: how one monitoring tool's webhook body becomes Vigil alerts. One file per
 * source, registered in `index.ts`, with a real payload of the source and the alerts it must make in
 * `test/fixtures/<id>.json`; `test/adapters.test.ts` runs every adapter on its fixture and fails
 * for an adapter that has none. Like Grafana OnCall's one-file integrations, the file also declares
 * what the sender sees: the body it posts (the zod schema `parse` reads, which the OpenAPI document
 * shows), an example body, and the snippet to paste into the sender's config.
 */
import type { z } from 'zod';
import type { Alert } from '../../domain/alert';
import type { EmailIntakeConfig } from '../../domain/emailIntakeConfig';

/** An alert as a source reports it, before Vigil gives it an id and a receipt time. */
export type SourceAlert = Omit<Alert, 'id' | 'receivedAt'> & {
  /**
   * `resolved`: the monitoring tool says the condition is over; `acknowledged`: the sender's side
   * says someone is on it (PagerDuty's acknowledge action).
   */
  status: 'firing' | 'acknowledged' | 'resolved';
  /**
   * The sender's own identity of this notification of this alert, when its format has one: the
   * same on the sender's retry, different for a new notification. Vigil derives the alert id from
   * it, so a retry counts once (`api/intake/alertIdentity.ts`).
   */
  senderId?: string;
};

/** What the integration's config adds to parsing. */
export interface AdapterContext {
  /** Service for alerts that do not name one (the integration's `service`). */
  defaultService?: string;
  /** An `email` integration's subject patterns and severity (defaults when absent). */
  email?: EmailIntakeConfig;
}

/** Thrown by `parse` when the body is not this source's format; the API answers 400 with the field. */
export class AdapterInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'AdapterInputError';
  }
}

/** One state change of a thing whose changes may arrive out of order (a CloudWatch alarm's). */
export interface StateChange {
  /** What the changes are of (the alarm's dedup key). */
  key: string;
  state: string;
  /** When the thing entered this state, by the sender's clock. */
  at: Date;
}

export interface AlertAdapter {
  /** The `source` value in config and on every alert it makes; also names its test fixture, `test/fixtures/<id>.json`. */
  id: string;
  description: string;
  /** The body the sender posts: the schema `parse` checks it with, published in `/openapi.json`. */
  body: z.ZodType;
  /** A realistic body (values made up) that `parse` reads: the document's example for this source. */
  example: unknown;
  /**
   * What to paste into the sender's own config, with `<integration id>` and `<token>` for the
   * integration's id and token (`https://vigil.example.com` stands for `VIGIL_PUBLIC_URL`).
   */
  senderConfig: string;
  /** Pure: body in, alerts out. Throws AdapterInputError for a body it cannot read. */
  parse(body: unknown, context: AdapterContext): SourceAlert[];
  /**
   * For sources that may deliver an older state change after a newer one: the change an alert
   * reports. The route drops an alert whose change is older than the newest seen for its key
   * (`api/records/alarmStates.ts`, in the SQL store), so a late one neither reopens nor resolves.
   */
  stateChangeOf?(alert: SourceAlert): StateChange | undefined;
}
