/**
 * The SMTP sink every page of bench:escalation lands in, stamped on receipt: pages counted per
 * service (an incident's first page says it is done opening), the lateness part's pages by
 * incident code and recipient, and the floor workflows' emails by workflow id.
 */
import { startSmtpSink } from '../../devkit/smtpSink';

export type EscalationSink = Awaited<ReturnType<typeof startEscalationSink>>;

/** `lateService`: the service whose pages are stamped per incident and recipient. */
export async function startEscalationSink(lateService: string) {
  const sink = await startSmtpSink();
  const pagesByService = new Map<string, number>();
  /** `${code}/${recipient}` → when the sink received that page (only for the lateness part). */
  const pageAt = new Map<string, number>();
  /** Floor workflow id → when the sink received the floor's email. */
  const floorAt = new Map<string, number>();
  let scanned = 0;
  function scan(): void {
    for (; scanned < sink.received.length; scanned++) {
      const mail = sink.received[scanned];
      const floorKey = /^\[floor (\S+)\]/.exec(mail.subject)?.[1];
      if (floorKey) {
        floorAt.set(floorKey, mail.receivedAtMs);
        continue;
      }
      const match = /^\[Vigil ([0-9A-Z]{6})\] ACTION NEEDED: \S+ (\S+):/.exec(mail.subject);
      if (!match) continue;
      const [, code, service] = match;
      pagesByService.set(service, (pagesByService.get(service) ?? 0) + 1);
      if (service !== lateService) continue;
      for (const to of mail.to) if (!pageAt.has(`${code}/${to}`)) pageAt.set(`${code}/${to}`, mail.receivedAtMs);
    }
  }
  return {
    url: sink.url,
    close: () => sink.close(),
    /** Pages received for `service` so far. */
    pagesOf(service: string): number {
      scan();
      return pagesByService.get(service) ?? 0;
    },
    /** When the incident's page to `recipient` was received, if it was. */
    pageAt(code: string, recipient: string): number | undefined {
      scan();
      return pageAt.get(`${code}/${recipient}`);
    },
    /** When the floor workflow's email was received, if it was. */
    floorAt(key: string): number | undefined {
      scan();
      return floorAt.get(key);
    },
  };
}
