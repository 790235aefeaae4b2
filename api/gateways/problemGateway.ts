/**
 * What the HTTP API needs from the problem store. Problems are workflows (see
 * `temporalProblemGateway.ts`); routes depend only on this interface, so they are tested with a fake.
 */
import type { LinkedIncident, ProblemStatus, ProblemView, RcaInput } from '../../domain/problem';
import type { CloseProblemInput } from '../../contracts/problem';

/** One row of a problem listing (from Temporal visibility, no query per problem). */
export interface ProblemSummary {
  id: string;
  key: string;
  title: string;
  status: ProblemStatus;
  service?: string;
  openedAt: string;
  workaround?: string;
}

export interface ProblemFilter {
  status?: ProblemStatus;
  service?: string;
  /** At most this many, newest first. */
  limit: number;
}

export interface OpenProblemInput {
  /** One open problem per key: the fingerprint of its incidents, or a key of its own. */
  key: string;
  title: string;
  service?: string;
  workaround?: string;
  reason: string;
  openedBy: string;
  incidents: LinkedIncident[];
}

export interface ProblemGateway {
  list(filter: ProblemFilter): Promise<ProblemSummary[]>;
  /** @returns `undefined` when no such problem exists. */
  get(problemId: string): Promise<ProblemView | undefined>;
  /** @throws ProblemConflictError when a problem of that key is already open */
  open(input: OpenProblemInput): Promise<ProblemView>;
  /** @throws ProblemNotFoundError, ProblemConflictError (closed) */
  recordAnalysis(problemId: string, input: RcaInput): Promise<ProblemView>;
  /** @throws ProblemNotFoundError, ProblemConflictError (closed, or no root cause and corrective action yet) */
  close(problemId: string, input: CloseProblemInput): Promise<ProblemView>;
}

/** Thrown when a problem id names no problem this system knows. */
export class ProblemNotFoundError extends Error {
  constructor(readonly problemId: string) {
    super(`no problem ${problemId}`);
    this.name = 'ProblemNotFoundError';
  }
}

/** Thrown when a change is refused by the problem's state, or its key already has an open one (HTTP 409). */
export class ProblemConflictError extends Error {
  constructor(
    message: string,
    /** The problem as it now stands (or the open one of the key), when it could be read. */
    readonly problem?: ProblemView,
  ) {
    super(message);
    this.name = 'ProblemConflictError';
  }
}
