import type { DeliveryClaim, DeliveryLog } from '../../domain/transports';
import type { SqlExecutor } from '../../platform/sqlStore';

interface Row {
  state: 'sending' | 'sent';
  provider_id: string | null;
  lease_until: Date;
  started_at: Date;
  attempts: number;
  expired: boolean;
}

/** `now() + ms`, on the database's clock: every host compares leases against the same clock. */
const LEASE_END = `now() + ($LEASE::int * interval '1 millisecond')`;
const lease = (param: number) => LEASE_END.replace('$LEASE', `$${param}`);

/**
 * The delivery log in the SQL store (table `notification_deliveries`), shared by every worker
 * on every host. Each step is one statement, atomic on its own, so it needs no transaction and
 * works the same on PostgreSQL and on PGlite (also behind its socket server).
 */
export function createSqlDeliveryLog(db: SqlExecutor): DeliveryLog {
  async function claimOnce(key: string, channel: string, owner: string, leaseMs: number): Promise<DeliveryClaim | undefined> {
    // A first attempt writes the intent; ON CONFLICT keeps a second, concurrent one out.
    const inserted = await db.query(
      `INSERT INTO notification_deliveries (idempotency_key, channel, state, owner, lease_until)
       VALUES ($1, $2, 'sending', $3, ${lease(4)}) ON CONFLICT (idempotency_key) DO NOTHING RETURNING 1`,
      [key, channel, owner, leaseMs],
    );
    if (inserted.length > 0) return { status: 'claimed' };
    // An unconfirmed intent whose holder's lease ran out (it died, or its send failed): take it
    // over. Of two attempts racing here, PostgreSQL lets one update the row; the other sees the
    // new lease and updates nothing.
    const taken = await db.query<Pick<Row, 'started_at' | 'attempts'>>(
      `UPDATE notification_deliveries SET owner = $2, lease_until = ${lease(3)}, attempts = attempts + 1
       WHERE idempotency_key = $1 AND state = 'sending' AND lease_until <= now() RETURNING started_at, attempts`,
      [key, owner, leaseMs],
    );
    if (taken.length > 0) return { status: 'claimed', unconfirmed: { startedAt: new Date(taken[0].started_at), attempts: taken[0].attempts - 1 } };
    const [row] = await db.query<Row>(`SELECT state, provider_id, lease_until, (lease_until <= now()) AS expired FROM notification_deliveries WHERE idempotency_key = $1`, [key]);
    if (!row) return undefined;
    if (row.state === 'sent') return { status: 'sent', providerId: row.provider_id };
    if (row.expired) return undefined;
    return { status: 'busy', leaseUntil: new Date(row.lease_until) };
  }

  return {
    async claim(key, channel, owner, leaseMs) {
      // The row can change between the statements above (a lease runs out just then): look again.
      for (let round = 0; round < 3; round++) {
        const claim = await claimOnce(key, channel, owner, leaseMs);
        if (claim) return claim;
      }
      throw new Error(`delivery ${key} changed hands three times while being claimed`);
    },
    async renew(key, owner, leaseMs) {
      const rows = await db.query(
        `UPDATE notification_deliveries SET lease_until = ${lease(3)} WHERE idempotency_key = $1 AND owner = $2 AND state = 'sending' RETURNING 1`,
        [key, owner, leaseMs],
      );
      return rows.length > 0;
    },
    async release(key, owner) {
      await db.query(`UPDATE notification_deliveries SET lease_until = now() WHERE idempotency_key = $1 AND owner = $2 AND state = 'sending'`, [key, owner]);
    },
    async confirm(key, providerId) {
      await db.query(
        `UPDATE notification_deliveries SET state = 'sent', provider_id = $2, confirmed_at = now() WHERE idempotency_key = $1 AND state = 'sending'`,
        [key, providerId],
      );
    },
    async takenProviderIds(channel, ids) {
      if (ids.length === 0) return new Set();
      const rows = await db.query<{ provider_id: string }>(
        `SELECT provider_id FROM notification_deliveries WHERE channel = $1 AND state = 'sent' AND provider_id = ANY($2::text[])`,
        [channel, [...ids]],
      );
      return new Set(rows.map((row) => row.provider_id));
    },
  };
}
