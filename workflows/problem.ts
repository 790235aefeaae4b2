/**
 * One problem, from its opening until a problem manager closes it. It may collect thousands of
 * incidents over months, so it continues as new whenever its history grows long, carrying its
 * state (`domain/problem.ts`) over; the API always reads the newest run.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  makeContinueAsNewFunc,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ProblemRefusal, ProblemView } from '../domain/problem';
import { encodeProblemId, Problem } from '../domain/problem';
import { searchAttributes, type ProblemMemo } from '../domain/visibility';
import type { ProblemWorkflowInput } from '../contracts/problem';
import { closeProblemUpdate, linkIncidentSignal, PROBLEM_CONFLICT_FAILURE, problemQuery, recordAnalysisUpdate } from '../contracts/problem';

/** Well under Temporal's limits; each linked incident costs a few events. */
const DEFAULT_HISTORY_LIMIT = 2_000;

function refuse(refusal: ProblemRefusal | undefined): void {
  if (refusal) throw ApplicationFailure.create({ message: refusal.message, type: PROBLEM_CONFLICT_FAILURE, nonRetryable: true });
}

function requireText(value: unknown, field: string, max: number): void {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) {
    throw ApplicationFailure.create({ message: `"${field}" must be 1 to ${max} characters`, type: 'InvalidInput', nonRetryable: true });
  }
}

export async function problemWorkflow(input: ProblemWorkflowInput): Promise<ProblemView> {
  const info = workflowInfo();
  const historyLimit = input.historyLimit ?? DEFAULT_HISTORY_LIMIT;
  const id = encodeProblemId({ workflowId: info.workflowId, runId: input.problemRunId ?? info.runId });
  const problem = input.carried
    ? Problem.fromView(input.carried)
    : new Problem({ id, key: input.key, workflowId: info.workflowId, title: input.title, service: input.service, reason: input.reason, openedBy: input.openedBy, workaround: input.workaround, now: new Date() });
  if (!input.carried) for (const incident of input.incidents ?? []) problem.link(incident, new Date());

  function memo(): ProblemMemo {
    const view = problem.view();
    return { problemId: view.id, title: view.title, openedAt: view.openedAt, ...(view.workaround ? { workaround: view.workaround } : {}) };
  }
  let published = JSON.stringify(memo());
  /** Memo changes only with the workaround, so linking an incident adds no command. */
  function publish(): void {
    if (JSON.stringify(memo()) !== published) {
      published = JSON.stringify(memo());
      upsertMemo({ ...memo() });
    }
    upsertSearchAttributes([{ key: searchAttributes.problemStatus, value: problem.isOpen ? 'open' : 'closed' }]);
  }

  setHandler(linkIncidentSignal, (incident) => {
    problem.link(incident, new Date());
  });
  setHandler(problemQuery, () => problem.view());
  setHandler(
    recordAnalysisUpdate,
    (analysis) => {
      problem.recordAnalysis(analysis, new Date());
      publish();
      return problem.view();
    },
    {
      validator: (analysis) => {
        requireText(analysis?.by, 'by', 200);
        refuse(problem.checkChange());
      },
    },
  );
  setHandler(
    closeProblemUpdate,
    ({ by, note }) => {
      problem.close(by, new Date(), note);
      publish();
      return problem.view();
    },
    {
      validator: (close) => {
        requireText(close?.by, 'by', 200);
        refuse(problem.checkClose());
      },
    },
  );

  if (!input.carried) {
    upsertMemo({ ...memo() });
    upsertSearchAttributes([
      { key: searchAttributes.problemStatus, value: 'open' },
      ...(input.service ? [{ key: searchAttributes.service, value: input.service }] : []),
    ]);
  }

  const historyIsLong = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= historyLimit;
  await condition(() => !problem.isOpen || historyIsLong());
  await condition(allHandlersFinished);
  if (problem.isOpen) {
    // Memo and search attributes go along, so listings see the problem in the new run at once.
    const handOver = makeContinueAsNewFunc<typeof problemWorkflow>({ memo: { ...memo() }, typedSearchAttributes: workflowInfo().typedSearchAttributes });
    return handOver({ ...input, incidents: undefined, problemRunId: input.problemRunId ?? info.runId, carried: problem.view() });
  }
  return problem.view();
}
