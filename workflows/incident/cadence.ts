/** The update cadence of the communication plan: reminders to the commander, else whoever holds the incident. */
import { condition, patched } from '@temporalio/workflow';
import { reminderChannel } from '../../domain/channels/choice';
import type { EscalationStep } from '../../domain/escalation';
import type { Notifier } from './notifier';
import type { IncidentRun } from './run';

/** Reminders go to the incident commander when there is one (#15.6). */
export const COMMANDER_REMINDERS_PATCH = 'incident-roles-commander-reminders';

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
    // The commander owes the stakeholders their updates; without one, whoever holds the incident.
    // Only runs with a commander (assigned by an update or a declaration newer than every older
    // history) take the new branch; the marker says so on replay.
    const commander = run.commander && patched(COMMANDER_REMINDERS_PATCH) ? run.commander : undefined;
    const recipients = commander ? [commander] : run.holders;
    const whom = commander ? `${commander.name} (commander)` : run.holders.map((holder) => holder.name).join(', ') || 'nobody (no one holds it yet)';
    incident.recordNote(`no status update for ${seconds} s: reminded ${whom}`, new Date());
    const step: EscalationStep = { cycle: 0, levelIndex: -1 };
    for (const holder of recipients) notifier.notify('update-due', holder, reminderChannel(holder), step, run.cadence.lastReminderAtMs);
  }
}
