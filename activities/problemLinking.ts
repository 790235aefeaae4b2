/**
 * Links a new incident to its problem: an open problem of its fingerprint takes it; otherwise,
 * when the recurrence policy says it recurs, a problem opens with it and its earlier recurrences.
 * Linking is a signal (signalWithStart, so two incidents racing open one problem).
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { VigilConfig } from '../domain/config';
import type { LinkedIncident, ProblemBrief } from '../domain/problem';
import { encodeProblemId, problemWorkflowId } from '../domain/problem';
import { recurrencePolicyFor } from '../domain/problemConfig';
import type { FingerprintSource, PastIncident, RecurrenceVerdict } from '../domain/recurrence';
import { assessRecurrence, incidentFingerprint, lookbackSeconds } from '../domain/recurrence';
import type { ProblemMemo } from '../domain/visibility';
import type { ProblemWorkflowInput } from '../contracts/problem';
import { linkIncidentSignal, PROBLEM_WORKFLOW_TYPE } from '../contracts/problem';
import type { IncidentHistory } from './incidentHistory';
import { visibilityIncidentHistory } from './incidentHistory';

/** The new incident, as its workflow knows it at open. */
export interface LinkCandidate extends FingerprintSource {
  id: string;
  code: string;
  summary: string;
  openedAt: string;
}

export interface ProblemLinkOutcome {
  /** Set on the incident (VigilFingerprint), so later incidents find it. */
  fingerprint: string;
  /** The problem it joined, if any. */
  problem?: ProblemBrief;
  /** Why it joined: the rule that fired, or an open problem of its fingerprint. */
  reason?: string;
}

export interface ProblemLinkingDeps {
  config: VigilConfig;
  /** Temporal client; the worker's own (activity context) by default. */
  client?: () => Client;
  /** Earlier incidents; Temporal visibility by default (tests pass a fake: the test server has none). */
  history?: (client: Client) => IncidentHistory;
}

function linkOf(candidate: LinkCandidate): LinkedIncident {
  return { incidentId: candidate.id, code: candidate.code, service: candidate.service, summary: candidate.summary, openedAt: candidate.openedAt };
}

async function describeMemo(client: Client, workflowId: string): Promise<{ running: boolean; runId: string; memo: Partial<ProblemMemo> } | undefined> {
  try {
    const description = await client.workflow.getHandle(workflowId).describe();
    return { running: description.status.name === 'RUNNING', runId: description.runId, memo: (description.memo ?? {}) as Partial<ProblemMemo> };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return undefined;
    throw error;
  }
}

/** What the quick check tells: `settled` false when only a look at earlier incidents can decide. */
export interface OpenProblemCheck extends ProblemLinkOutcome {
  settled: boolean;
}

export function createProblemLinkingActivities(deps: ProblemLinkingDeps) {
  const clientOf = deps.client ?? (() => Context.current().client);
  const historyOf = deps.history ?? visibilityIncidentHistory;

  /** Links the candidate to the problem of its fingerprint, opening it if needed, and says which. */
  async function join(client: Client, fingerprint: string, candidate: LinkCandidate, reason: string, earlier: PastIncident[]): Promise<ProblemLinkOutcome> {
    const workflowId = problemWorkflowId(fingerprint);
    const title = `${candidate.service}: ${candidate.summary}`;
    const start: ProblemWorkflowInput = {
      key: fingerprint,
      title,
      service: candidate.service,
      reason,
      openedBy: 'recurrence detection',
      incidents: earlier.map((incident) => ({ incidentId: incident.id, service: candidate.service, summary: incident.summary ?? candidate.summary, openedAt: new Date(incident.openedAtMs).toISOString() })),
    };
    await client.workflow.signalWithStart(PROBLEM_WORKFLOW_TYPE, {
      workflowId,
      taskQueue: Context.current().info.taskQueue,
      args: [start],
      signal: linkIncidentSignal,
      signalArgs: [linkOf(candidate)],
    });
    const now = await describeMemo(client, workflowId);
    const memo = now?.memo ?? {};
    const problem: ProblemBrief = {
      // A problem's first run has not always written its memo yet; its id is then its own run's.
      id: memo.problemId ?? encodeProblemId({ workflowId, runId: now?.runId ?? '' }),
      title: memo.title ?? title,
      ...(memo.workaround ? { workaround: memo.workaround } : {}),
    };
    return { fingerprint, problem, reason };
  }

  return {
    /**
     * The quick part, which a first page can wait for: an open problem of the fingerprint takes
     * the incident (its workaround goes in the page). Whether the incident starts a new problem
     * needs earlier incidents from visibility: `settled: false` leaves that to linkIncidentToProblem.
     */
    async joinOpenProblem(candidate: LinkCandidate): Promise<OpenProblemCheck> {
      const policy = recurrencePolicyFor(deps.config.problems, candidate.service);
      const fingerprint = incidentFingerprint(policy, candidate);
      if (!policy.detect) return { fingerprint, settled: true };
      const client = clientOf();
      const existing = await describeMemo(client, problemWorkflowId(fingerprint));
      if (!existing?.running) return { fingerprint, settled: false };
      return { ...(await join(client, fingerprint, candidate, 'an open problem tracks this fingerprint', [])), settled: true };
    },

    async linkIncidentToProblem(candidate: LinkCandidate): Promise<ProblemLinkOutcome> {
      const policy = recurrencePolicyFor(deps.config.problems, candidate.service);
      const fingerprint = incidentFingerprint(policy, candidate);
      if (!policy.detect) return { fingerprint };
      const client = clientOf();
      const openedAtMs = Date.parse(candidate.openedAt);
      const existing = await describeMemo(client, problemWorkflowId(fingerprint));
      if (existing?.running) return join(client, fingerprint, candidate, 'an open problem tracks this fingerprint', []);
      const since = openedAtMs - lookbackSeconds(policy) * 1000;
      const verdict: RecurrenceVerdict = assessRecurrence(policy, { id: candidate.id, openedAtMs }, await historyOf(client).incidentsSince(fingerprint, since));
      if (!verdict.recurs) return { fingerprint };
      return join(client, fingerprint, candidate, verdict.description, verdict.earlier);
    },
  };
}

export type ProblemLinkingActivities = ReturnType<typeof createProblemLinkingActivities>;
