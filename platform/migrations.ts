/**
 * The SQL store's schema, as numbered steps applied once each and in order. Append new steps;
 * never edit a released one (a database that ran it will not run it again).
 */
import type { SqlStore } from './sqlStore';

export const MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
      -- Alerts taken while Temporal was unreachable, oldest first; the forwarder drains them.
      CREATE TABLE alert_spool (
        seq bigserial PRIMARY KEY,
        spooled_at timestamptz NOT NULL DEFAULT now(),
        item jsonb NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        -- Set when an item kept failing for a reason other than Temporal being down.
        failed_at timestamptz
      );
      -- Which API replica forwards the spool, so items go to Temporal in one order.
      CREATE TABLE spool_lease (
        name text PRIMARY KEY,
        holder text NOT NULL,
        expires_at timestamptz NOT NULL
      );
    `,
  },
  {
    version: 2,
    sql: `
      -- Alerts that paged nobody: events by policy, suppressed by maintenance, or promoted.
      CREATE TABLE events (
        id uuid PRIMARY KEY,
        received_at timestamptz NOT NULL,
        service text NOT NULL,
        dedup_key text NOT NULL,
        source text NOT NULL,
        severity text NOT NULL,
        summary text NOT NULL,
        labels jsonb NOT NULL,
        -- firing or resolved, as the source reported it
        status text NOT NULL,
        -- event, suppressed (maintenance), or promoted (became an incident)
        disposition text NOT NULL,
        reason text NOT NULL,
        rule text,
        maintenance_id uuid
      );
      CREATE INDEX events_by_key ON events (service, dedup_key, received_at);
      CREATE INDEX events_by_time ON events (received_at);
      CREATE TABLE maintenance_windows (
        id uuid PRIMARY KEY,
        service text,
        matchers jsonb NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        reason text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX maintenance_by_end ON maintenance_windows (ends_at);
    `,
  },
  {
    version: 3,
    sql: `
      -- The open window of each grouping rule's group: a gap longer than the rule's window
      -- starts the next sequence number, and with it a new incident.
      CREATE TABLE alert_groups (
        group_key text PRIMARY KEY,
        seq integer NOT NULL,
        last_alert_at timestamptz NOT NULL
      );
    `,
  },
  {
    version: 4,
    sql: `
      -- Changes (deploys, config pushes) senders report through PagerDuty's Change Events API;
      -- an incident shows those of its service around its time as "recent changes".
      CREATE TABLE change_events (
        id uuid PRIMARY KEY,
        received_at timestamptz NOT NULL,
        happened_at timestamptz NOT NULL,
        service text NOT NULL,
        summary text NOT NULL,
        source text,
        links jsonb NOT NULL,
        details jsonb
      );
      CREATE INDEX change_events_by_service ON change_events (service, happened_at);
    `,
  },
  {
    version: 5,
    sql: `
      -- One-click acknowledge links already used: each works once.
      CREATE TABLE used_ack_links (
        id text PRIMARY KEY,
        used_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    version: 6,
    sql: `
      -- What people wrote in post-incident reviews; the rest of a review is drafted from the
      -- resolved incident in Temporal, so only these sections are kept here.
      CREATE TABLE incident_reviews (
        incident_id text PRIMARY KEY,
        went_well jsonb NOT NULL,
        went_badly jsonb NOT NULL,
        action_items jsonb NOT NULL,
        completed_at timestamptz,
        completed_by text,
        updated_at timestamptz NOT NULL,
        updated_by text NOT NULL
      );
      CREATE INDEX incident_reviews_by_update ON incident_reviews (updated_at);
    `,
  },
  {
    version: 7,
    sql: `
      -- Messages senders identify (Twilio MessageSid, SNS MessageId) already taken: a replayed
      -- or redelivered one acts once, on whichever API replica it reaches.
      CREATE TABLE inbound_messages (
        channel text NOT NULL,
        message_id text NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (channel, message_id)
      );
      CREATE INDEX inbound_messages_by_time ON inbound_messages (channel, received_at);
      -- The newest state change seen per CloudWatch alarm: an older one delivered late
      -- (an ALARM redelivered after its OK) does not reopen anything.
      CREATE TABLE alarm_states (
        alarm_key text PRIMARY KEY,
        state text NOT NULL,
        state_change_time timestamptz NOT NULL,
        seen_at timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    version: 8,
    sql: `
      -- Each notification a worker sends, by idempotency key: the intent is written before the
      -- provider is asked (state sending, held by one attempt until lease_until) and confirmed
      -- after it accepted (state sent, with the provider's message id). A retry on any host that
      -- finds an unconfirmed intent asks the provider before sending again.
      CREATE TABLE notification_deliveries (
        idempotency_key text PRIMARY KEY,
        channel text NOT NULL,
        state text NOT NULL CHECK (state IN ('sending', 'sent')),
        owner text NOT NULL,
        lease_until timestamptz NOT NULL,
        attempts integer NOT NULL DEFAULT 1,
        started_at timestamptz NOT NULL DEFAULT now(),
        confirmed_at timestamptz,
        provider_id text
      );
      -- A provider message found while reconciling is looked up here, so it counts for one delivery only.
      CREATE INDEX notification_deliveries_by_provider_id ON notification_deliveries (channel, provider_id);
    `,
  },
  {
    version: 9,
    sql: `
      -- Every replica asks on every request whether spooled items wait (and the forwarder reads
      -- the oldest): an index of the waiting rows only keeps both cheap after a long outage.
      CREATE INDEX alert_spool_waiting ON alert_spool (seq) WHERE failed_at IS NULL;
      -- When a request body without a sender identity was first seen: a retry of the same body
      -- within the window gets the same alert ids, so it counts once (docs/integrations.md).
      CREATE TABLE request_digests (
        digest text PRIMARY KEY,
        first_seen timestamptz NOT NULL
      );
      CREATE INDEX request_digests_by_age ON request_digests (first_seen);
    `,
  },
  {
    version: 10,
    sql: `
      -- Counters of rate-limiter-flexible (platform/rateLimitStore.ts): failed authentication per
      -- client, new incidents per integration. Shared by replicas, so a limit holds across them.
      CREATE TABLE rate_limit_counters (
        key varchar(255) PRIMARY KEY,
        points integer NOT NULL DEFAULT 0,
        expire bigint
      );
      -- Incident keys an integration sent lately: a key seen within the storm window is a repeat,
      -- not a new incident, for the storm guard (api/intake/stormGuard.ts).
      CREATE TABLE storm_guard_keys (
        integration text NOT NULL,
        incident_key text NOT NULL,
        last_seen timestamptz NOT NULL,
        -- Whether the key's alerts were folded into its integration's storm incident.
        folded boolean NOT NULL DEFAULT false,
        PRIMARY KEY (integration, incident_key)
      );
    `,
  },
  {
    version: 11,
    sql: `
      -- What a sender's trigger was, by its own dedup key: PagerDuty's acknowledge and resolve
      -- carry only the key, and must reach the trigger's service whatever the integration says.
      CREATE TABLE sender_triggers (
        integration_id text NOT NULL,
        dedup_key text NOT NULL,
        service text NOT NULL,
        summary text NOT NULL,
        severity text NOT NULL,
        source text NOT NULL,
        labels jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (integration_id, dedup_key)
      );
      CREATE INDEX sender_triggers_by_update ON sender_triggers (updated_at);
    `,
  },
  {
    version: 16,
    sql: `
      -- KPI facts of closed incident runs, copied from Temporal visibility once their close is
      -- settled (api/records/closedIncidentRuns.ts): a closed run's search attributes never change,
      -- so any replica reads them here instead of listing visibility again (decision 64).
      CREATE TABLE kpi_closed_runs (
        -- workflow id and run id: a run is copied once, whichever replica lists it.
        run_key text PRIMARY KEY,
        close_ms double precision NOT NULL,
        record jsonb NOT NULL
      );
      CREATE INDEX kpi_closed_runs_by_close ON kpi_closed_runs (close_ms);
      -- The one range of close times [from_ms, to_ms) of which every closed incident run is copied.
      CREATE TABLE kpi_closed_coverage (
        id smallint PRIMARY KEY CHECK (id = 1),
        from_ms double precision NOT NULL,
        to_ms double precision NOT NULL
      );
    `,
  },
  {
    version: 17,
    sql: `
      -- Incidents in chat (#16, platform/chatRecords.ts): each incident's room, so any API replica
      -- knows which incident a command typed in a room is for and the dashboard links to it.
      CREATE TABLE chat_rooms (
        incident_id text PRIMARY KEY,
        platform text NOT NULL,
        channel_id text NOT NULL,
        url text,
        opened_at timestamptz NOT NULL,
        archived_at timestamptz
      );
      CREATE UNIQUE INDEX chat_rooms_by_channel ON chat_rooms (platform, channel_id);
      -- Every incident card posted (destination: platform, kind and id), updated in place by any worker.
      CREATE TABLE chat_cards (
        incident_id text NOT NULL,
        destination text NOT NULL,
        platform text NOT NULL,
        channel_id text NOT NULL,
        message_id text NOT NULL,
        posted_at timestamptz NOT NULL,
        PRIMARY KEY (incident_id, destination)
      );
      -- Inbound chat requests already handled (api/chat/chatRequestGuard.ts), for replay safety across replicas.
      CREATE TABLE chat_requests (
        platform text NOT NULL,
        request_id text NOT NULL,
        seen_at timestamptz NOT NULL,
        PRIMARY KEY (platform, request_id)
      );
      CREATE INDEX chat_requests_by_age ON chat_requests (seen_at);
    `,
  },
];

/** Serialises migrations between replicas starting at once (PostgreSQL advisory lock). */
const MIGRATION_LOCK = 7_351_902;

export async function migrate(store: SqlStore): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query('CREATE TABLE IF NOT EXISTS vigil_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const applied = new Set((await tx.query<{ version: number }>('SELECT version FROM vigil_migrations')).map((row) => row.version));
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      // Comments go first: a ";" inside one must not split a statement.
      const statements = migration.sql.replace(/--.*$/gm, '').split(';').map((text) => text.trim()).filter((text) => text !== '');
      for (const statement of statements) {
        await tx.query(statement);
      }
      await tx.query('INSERT INTO vigil_migrations (version) VALUES ($1)', [migration.version]);
    }
  });
}
