/**
 * A problem: the cause behind incidents that keep coming back. It lists its incidents (the most
 * recent, and a count of all), carries a known workaround while the cause is analysed, and stays
 * open until a problem manager closes it with a root cause and corrective actions. Pure: the
 * problem workflow owns time and calls these methods.
 */
import { fromBase64Url, toBase64Url } from './incidentId';

export type ProblemStatus = 'open' | 'closed';
export const PROBLEM_STATUSES: readonly ProblemStatus[] = ['open', 'closed'];

/** One incident linked to a problem. */
export interface LinkedIncident {
  incidentId: string;
  code?: string;
  service: string;
  summary: string;
  openedAt: string;
  /** When it was linked (workflow time of the problem). */
  linkedAt?: string;
}

export interface CorrectiveAction {
  action: string;
  owner: string;
  /** Date (YYYY-MM-DD) or date-time it is due. */
  due: string;
  done?: boolean;
}

/** The root-cause analysis, as a problem manager last wrote it. */
export interface RootCauseAnalysis {
  rootCause?: string;
  contributingFactors: string[];
  correctiveActions: CorrectiveAction[];
  updatedAt: string;
  updatedBy: string;
}

/** Everything the API shows about one problem. */
export interface ProblemView {
  id: string;
  /** The fingerprint (or hand-made key) the problem is kept under: workflow id `problem:<key>`. */
  key: string;
  workflowId: string;
  title: string;
  service?: string;
  status: ProblemStatus;
  /** Why it was opened: the recurrence rule that fired, or who opened it by hand. */
  reason: string;
  openedAt: string;
  openedBy: string;
  /** The most recent linked incidents, oldest first (at most MAX_LISTED_INCIDENTS). */
  incidents: LinkedIncident[];
  /** Every incident ever linked, listed or not. */
  incidentCount: number;
  lastIncidentAt?: string;
  /** What responders can do meanwhile; shown on each new linked incident and in its pages. */
  workaround?: string;
  rca?: RootCauseAnalysis;
  closedAt?: string;
  closedBy?: string;
  closeNote?: string;
}

/** The part of a problem an incident carries (timeline, page text). */
export interface ProblemBrief {
  id: string;
  title: string;
  workaround?: string;
}

/** A problem lists at most this many incidents; older ones are counted, not listed. */
export const MAX_LISTED_INCIDENTS = 100;

export interface ProblemInit {
  id: string;
  key: string;
  workflowId: string;
  title: string;
  service?: string;
  reason: string;
  openedBy: string;
  workaround?: string;
  now: Date;
}

export interface RcaInput {
  by: string;
  rootCause?: string;
  contributingFactors?: string[];
  correctiveActions?: CorrectiveAction[];
  workaround?: string;
}

/** Why a change to a problem was refused; the API answers 409. */
export type ProblemRefusal = { code: 'closed' | 'analysis-incomplete'; message: string };

export class Problem {
  private readonly state: ProblemView;

  constructor(init: ProblemInit) {
    this.state = {
      id: init.id,
      key: init.key,
      workflowId: init.workflowId,
      title: init.title,
      ...(init.service ? { service: init.service } : {}),
      status: 'open',
      reason: init.reason,
      openedAt: init.now.toISOString(),
      openedBy: init.openedBy,
      incidents: [],
      incidentCount: 0,
      ...(init.workaround ? { workaround: init.workaround } : {}),
    };
  }

  /** A problem carried over from an earlier run (continue-as-new), exactly as it stood. */
  static fromView(view: ProblemView): Problem {
    const problem = Object.create(Problem.prototype) as Problem;
    (problem as unknown as { state: ProblemView }).state = JSON.parse(JSON.stringify(view)) as ProblemView;
    return problem;
  }

  get isOpen(): boolean {
    return this.state.status === 'open';
  }

  /**
   * Links an incident. A link delivered twice (an activity retried) counts once while the
   * incident is still listed; @returns whether it was new.
   */
  link(incident: LinkedIncident, now: Date): boolean {
    if (this.state.incidents.some((listed) => listed.incidentId === incident.incidentId)) return false;
    this.state.incidents.push({ ...incident, linkedAt: now.toISOString() });
    if (this.state.incidents.length > MAX_LISTED_INCIDENTS) this.state.incidents.shift();
    this.state.incidentCount += 1;
    if (!this.state.lastIncidentAt || incident.openedAt > this.state.lastIncidentAt) this.state.lastIncidentAt = incident.openedAt;
    return true;
  }

  checkChange(): ProblemRefusal | undefined {
    if (!this.isOpen) return { code: 'closed', message: `problem "${this.state.title}" is already closed` };
    return undefined;
  }

  /** Records (parts of) the analysis: fields given replace what was there, fields left out stay. */
  recordAnalysis(input: RcaInput, now: Date): void {
    const previous = this.state.rca;
    if (input.workaround !== undefined) this.state.workaround = input.workaround;
    const touchesRca = input.rootCause !== undefined || input.contributingFactors !== undefined || input.correctiveActions !== undefined;
    if (!touchesRca) return;
    const rootCause = input.rootCause ?? previous?.rootCause;
    this.state.rca = {
      ...(rootCause !== undefined ? { rootCause } : {}),
      contributingFactors: input.contributingFactors ?? previous?.contributingFactors ?? [],
      correctiveActions: input.correctiveActions ?? previous?.correctiveActions ?? [],
      updatedAt: now.toISOString(),
      updatedBy: input.by,
    };
  }

  /** A problem closes only with its cause found and something done about it. */
  checkClose(): ProblemRefusal | undefined {
    const refusal = this.checkChange();
    if (refusal) return refusal;
    if (!this.state.rca?.rootCause || this.state.rca.correctiveActions.length === 0) {
      return { code: 'analysis-incomplete', message: 'record a root cause and at least one corrective action before closing (POST .../rca)' };
    }
    return undefined;
  }

  /** @returns whether this call closed it. */
  close(by: string, now: Date, note?: string): boolean {
    if (this.checkClose()) return false;
    this.state.status = 'closed';
    this.state.closedAt = now.toISOString();
    this.state.closedBy = by;
    if (note) this.state.closeNote = note;
    return true;
  }

  brief(): ProblemBrief {
    return { id: this.state.id, title: this.state.title, ...(this.state.workaround ? { workaround: this.state.workaround } : {}) };
  }

  /** A deep copy, safe to hand to a query. */
  view(): ProblemView {
    return JSON.parse(JSON.stringify(this.state)) as ProblemView;
  }
}

/** Workflow id of the problem kept under `key`: one open problem per key at a time. */
export function problemWorkflowId(key: string): string {
  return `problem:${key}`;
}

/**
 * The public problem id: like an incident's, the workflow id and the problem's first run, so a
 * closed problem and a later one of the same key stay apart and need no lookup.
 */
export function encodeProblemId(ref: { workflowId: string; runId: string }): string {
  return `${toBase64Url(ref.workflowId)}.${ref.runId}`;
}

const RUN_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** @returns `undefined` when `id` is not a problem id this system made. */
export function decodeProblemId(id: string): { workflowId: string; runId: string } | undefined {
  const dot = id.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const workflowId = fromBase64Url(id.slice(0, dot));
  const runId = id.slice(dot + 1);
  if (!workflowId || !workflowId.startsWith('problem:') || !RUN_ID_PATTERN.test(runId)) return undefined;
  return { workflowId, runId };
}
