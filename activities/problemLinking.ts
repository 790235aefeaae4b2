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
import type { ProblemMemo, ProblemWorkflowInput } from '../workflows/problemDefinitions';
import { linkIncidentSignal, PROBLEM_WORKFLOW_TYPE } from '../workflows/problemDefinitions';
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

export function createProblemLinkingActivities(deps: ProblemLinkingDeps) {
  const clientOf = deps.client ?? (() => Context.current().client);
  const historyOf = deps.history ?? visibilityIncidentHistory;
  return {
    async linkIncidentToProblem(candidate: LinkCandidate): Promise<ProblemLinkOutcome> {
      const policy = recurrencePolicyFor(deps.config.problems, candidate.service);
      const fingerprint = incidentFingerprint(policy, candidate);
      if (!policy.detect) return { fingerprint };
      const client = clientOf();
      const workflowId = problemWorkflowId(fingerprint);
      const openedAtMs = Date.parse(candidate.openedAt);
      const existing = await describeMemo(client, workflowId);
      let verdict: RecurrenceVerdict = { recurs: false };
      let earlier: PastIncident[] = [];
      if (!existing?.running) {
        const since = openedAtMs - lookbackSeconds(policy) * 1000;
        verdict = assessRecurrence(policy, { id: candidate.id, openedAtMs }, await historyOf(client).incidentsSince(fingerprint, since));
        if (!verdict.recurs) return { fingerprint };
        earlier = verdict.earlier;
      }
      const reason = verdict.recurs ? verdict.description : 'an open problem tracks this fingerprint';
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
    },
  };
}

export type ProblemLinkingActivities = ReturnType<typeof createProblemLinkingActivities>;
