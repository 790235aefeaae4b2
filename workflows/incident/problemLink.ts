/**
 * Recurrence: a new incident sets its fingerprint for later ones to find, and joins its problem
 * if it recurs. The first page waits for the quick part (it carries the problem's workaround).
 */
import { patched } from '@temporalio/workflow';
import { searchAttributes } from '../../contracts/incident';
import { failureMessage, joinOpenProblem, linkIncidentToProblem } from './activities';
import type { IncidentRun } from './run';

type Candidate = Parameters<typeof linkIncidentToProblem>[0];

/**
 * Since v8 a new incident asks whether it recurs and joins its problem; the first page waits for
 * the answer. Runs recorded before this never ask; those recorded with v8 or v9 ask by a remote
 * activity, later ones by a local one (the check order matters: a new run records only the newer
 * marker). @returns what the first page waits for, or undefined when this run does not link.
 */
export function startProblemLinking(run: IncidentRun): Promise<void> | undefined {
  const carried = run.carried;
  // Since v16 a run whose API saw no open problem of its fingerprint pages at once and links beside
  // the page. Only such runs reach patched(), so older histories (no hint in their input) replay as before.
  // Runs since v18 (visibilityWrites.ts) imply this patch rather than record its marker too.
  if (!carried && run.input.openProblem === false && (run.visibility.batched || patched('link-problem-beside-page'))) {
    run.deliveries.push(linkBesidePage(run));
    return undefined;
  }
  const quickCheckFirst = !carried && patched('link-problem-quick');
  const problemLinking = !carried && (quickCheckFirst || patched('link-problem')) ? linkToProblem(run, quickCheckFirst) : undefined;
  if (problemLinking) run.deliveries.push(problemLinking);
  return problemLinking;
}

/**
 * With `quickCheckFirst` it returns once an open problem has or has not taken the incident;
 * whether it starts a new problem is settled beside the page.
 */
function candidateOf(run: IncidentRun): Candidate {
  const view = run.incident.view();
  return {
    id: view.id,
    code: view.code,
    service: view.service,
    summary: view.summary,
    dedupKey: view.dedupKey,
    ...(view.groupKey ? { groupKey: view.groupKey } : {}),
    source: view.source,
    labels: view.labels,
    openedAt: view.createdAt,
  };
}

async function linkToProblem(run: IncidentRun, quickCheckFirst: boolean): Promise<void> {
  const candidate = candidateOf(run);
  try {
    const outcome = quickCheckFirst ? await joinOpenProblem(candidate) : await linkIncidentToProblem(candidate);
    run.visibility.upsertSearchAttributes([{ key: searchAttributes.fingerprint, value: outcome.fingerprint }]);
    if (outcome.problem) run.incident.linkProblem(outcome.problem, outcome.reason ?? 'recurs', new Date());
    if ('settled' in outcome && !outcome.settled) run.deliveries.push(checkRecurrence(run, candidate));
  } catch (error) {
    recordLinkFailure(run, error);
  }
}

/** The whole link beside the first page: a problem opened since the API looked is still joined. */
async function linkBesidePage(run: IncidentRun): Promise<void> {
  try {
    const outcome = await linkIncidentToProblem(candidateOf(run));
    run.visibility.upsertSearchAttributes([{ key: searchAttributes.fingerprint, value: outcome.fingerprint }]);
    if (outcome.problem) run.incident.linkProblem(outcome.problem, outcome.reason ?? 'recurs', new Date());
  } catch (error) {
    recordLinkFailure(run, error);
  }
}

/** Whether a new incident with no open problem starts one (earlier incidents from visibility). */
async function checkRecurrence(run: IncidentRun, candidate: Candidate): Promise<void> {
  try {
    const outcome = await linkIncidentToProblem(candidate);
    if (outcome.problem) run.incident.linkProblem(outcome.problem, outcome.reason ?? 'recurs', new Date());
  } catch (error) {
    recordLinkFailure(run, error);
  }
}

function recordLinkFailure(run: IncidentRun, error: unknown): void {
  // Paging matters more than the link; the problem can still be linked by hand.
  run.incident.recordNote(`recurrence check failed: ${failureMessage(error)}`, new Date());
}
