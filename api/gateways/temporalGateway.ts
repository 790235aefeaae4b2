/**
 * The incident store the API talks to, on Temporal: alerts are signals (signalWithStart), reads
 * are queries, acknowledge and resolve are updates, listings are visibility queries on Vigil's
 * search attributes. Nothing is cached here, so any number of API replicas agree.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { IncidentPlan } from '../../domain/incidentPlan';
import type { Alert } from '../../domain/alert';
import { incidentWorkflowId } from '../../domain/alert';
import type { IncidentStatus, IncidentView } from '../../domain/incident';
import type { IncidentRef } from '../../domain/incidentId';
import { decodeIncidentId, encodeIncidentId } from '../../domain/incidentId';
import { startedRunsOf } from './startedRuns';
import type { Severity } from '../../domain/severity';
import type { IncidentMemo } from '../../domain/visibility';
import type { ActorInput, AssignRolesInput, IncidentWorkflowInput, NoteInput, ReassignInput, ResolveInput, StatusUpdateInput } from '../../contracts/incident';
import {
  acknowledgeUpdate,
  assignRolesUpdate,
  alertBatchSignal,
  alertSignal,
  escalateUpdate,
  INCIDENT_CONFLICT_FAILURE,
  INCIDENT_WORKFLOW_TYPE,
  incidentQuery,
  problemLinkedSignal,
  reassignUpdate,
  resolveUpdate,
  statusUpdateUpdate,
  searchAttributes,
  sourceResolvedSignal,
  noteSignal,
} from '../../contracts/incident';
import type { IncidentFilter, IncidentGateway, IncidentSummary, SubmittedAlert } from './incidentGateway';
import { IncidentConflictError, IncidentNotFoundError, TemporalRefusedError, BackendUnavailableError } from './incidentGateway';
import { classifyTemporalFailure } from './temporalFailure';
import { decodeRowsCursor, pageOfOpenRows, type CountOpenRuns, type ListOpenRuns } from './openRows';
import { listOpenRunsPage } from './openRunsListing';
import { isIncidentRowFacts, ROW_MEMO_KEY } from '../../domain/incidentRowFacts';

/** How long one API call may wait on Temporal before the caller gets a 503. */
const CALL_DEADLINE_MS = 10_000;
/**
 * Handing an alert over waits less: past this the API spools the alert instead, so a sender never
 * times out on a hung connection. Safe if Temporal did take it after all: the spooled copy
 * carries the same alert id, which the incident counts once.
 */
const INTAKE_DEADLINE_MS = 3_000;

export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A failed Temporal call as the API answers it: an outage (503), a refusal (400), or as it was (500). */
export function asHttpFailure(error: unknown): unknown {
  const kind = classifyTemporalFailure(error);
  if (kind === 'outage') return new BackendUnavailableError(error);
  if (kind === 'refused') return new TemporalRefusedError(error);
  return error;
}

export interface TemporalGatewayDeps {
  client: Client;
  taskQueue: string;
  /** Freezes policy and runbook into the start input; without it the workflow plans by activity. */
  plan?: (alert: Alert) => IncidentPlan;
  /** `false` when no open problem can take the alert's incident, so its first page need not wait (`api/gateways/openProblems.ts`). */
  openProblem?: (alert: Alert) => false | undefined;
}

