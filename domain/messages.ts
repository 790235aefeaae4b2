import { escapeHtml } from './escapeHtml';
import { safeLink } from './alertContext';
import type { NotificationRequest } from './notification';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** Strips line breaks and control characters: alert text must never shape a header or a second SMS line. */
export function oneLine(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function incidentUrl(publicUrl: string, id: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/v1/incidents/${encodeURIComponent(id)}`;
}

const HEADLINES: Record<NotificationRequest['kind'], string> = {
  page: 'ACTION NEEDED',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
  'auto-resolved': 'Auto-resolved by runbook',
  exhausted: 'NOBODY ACKNOWLEDGED',
  update: 'Status update',
  'update-due': 'Status update overdue',
};

/**
 * A notification as email: subject, text and HTML bodies. `ackUrl` is the page's one-click
 * acknowledge link (absent: no link secret is configured).
 */
export function renderEmail(request: NotificationRequest, publicUrl: string, ackUrl?: string): RenderedEmail {
  const { incident, kind } = request;
  const subject = `[Vigil ${incident.code}] ${HEADLINES[kind]}: ${incident.severity} ${incident.service}: ${oneLine(incident.summary, 120)}`;
  const lines = [
    `${HEADLINES[kind]}`,
    '',
    `Incident:  ${incident.code}`,
    `Service:   ${incident.service}`,
    `Severity:  ${incident.severity}`,
    `Status:    ${incident.status}`,
    `Summary:   ${incident.summary}`,
    `Alerts:    ${incident.alertCount}`,
  ];
  if (kind === 'page') lines.push(`Level:     ${incident.level}`);
  if (kind === 'exhausted') lines.push('', 'Every level of the escalation policy was paged and nobody acknowledged.');
  if (kind === 'update' && incident.latestUpdate) {
    lines.push('', `Update from ${incident.latestUpdate.by}:`, incident.latestUpdate.text);
    if (incident.latestUpdate.eta) lines.push(`Expected resolution: ${incident.latestUpdate.eta}`);
  }
  if (kind === 'update-due') lines.push('', `Stakeholders are waiting for a status update: POST ${incidentUrl(publicUrl, incident.id)}/updates`);
  if (incident.acknowledgedBy) lines.push(`Acknowledged by: ${incident.acknowledgedBy}`);
  if (incident.resolvedBy) lines.push(`Resolved by: ${incident.resolvedBy}`);
  if (incident.runbookLines.length > 0) lines.push('', 'Runbook:', ...incident.runbookLines.map((line) => `  - ${line}`));
  if (kind === 'page' && incident.problem) {
    lines.push('', `Known problem: ${incident.problem.title}`);
    if (incident.problem.workaround) lines.push(`Workaround: ${incident.problem.workaround}`);
  }
  // Where to look first: the runbook, the dashboard, the rule that fired (http(s) links only).
  const links = (incident.links ?? []).filter((link) => safeLink(link.url));
  if (links.length > 0) lines.push('', 'Links:', ...links.map((link) => `  ${oneLine(link.label, 60)}: ${link.url}`));
  if (kind === 'page') {
    if (ackUrl) lines.push('', `Acknowledge with one click: ${ackUrl}`);
    lines.push('', `Or reply "ACK ${incident.code}" to the SMS page, or POST ${incidentUrl(publicUrl, incident.id)}/ack`);
  }
  lines.push('', `Details: ${incidentUrl(publicUrl, incident.id)}`);
  const text = lines.join('\n');
  const button = kind === 'page' && ackUrl ? `<p><a href="${escapeHtml(ackUrl)}" style="display:inline-block;padding:10px 18px;background:#c62828;color:#fff;text-decoration:none;border-radius:4px">Acknowledge ${escapeHtml(incident.code)}</a></p>` : '';
  const linkList = links.length > 0 ? `<ul>${links.map((link) => `<li><a href="${escapeHtml(link.url)}">${escapeHtml(oneLine(link.label, 60))}</a></li>`).join('')}</ul>` : '';
  const html = `<!doctype html><html><body style="font-family:sans-serif">${button}${linkList}<pre style="font-family:inherit;white-space:pre-wrap">${escapeHtml(text)}</pre></body></html>`;
  return { subject: oneLine(subject, 200), text, html };
}

/** Single-segment where possible: GSM-7 fits 160 characters, so the summary is cut to fit. */
export function renderSms(request: NotificationRequest): string {
  const { incident, kind } = request;
  const head = `Vigil ${incident.code} ${incident.severity.toUpperCase()} ${oneLine(incident.service, 30)}`;
  switch (kind) {
    case 'page':
      // A known workaround is worth a second segment: it may fix things before anyone logs in.
      if (incident.problem?.workaround) return `${head}: ${oneLine(incident.summary, 60)}. Workaround: ${oneLine(incident.problem.workaround, 100)}. Reply ACK ${incident.code}`;
      return `${head}: ${oneLine(incident.summary, 80)}. Reply ACK ${incident.code} or RESOLVE ${incident.code}`;
    case 'acknowledged':
      return `${head} acknowledged by ${oneLine(incident.acknowledgedBy ?? 'someone', 40)}`;
    case 'resolved':
      return `${head} resolved by ${oneLine(incident.resolvedBy ?? 'someone', 40)}`;
    case 'auto-resolved':
      return `${head} auto-resolved by runbook: ${oneLine(incident.summary, 60)}`;
    case 'exhausted':
      return `${head}: escalation exhausted, nobody acknowledged: ${oneLine(incident.summary, 50)}`;
    case 'update':
      return `${head} update: ${oneLine(incident.latestUpdate?.text ?? '', 90)}`;
    case 'update-due':
      return `${head}: a status update for stakeholders is overdue`;
  }
}
