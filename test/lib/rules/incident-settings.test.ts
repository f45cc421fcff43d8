import { describe, expect, it } from 'vitest';
import { isLbwatchError } from '../../../lib/errors.js';
import {
  DEFAULT_RULES,
  globMatches,
  logsMissingAfter,
  parseRules,
  parseSchedule,
  resolveAfterWindows,
  silencedBy,
} from '../../../lib/rules/index.js';

function problems(text: string): string[] {
  try {
    parseRules(text, 'rules.yaml');
  } catch (error) {
    if (isLbwatchError(error, 'RULES_INVALID'))
      return error.message
        .split('\n')
        .slice(1)
        .map((l) => l.trim());
    throw error;
  }
  throw new Error('accepted');
}

describe('incident settings in a rules file', () => {
  it('a file with only incidents and silences keeps the built-in rules, with its settings on each', () => {
    // Act
    const set = parseRules('incidents: { resolveAfter: 10m, renotifyAfter: 0 }\n', 'rules.yaml');
    // Assess
    expect(set.rules.map((r) => r.id)).toEqual(DEFAULT_RULES.rules.map((r) => r.id));
    expect(set.rules.every((r) => r.incidents.resolveAfterMs === 600_000 && r.incidents.renotifyAfterMs === 0)).toBe(
      true,
    );
    expect(resolveAfterWindows(set.incidents, 300_000)).toBe(2);
    expect(resolveAfterWindows(DEFAULT_RULES.incidents, 60_000)).toBe(2);
    expect(resolveAfterWindows({ resolveAfterMs: 11 * 60_000, renotifyAfterMs: 0 }, 300_000)).toBe(3);
  });

  it('a rule overrides the file-wide settings field by field', () => {
    // Act
    const set = parseRules(
      'incidents: { resolveAfter: 10m, renotifyAfter: 1h }\nrules:\n  - { id: a, codes: [502], count: 1, incidents: { renotifyAfter: 2h } }\n',
      'rules.yaml',
    );
    // Assess
    expect(set.rules[0]?.incidents).toEqual({ resolveAfterMs: 600_000, renotifyAfterMs: 7_200_000 });
  });

  it('names the rule and field of every bad setting', () => {
    // Act
    const found = problems(
      [
        'incidents: { resolveAfter: soon, extra: 1 }',
        'rules:',
        '  - { id: a, codes: [502], count: 1, incidents: { renotifyAfter: -1m } }',
        '  - { id: logs-missing, codes: [502], count: 1 }',
        'silences:',
        '  - { id: s1, schedule: "Funday 02:00-04:00", timeZone: Mars/Olympus }',
        '  - { id: s2, from: "2026-06-16T05:00:00Z", to: "2026-06-16T04:00:00Z", rules: [nope] }',
        '  - { id: s3 }',
        'logsMissing: { after: never, severity: loud }',
      ].join('\n'),
    );
    // Assess
    expect(found).toEqual([
      'field "incidents" field "extra": expected one of resolveAfter, renotifyAfter, found "extra"',
      'field "incidents" field "resolveAfter": expected a duration such as 10m, 4h or 1d, found "soon"',
      'rules[0] (id "a") field "incidents" field "renotifyAfter": expected a duration such as 10m, 4h or 1d or 0 (off), found "-1m"',
      'rules[1] (id "logs-missing") field "id": expected an id other than logs-missing (lbwatch\'s silent-log incidents use it), found "logs-missing"',
      'silences[0] (id "s1") field "timeZone": expected an IANA time zone such as Europe/Berlin, found "Mars/Olympus"',
      'silences[0] (id "s1") field "schedule": expected day names Sun..Sat, lists (Sat,Sun) or ranges (Mon-Fri) before the times, found "Funday 02:00-04:00"',
      'silences[1] (id "s2") field "rules": expected rule ids of this file or logs-missing, found "nope"',
      'silences[1] (id "s2") field "to": expected a time after from, found "2026-06-16T04:00:00Z"',
      'silences[2] (id "s3") field "from": expected from and to, or a weekly schedule, found nothing',
      'logsMissing field "after": expected a duration such as 10m, 4h or 1d or "off", found "never"',
      'logsMissing field "severity": expected critical, warning or info, found "loud"',
    ]);
  });
});

