/**
 * What a responder sees of each sender's details: the links and fields of real payloads (the
 * adapter fixtures), only http(s) links, and bounded sizes whatever the sender sends.
 */
import { describe, expect, it } from 'vitest';
import { ADAPTERS, type AdapterId } from '../../api/adapters/index';
import { ALERT_CONTEXT_LIMITS, alertContext, safeLink } from '../../domain/alertContext';
import { adapterFixture } from '../support/fixtures';

function contextOf(id: AdapterId, variant?: string) {
  const fixture = adapterFixture(id, variant);
  return alertContext(ADAPTERS[id].parse(fixture.payload, fixture.context)[0].details);
}

describe('alert context', () => {
  it('Alertmanager: description and the rule that fired (generatorURL), runbook_url first', () => {
    expect(contextOf('alertmanager')).toEqual({
      links: [{ label: 'Source', url: 'http://prometheus.example.org:9090/graph?g0.expr=probe_success+%3D%3D+0' }],
      fields: [{ name: 'Description', value: 'down for over 5m' }],
    });
    const withRunbook = alertContext({ annotations: { runbook_url: 'https://runbooks.example.com/probe', dashboard: 'https://grafana.example.com/d/x', team: 'web' } });
    expect(withRunbook?.links).toEqual([
      { label: 'Runbook', url: 'https://runbooks.example.com/probe' },
      { label: 'dashboard', url: 'https://grafana.example.com/d/x' },
    ]);
    expect(withRunbook?.fields).toEqual([{ name: 'team', value: 'web' }]);
  });

  it('Grafana: runbook, rule, silence links and the values', () => {
    const context = contextOf('grafana', 'resolved');
    expect(context?.links.map((link) => link.label)).toEqual(['Runbook', 'Source', 'Silence']);
    expect(context?.fields).toEqual([
      { name: 'Description', value: 'The system has high memory usage' },
      { name: 'Values', value: "[ var='B' labels={zone=us-1} value=12.5 ], [ var='C' labels={zone=us-1} value=0 ]" },
    ]);
  });

  it('PagerDuty: links, images, client_url and custom_details', () => {
    const context = contextOf('pagerduty');
    expect(context?.links).toEqual([
      { label: 'Link text', url: 'https://example.com/' },
      { label: 'Disk usage graph', url: 'https://monitoring.example.com/graphs/disk-prod-datapipe03' },
      { label: 'Sample Monitoring Service', url: 'https://monitoring.example.com' },
    ]);
    expect(context?.fields).toEqual([{ name: 'Custom details', value: '{"free space":"1%","ping_time":"1500ms"}' }]);
  });

  it('CloudWatch: the state reason and the trigger', () => {
    const context = contextOf('cloudwatch');
    expect(context?.fields.map((field) => field.name)).toEqual(['State reason', 'Trigger']);
    expect(context?.fields[0].value).toContain('Threshold Crossed');
    expect(context?.fields[1].value).toContain('HTTPCode_Target_5XX_Count');
  });

  it('Datadog: the event link, status, query and message', () => {
    const context = contextOf('datadog', 'custom-triggered');
    expect(context?.links).toEqual([{ label: 'Event', url: 'https://app.datadoghq.com/event/event?id=7302489571289462834' }]);
    expect(context?.fields.map((field) => field.name)).toEqual(['Status', 'Query', 'Message']);
  });

  it.each(['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,<script>x</script>', '//evil.example/x', '/relative', 'https://a.example/"><script>', 'https://a.example/x\nSet-Cookie: y', 'ftp://files.example/x', 42])(
    'drops %j as a link',
    (url) => {
      expect(safeLink(url)).toBeUndefined();
      expect(alertContext({ dashboardURL: url, links: [{ href: url, text: 'x' }] })).toBeUndefined();
    },
  );

  it('is bounded however much the sender sends', () => {
    const huge = 'x'.repeat(100_000);
    const context = alertContext({
      annotations: Object.fromEntries(Array.from({ length: 200 }, (_, index) => [`note${index}`, huge])),
      links: Array.from({ length: 200 }, (_, index) => ({ href: `https://example.com/${index}`, text: huge })),
      body: huge,
    });
    expect(context?.links.length).toBe(ALERT_CONTEXT_LIMITS.links);
    expect(context?.fields.length).toBeLessThanOrEqual(ALERT_CONTEXT_LIMITS.fields);
    expect(JSON.stringify(context).length).toBeLessThan(ALERT_CONTEXT_LIMITS.totalChars + ALERT_CONTEXT_LIMITS.links * (ALERT_CONTEXT_LIMITS.urlChars + 200) + 1000);
    expect(Math.max(...context!.links.map((link) => link.label.length))).toBeLessThanOrEqual(ALERT_CONTEXT_LIMITS.labelChars);
  });
});
