/**
 * Every notification the incident sends: pages, their fallback to a person's other channels, and
 * telling the paged, the stakeholders and whoever hears of an exhausted policy.
 */
import type { Channel, EscalationStep, Responder } from '../../domain/escalation';
import { deliveriesFor, levelNumber } from '../../domain/escalation';
import { fallbackChannels } from '../../domain/channels/choice';
import { incidentBrief } from '../../domain/incidentBrief';
import type { NotificationKind } from '../../domain/notification';
import { notificationKey } from '../../domain/notification';
import { deliverNotification, failureMessage, resolveLevelTargets } from './activities';
import type { IncidentRun } from './run';
import { announce } from './webhooks';

export class Notifier {
  constructor(private readonly run: IncidentRun) {}

  /** Sends in the background: a slow or failing transport must never delay the next escalation level. */
  notify(kind: NotificationKind, responder: Responder, channel: Channel, step: EscalationStep, sequence?: number): void {
    const { run } = this;
    const { incident } = run;
    const request = {
      idempotencyKey: notificationKey({
        ...(sequence !== undefined ? { sequence } : {}),
        incidentId: incident.view().id,
        kind,
        level: levelNumber(step),
        cycle: step.cycle,
        responderId: responder.id,
        channel,
        round: run.round,
      }),
      kind,
      channel,
      responder,
      incident: incidentBrief(incident.view(), levelNumber(step)),
      // Only on low-urgency pages, so every other request stays as older histories hold it.
      ...(kind === 'page' && run.urgency === 'low' ? { urgency: 'low' as const } : {}),
    };
    const delivery = deliverNotification(request).then(
      (outcome) => outcome,
      (error: unknown) => `failed: ${failureMessage(error)}`,
    );
    run.pageChannelsTried.add(this.pageKey(responder, channel, step));
    run.deliveries.push(
      delivery.then((outcome) => {
        if (kind === 'page') {
          incident.recordPage(responder, channel, step, new Date(), outcome);
          announce(run, 'incident.paged', { page: { responderId: responder.id, responderName: responder.name, channel, level: levelNumber(step), outcome } });
        }
        else incident.recordNotification(`told ${responder.name} (${kind}) by ${channel}: ${outcome}`, new Date());
        if (kind === 'page' && run.plan.deliveryFallback && !outcome.startsWith('sent') && outcome !== 'already sent') this.fallBack(responder, channel, step);
      }),
    );
  }

  /** Tells everyone already paged, on every channel they were paged on. */
  tellPaged(kind: NotificationKind): void {
    const view = this.run.incident.view();
    const seen = new Set<string>();
    for (const page of view.paged) {
      const key = `${page.responderId}/${page.channel}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const responder = this.run.responders.get(page.responderId);
      if (responder) this.notify(kind, responder, page.channel, { cycle: 0, levelIndex: view.escalation.level - 1 });
    }
  }

  /** Tells the communication plan's stakeholders (by email) of a status change or an update. */
  tellStakeholders(kind: NotificationKind): void {
    const step: EscalationStep = { cycle: 0, levelIndex: -1 };
    for (const stakeholder of this.run.plan.communication?.stakeholders ?? []) this.notify(kind, stakeholder, 'email', step, this.run.cadence.lastUpdateAtMs);
  }

  /** Tells whoever the policy names (e.g. the operations manager) that nobody acknowledged. */
  async tellExhausted(refs: string[]): Promise<void> {
    const resolved = await resolveLevelTargets({ refs });
    const lastStep = this.run.lastStep;
    const step: EscalationStep = { cycle: lastStep?.cycle ?? 0, levelIndex: lastStep?.levelIndex ?? 0 };
    for (const responder of resolved.responders) {
      for (const delivery of deliveriesFor(responder, { channels: [], channelsFromRules: true })) this.notify('exhausted', responder, delivery.channel, step);
    }
  }

  /** A page that failed on one channel (after its retries, or no address) goes to the person's other channels. */
  private fallBack(responder: Responder, failed: Channel, step: EscalationStep): void {
    const { incident } = this.run;
    if (incident.status !== 'triggered') return;
    const others = fallbackChannels(responder, failed, (channel) => this.run.pageChannelsTried.has(this.pageKey(responder, channel, step)));
    if (others.length === 0) return;
    incident.recordNote(`page to ${responder.name} by ${failed} failed: falling back to ${others.join(', ')}`, new Date());
    for (const channel of others) this.notify('page', responder, channel, step);
  }

  /** One page of one step to one person on one channel, in this round. */
  private pageKey(responder: Responder, channel: Channel, step: EscalationStep): string {
    return `${this.run.round}/${levelNumber(step)}/${step.cycle}/${responder.id}/${channel}`;
  }
}
