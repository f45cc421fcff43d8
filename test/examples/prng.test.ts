import { describe, expect, it } from 'vitest';
import { cumulativeWeights, hashString, Rng } from '../../examples/generate/prng.js';

describe('seeded generator', () => {
  it('repeats the same sequence for the same seed and name', () => {
    const a = Rng.derive(42, 'alb-web:10.20.1.37');
    const b = Rng.derive(42, 'alb-web:10.20.1.37');
    expect(Array.from({ length: 50 }, () => a.nextU32())).toEqual(Array.from({ length: 50 }, () => b.nextU32()));
  });

  it('gives different streams for different names', () => {
    const a = Rng.derive(42, 'node-a');
    const b = Rng.derive(42, 'node-b');
    expect(a.hex(32)).not.toBe(b.hex(32));
    expect(hashString('node-a')).not.toBe(hashString('node-b'));
  });

  it('keeps int() inside its bounds and reaches both ends', () => {
    const rng = new Rng(7);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(rng.int(3, 6));
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
  });

  it('picks by weight', () => {
    const rng = new Rng(11);
    const weights = cumulativeWeights([1, 9]);
    let heavy = 0;
    for (let i = 0; i < 10_000; i++) if (rng.pickWeighted(['light', 'heavy'], weights) === 'heavy') heavy++;
    expect(heavy / 10_000).toBeGreaterThan(0.87);
    expect(heavy / 10_000).toBeLessThan(0.93);
  });
});
