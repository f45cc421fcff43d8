import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAggregator } from '../../../lib/aggregate/index.js';
import { analyze } from '../../../lib/analysis/index.js';
import type { LogRecord } from '../../../lib/formats/record.js';
import { durationText, incidentId, incidentSpans, type WindowVerdict } from '../../../lib/incidents/index.js';
import { DEFAULT_RULES, parseRules } from '../../../lib/rules/index.js';
import { otcRecord } from '../aggregate/factories.js';

const W = 300_000;
const T0 = Date.parse('2026-06-16T05:00:00Z');

function verdict(i: number, state: 'fire' | 'quiet' | 'empty'): WindowVerdict {
  return {
    start: T0 + i * W,
    windowMs: W,
    requests: state === 'empty' ? 0 : 100,
    alert: state === 'fire' ? { requests: 100, matched: 30, rate: 0.3, statusCodes: { 502: 30 } } : null,
    silenced: false,
  };
}

/** The reference semantics, written plainly: run through the windows in order with a quiet counter. */
function referenceSpans(states: ('fire' | 'quiet' | 'empty')[], resolveAfter: number): [number[], boolean][] {
  const out: [number[], boolean][] = [];
  let open: [number[], boolean] | null = null;
  let quiet = 0;
  states.forEach((s, i) => {
    if (s === 'fire') {
      if (open === null) {
        open = [[], false];
        out.push(open);
      }
      open[0].push(i);
      quiet = 0;
    } else if (s === 'quiet' && open !== null) {
      quiet++;
      if (quiet >= resolveAfter) {
        open[1] = true;
        open = null;
        quiet = 0;
      }
    }
  });
  return out;
}

const stateArb = fc.constantFrom<'fire' | 'quiet' | 'empty'>('fire', 'quiet', 'empty');