describe('silences', () => {
  it('parses weekly schedules, lists, ranges and ranges past midnight', () => {
    expect(parseSchedule('Sun 02:00-04:00', 'UTC')).toEqual({
      days: [0],
      startMinute: 120,
      lengthMinutes: 120,
      timeZone: 'UTC',
    });
    expect(parseSchedule('Mon-Fri 22:00-23:30', 'UTC')).toMatchObject({ days: [1, 2, 3, 4, 5], lengthMinutes: 90 });
    expect(parseSchedule('Sat,Sun 23:00-01:00', 'UTC')).toMatchObject({
      days: [0, 6],
      startMinute: 1380,
      lengthMinutes: 120,
    });
    expect(typeof parseSchedule('Sun 2-4', 'UTC')).toBe('string');
  });

  it('matches event time in the silence time zone, across midnight, by glob and rule', () => {
    // Prepare: Sunday 02:00-04:00 Berlin time (UTC+2 in June), and Sat 23:00 - Sun 01:00 UTC
    const set = parseRules(
      [
        'silences:',
        '  - { id: sunday, schedule: "Sun 02:00-04:00", timeZone: Europe/Berlin, loadBalancers: ["app/web-*"], rules: [gateway-errors] }',
        '  - { id: night, schedule: "Sat 23:00-01:00", loadBalancers: ["app/batch/*"] }',
      ].join('\n'),
      'rules.yaml',
    );
    const sunday0030Utc = Date.parse('2026-06-14T00:30:00Z'); // 02:30 in Berlin
    // Act + Assess
    expect(silencedBy(set.silences, 'app/web-prod/1', 'gateway-errors', sunday0030Utc)?.id).toBe('sunday');
    expect(silencedBy(set.silences, 'app/web-prod/1', 'server-errors', sunday0030Utc)).toBeNull();
    expect(silencedBy(set.silences, 'app/api/1', 'gateway-errors', sunday0030Utc)).toBeNull();
    expect(silencedBy(set.silences, 'app/web-prod/1', 'gateway-errors', Date.parse('2026-06-14T02:30:00Z'))).toBeNull();
    expect(silencedBy(set.silences, 'app/batch/7', 'any', Date.parse('2026-06-14T00:59:00Z'))?.id).toBe('night');
    expect(silencedBy(set.silences, 'app/batch/7', 'any', Date.parse('2026-06-14T01:00:00Z'))).toBeNull();
    expect(silencedBy(set.silences, 'app/batch/7', 'any', Date.parse('2026-06-13T23:00:00Z'))?.id).toBe('night');
  });

  it('globs match the whole id and treat regex characters literally', () => {
    expect(globMatches('app/web-*', 'app/web-prod/1')).toBe(true);
    expect(globMatches('app/web-*', 'xapp/web-prod')).toBe(false);
    expect(globMatches('a.b?', 'a.bc')).toBe(true);
    expect(globMatches('a.b?', 'axbc')).toBe(false);
  });
});

describe('logsMissing', () => {
  it('defaults to 20 minutes, with per-load-balancer overrides and off', () => {
    // Act
    const set = parseRules(
      'logsMissing:\n  after: 30m\n  overrides:\n    - { loadBalancers: ["app/batch-*"], after: off }\n    - { loadBalancers: ["app/slow*"], after: 2h }\n',
      'rules.yaml',
    );
    // Assess
    expect(logsMissingAfter(DEFAULT_RULES.logsMissing, 'x')).toBe(1_200_000);
    expect(logsMissingAfter(set.logsMissing, 'app/web')).toBe(1_800_000);
    expect(logsMissingAfter(set.logsMissing, 'app/batch-1')).toBeNull();
    expect(logsMissingAfter(set.logsMissing, 'app/slow-1')).toBe(7_200_000);
  });
});
