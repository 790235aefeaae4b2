/**
 * One incident, from its first alert to its resolution. The rules of how an incident changes
 * live in `domain/incident.ts`; this function wires them to Temporal: timers, activities and
 * message handlers.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  makeContinueAsNewFunc,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
  log,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { EscalationActivities } from '../activities/escalationTargets';
import type { NotifyActivities } from '../activities/notify';
import type { IncidentPlan } from '../domain/incidentPlan';
import type { PlanActivities } from '../activities/plan';
import type { ProblemLinkingActivities } from '../activities/problemLinking';
import type { RunbookActivities, RunbookStepOutput } from '../activities/runbookSteps';
import type { Alert } from '../domain/alert';
import type { Channel, EscalationPolicySnapshot, EscalationStep, Responder, Urgency } from '../domain/escalation';
import { deliveriesFor, firstStep, levelNumber, nextStep } from '../domain/escalation';
import type { IncidentView, RunbookStepName, TransitionRefusal } from '../domain/incident';
import { Incident } from '../domain/incident';
import { encodeIncidentId, incidentCode } from '../domain/incidentId';
import { deliveredPages, resolverKind } from '../domain/kpis';
import type { IncidentBrief, NotificationKind } from '../domain/notification';
import { keyLinks } from '../domain/alertContext';
import { notificationKey } from '../domain/notification';
import type { ActorInput, CarriedIncident, IncidentMemo, IncidentWorkflowInput, PendingDelivery } from './definitions';
import {
  acknowledgeUpdate,
  alertBatchSignal,
  alertSignal,
  escalateUpdate,
  noteSignal,
  problemLinkedSignal,
  reassignUpdate,
  statusUpdateUpdate,
  INCIDENT_CONFLICT_FAILURE,
  incidentQuery,
  INVALID_INPUT_FAILURE,
  resolveUpdate,
  searchAttributes,
  sourceResolvedSignal,
} from './definitions';

const { planIncident } = proxyActivities<PlanActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

// Bounded retries: a delivery that keeps failing is recorded as failed, and escalation goes on.
// The activity heartbeats while it sends, so a worker killed mid-send is noticed after the
// heartbeat timeout and the page retried on another worker, not after the 30 s start-to-close.
const { deliverNotification } = proxyActivities<NotifyActivities>({
  startToCloseTimeout: '30s',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
});

const { resolveLevelTargets, businessHoursOpen } = proxyActivities<EscalationActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', maximumInterval: '10s' },
});

// The first page waits for it, so it is bounded: a slow visibility store must not hold a page long.
const LINK_OPTIONS = { startToCloseTimeout: '5s', retry: { initialInterval: '1s', maximumAttempts: 2 } } as const;
/** v8 histories linked by a (remote) activity; kept for their replay. */
const { linkIncidentToProblem } = proxyActivities<ProblemLinkingActivities>(LINK_OPTIONS);
/**
 * Since v10 the first page waits only for the quick part, as a local activity (on this worker, no
 * round trip through the server's task queues): does an open problem of the fingerprint take the
 * incident? Only then is there a workaround to page. Whether the incident starts a new problem
 * (a visibility query) goes on beside the page as an ordinary activity: a local one would hold
 * the workflow task, and the page, until it finished. bench:core measured the first page at p50
 * 1.91× the floor when it waited for the whole check.
 */
const { joinOpenProblem } = proxyLocalActivities<ProblemLinkingActivities>(LINK_OPTIONS);

/** Remediation is not retried: re-running half a restart can do harm; a failure goes to a human. */
const STEP_ATTEMPTS: Record<RunbookStepName, number> = { diagnose: 3, remediate: 1, verify: 3 };

const STEPS: readonly RunbookStepName[] = ['diagnose', 'remediate', 'verify'];

/** Well under Temporal's own limits (50,000 events), so a storm of repeats never nears them. */
const DEFAULT_HISTORY_LIMIT = 2_000;

/** Gates the KPI search attributes (see publishKpis): older histories replay without them. */
const KPI_PATCH = 'kpi-search-attributes';

/**
 * How many recent alert ids an incident remembers to recognise a re-delivery: a few of the API's
 * largest batches (see api/intake/keyLanes.ts), since a batch that timed out is spooled and sent again.
 */
const RECENT_ALERT_IDS = 1_024;

function refuse(refusal: TransitionRefusal | undefined): void {
  if (refusal) throw ApplicationFailure.create({ message: refusal.message, type: INCIDENT_CONFLICT_FAILURE, nonRetryable: true });
}

function checkActor(input: ActorInput | undefined): void {
  if (typeof input?.by !== 'string' || input.by.trim() === '') {
    throw ApplicationFailure.create({ message: '"by" must name who acted', type: INVALID_INPUT_FAILURE, nonRetryable: true });
  }
}

