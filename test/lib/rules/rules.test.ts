import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isLbwatchError, type LbwatchError } from '../../../lib/errors.js';
import { DEFAULT_RULES, parseDuration, parseRules, ruleMatchesCode } from '../../../lib/rules/index.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/rules/${name}`, import.meta.url), 'utf8');

function rulesError(text: string): LbwatchError {
  try {
    parseRules(text, 'rules.yaml');
  } catch (error) {
    if (isLbwatchError(error)) return error;
    throw error;
  }
  throw new Error('parseRules accepted invalid rules');
}

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1.5h', 5_400_000],
    ['1d', 86_400_000],
  ])('parses %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '5', 'm5', '5 minutes', '-1m'])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(RangeError);
  });
});

describe('parseRules', () => {
  it('reads the documented YAML shape with defaults and per-platform thresholds', () => {
    // Act
    const set = parseRules(fixture('example.yaml'), 'example.yaml');
    // Assess
    expect(set.windowMs).toBe(300_000);
    expect(set.rules[0]).toEqual({
      id: 'gateway-errors',
      codes: [502, 503, 504],
      classes: [],
      source: 'any',
      rate: 0.05,
      count: 10,
      minRequests: 20,
      severity: 'critical',
      incidents: { resolveAfterMs: null, renotifyAfterMs: 14_400_000 },
    });
    expect(set.rules[1]).toMatchObject({
      classes: [4],
      source: 'any',
      count: null,
      minRequests: 1,
      severity: 'warning',
    });
    expect(set.thresholds.alb).toEqual({ connectTimeout: 10, responseTimeout: 120, clientTimeout: 120 });
    expect(set.thresholds['otc-elb']).toEqual({ connectTimeout: 5, responseTimeout: 60, clientTimeout: 60 });
    expect(set.thresholds.clb).toEqual(DEFAULT_RULES.thresholds.clb);
  });

  it('reads JSON too', () => {
    // Act
    const set = parseRules('{"window":"1m","rules":[{"id":"x","codes":["5xx"],"count":3}]}', 'rules.json');
    // Assess
    expect(set.windowMs).toBe(60_000);
    expect(set.rules[0]?.classes).toEqual([5]);
  });

  it('reports every problem at once, naming rule index, id, field, expectation and what was found', () => {
    // Act
    const error = rulesError(fixture('broken.yaml'));
    // Assess
    expect(error.code).toBe('RULES_INVALID');
    const lines = error.message
      .split('\n')
      .slice(1)
      .map((l) => l.trim());
    expect(lines).toEqual([
      'field "window": expected a window from 1m to 1h, found "90m"',
      'rules[0] (id "gateway-errors") field "codes[1]": expected a status code 100..999 or a class such as "5xx", found "6xx"',
      'rules[0] (id "gateway-errors") field "codes[2]": expected a status code 100..999 or a class such as "5xx", found 5000',
      'rules[0] (id "gateway-errors") field "source": expected any, lb or backend, found "upstream"',
      'rules[0] (id "gateway-errors") field "rate": expected a fraction greater than 0 and at most 1 (0.05 is 5%), found 5',
      'rules[0] (id "gateway-errors") field "severity": expected critical, warning or info, found "page"',
      'rules[1] (id "gateway-errors") field "id": expected an id not used by another rule, found "gateway-errors"',
      'rules[1] (id "gateway-errors") field "codes": expected a non-empty list of status codes (e.g. 502) or classes (e.g. "5xx"), found a list',
      'rules[1] (id "gateway-errors") field "count": expected a whole number of at least 1, found 0',
      'rules[2] (id "typo") field "rates": expected one of id, codes, source, rate, count, minRequests, severity, incidents, found "rates"',
      'rules[2] (id "typo") field "rate": expected rate and/or count (give one or both), found nothing',
    ]);
    expect(error.context.problems).toBe(11);
  });

  it.each([
    ['empty file', ''],
    ['a list at top level', '- a\n- b\n'],
    ['no rules', 'window: 5m\n'],
    ['window below a minute', 'window: 30s\nrules: [{id: a, codes: [502], count: 1}]\n'],
    ['window not a duration', 'window: soon\nrules: [{id: a, codes: [502], count: 1}]\n'],
    ['unknown platform', 'rules: [{id: a, codes: [502], count: 1}]\nthresholds: {nlb: {connectTimeout: 3}}\n'],
    ['negative timeout', 'rules: [{id: a, codes: [502], count: 1}]\nthresholds: {alb: {connectTimeout: -3}}\n'],
    ['YAML syntax', 'rules: [\n'],
    ['duplicate keys', 'rules: []\nrules: []\n'],
    ['rule not a mapping', 'rules: [502]\n'],
    ['bad id', 'rules: [{id: "has space", codes: [502], count: 1}]\n'],
  ])('rejects %s with RULES_INVALID', (_name, text) => {
    expect(rulesError(text).code).toBe('RULES_INVALID');
  });
});

describe('DEFAULT_RULES', () => {
  it('covers every code of the error-code table and ALB own codes', () => {
    // Prepare
    const codes = [400, 401, 403, 404, 408, 413, 414, 499, 500, 501, 502, 503, 504, 460, 463, 464, 561];
    // Act
    const uncovered = codes.filter((code) => !DEFAULT_RULES.rules.some((r) => ruleMatchesCode(r, code)));
    // Assess
    expect(uncovered).toEqual([]);
  });

  it('never fires on a handful of requests: every rule needs 20 requests and 10 matches', () => {
    expect(DEFAULT_RULES.rules.every((r) => r.minRequests >= 20 && (r.count ?? 0) >= 10)).toBe(true);
  });
});