export function createTemporalGateway(deps: TemporalGatewayDeps): IncidentGateway {
  const { client } = deps;

  /** Runs one Temporal call under a deadline; connection trouble becomes BackendUnavailableError. */
  async function call<T>(fn: () => Promise<T>, deadlineMs = CALL_DEADLINE_MS): Promise<T> {
    try {
      return await client.connection.withDeadline(Date.now() + deadlineMs, fn);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw error;
      throw asHttpFailure(error);
    }
  }

  function refOf(incidentId: string): IncidentRef {
    const ref = decodeIncidentId(incidentId);
    if (!ref) throw new IncidentNotFoundError(incidentId);
    return ref;
  }

  /**
   * The run an incident lives in now. A storm of repeats makes an incident continue as new, so
   * its opening run may have handed over: then the newest run of the workflow id, if it still
   * carries this incident (its memo names it), is the one to read and update.
   */
  async function currentRun(ref: IncidentRef): Promise<IncidentRef> {
    const opening = await call(() => client.workflow.getHandle(ref.workflowId, ref.runId).describe());
    if (opening.status.name !== 'CONTINUED_AS_NEW') return ref;
    const newest = await call(() => client.workflow.getHandle(ref.workflowId).describe());
    const memo = (newest.memo ?? {}) as Partial<IncidentMemo>;
    return memo.incidentId === encodeIncidentId(ref) ? { workflowId: ref.workflowId, runId: newest.runId } : ref;
  }

  /** The incident's view: a closed run answers from its result, an open one from a query. */
  async function read(incidentRef: IncidentRef): Promise<IncidentView | undefined> {
    try {
      const ref = await currentRun(incidentRef);
      const handle = client.workflow.getHandle(ref.workflowId, ref.runId);
      const description = await call(() => handle.describe());
      if (description.type !== INCIDENT_WORKFLOW_TYPE) return undefined;
      if (description.status.name === 'COMPLETED') return (await call(() => handle.result())) as IncidentView;
      return await call(() => handle.query(incidentQuery));
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }

  async function transition<Result = IncidentView>(incidentId: string, run: (ref: IncidentRef) => Promise<Result>): Promise<Result> {
    const ref = refOf(incidentId);
    // An update that races a hand-over to a new run fails with the old run; try the new one.
    for (let attempt = 1; ; attempt++) {
      let target: IncidentRef | undefined;
      try {
        target = await currentRun(ref);
        const targeted = target;
        return await call(() => run(targeted));
      } catch (error) {
        if (error instanceof WorkflowUpdateFailedError && (error.cause as { type?: string })?.type === INCIDENT_CONFLICT_FAILURE) {
          throw new IncidentConflictError((error.cause as Error).message, await read(ref).catch(() => undefined));
        }
        if (error instanceof BackendUnavailableError || error instanceof TemporalRefusedError) throw error;
        const previous = target;
        if (attempt < 3 && previous && (await currentRun(ref).catch(() => previous)).runId !== previous.runId) continue;
        // The run has closed (resolved and done) or never existed: tell which.
        const current = await read(ref);
        if (!current) throw new IncidentNotFoundError(incidentId);
        if (current.status === 'resolved') throw new IncidentConflictError(`incident ${current.code} is already resolved`, current);
        throw error;
      }
    }
  }

  function summaryOf(execution: WorkflowExecutionInfo): IncidentSummary {
    const attributes = execution.typedSearchAttributes;
    const memo = (execution.memo ?? {}) as Partial<IncidentMemo>;
    return {
      id: memo.incidentId ?? encodeIncidentId({ workflowId: execution.workflowId, runId: execution.runId }),
      code: attributes.get(searchAttributes.code) ?? '',
      status: (attributes.get(searchAttributes.status) ?? 'triggered') as IncidentStatus,
      severity: (attributes.get(searchAttributes.severity) ?? 'critical') as Severity,
      service: attributes.get(searchAttributes.service) ?? '',
      summary: memo.summary ?? '',
      createdAt: execution.startTime.toISOString(),
    };
  }

  /** Open runs of one severity for the dashboard, with the row facts in their memo (see openRows.ts). */
  const openRunsQuery = (severity: Severity, beforeMs: number | undefined): string => {
    const conditions = [`WorkflowType = ${quote(INCIDENT_WORKFLOW_TYPE)}`, ...OPEN, `${searchAttributes.severity.name} = ${quote(severity)}`];
    if (beforeMs !== undefined) conditions.push(`StartTime < ${quote(new Date(beforeMs + 1).toISOString())}`);
    return conditions.join(' AND ');
  };
  const listOpenRuns: ListOpenRuns = (severity, beforeMs, limit) => call(() => listOpenRunsPage(client, openRunsQuery(severity, beforeMs), limit));
  const countOpenRuns: CountOpenRuns = (severity, beforeMs) =>
    call(async () => Number((await client.workflowService.countWorkflowExecutions({ namespace: client.options.namespace, query: openRunsQuery(severity, beforeMs) })).count ?? 0));

  async function listWhere(conditions: string[], limit: number): Promise<IncidentSummary[]> {
    const query = [`WorkflowType = ${quote(INCIDENT_WORKFLOW_TYPE)}`, ...conditions].join(' AND ');
    return call(async () => {
      const found: IncidentSummary[] = [];
      for await (const execution of client.workflow.list({ query, pageSize: Math.min(limit, 1000) })) {
        found.push(summaryOf(execution));
        if (found.length >= limit) break;
      }
      return found;
    });
  }

  /**
   * Run id → the incident it carries. A run that continues an incident after a storm carries its
   * memo from the start; any other run opened its own incident. These facts never change, so
   * caching them (bounded) cannot drift; it saves a describe per alert on a busy key. A run the
   * signalWithStart itself started needs none at all (`startedRuns.ts`): a new incident's 202
   * waits for one round trip to Temporal, not two.
   */
  const incidentOfRun = new Map<string, string>();
  const startedRuns = startedRunsOf(client.workflowService);
  const RUN_CACHE_LIMIT = 10_000;

  async function incidentIdOfRun(ref: IncidentRef): Promise<string> {
    const cached = incidentOfRun.get(ref.runId);
    if (cached) return cached;
    // A run this call started opened its own incident (a continued one is never started by an alert).
    if (startedRuns.take(ref.runId)) return remember(ref.runId, encodeIncidentId(ref));
    const description = await call(() => client.workflow.getHandle(ref.workflowId, ref.runId).describe());
    const memo = (description.memo ?? {}) as Partial<IncidentMemo>;
    return remember(ref.runId, memo.incidentId ?? encodeIncidentId(ref));
  }

  function remember(runId: string, incidentId: string): string {
    if (incidentOfRun.size >= RUN_CACHE_LIMIT) incidentOfRun.delete(incidentOfRun.keys().next().value as string);
    incidentOfRun.set(runId, incidentId);
    return incidentId;
  }

  /** Opens the incident of `opening`'s key, or signals the open one; `opening` is counted once either way. */
  async function signalWithStart(opening: Alert, signal: typeof alertSignal | typeof alertBatchSignal, payload: Alert | Alert[]): Promise<SubmittedAlert> {
    const input: IncidentWorkflowInput = { alert: opening, plan: deps.plan?.(opening), ...(deps.openProblem?.(opening) === false ? { openProblem: false as const } : {}) };
    const handle = await call(
      () =>
        client.workflow.signalWithStart(INCIDENT_WORKFLOW_TYPE, {
          workflowId: incidentWorkflowId(opening),
          taskQueue: deps.taskQueue,
          args: [input],
          signal: signal.name,
          signalArgs: [payload],
        }),
      INTAKE_DEADLINE_MS,
    );
    return { incidentId: await incidentIdOfRun({ workflowId: handle.workflowId, runId: handle.signaledRunId }) };
  }

  const OPEN = [`ExecutionStatus = 'Running'`, `${searchAttributes.status.name} != 'resolved'`];

  return {
    submitAlert(alert: Alert) {
      return signalWithStart(alert, alertSignal, alert);
    },

    submitAlerts(alerts: Alert[]) {
      if (alerts.length === 0) throw new Error('submitAlerts needs at least one alert');
      // Older workers know only the one-alert signal; a lone alert keeps using it.
      return alerts.length === 1 ? signalWithStart(alerts[0], alertSignal, alerts[0]) : signalWithStart(alerts[0], alertBatchSignal, alerts);
    },

    async noteSourceResolved(alert: Alert) {
      try {
        await call(() => client.workflow.getHandle(incidentWorkflowId(alert)).signal(sourceResolvedSignal, alert), INTAKE_DEADLINE_MS);
        return true;
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return false;
        throw error;
      }
    },

    async noteOpen(key, note: NoteInput) {
      try {
        await call(() => client.workflow.getHandle(incidentWorkflowId(key)).signal(noteSignal, note), INTAKE_DEADLINE_MS);
        return true;
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return false;
        throw error;
      }
    },

    async noteProblem(incidentId, problem) {
      const ref = refOf(incidentId);
      try {
        const target = await currentRun(ref);
        await call(() => client.workflow.getHandle(target.workflowId, target.runId).signal(problemLinkedSignal, problem));
        return true;
      } catch (error) {
        // Resolved and closed, or never there: the problem lists it all the same.
        if (error instanceof WorkflowNotFoundError) return false;
        throw error;
      }
    },

    async acknowledgeOpen(alert: Alert, actor: ActorInput) {
      try {
        await call(() => client.workflow.getHandle(incidentWorkflowId(alert)).executeUpdate(acknowledgeUpdate, { args: [actor] }), INTAKE_DEADLINE_MS);
        return true;
      } catch (error) {
        // Closed, never opened, or already resolved: nothing open to acknowledge.
        if (error instanceof WorkflowNotFoundError || error instanceof WorkflowUpdateFailedError) return false;
        throw error;
      }
    },

    async get(incidentId) {
      const ref = decodeIncidentId(incidentId);
      return ref ? read(ref) : undefined;
    },

    async list(filter: IncidentFilter) {
      const conditions: string[] = [];
      if (filter.status) conditions.push(`${searchAttributes.status.name} = ${quote(filter.status)}`);
      if (filter.service) conditions.push(`${searchAttributes.service.name} = ${quote(filter.service)}`);
      if (filter.severity) conditions.push(`${searchAttributes.severity.name} = ${quote(filter.severity)}`);
      return listWhere(conditions, filter.limit);
    },

    listOpenRows({ limit, after }) {
      const from = after === undefined ? undefined : decodeRowsCursor(after);
      if (after !== undefined && !from) throw new TemporalRefusedError(new Error('not a page cursor this server gave'), 'after');
      return pageOfOpenRows(listOpenRuns, limit, from, countOpenRuns);
    },

    async acknowledge(incidentId: string, actor: ActorInput) {
      const { alreadyAcknowledged, ...incident } = await transition(incidentId, (ref) => client.workflow.getHandle(ref.workflowId, ref.runId).executeUpdate(acknowledgeUpdate, { args: [actor] }));
      // Workers older than the flag: whoever the incident names as acknowledging it won.
      return { incident, alreadyAcknowledged: alreadyAcknowledged ?? incident.acknowledgedBy !== `${actor.by} (${actor.via})` };
    },

    resolve(incidentId: string, input: ResolveInput) {
      return transition(incidentId, (ref) => client.workflow.getHandle(ref.workflowId, ref.runId).executeUpdate(resolveUpdate, { args: [input] }));
    },

    escalate(incidentId: string, actor: ActorInput) {
      return transition(incidentId, (ref) => client.workflow.getHandle(ref.workflowId, ref.runId).executeUpdate(escalateUpdate, { args: [actor] }));
    },

    postUpdate(incidentId: string, input: StatusUpdateInput) {
      return transition(incidentId, (ref) => client.workflow.getHandle(ref.workflowId, ref.runId).executeUpdate(statusUpdateUpdate, { args: [input] }));
    },

    reassign(incidentId: string, input: ReassignInput) {
      return transition(incidentId, (ref) => client.workflow.getHandle(ref.workflowId, ref.runId).executeUpdate(reassignUpdate, { args: [input] }));
    },

    assignRoles(incidentId: string, input: AssignRolesInput) {
      return transition(incidentId, (ref) => client.workflow.getHandle(ref.workflowId, ref.runId).executeUpdate(assignRolesUpdate, { args: [input] }));
    },

    async findOpenByCode(code) {
      return (await listWhere([`${searchAttributes.code.name} = ${quote(code)}`, ...OPEN], 10)).map((row) => row.id);
    },

    async findOpenPagedTo(contactId) {
      return (await listWhere([`${searchAttributes.paged.name} = ${quote(contactId)}`, ...OPEN], 20)).map((row) => row.id);
    },

    async isReady() {
      try {
        await client.connection.withDeadline(Date.now() + 2_000, () => client.workflowService.getSystemInfo({}));
        return true;
      } catch {
        return false;
      }
    },
  };
}
