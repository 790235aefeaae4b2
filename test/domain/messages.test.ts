import { describe, expect, it } from 'vitest';
import { renderEmail, renderSms } from '../../domain/messages';
import type { NotificationRequest } from '../../domain/notification';

function page(summary: string): NotificationRequest {
  return {
    idempotencyKey: 'k',
    kind: 'page',
    channel: 'email',
    responder: { id: 'alice', name: 'Alice' },
    incident: { id: 'inc', code: '7KQ2MX', service: 'checkout', severity: 'critical', summary, status: 'triggered', alertCount: 1, level: 1, runbookLines: [] },
  };
}

describe('messages', () => {
  it('never lets alert text shape a mail header', () => {
    const { subject } = renderEmail(page('disk full\r\nBcc: attacker@example.test'), 'https://vigil.example.test');
    expect(subject).not.toMatch(/[\r\n]/);
    expect(subject).toContain('[Vigil 7KQ2MX] ACTION NEEDED');
  });

  it('keeps a page SMS to one segment with the reply code, however long the summary', () => {
    const text = renderSms(page('x'.repeat(500)));
    expect(text.length).toBeLessThanOrEqual(160);
    expect(text).toContain('ACK 7KQ2MX');
  });

  it('links the incident and says how to acknowledge in a page email', () => {
    const { text } = renderEmail(page('down'), 'https://vigil.example.test/');
    expect(text).toContain('https://vigil.example.test/v1/incidents/inc/ack');
  });

  it("leads a page email with the alert's key links, escaped, http(s) only; the SMS stays short without them", () => {
    const request = page('down');
    request.incident.links = [
      { label: 'Runbook', url: 'https://runbooks.example.com/probe?a=1&b=2' },
      { label: 'Source', url: 'http://prometheus.example.org:9090/graph?g0.expr=up' },
      { label: 'evil', url: 'javascript:alert(1)' },
    ];
    const { text, html } = renderEmail(request, 'https://vigil.example.test');
    expect(text).toContain('Runbook: https://runbooks.example.com/probe?a=1&b=2');
    expect(text).toContain('Source: http://prometheus.example.org:9090/graph?g0.expr=up');
    expect(text).not.toContain('javascript:');
    expect(html).toContain('<a href="https://runbooks.example.com/probe?a=1&amp;b=2">Runbook</a>');
    expect(html).not.toContain('javascript:');
    expect(renderSms(request)).toBe(renderSms(page('down')));
  });
});