describe('incidentSpans', () => {
  it('a one-hour outage of 5-minute windows is one incident', () => {
    // Prepare
    const verdicts = [
      ...Array.from({ length: 12 }, (_, i) => verdict(i, 'fire')),
      verdict(12, 'quiet'),
      verdict(13, 'quiet'),
    ];
    // Act
    const spans = incidentSpans(verdicts, 2);
    // Assess
    expect(spans).toHaveLength(1);
    expect(spans[0]?.firing).toHaveLength(12);
    expect(spans[0]?.resolvedAt).toBe(T0 + 14 * W);
  });

  it('a flapping rate (fire, quiet, fire, quiet, ...) is one incident', () => {
    // Prepare
    const states = ['fire', 'quiet', 'fire', 'quiet', 'fire', 'quiet', 'fire', 'quiet', 'quiet'] as const;
    // Act
    const spans = incidentSpans(
      states.map((s, i) => verdict(i, s)),
      2,
    );
    // Assess
    expect(spans.map((s) => s.firing.length)).toEqual([4]);
    expect(spans[0]?.resolvedAt).toBe(T0 + 9 * W);
  });

  it('windows without requests neither fire nor resolve', () => {
    // Prepare: after the fire only empty windows: still open
    const spans = incidentSpans([verdict(0, 'fire'), verdict(1, 'empty'), verdict(2, 'empty'), verdict(3, 'empty')], 2);
    // Assess
    expect(spans).toHaveLength(1);
    expect(spans[0]?.resolvedAt).toBeNull();
  });

  it('matches the reference semantics and does not depend on input order (property)', () => {
    fc.assert(
      fc.property(
        fc.array(stateArb, { maxLength: 60 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer(),
        (states, after, seed) => {
          // Prepare: the same verdicts shuffled
          const verdicts = states.map((s, i) => verdict(i, s));
          const shuffled = [...verdicts].sort((a, b) => ((a.start * 31 + seed) % 97) - ((b.start * 31 + seed) % 97));
          // Act
          const spans = incidentSpans(shuffled, after);
          // Assess
          const got = spans.map((s): [number[], boolean] => [
            s.firing.map((v) => (v.start - T0) / W),
            s.resolvedAt !== null,
          ]);
          expect(got).toEqual(referenceSpans(states, after));
        },
      ),
    );
  });
});

describe('incident ids and durations', () => {
  it('ids depend on load balancer, rule and start only', () => {
    expect(incidentId('lb', 'r', T0)).toBe(incidentId('lb', 'r', T0));
    expect(incidentId('lb', 'r', T0)).not.toBe(incidentId('lb', 'r', T0 + W));
    expect(incidentId('lb', 'r', T0)).not.toBe(incidentId('lb2', 'r', T0));
    expect(incidentId('lb', 'r', T0)).toMatch(/^lbw-[0-9a-f]{24}$/);
  });

  it.each([
    [15 * 60_000, '15 min'],
    [65 * 60_000, '1 h 5 min'],
    [120 * 60_000, '2 h'],
    [50 * 3_600_000, '2 d 2 h'],
  ])('%d ms reads %s', (ms, text) => {
    expect(durationText(ms)).toBe(text);
  });
});

/** Records of one OTC load balancer: `errors` 502s (no backend connection) out of `requests`, in window `i`. */
function windowRecords(i: number, requests: number, errors: number): LogRecord[] {
  return Array.from({ length: requests }, (_, k) =>
    otcRecord({
      time: T0 + i * W + 1000 + k,
      status: k < errors ? 502 : 200,
      ...(k < errors
        ? {
            generatedBy: 'lb' as const,
            backendConnected: false,
            connectTime: null,
            headerTime: null,
            backendStatus: null,
          }
        : {}),
    }),
  );
}

function incidentsOf(records: LogRecord[], rulesText?: string) {
  const rules = rulesText === undefined ? DEFAULT_RULES : parseRules(rulesText, 'rules.yaml');
  const agg = createAggregator({ windowMs: rules.windowMs });
  for (const r of records) agg.add(r);
  return analyze({ inputs: [], windows: agg.windows(), rules }).incidents ?? [];
}

describe('deriveIncidents through analyze', () => {
  it('ranks causes once on the merged firing windows and names that scope in the evidence', () => {
    // Prepare: three firing windows, then two quiet ones
    const records = [0, 1, 2]
      .flatMap((i) => windowRecords(i, 100, 30))
      .concat([3, 4].flatMap((i) => windowRecords(i, 100, 0)));
    // Act
    const [incident, ...rest] = incidentsOf(records);
    // Assess
    expect(rest).toEqual([]);
    expect(incident).toMatchObject({
      rule: 'gateway-errors',
      start: new Date(T0).toISOString(),
      end: new Date(T0 + 3 * W).toISOString(),
      lastFiring: new Date(T0 + 2 * W).toISOString(),
      windows: 3,
      requests: 300,
      matched: 90,
      statusCodes: { 502: 90 },
      silenced: false,
    });
    expect(incident?.causes[0]?.evidence).toContain('all 90 502s');
  });

  it('gives the same incidents however the records are split and ordered', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 3, maxLength: 14 }),
        fc.integer(),
        (errors, seed) => {
          // Prepare
          const records = errors.flatMap((e, i) => windowRecords(i, 100, e));
          const shuffled = [...records].sort((a, b) => ((a.time * 7 + seed) % 101) - ((b.time * 7 + seed) % 101));
          // Act + Assess
          expect(incidentsOf(shuffled)).toEqual(incidentsOf(records));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('marks incidents inside a silence as silenced', () => {
    // Prepare
    const rules = `silences:\n  - id: maintenance\n    from: "2026-06-16T04:00:00Z"\n    to: "2026-06-16T06:00:00Z"\n    reason: planned\n`;
    // Act
    const [incident] = incidentsOf(windowRecords(0, 100, 30), rules);
    // Assess
    expect(incident?.silenced).toBe(true);
  });
});
