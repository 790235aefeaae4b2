/** The plan's runbook: diagnose, remediate, verify; a verified recovery resolves the incident. */
import type { IncidentPlan } from '../../domain/incidentPlan';
import type { RunbookStepOutput } from '../../activities/runbookSteps';
import type { EscalationStep } from '../../domain/escalation';
import type { RunbookStepName } from '../../domain/incident';
import { failureMessage, runbookStepActivity } from './activities';
import type { Notifier } from './notifier';
import type { IncidentRun } from './run';
import { publishStatus } from './visibility';
import { tellChat } from './chat';

const STEPS: readonly RunbookStepName[] = ['diagnose', 'remediate', 'verify'];

export async function runRunbook(run: IncidentRun, notifier: Notifier, runbook: NonNullable<IncidentPlan['runbook']>): Promise<void> {
  const { incident } = run;
  incident.startRunbook(runbook.id, new Date());
  let findings: Record<string, unknown> = {};
  for (const step of STEPS) {
    // A responder who resolved the incident by hand stops the runbook before its next step.
    if (!incident.isOpen) return;
    const runRunbookStep = runbookStepActivity(step, runbook.stepTimeoutSeconds);
    let output: RunbookStepOutput;
    try {
      output = await runRunbookStep({ runbookId: runbook.id, step, alert: run.input.alert, params: runbook.params, findings });
    } catch (error) {
      incident.recordRunbookStep({ step, ok: false, summary: `error: ${failureMessage(error)}`, at: new Date().toISOString() });
      tellChat(run, 'incident.runbook_step', { runbook: { step, ok: false, summary: `error: ${failureMessage(error)}` } });
      return;
    }
    incident.recordRunbookStep({ step, ok: output.ok, summary: output.summary, at: new Date().toISOString() });
    tellChat(run, 'incident.runbook_step', { runbook: { step, ok: output.ok, summary: output.summary } });
    if (!output.ok) return;
    findings = output.findings;
    if (step === 'verify' && incident.resolve(`runbook ${runbook.id}`, new Date(), output.summary)) {
      publishStatus(run);
      const announce: EscalationStep = { cycle: 0, levelIndex: 0 };
      // Nobody was woken for this; the first level hears of it by email only.
      for (const responder of run.policy.levels[0]?.targets ?? []) notifier.notify('auto-resolved', responder, 'email', announce);
    }
  }
}