export async function incidentWorkflow(input: IncidentWorkflowInput): Promise<IncidentView> {
  const info = workflowInfo();
  // The run that opened this incident. A new incident begun by continue-as-new (see lateAlerts)
  // starts from its own run; older histories never continued, so for them this is the first run.
  const ref = { workflowId: info.workflowId, runId: input.incidentRunId ?? info.runId };
  const carried = input.carried;
  const historyLimit = input.historyLimit ?? DEFAULT_HISTORY_LIMIT;
  const incident = carried
    ? Incident.fromView(carried.view)
    : new Incident({ id: encodeIncidentId(ref), code: incidentCode(ref), workflowId: info.workflowId, alert: input.alert, now: new Date() });
  const deliveries: Array<Promise<void>> = [];
  /** Channels already tried for a page of one step to one person, so a fallback never repeats one. */
  const pageChannelsTried = new Set<string>();
  /** False while a run started without a plan is still planning: escalate, reassign and updates wait for it. */
  let planned = Boolean(carried?.plan ?? input.plan);
  function refuseUntilPlanned(): void {
    if (!planned) throw ApplicationFailure.create({ message: 'the incident is still starting; try again in a moment', type: INCIDENT_CONFLICT_FAILURE, nonRetryable: true });
  }
  /** Alerts that arrived after resolution, while notices were still going out: the next incident. */
  const lateAlerts: Alert[] = [];
  if (!carried) for (const repeat of input.repeats ?? []) incident.recordRepeat(repeat, new Date());
  const pagedContactIds = new Set<string>(incident.view().paged.map((page) => page.responderId));
  /**
   * Ids of the latest alerts counted. An alert delivered twice (a spool forwarder or a client
   * retrying after a lost answer) carries the same id, and counts once.
   */
  const recentAlertIds: string[] = [...(carried?.recentAlertIds ?? [])];
  const recentAlertIdSet = new Set(recentAlertIds);
  function alreadyCounted(alert: Pick<Alert, 'id'>): boolean {
    if (alert.id === input.alert.id || recentAlertIdSet.has(alert.id)) return true;
    recentAlertIds.push(alert.id);
    recentAlertIdSet.add(alert.id);
    if (recentAlertIds.length > RECENT_ALERT_IDS) recentAlertIdSet.delete(recentAlertIds.shift() as string);
    return false;
  }

  function publishStatus(): void {
    const view = incident.view();
    upsertSearchAttributes([
      { key: searchAttributes.status, value: view.status },
      { key: searchAttributes.severity, value: view.severity },
    ]);
    publishKpis(view);
  }

  function takeAlert(alert: Alert): void {
    // signalWithStart delivers the opening alert as a signal too; it is already counted.
    if (alreadyCounted(alert)) return;
    if (!incident.isOpen) {
      lateAlerts.push(alert);
      return;
    }
    const before = incident.severity;
    incident.recordRepeat(alert, new Date());
    if (incident.severity !== before) publishStatus();
  }
  setHandler(alertSignal, takeAlert);
  // Only the timeline and the view change (no command), so histories without it replay alike.
  setHandler(problemLinkedSignal, (problem) => {
    if (incident.view().problem?.id !== problem.id) incident.linkProblem(problem, 'linked by hand', new Date());
  });
  // Only the timeline changes (no command), so histories without it replay alike; a retried note counts once.
  setHandler(noteSignal, ({ id, by, via, text }) => {
    if (alreadyCounted({ id })) return;
    incident.recordNote(`note by ${by} (${via}): ${text}`, new Date());
  });
  setHandler(alertBatchSignal, (alerts) => {
    for (const alert of alerts) takeAlert(alert);
  });
  /** Known once planned; runs started without a plan learn it from the planning activity. */
  let resolution: IncidentPlan['resolution'] = carried?.plan.resolution ?? input.plan?.resolution;
  /** With auto-resolve on, the source's word that every alert is over resolves the incident. */
  function resolveIfSourceSaysSo(): void {
    if (!resolution?.autoResolve || !incident.isOpen || !incident.allAlertsResolved) return;
    if (incident.resolve('source', new Date(), 'every alert of the incident reported resolved by its source')) publishStatus();
  }
  setHandler(sourceResolvedSignal, (alert) => {
    if (alreadyCounted(alert)) return;
    if (!incident.isOpen) return;
    incident.recordSourceResolved(alert, new Date());
    resolveIfSourceSaysSo();
  });
  setHandler(incidentQuery, () => incident.view());
  setHandler(
    acknowledgeUpdate,
    ({ by, via }) => {
      const acknowledgedNow = incident.acknowledge(`${by} (${via})`, new Date());
      if (acknowledgedNow) publishStatus();
      // Only the answer changes (no command), so older histories replay alike.
      return { ...incident.view(), alreadyAcknowledged: !acknowledgedNow };
    },
    {
      validator: (actor) => {
        checkActor(actor);
        refuse(incident.checkAcknowledge());
      },
    },
  );
  setHandler(
    resolveUpdate,
    ({ by, via, note }) => {
      if (incident.resolve(`${by} (${via})`, new Date(), note)) publishStatus();
      return incident.view();
    },
    {
      validator: (actor) => {
        checkActor(actor);
        refuse(incident.checkResolve());
      },
    },
  );

  /** Set by a manual escalate: the next level is notified now. */
  let escalateRequested = false;
  /** Set when escalation must start over (reassigned to a policy): the reason, for the timeline. */
  let restartRequested: string | undefined;
  /** The policy a reassignment hands the incident to, taken up when escalation starts over. */
  let reassignedPolicy: EscalationPolicySnapshot | undefined;
  /** Escalation round: pages of a later round are new deliveries, not retries of earlier ones. */
  let round = carried?.round ?? 0;
  /** Everyone notified so far, by id (policy targets first), to tell of acknowledgement and resolution. */
  const responders = new Map<string, Responder>();
  function remember(responder: Responder): void {
    if (!responders.has(responder.id)) responders.set(responder.id, responder);
  }
  setHandler(
    escalateUpdate,
    ({ by, via }) => {
      const now = new Date();
      if (incident.status === 'acknowledged') {
        incident.retrigger(`escalated by ${by} (${via}): acknowledgement withdrawn`, now);
        publishStatus();
      } else {
        incident.recordNote(`escalated by ${by} (${via})`, now);
      }
      escalateRequested = true;
      return incident.view();
    },
    {
      validator: (actor) => {
        checkActor(actor);
        refuse(incident.checkEscalate());
        refuseUntilPlanned();
      },
    },
  );
  setHandler(
    reassignUpdate,
    ({ by, via, to }) => {
      const now = new Date();
      const reason = 'responder' in to ? `reassigned to ${to.responder.name} by ${by} (${via})` : `reassigned to policy ${to.policy.id} by ${by} (${via})`;
      if (incident.status === 'acknowledged') incident.retrigger(reason, now);
      else incident.recordNote(reason, now);
      publishStatus();
      if ('responder' in to) {
        // Paged at once on every channel they have, as a level of its own.
        round += 1;
        remember(to.responder);
        holders = [to.responder];
        const step: EscalationStep = { cycle: 0, levelIndex: -1 };
        for (const delivery of deliveriesFor(to.responder, { channels: [], channelsFromRules: true })) notify('page', to.responder, delivery.channel, step);
        pagedContactIds.add(to.responder.id);
        upsertSearchAttributes([{ key: searchAttributes.paged, value: [...pagedContactIds] }]);
      } else {
        reassignedPolicy = to.policy;
        restartRequested = reason;
      }
      return incident.view();
    },
    {
      validator: (input) => {
        checkActor(input);
        refuse(incident.checkEscalate());
        refuseUntilPlanned();
        const to = input?.to as { responder?: Responder; policy?: EscalationPolicySnapshot } | undefined;
        if (!to || (!to.responder?.id && !to.policy?.levels?.length)) {
          throw ApplicationFailure.create({ message: '"to" must name a responder or an escalation policy', type: INVALID_INPUT_FAILURE, nonRetryable: true });
        }
      },
    },
  );

  /** The update cadence: the last update posted, and the last reminder that one was due. */
  let cadence = carried?.cadence ?? { lastUpdateAtMs: Date.now(), lastReminderAtMs: 0 };
  /** Who holds the incident now: the last level paged, or whom it was reassigned to. */
  let holders: Responder[] = carried?.holders ?? [];
  setHandler(
    statusUpdateUpdate,
    ({ by, via, text, eta }) => {
      const now = new Date();
      incident.recordStatusUpdate({ at: now.toISOString(), by: `${by} (${via})`, text, ...(eta ? { eta } : {}) });
      cadence = { ...cadence, lastUpdateAtMs: now.getTime() };
      tellStakeholders('update');
      return incident.view();
    },
    {
      validator: (input) => {
        checkActor(input);
        refuse(incident.checkEscalate());
        refuseUntilPlanned();
        if (typeof input?.text !== 'string' || input.text.trim() === '' || input.text.length > 2000) {
          throw ApplicationFailure.create({ message: '"text" must be 1 to 2000 characters', type: INVALID_INPUT_FAILURE, nonRetryable: true });
        }
      },
    },
  );

  upsertSearchAttributes([
    { key: searchAttributes.service, value: input.alert.service },
    { key: searchAttributes.code, value: incident.view().code },
  ]);
  publishStatus();
  const memo: IncidentMemo = { incidentId: incident.view().id, summary: input.alert.summary };
  upsertMemo({ ...memo });

  // Deterministic on replay: whether the plan came in the input is part of the history.
  const plan = carried?.plan ?? input.plan ?? (await planIncident(input.alert));
  resolution = plan.resolution;
  planned = true;
  resolveIfSourceSaysSo();
  // Since v8 a new incident asks whether it recurs and joins its problem; the first page waits for
  // the answer (it carries the problem's workaround). Runs recorded before this never ask; those
  // recorded with v8 or v9 ask by a remote activity, later ones by a local one (the check order
  // matters: a new run records only the newer marker).
  const quickCheckFirst = !carried && patched('link-problem-quick');
  const problemLinking = !carried && (quickCheckFirst || patched('link-problem')) ? linkToProblem(quickCheckFirst) : undefined;
  if (problemLinking) deliveries.push(problemLinking);
  /** The policy escalating now: the plan's, until the incident is reassigned to another. */
  let policy = plan.policy;
  for (const responder of policy.levels.flatMap((level) => level.targets)) remember(responder);
  for (const responder of carried?.responders ?? []) remember(responder);
  /** Low-urgency severities page by email only; plans older than urgency page everything at high urgency. */
  const urgencyNow = (): Urgency => (plan.lowUrgencySeverities?.includes(incident.severity) ? 'low' : 'high');
  let urgency: Urgency = carried?.urgency ?? urgencyNow();
  /** A severity raised into high urgency re-plans escalation (a low-urgency plan never rises by itself). */
  const urgencyRose = (): boolean => plan.lowUrgencySeverities !== undefined && urgency === 'low' && urgencyNow() === 'high';
  /** Notifications of the current level still to go out. */
  let pending: PendingDelivery[] = carried?.pending ?? [];

  /** A storm of repeats grows the history; past the limit the incident moves to a fresh run. */
  function historyIsLong(): boolean {
    const current = workflowInfo();
    return current.continueAsNewSuggested || current.historyLength >= historyLimit;
  }

  /** Continues as new with the incident as it stands; called only while waiting. */
  async function handOver(position: Pick<CarriedIncident, 'stage' | 'escalation' | 'pauseUntilMs' | 'ackDueAtMs' | 'deferUntilMs'>): Promise<never> {
    await Promise.all(deliveries);
    await condition(allHandlersFinished);
    // Memo and search attributes go along explicitly, so the API finds the incident in the new
    // run from its first moment, before that run has run any code.
    const handOverTo = makeContinueAsNewFunc<typeof incidentWorkflow>({ memo: { ...memo }, typedSearchAttributes: workflowInfo().typedSearchAttributes });
    return handOverTo({
      alert: input.alert,
      incidentRunId: ref.runId,
      historyLimit: input.historyLimit,
      carried: {
        ...position,
        view: incident.view(),
        plan: policy === plan.policy ? plan : { ...plan, policy },
        recentAlertIds,
        ...(round ? { round } : {}),
        ...(pending.length ? { pending } : {}),
        ...(responders.size > policy.levels.flatMap((level) => level.targets).length ? { responders: [...responders.values()] } : {}),
        ...(plan.lowUrgencySeverities ? { urgency } : {}),
        ...(plan.communication ? { cadence, holders } : {}),
      },
    });
  }

  /** Waits for `done`, handing over to a new run whenever the history grows long. */
  async function waitQuietly(done: () => boolean, position: () => Pick<CarriedIncident, 'stage' | 'escalation' | 'pauseUntilMs' | 'ackDueAtMs' | 'deferUntilMs'>): Promise<void> {
    while (!done()) {
      await condition(() => done() || historyIsLong());
      if (!done()) await handOver(position());
    }
  }

  /**
   * The KPI search attributes (docs/kpis.md): opened, first acknowledged, resolved and by what,
   * and (`final`, once notices have settled) pages delivered. Only what changed is upserted,
   * judged from the attributes the run already has, so it needs no state of its own; behind a
   * patch, so histories from before it replay unchanged.
   */
  function publishKpis(view: IncidentView, final = false): void {
    const current = workflowInfo().typedSearchAttributes;
    const updates: SearchAttributeUpdatePair[] = [];
    const openedAt = current.get(searchAttributes.openedAt);
    const stale = openedAt !== undefined && openedAt.getTime() !== Date.parse(view.createdAt);
    if (openedAt === undefined || stale) updates.push({ key: searchAttributes.openedAt, value: new Date(view.createdAt) });
    if (stale) {
      // Inherited from the incident before (a late alert's continue-as-new): not this incident's.
      for (const key of [searchAttributes.acknowledgedAt, searchAttributes.resolvedAt]) if (current.get(key)) updates.push({ key, value: null });
      if (current.get(searchAttributes.resolvedBy)) updates.push({ key: searchAttributes.resolvedBy, value: null });
      if (current.get(searchAttributes.pages) !== undefined) updates.push({ key: searchAttributes.pages, value: null });
    }
    if (view.acknowledgedAt && (stale || !current.get(searchAttributes.acknowledgedAt))) updates.push({ key: searchAttributes.acknowledgedAt, value: new Date(view.acknowledgedAt) });
    if (view.resolvedAt && (stale || !current.get(searchAttributes.resolvedAt))) {
      updates.push({ key: searchAttributes.resolvedAt, value: new Date(view.resolvedAt) });
      updates.push({ key: searchAttributes.resolvedBy, value: resolverKind(view.resolvedBy ?? '') });
    }
    if (final) updates.push({ key: searchAttributes.pages, value: deliveredPages(view.paged) });
    if (updates.length > 0 && patched(KPI_PATCH)) upsertSearchAttributes(updates);
  }

  function brief(level: number): IncidentBrief {
    const view = incident.view();
    return {
      id: view.id,
      code: view.code,
      service: view.service,
      severity: view.severity,
      summary: view.summary,
      status: view.status,
      alertCount: view.alertCount,
      level,
      acknowledgedBy: view.acknowledgedBy,
      resolvedBy: view.resolvedBy,
      runbookLines: (view.runbook?.steps ?? []).map((step) => `${step.step}: ${step.ok ? 'ok' : 'failed'}: ${step.summary}`),
      ...(view.updates?.length ? { latestUpdate: view.updates[view.updates.length - 1] } : {}),
      ...(view.problem ? { problem: { title: view.problem.title, ...(view.problem.workaround ? { workaround: view.problem.workaround } : {}) } } : {}),
      ...(keyLinks(view.alerts?.[0]?.context).length ? { links: keyLinks(view.alerts?.[0]?.context) } : {}),
    };
  }

  function recordLinkFailure(error: unknown): void {
    // Paging matters more than the link; the problem can still be linked by hand.
    incident.recordNote(`recurrence check failed: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`, new Date());
  }

  /**
   * Sets the incident's fingerprint for later ones to find, and links it to its problem if it
   * recurs. The first page waits for this. With `quickCheckFirst` it returns once an open problem
   * has or has not taken the incident; whether it starts a new problem is settled beside the page.
   */
  async function linkToProblem(quickCheckFirst: boolean): Promise<void> {
    const view = incident.view();
    const candidate = {
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
    try {
      const outcome = quickCheckFirst ? await joinOpenProblem(candidate) : await linkIncidentToProblem(candidate);
      upsertSearchAttributes([{ key: searchAttributes.fingerprint, value: outcome.fingerprint }]);
      if (outcome.problem) incident.linkProblem(outcome.problem, outcome.reason ?? 'recurs', new Date());
      if ('settled' in outcome && !outcome.settled) deliveries.push(checkRecurrence(candidate));
    } catch (error) {
      recordLinkFailure(error);
    }
  }

  /** Whether a new incident with no open problem starts one (earlier incidents from visibility). */
  async function checkRecurrence(candidate: Parameters<typeof linkIncidentToProblem>[0]): Promise<void> {
    try {
      const outcome = await linkIncidentToProblem(candidate);
      if (outcome.problem) incident.linkProblem(outcome.problem, outcome.reason ?? 'recurs', new Date());
    } catch (error) {
      recordLinkFailure(error);
    }
  }

  /** Sends in the background: a slow or failing transport must never delay the next escalation level. */
  function notify(kind: NotificationKind, responder: Responder, channel: Channel, step: EscalationStep, sequence?: number): void {
    const request = {
      idempotencyKey: notificationKey({
        ...(sequence !== undefined ? { sequence } : {}),
        incidentId: incident.view().id,
        kind,
        level: levelNumber(step),
        cycle: step.cycle,
        responderId: responder.id,
        channel,
        round,
      }),
      kind,
      channel,
      responder,
      incident: brief(levelNumber(step)),
    };
    const delivery = deliverNotification(request).then(
      (outcome) => outcome,
      (error: unknown) => `failed: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`,
    );
    pageChannelsTried.add(`${round}/${levelNumber(step)}/${step.cycle}/${responder.id}/${channel}`);
    deliveries.push(
      delivery.then((outcome) => {
        if (kind === 'page') incident.recordPage(responder, channel, step, new Date(), outcome);
        else incident.recordNotification(`told ${responder.name} (${kind}) by ${channel}: ${outcome}`, new Date());
        if (kind === 'page' && plan.deliveryFallback && !outcome.startsWith('sent') && outcome !== 'already sent') fallBack(responder, channel, step);
      }),
    );
  }

  /** A page that failed on one channel (after its retries, or no address) goes to the person's other channels. */
  function fallBack(responder: Responder, failed: Channel, step: EscalationStep): void {
    if (incident.status !== 'triggered') return;
    const others = (['sms', 'email'] as const).filter(
      (channel) => channel !== failed && (channel === 'email' ? responder.email : responder.phone) && !pageChannelsTried.has(`${round}/${levelNumber(step)}/${step.cycle}/${responder.id}/${channel}`),
    );
    if (others.length === 0) return;
    incident.recordNote(`page to ${responder.name} by ${failed} failed: falling back to ${others.join(', ')}`, new Date());
    for (const channel of others) notify('page', responder, channel, step);
  }

  async function runRunbook(runbook: NonNullable<IncidentPlan['runbook']>): Promise<void> {
    incident.startRunbook(runbook.id, new Date());
    let findings: Record<string, unknown> = {};
    for (const step of STEPS) {
      // A responder who resolved the incident by hand stops the runbook before its next step.
      if (!incident.isOpen) return;
      const { runRunbookStep } = proxyActivities<RunbookActivities>({
        startToCloseTimeout: runbook.stepTimeoutSeconds * 1000,
        retry: { initialInterval: '2s', maximumAttempts: STEP_ATTEMPTS[step] },
      });
      let output: RunbookStepOutput;
      try {
        output = await runRunbookStep({ runbookId: runbook.id, step, alert: input.alert, params: runbook.params, findings });
      } catch (error) {
        const cause = (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message;
        incident.recordRunbookStep({ step, ok: false, summary: `error: ${cause}`, at: new Date().toISOString() });
        return;
      }
      incident.recordRunbookStep({ step, ok: output.ok, summary: output.summary, at: new Date().toISOString() });
      if (!output.ok) return;
      findings = output.findings;
      if (step === 'verify' && incident.resolve(`runbook ${runbook.id}`, new Date(), output.summary)) {
        publishStatus();
        const announce: EscalationStep = { cycle: 0, levelIndex: 0 };
        // Nobody was woken for this; the first level hears of it by email only.
        for (const responder of policy.levels[0]?.targets ?? []) notify('auto-resolved', responder, 'email', announce);
      }
    }
  }

  /** The people a level pages: resolved now when it names schedules or teams, else as frozen. */
  async function levelTargets(levelIndex: number): Promise<Responder[]> {
    const level = policy.levels[levelIndex];
    if (!level.targetRefs) return level.targets;
    const resolved = await resolveLevelTargets({ refs: level.targetRefs });
    for (const note of resolved.notes) incident.recordNote(note, new Date());
    return resolved.responders;
  }

  /** Pages one level: its channels at once, each person's later channels into `pending`. */
  async function notifyLevel(step: EscalationStep): Promise<number> {
    const level = policy.levels[step.levelIndex];
    const targets = await levelTargets(step.levelIndex);
    const now = new Date();
    const hasNext = nextStep(policy, step) !== undefined;
    const dueAtMs = now.getTime() + level.timeoutSeconds * 1000;
    incident.recordEscalation(step, policy.id, now, hasNext ? new Date(dueAtMs) : undefined);
    pending = [];
    for (const responder of targets) {
      remember(responder);
      for (const delivery of deliveriesFor(responder, level, urgency)) {
        if (delivery.afterSeconds === 0) notify('page', responder, delivery.channel, step);
        else pending.push({ atMs: now.getTime() + delivery.afterSeconds * 1000, responder, channel: delivery.channel, step });
      }
    }
    for (const responder of targets) pagedContactIds.add(responder.id);
    upsertSearchAttributes([{ key: searchAttributes.paged, value: [...pagedContactIds] }]);
    if (targets.length > 0) holders = targets;
    return dueAtMs;
  }

  /** Sends the pending notifications whose time has come. */
  function sendDuePending(): void {
    const nowMs = Date.now();
    const due = pending.filter((entry) => entry.atMs <= nowMs);
    pending = pending.filter((entry) => entry.atMs > nowMs);
    for (const entry of due) notify('page', entry.responder, entry.channel, entry.step);
  }

  /** Where escalation starts: a fresh policy at its first level, or a carried-over or manual position. */
  interface EscalationStart {
    step: EscalationStep;
    /** True when the step was already notified (a carried-over wait), due at `dueAtMs`. */
    notified: boolean;
    dueAtMs: number;
  }
  /** The level last notified, so a manual escalate knows which is next. */
  let lastStep: EscalationStep | undefined = carried?.escalation?.step;
  /** True when escalation must stop and start over (reassigned policy, urgency raised). */
  const mustRestart = (): boolean => restartRequested !== undefined || urgencyRose();

  /**
   * Notifies level after level until someone acknowledges, a manual escalate skips ahead, or the
   * escalation must start over. Waits hand over to a new run when the history grows long.
   */
  async function escalate(start?: EscalationStart, deferredUntilMs?: number): Promise<void> {
    // Low urgency outside business hours: the first level waits for them (a human may still escalate now).
    if ((deferredUntilMs !== undefined || (!start && urgency === 'low')) && plan.businessHours) {
      await deferToBusinessHours(deferredUntilMs ?? (await businessHoursOpen(plan.businessHours)).opensAtMs);
      if (incident.status !== 'triggered' || mustRestart()) return;
    }
    let notified = start?.notified ?? false;
    let dueAtMs = start?.dueAtMs ?? 0;
    for (let step = start?.step ?? firstStep(policy); step && incident.status === 'triggered'; step = nextStep(policy, step)) {
      if (!notified) {
        dueAtMs = await notifyLevel(step);
        if (incident.status !== 'triggered') break;
      }
      notified = false;
      lastStep = step;
      // Until the level times out or someone acts; later channels go out on their time.
      for (;;) {
        const remaining = dueAtMs - Date.now();
        if (remaining <= 0) break;
        const untilPending = pending.length > 0 ? Math.max(1, Math.min(...pending.map((entry) => entry.atMs)) - Date.now()) : Infinity;
        const waitMs = Math.min(remaining, untilPending);
        const woke = await condition(() => incident.status !== 'triggered' || historyIsLong() || escalateRequested || mustRestart(), waitMs);
        if (incident.status !== 'triggered') break;
        if (mustRestart()) return;
        if (escalateRequested) {
          escalateRequested = false;
          pending = [];
          break;
        }
        sendDuePending();
        if (historyIsLong()) await handOver({ stage: 'escalating', escalation: { step, dueAtMs } });
        if (!woke && waitMs === remaining) break;
      }
    }
    if (incident.status === 'triggered' && !mustRestart()) {
      pending = [];
      incident.recordEscalationExhausted(new Date());
      log.warn('escalation policy exhausted without acknowledgement', { incident: incident.view().code });
      if (policy.onExhaustedRefs) await tellExhausted(policy.onExhaustedRefs);
    }
  }

  /** Waits until business hours open, or until someone acts, escalates by hand, or urgency rises. */
  async function deferToBusinessHours(untilMs: number): Promise<void> {
    if (untilMs <= Date.now()) return;
    incident.recordNote(`low urgency: paging waits for business hours, until ${new Date(untilMs).toISOString()}`, new Date());
    const settled = () => incident.status !== 'triggered' || escalateRequested || mustRestart();
    for (;;) {
      const remaining = untilMs - Date.now();
      if (remaining <= 0) break;
      const woke = await condition(() => settled() || historyIsLong(), remaining);
      if (settled() || !woke) break;
      await handOver({ stage: 'deferred', deferUntilMs: untilMs });
    }
    // An escalate by hand means: page now.
    escalateRequested = false;
  }

  /** Tells whoever the policy names (e.g. the operations manager) that nobody acknowledged. */
  async function tellExhausted(refs: string[]): Promise<void> {
    const resolved = await resolveLevelTargets({ refs });
    const step: EscalationStep = { cycle: lastStep?.cycle ?? 0, levelIndex: lastStep?.levelIndex ?? 0 };
    for (const responder of resolved.responders) {
      for (const delivery of deliveriesFor(responder, { channels: [], channelsFromRules: true })) notify('exhausted', responder, delivery.channel, step);
    }
  }

  /** Tells the communication plan's stakeholders (by email) of a status change or an update. */
  function tellStakeholders(kind: NotificationKind): void {
    const step: EscalationStep = { cycle: 0, levelIndex: -1 };
    for (const stakeholder of plan.communication?.stakeholders ?? []) notify(kind, stakeholder, 'email', step, cadence.lastUpdateAtMs);
  }

  /**
   * The update cadence of the communication plan: while the incident is open, whoever holds it is
   * reminded when no update was posted for the cadence of its (current) severity. Runs beside the
   * main flow; a hand-over carries its position.
   */
  async function keepCadence(): Promise<void> {
    const every = () => plan.communication?.updateEverySeconds[incident.severity];
    while (incident.isOpen) {
      const seconds = every();
      if (!seconds) {
        await condition(() => !incident.isOpen || every() !== undefined);
        continue;
      }
      const dueAtMs = Math.max(cadence.lastUpdateAtMs, cadence.lastReminderAtMs) + seconds * 1000;
      const remaining = dueAtMs - Date.now();
      if (remaining > 0) {
        const seen = cadence;
        await condition(() => !incident.isOpen || cadence !== seen || every() !== seconds, remaining);
        continue;
      }
      cadence = { ...cadence, lastReminderAtMs: Date.now() };
      incident.recordNote(`no status update for ${seconds} s: reminded ${holders.map((holder) => holder.name).join(', ') || 'nobody (no one holds it yet)'}`, new Date());
      const step: EscalationStep = { cycle: 0, levelIndex: -1 };
      for (const holder of holders) notify('update-due', holder, holder.email ? 'email' : 'sms', step, cadence.lastReminderAtMs);
    }
  }

  /** Tells everyone already paged, on every channel they were paged on. */
  function tellPaged(kind: NotificationKind): void {
    const view = incident.view();
    const seen = new Set<string>();
    for (const page of view.paged) {
      const key = `${page.responderId}/${page.channel}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const responder = responders.get(page.responderId);
      if (responder) notify(kind, responder, page.channel, { cycle: 0, levelIndex: view.escalation.level - 1 });
    }
  }

  /**
   * While acknowledged: until resolved, a manual escalate, or (with an ack timeout) the timeout.
   * @returns why the wait ended.
   */
  async function waitWhileAcknowledged(ackDueAtMs: number | undefined): Promise<'resolved' | 'escalate' | 'timeout'> {
    const done = () => !incident.isOpen || incident.status === 'triggered' || escalateRequested || restartRequested !== undefined;
    const outcome = () => (!incident.isOpen ? 'resolved' : 'escalate');
    if (ackDueAtMs === undefined) {
      await waitQuietly(done, () => ({ stage: 'acknowledged' }));
      return outcome();
    }
    for (;;) {
      const remaining = ackDueAtMs - Date.now();
      if (remaining <= 0) return 'timeout';
      const woke = await condition(() => done() || historyIsLong(), remaining);
      if (done()) return outcome();
      if (!woke) return 'timeout';
      await handOver({ stage: 'acknowledged', ackDueAtMs });
    }
  }

  /** A new round: later pages are new deliveries; a reassigned policy takes over. */
  function beginRound(): void {
    round += 1;
    pending = [];
    escalateRequested = false;
    if (restartRequested !== undefined) {
      if (reassignedPolicy) {
        policy = reassignedPolicy;
        for (const responder of policy.levels.flatMap((level) => level.targets)) remember(responder);
        reassignedPolicy = undefined;
      }
      restartRequested = undefined;
    }
    if (urgencyRose()) incident.recordNote(`severity ${incident.severity} is high urgency: escalating again by every channel`, new Date());
    urgency = urgencyNow();
  }

  /**
   * The flap filter: no runbook and no page until the pause is over. An incident whose alerts all
   * resolve meanwhile closes having woken nobody; a storm during the pause hands over as usual.
   */
  async function flapPause(untilMs: number): Promise<void> {
    const settled = () => incident.status !== 'triggered' || incident.allAlertsResolved;
    for (;;) {
      const remaining = untilMs - Date.now();
      if (remaining <= 0 || settled()) break;
      await condition(() => settled() || historyIsLong(), remaining);
      if (settled() || !historyIsLong()) break;
      await handOver({ stage: 'pausing', pauseUntilMs: untilMs });
    }
    if (incident.isOpen && incident.allAlertsResolved) {
      const seconds = resolution?.flapPauseSeconds ?? 0;
      if (incident.resolve('flap filter', new Date(), `its source reported it resolved within the ${seconds} s pause before paging; nobody was paged`)) publishStatus();
    }
  }

  if (!carried || carried.stage === 'pausing') {
    const pauseSeconds = resolution?.flapPauseSeconds;
    if (pauseSeconds) {
      if (!carried) incident.recordNote(`waiting ${pauseSeconds} s before runbook and paging: an alert that resolves meanwhile is a flap`, new Date());
      await flapPause(carried?.pauseUntilMs ?? Date.now() + pauseSeconds * 1000);
    }
    if (plan.runbook && incident.isOpen) await runRunbook(plan.runbook);
  }
  if (problemLinking) await problemLinking;
  // A rejection here fails the workflow task and Temporal retries it, as for any workflow code.
  // eslint-disable-next-line @typescript-eslint/no-floating-promises -- runs beside the escalation for the incident's life
  if (plan.communication) void keepCadence();
  let start: EscalationStart | undefined = carried?.stage === 'escalating' && carried.escalation ? { ...carried.escalation, notified: true } : undefined;
  let skipEscalation = carried?.stage === 'exhausted';
  let deferredUntilMs = carried?.stage === 'deferred' ? carried.deferUntilMs : undefined;
  let acknowledgementTold = carried?.stage === 'acknowledged';
  let ackDueAtMs = carried?.ackDueAtMs;
  for (;;) {
    if (incident.status === 'triggered' && !skipEscalation) await escalate(start, deferredUntilMs);
    skipEscalation = false;
    deferredUntilMs = undefined;
    start = undefined;
    if (incident.status === 'triggered' && mustRestart()) {
      beginRound();
      continue;
    }
    await waitQuietly(
      () => incident.status !== 'triggered' || escalateRequested || mustRestart(),
      () => ({ stage: 'exhausted' }),
    );
    if (incident.status === 'triggered') {
      // Exhausted, then escalated by hand, reassigned or raised to high urgency: start over.
      beginRound();
      continue;
    }
    // Settle page deliveries first, so the paged list is complete before we tell people.
    await Promise.all(deliveries);
    if (incident.status === 'acknowledged') {
      if (!acknowledgementTold) {
        tellPaged('acknowledged');
        tellStakeholders('acknowledged');
      }
      acknowledgementTold = false;
      const ackTimeoutSeconds = policy.ackTimeoutSeconds;
      const outcome = await waitWhileAcknowledged(ackTimeoutSeconds ? (ackDueAtMs ?? Date.now() + ackTimeoutSeconds * 1000) : undefined);
      ackDueAtMs = undefined;
      await Promise.all(deliveries);
      if (outcome === 'timeout') {
        incident.retrigger(`not resolved within ${ackTimeoutSeconds} s of the acknowledgement: escalating again`, new Date());
        publishStatus();
      }
      if (outcome !== 'resolved') {
        // A manual escalate goes on from the level after the last one; the rest start over.
        const manual = escalateRequested && restartRequested === undefined;
        const next = manual && lastStep ? nextStep(policy, lastStep) : undefined;
        beginRound();
        if (next) start = { step: next, notified: false, dueAtMs: 0 };
        continue;
      }
    }
    break;
  }
  if (incident.view().resolvedBy?.startsWith('runbook ') !== true) tellPaged('resolved');
  tellStakeholders('resolved');
  await Promise.all(deliveries);
  publishKpis(incident.view(), true);
  if (lateAlerts.length > 0) {
    // The workflow id is still taken by this run, so the next incident of the key continues from it.
    const [first, ...rest] = lateAlerts;
    await continueAsNew<typeof incidentWorkflow>({ alert: first, repeats: rest });
  }
  return incident.view();
}
