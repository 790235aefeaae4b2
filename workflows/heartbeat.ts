/**
 * One heartbeat, watched for as long as it is configured: a durable timer of interval plus grace
 * from the last ping (or from the start). A missed deadline opens an incident once, by the same
 * signal-with-start alerts use; the next ping resolves it. The history stays small however often
 * the job pings: the run continues as new before it grows long, carrying its state.
 */
import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler, uuid4, workflowInfo } from '@temporalio/workflow';
import type { HeartbeatActivities } from '../activities/heartbeatIncidents';
import { heartbeatAlert, type HeartbeatSettings, type HeartbeatState, type HeartbeatView } from '../domain/heartbeat';
import type { CarriedHeartbeat, HeartbeatOutcome, HeartbeatWorkflowInput } from '../contracts/heartbeat';
import { heartbeatPingSignal, heartbeatQuery } from '../contracts/heartbeat';

/** Each ping costs about six events (signal, task, timer started and cancelled); this keeps a run near 150 pings. */
const DEFAULT_HISTORY_LIMIT = 1_000;

const activities = proxyActivities<HeartbeatActivities>({
  startToCloseTimeout: '1 minute',
  // An incident must open even after a long Temporal or worker outage: retry without a limit.
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

export async function heartbeatWorkflow(input: HeartbeatWorkflowInput): Promise<HeartbeatOutcome> {
  const historyLimit = input.historyLimit ?? DEFAULT_HISTORY_LIMIT;
  let settings: HeartbeatSettings = input.settings;
  const carried = input.carried;
  const watchingSince = carried?.watchingSince ?? new Date().toISOString();
  let lastPingAt = carried?.lastPingAt;
  let state: HeartbeatState = carried?.state ?? 'ok';
  let pings = carried?.pings ?? 0;
  let pingPending = carried?.pingPending ?? false;
  // Set while a maintenance window covers a miss: late, nobody paged, looked at again then.
  let maintenanceUntil = carried?.maintenanceUntil;

  const windowMs = () => (settings.intervalSeconds + settings.graceSeconds) * 1000;
  const deadlineMs = () => new Date(lastPingAt ?? watchingSince).getTime() + windowMs();
  function view(): HeartbeatView {
    return {
      id: settings.id,
      service: settings.service,
      intervalSeconds: settings.intervalSeconds,
      graceSeconds: settings.graceSeconds,
      state,
      watchingSince,
      ...(lastPingAt ? { lastPingAt } : {}),
      nextDeadlineAt: new Date(deadlineMs()).toISOString(),
      pings,
      ...(maintenanceUntil ? { maintenanceUntil } : {}),
    };
  }

  /** Opens the miss's incident, unless maintenance covers it; histories before maintenance got undefined here (opened). */
  async function reportMiss(): Promise<void> {
    const deadlineAt = new Date(deadlineMs()).toISOString();
    const outcome = await activities.openHeartbeatIncident(heartbeatAlert(settings, uuid4(), new Date(), { lastPingAt, deadlineAt }));
    maintenanceUntil = outcome?.suppressedUntil;
  }

  setHandler(heartbeatPingSignal, (ping) => {
    if (ping?.settings?.id === settings.id) settings = ping.settings;
    lastPingAt = new Date().toISOString();
    pings += 1;
    pingPending = true;
  });
  setHandler(heartbeatQuery, view);

  /** The worker's config now: the heartbeat's current settings, or undefined once it left the config. */
  async function refreshSettings(): Promise<boolean> {
    const current = await activities.heartbeatSettings(settings.id);
    if (!current) return false;
    settings = current;
    return true;
  }

  const historyIsLong = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= historyLimit;

  for (;;) {
    if (pingPending) {
      pingPending = false;
      if (state === 'late') {
        state = 'ok';
        const paged = maintenanceUntil === undefined;
        maintenanceUntil = undefined;
        if (paged) {
          await activities.resolveHeartbeatIncident(heartbeatAlert(settings, uuid4(), new Date(), { lastPingAt, deadlineAt: new Date(deadlineMs()).toISOString() }, true));
        }
      }
    } else if (state === 'ok') {
      const remainingMs = deadlineMs() - Date.now();
      if (remainingMs > 0 && (await condition(() => pingPending || historyIsLong(), remainingMs))) {
        if (!pingPending && historyIsLong()) break;
        continue;
      }
      // Missed, unless the config has since lengthened the interval or dropped the heartbeat.
      if (!(await refreshSettings())) return { retired: true, view: view() };
      if (pingPending || deadlineMs() > Date.now()) continue;
      state = 'late';
      await reportMiss();
    } else if (maintenanceUntil !== undefined) {
      // Late in maintenance: a ping ends it quietly; still silent when the window ends, it pages then.
      const quietMs = Math.max(1000, Date.parse(maintenanceUntil) - Date.now());
      if (!(await condition(() => pingPending || historyIsLong(), quietMs))) {
        if (!(await refreshSettings())) return { retired: true, view: view() };
        await reportMiss();
      }
    } else {
      // Late: paged once already; wait for the next ping, looking now and then whether it was removed.
      if (!(await condition(() => pingPending || historyIsLong(), windowMs()))) {
        if (!(await refreshSettings())) return { retired: true, view: view() };
      }
    }
    if (!pingPending && historyIsLong()) break;
  }

  // Picks up the config as it is now, then hands over.
  if (!(await refreshSettings())) return { retired: true, view: view() };
  await condition(allHandlersFinished);
  const next: CarriedHeartbeat = { watchingSince, ...(lastPingAt ? { lastPingAt } : {}), state, pings, pingPending, ...(maintenanceUntil ? { maintenanceUntil } : {}) };
  return continueAsNew<typeof heartbeatWorkflow>({ ...input, settings, carried: next });
}
