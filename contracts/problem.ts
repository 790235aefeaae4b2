/**
 * Every message of the problem workflow, declared once, imported by the workflow, the linking
 * activity, the API and the tests.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { LinkedIncident, ProblemView, RcaInput } from '../domain/problem';

export { PROBLEM_WORKFLOW_TYPE } from '../domain/visibility';

export interface ProblemWorkflowInput {
  key: string;
  title: string;
  service?: string;
  reason: string;
  openedBy: string;
  workaround?: string;
  /** Incidents that belong to the problem from its start (the earlier recurrences). */
  incidents?: LinkedIncident[];
  /** The run that opened the problem, when a later run continues it; absent: this run's own. */
  problemRunId?: string;
  /** The problem as the previous run left it (continue-as-new). */
  carried?: ProblemView;
  /** Continue-as-new once the history has this many events (default 2,000; tests lower it). */
  historyLimit?: number;
}


/** Links one incident (sent with signalWithStart, so the first recurrence opens the problem). */
export const linkIncidentSignal = defineSignal<[LinkedIncident]>('linkIncident');

/** The whole problem as the API shows it. */
export const problemQuery = defineQuery<ProblemView>('problem');

/** Root cause, contributing factors, corrective actions and the workaround; refused once closed. */
export const recordAnalysisUpdate = defineUpdate<ProblemView, [RcaInput]>('recordAnalysis');

export interface CloseProblemInput {
  by: string;
  note?: string;
}

/** Closes the problem; refused without a root cause and a corrective action, or when closed. */
export const closeProblemUpdate = defineUpdate<ProblemView, [CloseProblemInput]>('closeProblem');

/** Failure type of a refused change: the API answers 409. */
export const PROBLEM_CONFLICT_FAILURE = 'ProblemConflict';
