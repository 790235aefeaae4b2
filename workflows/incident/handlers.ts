/** The incident's message handlers: alerts, notes and links in; query; acknowledge, resolve, escalate, reassign, roles, update. */
import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import type { Alert } from '../../domain/alert';
import type { EscalationPolicySnapshot, EscalationStep, Responder } from '../../domain/escalation';
import { deliveriesFor } from '../../domain/escalation';
import type { TransitionRefusal } from '../../domain/incident';
import type { ActorInput, AssignRolesInput } from '../../contracts/incident';
import { INCIDENT_ROLES, MAX_ROLE_RESPONDERS, SINGLE_ROLES } from '../../domain/incidentRoles';
import {
  acknowledgeUpdate,
  assignRolesUpdate,
  alertBatchSignal,
  alertSignal,
  escalateUpdate,
  INCIDENT_CONFLICT_FAILURE,
  incidentQuery,
  INVALID_INPUT_FAILURE,
  noteSignal,
  problemLinkedSignal,
  reassignUpdate,
  resolveUpdate,
  sourceResolvedSignal,
  statusUpdateUpdate,
} from '../../contracts/incident';
import type { Notifier } from './notifier';
import type { IncidentRun } from './run';
import { publishPaged, publishStatus } from './visibility';
import { announce } from './webhooks';
import { tellChat } from './chat';

function refuse(refusal: TransitionRefusal | undefined): void {
  if (refusal) throw ApplicationFailure.create({ message: refusal.message, type: INCIDENT_CONFLICT_FAILURE, nonRetryable: true });
}

function checkActor(input: ActorInput | undefined): void {
  if (typeof input?.by !== 'string' || input.by.trim() === '') {
    throw ApplicationFailure.create({ message: '"by" must name who acted', type: INVALID_INPUT_FAILURE, nonRetryable: true });
  }
}

function invalid(message: string): never {
  throw ApplicationFailure.create({ message, type: INVALID_INPUT_FAILURE, nonRetryable: true });
}

function isHolder(value: unknown): boolean {
  const holder = value as { id?: unknown; name?: unknown } | null;
  return typeof holder?.id === 'string' && holder.id !== '' && typeof holder.name === 'string';
}

/** The API checks contacts against config; this refuses what no API would send (the history keeps only sane roles). */
function checkRoles(input: AssignRolesInput | undefined): void {
  const roles = input?.roles as Record<string, unknown> | undefined;
  if (!roles || typeof roles !== 'object' || Array.isArray(roles)) invalid('"roles" must be an object');
  const named = Object.keys(roles);
  if (named.length === 0) invalid('"roles" must name at least one role');
  for (const role of named) {
    if (!(INCIDENT_ROLES as readonly string[]).includes(role)) invalid(`"roles.${role}" is not an incident role (${INCIDENT_ROLES.join(', ')})`);
  }
  for (const role of SINGLE_ROLES) {
    if (Object.hasOwn(roles, role) && roles[role] !== null && !isHolder(roles[role])) invalid(`"roles.${role}" must be a contact or null`);
  }
  const responders = roles.responders;
  if (responders !== undefined && (!Array.isArray(responders) || responders.length > MAX_ROLE_RESPONDERS || !responders.every(isHolder))) {
    invalid(`"roles.responders" must be a list of at most ${MAX_ROLE_RESPONDERS} contacts`);
  }
}

/** With auto-resolve on, the source's word that every alert is over resolves the incident. */
export function resolveIfSourceSaysSo(run: IncidentRun): void {
  const { incident } = run;
  if (!run.resolution?.autoResolve || !incident.isOpen || !incident.allAlertsResolved) return;
  if (incident.resolve('source', new Date(), 'every alert of the incident reported resolved by its source')) publishStatus(run);
}

