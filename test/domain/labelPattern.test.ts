import { describe, expect, it } from 'vitest';
import { matchesAlert } from '../../domain/classification';
import { ConfigError, parseConfig } from '../../domain/config';
import { isValidLabelPattern, labelPatternMatches, MAX_REGEX_INPUT_LENGTH } from '../../domain/labelPattern';
import { groupBaseKey, mappedSeverity, renderDedupKey } from '../../domain/grouping';
import { runbookMatches } from '../../domain/runbookMatch';

const alert = (labels: Record<string, string>) => ({ source: 'api', service: 'checkout', severity: 'critical' as const, labels });

describe('label patterns', () => {
  it('keep the /regex/ syntax, anchored to the whole value', () => {
    expect(labelPatternMatches('/prod|staging/', 'prod')).toBe(true);
    expect(labelPatternMatches('/prod|staging/', 'preprod')).toBe(false);
    expect(labelPatternMatches('/db-[0-9]+/', 'db-12')).toBe(true);
    expect(labelPatternMatches('*', '')).toBe(true);
    expect(labelPatternMatches('*', undefined)).toBe(false);
    expect(labelPatternMatches('exact', 'exact')).toBe(true);
    expect(labelPatternMatches('/', '/')).toBe(true);
  });

  it('run /(a+)+$/ on a 31-character label in linear time', () => {
    const started = performance.now();
    expect(matchesAlert({ labels: { path: '/(a+)+$/' } }, alert({ path: `${'a'.repeat(31)}!` }))).toBe(false);
    expect(matchesAlert({ labels: { path: '/(a+)+$/' } }, alert({ path: 'a'.repeat(1_000) }))).toBe(true);
    expect(matchesAlert({ labels: { path: '/(x+x+)+y/' } }, alert({ path: 'x'.repeat(MAX_REGEX_INPUT_LENGTH) }))).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('never run a regex on a value over the cap', () => {
    expect(labelPatternMatches('/a*/', 'a'.repeat(MAX_REGEX_INPUT_LENGTH))).toBe(true);
    expect(labelPatternMatches('/a*/', 'a'.repeat(MAX_REGEX_INPUT_LENGTH + 1))).toBe(false);
    // Exact and presence patterns are no regex, and still apply.
    expect(labelPatternMatches('*', 'a'.repeat(MAX_REGEX_INPUT_LENGTH + 1))).toBe(true);
  });

  it('refuse what RE2 cannot run in linear time, naming the config field', () => {
    expect(isValidLabelPattern('/(a)\\1/')).toBe(false);
    expect(isValidLabelPattern('/(?=a)a/')).toBe(false);
    expect(isValidLabelPattern('/(?<!a)b/')).toBe(false);
    expect(isValidLabelPattern('/(a+)+$/')).toBe(true);
    const config = (labels: Record<string, string>) => ({
      services: { web: { escalationPolicy: 'p' } },
      defaultEscalationPolicy: 'p',
      contacts: { alice: { name: 'Alice', email: 'alice@example.test' } },
      escalationPolicies: { p: { levels: [{ notify: ['alice'], timeout: '5m' }] } },
      eventPolicy: { rules: [{ name: 'r', match: { labels }, action: 'drop' }] },
      grouping: [{ name: 'g', match: { labels }, by: ['env'], window: '5m' }],
    });
    let issues: string[] = [];
    try {
      parseConfig(config({ env: '/(a)\\1/' }), 'test');
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      issues = error.issues.map((issue) => issue.path);
    }
    expect(issues).toEqual(expect.arrayContaining(['eventPolicy.rules.0.match.labels.env', 'grouping.0.match.labels.env']));
    expect(() => parseConfig(config({ env: '/prod|dev/' }), 'test')).not.toThrow();
  });
});

describe('label lookups', () => {
  it('see only the labels an alert carries, never inherited properties', () => {
    const plain = alert({ env: 'prod' });
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      expect(matchesAlert({ labels: { [name]: '*' } }, plain), name).toBe(false);
      expect(runbookMatches({ labels: { [name]: '*' } }, plain), name).toBe(false);
    }
    expect(renderDedupKey('{toString}/{env}', plain)).toBe('/prod');
    expect(mappedSeverity({ label: 'constructor', values: {} }, plain)).toBeUndefined();
    expect(groupBaseKey({ name: 'g', match: {}, by: ['toString'], windowSeconds: 60 }, plain)).toBe(groupBaseKey({ name: 'g', match: {}, by: ['toString'], windowSeconds: 60 }, alert({})));
    // A label that really is called toString still matches.
    expect(matchesAlert({ labels: { toString: '*' } }, alert({ toString: 'x' }))).toBe(true);
  });
});
