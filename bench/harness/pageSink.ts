/**
 * The SMTP sink a crash trial's pages land in, stamped on receipt and grouped by incident code
 * (from the ACTION NEEDED subject). A trial may arm a kill for the moment the sink accepts one of
 * its pages: the sink then calls it with the envelope sender, before the sender can confirm.
 */
import { startSmtpSink } from '../../devkit/smtpSink';

export interface Page {
  to: string;
  at: number;
  messageId: string;
}

const PAGE_SUBJECT = /^\[Vigil ([0-9A-Z]{6})\] ACTION NEEDED/;

export type PageSink = Awaited<ReturnType<typeof startPageSink>>;

/** `levelEmails[i]`: who level i+1 pages. */
export async function startPageSink(levelEmails: readonly string[]) {
  /** Armed by a trial that kills right after the provider accepted: which page, and whom to kill. */
  const acceptKills = new Map<string, { email: string; kill: (from: string) => void }>();
  const sink = await startSmtpSink({
    onMessage(mail) {
      const code = PAGE_SUBJECT.exec(mail.subject)?.[1];
      const armed = code ? acceptKills.get(code) : undefined;
      if (!code || !armed || !mail.to.includes(armed.email)) return;
      acceptKills.delete(code);
      armed.kill(mail.from);
    },
  });
  /** Incident code → its pages (ACTION NEEDED), in the order received. */
  const pagesByCode = new Map<string, Page[]>();
  let scanned = 0;
  function pagesOf(code: string): Page[] {
    for (; scanned < sink.received.length; scanned++) {
      const mail = sink.received[scanned];
      const match = PAGE_SUBJECT.exec(mail.subject);
      if (!match) continue;
      const list = pagesByCode.get(match[1]) ?? [];
      for (const to of mail.to) list.push({ to, at: mail.receivedAtMs, messageId: mail.messageId });
      pagesByCode.set(match[1], list);
    }
    return pagesByCode.get(code) ?? [];
  }
  return {
    url: sink.url,
    close: () => sink.close(),
    pagesOf,
    /** When level `index` (0-based) of the incident was first paged, if it was. */
    firstPageAt(code: string, index: number): number | undefined {
      return pagesOf(code).find((page) => page.to === levelEmails[index])?.at;
    },
    /** Calls `kill` with the sender of the incident's first page to `email` the sink accepts. */
    armAcceptKill(code: string, email: string, kill: (from: string) => void): void {
      acceptKills.set(code, { email, kill });
    },
    disarm(code: string): void {
      acceptKills.delete(code);
    },
  };
}
