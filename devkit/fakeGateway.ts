import type { Severity } from '../domain/severity';
import { randomUUID } from 'node:crypto';
import type { Alert } from '../domain/alert';
import { incidentWorkflowId } from '../domain/alert';
import type { IncidentView } from '../domain/incident';
import { Incident } from '../domain/incident';
import { encodeIncidentId, incidentCode } from '../domain/incidentId';
import type { IncidentFilter, IncidentGateway, IncidentSummary } from '../api/gateways/incidentGateway';
import { decodeRowsCursor, pageOfOpenRows, type ListOpenRuns } from '../api/gateways/openRows';
import type { AssignRolesInput, ReassignInput } from '../contracts/incident';
import { IncidentConflictError, IncidentNotFoundError, BackendUnavailableError } from '../api/gateways/incidentGateway';

/** An in-memory stand-in for the Temporal gateway, recording what the API asked of it. */
export function createFakeGateway() {
  const incidents = new Map<string, Incident>();
  const submitted: Alert[] = [];
  const sourceResolved: Alert[] = [];
  const listed: IncidentFilter[] = [];
  const paged = new Map<string, string[]>();
  const state = { available: true };
  /** Incidents whose runs predate the row facts in the memo (decision 73): listed without them. */
  const withoutRowFacts = new Set<string>();
  /** Incidents read one by one (each a Temporal query in the real gateway). */
  const read: string[] = [];
  /** The dashboard's row pages asked for. */
  const rowPages: Array<{ limit: number; after?: string }> = [];
  const escalations: Array<{ id: string; by: string }> = [];
  const reassignments: Array<{ id: string; input: ReassignInput }> = [];
  const roleAssignments: Array<{ id: string; input: AssignRolesInput }> = [];

  function check(): void {
    if (!state.available) throw new BackendUnavailableError(new Error('connection refused'));
  }

  function open(alert: Alert): IncidentView {
    const ref = { workflowId: incidentWorkflowId(alert), runId: randomUUID() };
    const id = encodeIncidentId(ref);
    incidents.set(id, new Incident({ id, code: incidentCode(ref), workflowId: ref.workflowId, alert, now: new Date() }));
    return (incidents.get(id) as Incident).view();
  }

  function summaryOf(view: IncidentView): IncidentSummary {
    return { id: view.id, code: view.code, status: view.status, severity: view.severity, service: view.service, summary: view.summary, createdAt: view.createdAt };
  }

  function find(id: string): Incident {
    const incident = incidents.get(id);
    if (!incident) throw new IncidentNotFoundError(id);
    return incident;
  }

  const gateway: IncidentGateway = {
    async submitAlert(alert) {
      check();
      submitted.push(alert);
      return { incidentId: open(alert).id };
    },
    async submitAlerts(alerts) {
      check();
      submitted.push(...alerts);
      // Like Temporal, one call for the batch: all of it joins the incident its first alert opens.
      return { incidentId: open(alerts[0]).id };
    },
    async noteSourceResolved(alert) {
      check();
      sourceResolved.push(alert);
      // As the workflow does: the alert is marked resolved on its open incident (which stays open unless autoResolve).
      const open = [...incidents.values()].find((incident) => incident.isOpen && incident.view().workflowId === incidentWorkflowId(alert));
      open?.recordSourceResolved(alert, new Date());
      return open !== undefined;
    },
    async noteOpen(key, note) {
      check();
      const open = [...incidents.values()].find((incident) => incident.isOpen && incident.view().workflowId === incidentWorkflowId(key));
      open?.recordNote(`note by ${note.by} (${note.via}): ${note.text}`, new Date());
      return open !== undefined;
    },
    async noteProblem(incidentId, problem) {
      check();
      const incident = incidents.get(incidentId);
      if (!incident?.isOpen) return false;
      incident.linkProblem(problem, 'linked by hand', new Date());
      return true;
    },
    async acknowledgeOpen(alert, actor) {
      check();
      const open = [...incidents.values()].find((incident) => incident.isOpen && incident.view().workflowId === incidentWorkflowId(alert));
      if (!open) return false;
      open.acknowledge(`${actor.by} (${actor.via})`, new Date());
      return true;
    },
    async get(id) {
      check();
      read.push(id);
      return incidents.get(id)?.view();
    },
    async list(filter) {
      check();
      listed.push(filter);
      return [...incidents.values()].map((incident) => summaryOf(incident.view()));
    },
    async listOpenRows({ limit, after }) {
      check();
      const from = after === undefined ? undefined : decodeRowsCursor(after);
      if (after !== undefined && !from) throw new Error(`not a cursor: ${after}`);
      // As visibility lists them: open runs of one severity, newest first; the memo's row facts unless the run predates them.
      const openRuns = (severity: Severity, beforeMs: number | undefined) =>
        [...incidents.values()]
          .filter((incident) => incident.isOpen && incident.view().severity === severity)
          .map((incident) => ({ incident, view: incident.view() }))
          .map(({ incident, view }) => ({
            runId: view.id,
            startMs: Date.parse(view.createdAt),
            row: { summary: summaryOf(view), workflowId: view.workflowId, ...(withoutRowFacts.has(view.id) ? {} : { facts: incident.rowFacts() }) },
          }))
          .filter((run) => beforeMs === undefined || run.startMs <= beforeMs)
          .sort((a, b) => b.startMs - a.startMs);
      const listOpenRuns: ListOpenRuns = async (severity, beforeMs, max) => openRuns(severity, beforeMs).slice(0, max);
      rowPages.push({ limit, ...(after ? { after } : {}) });
      // Counted first, as the Temporal gateway does (decision 81).
      return pageOfOpenRows(listOpenRuns, limit, from, async (severity, beforeMs) => openRuns(severity, beforeMs).length);
    },
    async acknowledge(id, actor) {
      check();
      const incident = find(id);
      const refusal = incident.checkAcknowledge();
      if (refusal) throw new IncidentConflictError(refusal.message, incident.view());
      const acknowledgedNow = incident.acknowledge(`${actor.by} (${actor.via})`, new Date());
      return { incident: incident.view(), alreadyAcknowledged: !acknowledgedNow };
    },
    async resolve(id, input) {
      check();
      const incident = find(id);
      const refusal = incident.checkResolve();
      if (refusal) throw new IncidentConflictError(refusal.message, incident.view());
      incident.resolve(`${input.by} (${input.via})`, new Date(), input.note);
      return incident.view();
    },
    async escalate(id, actor) {
      check();
      const incident = find(id);
      const refusal = incident.checkEscalate();
      if (refusal) throw new IncidentConflictError(refusal.message, incident.view());
      escalations.push({ id, by: actor.by });
      incident.retrigger(`escalated by ${actor.by} (${actor.via})`, new Date());
      return incident.view();
    },
    async reassign(id, input) {
      check();
      const incident = find(id);
      const refusal = incident.checkEscalate();
      if (refusal) throw new IncidentConflictError(refusal.message, incident.view());
      reassignments.push({ id, input });
      incident.retrigger(`reassigned by ${input.by}`, new Date());
      return incident.view();
    },
    async postUpdate(id, input) {
      check();
      const incident = find(id);
      const refusal = incident.checkEscalate();
      if (refusal) throw new IncidentConflictError(refusal.message, incident.view());
      incident.recordStatusUpdate({ at: new Date().toISOString(), by: `${input.by} (${input.via})`, text: input.text, ...(input.eta ? { eta: input.eta } : {}) });
      return incident.view();
    },
    async assignRoles(id, input) {
      check();
      const incident = find(id);
      const refusal = incident.checkEscalate();
      if (refusal) throw new IncidentConflictError(refusal.message, incident.view());
      roleAssignments.push({ id, input });
      incident.assignRoles(input.roles, `${input.by} (${input.via})`, new Date());
      return incident.view();
    },
    async findOpenByCode(code) {
      return [...incidents.values()].map((incident) => incident.view()).filter((view) => view.code === code && view.status !== 'resolved').map((view) => view.id);
    },
    async findOpenPagedTo(contactId) {
      return (paged.get(contactId) ?? []).filter((id) => incidents.get(id)?.isOpen);
    },
    async isReady() {
      return state.available;
    },
  };
  return { gateway, incidents, submitted, sourceResolved, listed, paged, state, open, escalations, reassignments, roleAssignments, withoutRowFacts, rowPages, read };
}
