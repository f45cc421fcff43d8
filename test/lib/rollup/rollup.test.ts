import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { WindowAggregate } from '../../../lib/aggregate/index.js';
import { analyze, createStreamingAnalysis } from '../../../lib/analysis/index.js';
import { createReportBuilder } from '../../../lib/report/builder.js';
import { buildReportModel, summarizeRules } from '../../../lib/report/index.js';
import { HOUR_MS, hourOf, parseRolledHour, rollHour, serializeRolledHour } from '../../../lib/rollup/index.js';
import { DEFAULT_RULES, parseRules } from '../../../lib/rules/index.js';
import { INPUTS, rulesArb, stateArb, T0, W, type WindowState, windowsOf } from '../analysis/generated-windows.js';

/** (load balancer, hour) groups of merged windows, hours in order. */
function hourGroups(windows: readonly WindowAggregate[]): { lb: string; hour: number; windows: WindowAggregate[] }[] {
  const groups = new Map<string, { lb: string; hour: number; windows: WindowAggregate[] }>();
  for (const w of windows) {
    const key = `${hourOf(w.start)} ${w.loadBalancer}`;
    const g = groups.get(key) ?? { lb: w.loadBalancer, hour: hourOf(w.start), windows: [] };
    g.windows.push(w);
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => a.hour - b.hour);
}

const statesArb = fc.array(fc.array(stateArb, { minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 3 });

describe('rolled hours', () => {
  it('give the streaming analysis exactly what their windows give, mixed with windows fed whole', () => {
    fc.assert(
      fc.property(
        statesArb,
        fc.integer({ min: 3, max: 40 }),
        fc.nat(),
        rulesArb,
        fc.array(fc.boolean()),
        (states, requests, seed, rules, whole) => {
          // Prepare: every (load balancer, hour) rolled and stored as text, or fed as windows
          const windows = windowsOf(states, requests, seed);
          const streaming = createStreamingAnalysis(rules);
          // Act
          hourGroups(windows).forEach((g, i) => {
            if (whole[i] === true) for (const w of g.windows) streaming.add(w);
            else {
              const rolled = rollHour(
                { loadBalancer: g.lb, start: g.hour, windowMs: W, windows: g.windows, inputs: [] },
                rules,
              );
              if (rolled !== null) streaming.addRolled(parseRolledHour(serializeRolledHour(rolled)));
            }
          });
          const result = streaming.finish(INPUTS);
          // Assess
          expect(result).toEqual(analyze({ inputs: INPUTS, windows, rules }));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('build the same report model as the whole analysis, with inputs counted in the rollups', () => {
    fc.assert(
      fc.property(statesArb, fc.integer({ min: 3, max: 30 }), fc.nat(), rulesArb, (states, requests, seed, rules) => {
        // Prepare
        const windows = windowsOf(states, requests, seed);
        const frame = {
          title: 'lbwatch summary',
          generatedAt: '2026-06-16T09:00:00.000Z',
          period: { from: new Date(T0).toISOString(), to: new Date(T0 + 3 * HOUR_MS).toISOString() },
          windowMs: W,
          rules: summarizeRules(rules),
        };
        const builder = createReportBuilder(frame);
        const streaming = createStreamingAnalysis(rules, {
          onWindow: (summary, alerts) => {
            builder.window(summary);
            for (const a of alerts) builder.alert(a);
          },
        });
        // Act: the inputs are counted with the first hour of the first load balancer
        hourGroups(windows).forEach((g, i) => {
          const inputs = i === 0 ? INPUTS : [];
          const rolled = rollHour(
            { loadBalancer: g.lb, start: g.hour, windowMs: W, windows: g.windows, inputs },
            rules,
          );
          if (rolled === null) return;
          streaming.addRolled(rolled);
          builder.inputs(rolled.inputs);
        });
        // Without any window the inputs have no hour to be counted with: the report counts them on their own.
        if (hourGroups(windows).length === 0) for (const input of INPUTS) builder.input(input);
        const parts = streaming.finish([]);
        const model = builder.finish({ incidents: parts.incidents, codes: parts.codes });
        // Assess
        expect(model).toEqual(buildReportModel({ ...frame, analysis: analyze({ inputs: INPUTS, windows, rules }) }));
      }),
      { numRuns: 40 },
    );
  });

  it('are refused under other rules, and a window of another hour is refused', () => {
    // Prepare
    const windows = windowsOf([['gateway', 'quiet']], 10, 0);
    const rolled = rollHour(
      { loadBalancer: 'loadbalancer_a', start: T0, windowMs: W, windows, inputs: [] },
      DEFAULT_RULES,
    );
    const other = parseRules('incidents:\n  resolveAfter: 30m\n', 'rules.yaml');
    const late = windowsOf([Array.from({ length: 13 }, (): WindowState => 'quiet')], 3, 0).at(-1) as WindowAggregate;
    // Act / Assess
    expect(rolled?.windows).toHaveLength(2);
    expect(() => createStreamingAnalysis(other).addRolled(rolled as NonNullable<typeof rolled>)).toThrow(RangeError);
    expect(() =>
      rollHour({ loadBalancer: 'loadbalancer_a', start: T0, windowMs: W, windows: [late], inputs: [] }, DEFAULT_RULES),
    ).toThrow(RangeError);
  });
});
