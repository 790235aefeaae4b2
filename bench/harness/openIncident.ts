/**
 * Opening an incident as the API does (the gateway's signalWithStart with a frozen plan) from a
 * bench on a loaded machine: a call answered late is retried with the same alert id, which the
 * workflow counts once.
 */
import type { createTemporalGateway } from '../../api/gateways/temporalGateway';
import type { Alert } from '../../domain/alert';
import { decodeIncidentId, incidentCode, type IncidentRef } from '../../domain/incidentId';
import { sleep } from './benchClock';

type Gateway = ReturnType<typeof createTemporalGateway>;

/** The incident's id; up to four calls, 200 ms × attempt apart; `retries` counts the calls repeated. */
export async function submitWithRetries(gateway: Gateway, alert: Alert, retries: { count: number } = { count: 0 }): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return (await gateway.submitAlert(alert)).incidentId;
    } catch (error) {
      if (attempt >= 4) throw error;
      retries.count += 1;
      await sleep(200 * attempt);
    }
  }
}

/** The incident's workflow reference and its six-character code (what the pages' subjects carry). */
export function incidentOf(incidentId: string): { ref: IncidentRef; code: string } {
  const ref = decodeIncidentId(incidentId);
  if (!ref) throw new Error(`undecodable incident id ${incidentId}`);
  return { ref, code: incidentCode(ref) };
}
