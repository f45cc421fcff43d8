/**
 * A period combined over many windows stays bounded when every window brings new keys (a scan of random paths), keeps
 * the heavy hitters, and is combined the same way by the CLI (windows folded per hour, then combined) and by the
 * functions (hourly rollups): the analysis over rollups equals analyze() even when bounding happens.
 */
import { describe, expect, it } from 'vitest';
import {
  combinePeriod,
  createAggregator,
  createWindowCombiner,
  foldWindows,
  HOUR_MS,
  type WindowAggregate,
} from '../../../lib/aggregate/index.js';
import { analyze, createStreamingAnalysis } from '../../../lib/analysis/index.js';
import { rollHour } from '../../../lib/rollup/index.js';
import { DEFAULT_RULES } from '../../../lib/rules/index.js';
import { otcRecord } from './factories.js';

const W = 300_000;
const T0 = Date.parse('2026-06-16T00:00:00Z');
const LB = 'loadbalancer_scan';

/** `windows` windows of one load balancer: in each, 80 requests to /heavy and 100 to paths never seen before. */
function scannedWindows(windows: number): WindowAggregate[] {
  const aggregator = createAggregator({ windowMs: W });
  let next = 0;
  for (let i = 0; i < windows; i++) {
    const time = T0 + i * W + 1000;
    for (let k = 0; k < 80; k++) aggregator.add(otcRecord({ loadBalancer: LB, time: time + k, path: '/heavy' }));
    for (let k = 0; k < 100; k++) {
      next += 1;
      aggregator.add(otcRecord({ loadBalancer: LB, time: time + 100 + k, path: `/scan/${next}`, status: 404 }));
    }
  }
  return aggregator.windows().sort((a, b) => a.start - b.start);
}

const mapSize = (w: WindowAggregate): number => Object.keys(w.hostPaths).length;

describe('combining a long period', () => {
  it('holds at most 16 times maxKeys keys per map whatever the period brings, windows or hours, with exact totals', () => {
    // Prepare: a day of windows, 64 new paths kept per window: 18,432 distinct paths
    const windows = scannedWindows(288);
    const byWindow = createWindowCombiner();
    const byHour = createWindowCombiner();
    let largestByWindow = 0;
    let largestByHour = 0;
    // Act
    for (const w of windows) {
      byWindow.add(w);
      largestByWindow = Math.max(largestByWindow, byWindow.largest());
    }
    for (let h = 0; h < 24; h++) {
      byHour.add(foldWindows(windows.slice(h * 12, h * 12 + 12)) as WindowAggregate);
      largestByHour = Math.max(largestByHour, byHour.largest());
    }
    const result = byWindow.result() as WindowAggregate;
    // Assess: bounded (an unbounded union would hold 18,433 keys); totals exact; the heavy path kept by name
    expect(largestByWindow).toBeLessThanOrEqual(16 * 64 + 1);
    expect(largestByHour).toBeLessThanOrEqual(16 * 64 + 1);
    expect(result.requests).toBe(288 * 180);
    expect(result.hostPaths['www.example.com/heavy']?.[0]).toBe(288 * 80);
    expect(combinePeriod(windows)?.hostPaths['www.example.com/heavy']?.[0]).toBe(288 * 80);
  });

  it('gives the same analysis from hourly rollups as analyze() when the period is bounded on the way', () => {
    // Prepare: six hours, over 4,000 distinct paths: bounding happens
    const windows = scannedWindows(72);
    expect(windows.reduce((n, w) => n + mapSize(w), 0)).toBeGreaterThan(2 * 16 * 64);
    const streaming = createStreamingAnalysis(DEFAULT_RULES);
    // Act
    for (let h = 0; h < 6; h++) {
      const hour = windows.slice(h * 12, h * 12 + 12);
      const rolled = rollHour(
        { loadBalancer: LB, start: T0 + h * HOUR_MS, windowMs: W, windows: hour, inputs: [] },
        DEFAULT_RULES,
      );
      if (rolled !== null) streaming.addRolled(rolled);
    }
    const result = streaming.finish([]);
    // Assess
    expect(result).toEqual(analyze({ inputs: [], windows, rules: DEFAULT_RULES }));
    expect(result.codes?.find((c) => c.code === 404)?.count).toBe(72 * 100);
  });
});
