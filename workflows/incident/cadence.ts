/** The update cadence of the communication plan: reminders to whoever holds the incident. */
import { condition } from '@temporalio/workflow';
import { reminderChannel } from '../../domain/channels/choice';
import type { EscalationStep } from '../../domain/escalation';
import type { Notifier } from './notifier';
import type { IncidentRun } from './run';

/**
 * While the incident is open, whoever holds it is reminded when no update was posted for the
 * cadence of its (current) severity. Runs beside the main flow; a hand-over carries its position.
 */
export async function keepCadence(run: IncidentRun, notifier: Notifier): Promise<void> {
  const { incident } = run;
  const every = () => run.plan.communication?.updateEverySeconds[incident.severity];
  while (incident.isOpen) {
    const seconds = every();
    if (!seconds) {
      await condition(() => !incident.isOpen || every() !== undefined);
      continue;
    }
    const dueAtMs = Math.max(run.cadence.lastUpdateAtMs, run.cadence.lastReminderAtMs) + seconds * 1000;
    const remaining = dueAtMs - Date.now();
    if (remaining > 0) {
      const seen = run.cadence;
      await condition(() => !incident.isOpen || run.cadence !== seen || every() !== seconds, remaining);
      continue;
    }
    run.cadence = { ...run.cadence, lastReminderAtMs: Date.now() };
    incident.recordNote(`no status update for ${seconds} s: reminded ${run.holders.map((holder) => holder.name).join(', ') || 'nobody (no one holds it yet)'}`, new Date());
    const step: EscalationStep = { cycle: 0, levelIndex: -1 };
    for (const holder of run.holders) notifier.notify('update-due', holder, reminderChannel(holder), step, run.cadence.lastReminderAtMs);
  }
}