/** Registers every handler, in the order older histories expect buffered messages to be taken. */
export function registerHandlers(run: IncidentRun, notifier: Notifier): void {
  const { incident } = run;
  function takeAlert(alert: Alert): void {
    // signalWithStart delivers the opening alert as a signal too; it is already counted.
    if (run.alreadyCounted(alert)) return;
    if (!incident.isOpen) {
      run.lateAlerts.push(alert);
      return;
    }
    const before = incident.severity;
    incident.recordRepeat(alert, new Date());
    if (incident.severity !== before) publishStatus(run);
  }
  setHandler(alertSignal, takeAlert);
  // Only the timeline and the view change (no command), so histories without it replay alike.
  setHandler(problemLinkedSignal, (problem) => {
    if (incident.view().problem?.id !== problem.id) incident.linkProblem(problem, 'linked by hand', new Date());
  });
  // Only the timeline changes (no command), so histories without it replay alike; a retried note counts once.
  setHandler(noteSignal, ({ id, by, via, text }) => {
    if (run.alreadyCounted({ id })) return;
    incident.recordNote(`note by ${by} (${via}): ${text}`, new Date());
  });
  setHandler(alertBatchSignal, (alerts) => {
    for (const alert of alerts) takeAlert(alert);
  });
  setHandler(sourceResolvedSignal, (alert) => {
    if (run.alreadyCounted(alert)) return;
    if (!incident.isOpen) return;
    incident.recordSourceResolved(alert, new Date());
    resolveIfSourceSaysSo(run);
  });
  setHandler(incidentQuery, () => incident.view());
  setHandler(
    acknowledgeUpdate,
    ({ by, via }) => {
      const acknowledgedNow = incident.acknowledge(`${by} (${via})`, new Date());
      if (acknowledgedNow) {
        publishStatus(run);
        announce(run, 'incident.acknowledged', { actor: `${by} (${via})` });
      }
      // Only the answer changes (no command), so older histories replay alike.
      return { ...incident.view(), alreadyAcknowledged: !acknowledgedNow };
    },
    {
      validator: (actor) => {
        checkActor(actor);
        refuse(incident.checkAcknowledge());
      },
    },
  );
  setHandler(
    resolveUpdate,
    ({ by, via, note }) => {
      if (incident.resolve(`${by} (${via})`, new Date(), note)) publishStatus(run);
      return incident.view();
    },
    {
      validator: (actor) => {
        checkActor(actor);
        refuse(incident.checkResolve());
      },
    },
  );
  setHandler(
    escalateUpdate,
    ({ by, via }) => {
      const now = new Date();
      if (incident.status === 'acknowledged') {
        incident.retrigger(`escalated by ${by} (${via}): acknowledgement withdrawn`, now);
        publishStatus(run);
      } else {
        incident.recordNote(`escalated by ${by} (${via})`, now);
      }
      run.escalateRequested = true;
      announce(run, 'incident.escalated', { actor: `${by} (${via})`, escalation: { level: incident.view().escalation.level, cycle: incident.view().escalation.cycle, byHand: true } });
      return incident.view();
    },
    {
      validator: (actor) => {
        checkActor(actor);
        refuse(incident.checkEscalate());
        run.refuseUntilPlanned();
      },
    },
  );
  setHandler(
    reassignUpdate,
    ({ by, via, to }) => {
      const now = new Date();
      const reason = 'responder' in to ? `reassigned to ${to.responder.name} by ${by} (${via})` : `reassigned to policy ${to.policy.id} by ${by} (${via})`;
      if (incident.status === 'acknowledged') incident.retrigger(reason, now);
      else incident.recordNote(reason, now);
      publishStatus(run);
      if ('responder' in to) {
        // Paged at once on every channel they have, as a level of its own.
        run.round += 1;
        run.remember(to.responder);
        run.holders = [to.responder];
        const step: EscalationStep = { cycle: 0, levelIndex: -1 };
        for (const delivery of deliveriesFor(to.responder, { channels: [], channelsFromRules: true })) notifier.notify('page', to.responder, delivery.channel, step);
        run.pagedContactIds.add(to.responder.id);
        publishPaged(run);
      } else {
        run.reassignedPolicy = to.policy;
        run.restartRequested = reason;
      }
      return incident.view();
    },
    {
      validator: (input) => {
        checkActor(input);
        refuse(incident.checkEscalate());
        run.refuseUntilPlanned();
        const to = input?.to as { responder?: Responder; policy?: EscalationPolicySnapshot } | undefined;
        if (!to || (!to.responder?.id && !to.policy?.levels?.length)) {
          throw ApplicationFailure.create({ message: '"to" must name a responder or an escalation policy', type: INVALID_INPUT_FAILURE, nonRetryable: true });
        }
      },
    },
  );
  // Only the view and timeline change (no command): a new handler, so older histories replay alike.
  setHandler(
    assignRolesUpdate,
    ({ by, via, roles }) => {
      incident.assignRoles(roles, `${by} (${via})`, new Date());
      if (roles.commander !== undefined) {
        run.commander = roles.commander ?? undefined;
        tellChat(run, 'incident.roles_changed');
      }
      return incident.view();
    },
    {
      validator: (input) => {
        checkActor(input);
        refuse(incident.checkEscalate());
        checkRoles(input);
      },
    },
  );
  setHandler(
    statusUpdateUpdate,
    ({ by, via, text, eta }) => {
      const now = new Date();
      incident.recordStatusUpdate({ at: now.toISOString(), by: `${by} (${via})`, text, ...(eta ? { eta } : {}) });
      run.cadence = { ...run.cadence, lastUpdateAtMs: now.getTime() };
      notifier.tellStakeholders('update');
      announce(run, 'incident.update_posted', { actor: `${by} (${via})`, update: { text, ...(eta ? { eta } : {}) } });
      return incident.view();
    },
    {
      validator: (input) => {
        checkActor(input);
        refuse(incident.checkEscalate());
        run.refuseUntilPlanned();
        if (typeof input?.text !== 'string' || input.text.trim() === '' || input.text.length > 2000) {
          throw ApplicationFailure.create({ message: '"text" must be 1 to 2000 characters', type: INVALID_INPUT_FAILURE, nonRetryable: true });
        }
      },
    },
  );
}
