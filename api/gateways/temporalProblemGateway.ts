/**
 * The problem store on Temporal: one long-lived workflow per open problem (`problem:<key>`),
 * reads are queries (or the result of a closed run), changes are updates, listings are
 * visibility queries. Like the incident gateway it caches nothing.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { ProblemStatus, ProblemView } from '../../domain/problem';
import { decodeProblemId, encodeProblemId, problemWorkflowId } from '../../domain/problem';
import { searchAttributes, type ProblemMemo } from '../../domain/visibility';
import type { ProblemWorkflowInput } from '../../contracts/problem';
import { closeProblemUpdate, PROBLEM_CONFLICT_FAILURE, PROBLEM_WORKFLOW_TYPE, problemQuery, recordAnalysisUpdate } from '../../contracts/problem';
import { BackendUnavailableError } from './incidentGateway';
import { asHttpFailure } from './temporalGateway';
import type { ProblemGateway, ProblemSummary } from './problemGateway';
import { ProblemConflictError, ProblemNotFoundError } from './problemGateway';

const CALL_DEADLINE_MS = 10_000;
/** A problem just started answers queries once its first task has run; this is how long we wait for that. */
const FIRST_READ_ATTEMPTS = 20;

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}


type Ref = { workflowId: string; runId: string };

export function createTemporalProblemGateway(deps: { client: Client; taskQueue: string }): ProblemGateway {
  const { client } = deps;

  async function call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await client.connection.withDeadline(Date.now() + CALL_DEADLINE_MS, fn);
    } catch (error) {
      if (error instanceof WorkflowNotFoundError || error instanceof WorkflowExecutionAlreadyStartedError) throw error;
      throw asHttpFailure(error);
    }
  }

  function problemIdOf(run: { workflowId: string; runId: string; memo?: Record<string, unknown> }): string {
    return (run.memo as Partial<ProblemMemo> | undefined)?.problemId ?? encodeProblemId(run);
  }

  /**
   * The run a problem lives in now: the newest of its workflow id while that still carries it
   * (its memo names it), else its last run, found in visibility (the problem closed, and a later
   * problem of the same key took the id).
   */
  async function currentRun(problemId: string, ref: Ref): Promise<Ref | undefined> {
    try {
      const newest = await call(() => client.workflow.getHandle(ref.workflowId).describe());
      if (problemIdOf({ workflowId: ref.workflowId, runId: newest.runId, memo: newest.memo }) === problemId || newest.runId === ref.runId) {
        return { workflowId: ref.workflowId, runId: newest.runId };
      }
      const query = `WorkflowId = ${quote(ref.workflowId)} AND ExecutionStatus = 'Completed'`;
      return await call(async () => {
        for await (const run of client.workflow.list({ query, pageSize: 100 })) {
          if (problemIdOf(run) === problemId) return { workflowId: run.workflowId, runId: run.runId };
        }
        return undefined;
      });
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }

  async function read(ref: Ref): Promise<ProblemView> {
    const handle = client.workflow.getHandle(ref.workflowId, ref.runId);
    const description = await call(() => handle.describe());
    if (description.status.name === 'COMPLETED') return (await call(() => handle.result())) as ProblemView;
    for (let attempt = 1; ; attempt++) {
      try {
        return await call(() => handle.query(problemQuery));
      } catch (error) {
        if (attempt >= FIRST_READ_ATTEMPTS || error instanceof BackendUnavailableError) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  async function change(problemId: string, run: (ref: Ref) => Promise<ProblemView>): Promise<ProblemView> {
    const ref = decodeProblemId(problemId);
    if (!ref) throw new ProblemNotFoundError(problemId);
    // An update that races a hand-over to a new run fails with the old run; try the new one.
    for (let attempt = 1; ; attempt++) {
      const target = await currentRun(problemId, ref);
      if (!target) throw new ProblemNotFoundError(problemId);
      try {
        return await call(() => run(target));
      } catch (error) {
        if (error instanceof WorkflowUpdateFailedError && (error.cause as { type?: string })?.type === PROBLEM_CONFLICT_FAILURE) {
          throw new ProblemConflictError((error.cause as Error).message, await read(target).catch(() => undefined));
        }
        if (error instanceof BackendUnavailableError || attempt >= 3) throw error;
        const current = await read(target).catch(() => undefined);
        if (current?.status === 'closed') throw new ProblemConflictError(`problem "${current.title}" is already closed`, current);
      }
    }
  }

  function summaryOf(run: WorkflowExecutionInfo): ProblemSummary {
    const memo = (run.memo ?? {}) as Partial<ProblemMemo>;
    const service = run.typedSearchAttributes.get(searchAttributes.service);
    return {
      id: problemIdOf(run),
      key: run.workflowId.replace(/^problem:/, ''),
      title: memo.title ?? '',
      status: (run.typedSearchAttributes.get(searchAttributes.problemStatus) ?? 'open') as ProblemStatus,
      ...(service ? { service } : {}),
      openedAt: memo.openedAt ?? run.startTime.toISOString(),
      ...(memo.workaround ? { workaround: memo.workaround } : {}),
    };
  }

  return {
    async list(filter) {
      // A continued run's problem lives on in a later run: list each problem once.
      const conditions = [`WorkflowType = ${quote(PROBLEM_WORKFLOW_TYPE)}`, `ExecutionStatus != 'ContinuedAsNew'`];
      if (filter.status) conditions.push(`${searchAttributes.problemStatus.name} = ${quote(filter.status)}`);
      if (filter.service) conditions.push(`${searchAttributes.service.name} = ${quote(filter.service)}`);
      return call(async () => {
        const found: ProblemSummary[] = [];
        for await (const run of client.workflow.list({ query: conditions.join(' AND '), pageSize: Math.min(filter.limit, 1000) })) {
          found.push(summaryOf(run));
          if (found.length >= filter.limit) break;
        }
        return found;
      });
    },

    async get(problemId) {
      const ref = decodeProblemId(problemId);
      if (!ref) return undefined;
      const target = await currentRun(problemId, ref);
      return target ? read(target) : undefined;
    },

    async open(input) {
      const workflowId = problemWorkflowId(input.key);
      const start: ProblemWorkflowInput = {
        key: input.key,
        title: input.title,
        ...(input.service ? { service: input.service } : {}),
        reason: input.reason,
        openedBy: input.openedBy,
        ...(input.workaround ? { workaround: input.workaround } : {}),
        incidents: input.incidents,
      };
      try {
        const handle = await call(() => client.workflow.start(PROBLEM_WORKFLOW_TYPE, { workflowId, taskQueue: deps.taskQueue, args: [start] }));
        return await read({ workflowId, runId: handle.firstExecutionRunId });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        const newest = await call(() => client.workflow.getHandle(workflowId).describe());
        const open = await read({ workflowId, runId: newest.runId }).catch(() => undefined);
        throw new ProblemConflictError(`an open problem already tracks ${input.key}${open ? `: ${open.id}` : ''}`, open);
      }
    },

    recordAnalysis(problemId, input) {
      return change(problemId, (ref) => client.workflow.getHandle(ref.workflowId, ref.runId).executeUpdate(recordAnalysisUpdate, { args: [input] }));
    },

    close(problemId, input) {
      return change(problemId, (ref) => client.workflow.getHandle(ref.workflowId, ref.runId).executeUpdate(closeProblemUpdate, { args: [input] }));
    },
  };
}
