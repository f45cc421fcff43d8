import { describe, expect, it } from 'vitest';
import { addValue, emptyHistogram, type Histogram } from '../../../lib/aggregate/index.js';
import { aroundThreshold, countSurelyAtLeast, countSurelyBelow, mayReach } from '../../../lib/causes/bands.js';

function histogramOf(values: number[]): Histogram {
  const h = emptyHistogram();
  for (const v of values) addValue(h, v);
  return h;
}

describe('bands', () => {
  it('splits values into shorter than, about and longer than a threshold', () => {
    // Prepare
    const h = histogramOf([100, 4_400, 4_600, 5_000, 5_400, 5_600, 9_000]);
    // Act
    const around = aroundThreshold(h, 5_000);
    // Assess: [4500, 5500] is about; 4400 and 5600 are within one bucket of it and may go either way
    expect(around?.about.count).toBeGreaterThanOrEqual(3);
    expect(around?.about.count).toBeLessThanOrEqual(5);
    expect(around?.shorter.count).toBeGreaterThanOrEqual(1);
    expect(around?.longer.count).toBeGreaterThanOrEqual(1);
    expect((around?.shorter.count ?? 0) + (around?.about.count ?? 0) + (around?.longer.count ?? 0)).toBe(7);
  });

  it('has no band for a threshold the histogram cannot tell from zero', () => {
    expect(aroundThreshold(histogramOf([0.5]), 1)).toBeNull();
  });

  it('counts only values surely on the claimed side of a limit', () => {
    // Prepare: 16,000 shares a bucket with 16,384
    const h = histogramOf([16_000, 16_384, 20_000]);
    // Act + Assess
    expect(countSurelyAtLeast(h, 16_384)).toBe(1);
    expect(countSurelyBelow(h, 16_384)).toBe(0);
    expect(mayReach(h, 16_384)).toBe(true);
    expect(mayReach(histogramOf([10_000]), 16_384)).toBe(false);
  });
});
