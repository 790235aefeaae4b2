/**
 * Escalation: level after level of the policy until someone acknowledges, with delayed channels,
 * low urgency waiting for business hours, and rounds that start over.
 */
import { condition, log } from '@temporalio/workflow';
import type { EscalationStep, Responder } from '../../domain/escalation';
import { deliveriesFor, firstStep, levelNumber, nextStep } from '../../domain/escalation';
import { businessHoursOpen, resolveLevelTargets } from './activities';
import { handOver } from './handOver';
import type { Notifier } from './notifier';
import type { IncidentRun } from './run';
import { publishPaged } from './visibility';
import { announce } from './webhooks';

/** Where escalation starts: a fresh policy at its first level, or a carried-over or manual position. */
export interface EscalationStart {
  step: EscalationStep;
  /** True when the step was already notified (a carried-over wait), due at `dueAtMs`. */
  notified: boolean;
  dueAtMs: number;
}

/**
 * Notifies level after level until someone acknowledges, a manual escalate skips ahead, or the
 * escalation must start over. Waits hand over to a new run when the history grows long.
 */
export async function escalate(run: IncidentRun, notifier: Notifier, start?: EscalationStart, deferredUntilMs?: number): Promise<void> {
  const { incident } = run;
  const plan = run.plan;
  // Low urgency outside business hours: the first level waits for them (a human may still escalate now).
  if ((deferredUntilMs !== undefined || (!start && run.urgency === 'low')) && plan.businessHours) {
    await deferToBusinessHours(run, deferredUntilMs ?? (await businessHoursOpen(plan.businessHours)).opensAtMs);
    if (incident.status !== 'triggered' || run.mustRestart()) return;
  }
  let notified = start?.notified ?? false;
  let dueAtMs = start?.dueAtMs ?? 0;
  for (let step = start?.step ?? firstStep(run.policy); step && incident.status === 'triggered'; step = nextStep(run.policy, step)) {
    if (!notified) {
      dueAtMs = await notifyLevel(run, notifier, step);
      if (incident.status !== 'triggered') break;
    }
    notified = false;
    run.lastStep = step;
    // Until the level times out or someone acts; later channels go out on their time.
    for (;;) {
      const remaining = dueAtMs - Date.now();
      if (remaining <= 0) break;
      const untilPending = run.pending.length > 0 ? Math.max(1, Math.min(...run.pending.map((entry) => entry.atMs)) - Date.now()) : Infinity;
      const waitMs = Math.min(remaining, untilPending);
      const woke = await condition(() => incident.status !== 'triggered' || run.historyIsLong() || run.escalateRequested || run.mustRestart(), waitMs);
      if (incident.status !== 'triggered') break;
      if (run.mustRestart()) return;
      if (run.escalateRequested) {
        run.escalateRequested = false;
        run.pending = [];
        break;
      }
      sendDuePending(run, notifier);
      if (run.historyIsLong()) await handOver(run, { stage: 'escalating', escalation: { step, dueAtMs } });
      if (!woke && waitMs === remaining) break;
    }
  }
  if (incident.status === 'triggered' && !run.mustRestart()) {
    run.pending = [];
    // A policy without levels is an incident declared with `page: false`: nobody was meant to be paged.
    incident.recordEscalationExhausted(new Date(), run.policy.levels.length === 0 ? 'paging nobody: declared without paging (reassign to page someone)' : undefined);
    log.warn('escalation policy exhausted without acknowledgement', { incident: incident.view().code });
    if (run.policy.onExhaustedRefs) await notifier.tellExhausted(run.policy.onExhaustedRefs);
  }
}

/** A new round: later pages are new deliveries; a reassigned policy takes over. */
export function beginRound(run: IncidentRun): void {
  run.round += 1;
  run.pending = [];
  run.escalateRequested = false;
  if (run.restartRequested !== undefined) {
    if (run.reassignedPolicy) {
      run.policy = run.reassignedPolicy;
      for (const responder of run.policy.levels.flatMap((level) => level.targets)) run.remember(responder);
      run.reassignedPolicy = undefined;
    }
    run.restartRequested = undefined;
  }
  if (run.urgencyRose()) run.incident.recordNote(`severity ${run.incident.severity} is high urgency: escalating again by every channel`, new Date());
  run.urgency = run.urgencyNow();
}

/** The people a level pages: resolved now when it names schedules or teams, else as frozen. */
async function levelTargets(run: IncidentRun, levelIndex: number): Promise<Responder[]> {
  const level = run.policy.levels[levelIndex];
  if (!level.targetRefs) return level.targets;
  const resolved = await resolveLevelTargets({ refs: level.targetRefs });
  for (const note of resolved.notes) run.incident.recordNote(note, new Date());
  return resolved.responders;
}

/** Pages one level: its channels at once, each person's later channels into `pending`. */
async function notifyLevel(run: IncidentRun, notifier: Notifier, step: EscalationStep): Promise<number> {
  const level = run.policy.levels[step.levelIndex];
  const targets = await levelTargets(run, step.levelIndex);
  const now = new Date();
  const hasNext = nextStep(run.policy, step) !== undefined;
  const dueAtMs = now.getTime() + level.timeoutSeconds * 1000;
  run.incident.recordEscalation(step, run.policy.id, now, hasNext ? new Date(dueAtMs) : undefined);
  // The first level is the page itself; later levels and repeats of the policy escalate.
  if (step.levelIndex > 0 || step.cycle > 0) announce(run, 'incident.escalated', { escalation: { level: levelNumber(step), cycle: step.cycle, byHand: false } });
  run.pending = [];
  for (const responder of targets) {
    run.remember(responder);
    for (const delivery of deliveriesFor(responder, level, run.urgency)) {
      if (delivery.afterSeconds === 0) notifier.notify('page', responder, delivery.channel, step);
      else run.pending.push({ atMs: now.getTime() + delivery.afterSeconds * 1000, responder, channel: delivery.channel, step });
    }
  }
  for (const responder of targets) run.pagedContactIds.add(responder.id);
  publishPaged(run);
  if (targets.length > 0) run.holders = targets;
  return dueAtMs;
}

/** Sends the pending notifications whose time has come. */
function sendDuePending(run: IncidentRun, notifier: Notifier): void {
  const nowMs = Date.now();
  const due = run.pending.filter((entry) => entry.atMs <= nowMs);
  run.pending = run.pending.filter((entry) => entry.atMs > nowMs);
  for (const entry of due) notifier.notify('page', entry.responder, entry.channel, entry.step);
}

/** Waits until business hours open, or until someone acts, escalates by hand, or urgency rises. */
async function deferToBusinessHours(run: IncidentRun, untilMs: number): Promise<void> {
  const { incident } = run;
  if (untilMs <= Date.now()) return;
  incident.recordNote(`low urgency: paging waits for business hours, until ${new Date(untilMs).toISOString()}`, new Date());
  const settled = () => incident.status !== 'triggered' || run.escalateRequested || run.mustRestart();
  for (;;) {
    const remaining = untilMs - Date.now();
    if (remaining <= 0) break;
    const woke = await condition(() => settled() || run.historyIsLong(), remaining);
    if (settled() || !woke) break;
    await handOver(run, { stage: 'deferred', deferUntilMs: untilMs });
  }
  // An escalate by hand means: page now.
  run.escalateRequested = false;
}
