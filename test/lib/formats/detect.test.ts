import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../../lib/formats/index.js';
import { fixtureLines } from './helpers.js';

describe('detectFormat', () => {
  it.each([
    ['otc-elb.log', 'otc-elb'],
    ['alb.log', 'alb'],
    ['clb.log', 'clb'],
  ] as const)('recognises every example line of %s as %s', (file, format) => {
    for (const line of fixtureLines(file)) expect(detectFormat(line)).toBe(format);
  });

  it.each(['', 'hello world', '{"message":"x"}', '12345', 'tls 2.0 2018-12-20T02:59:40 net/x', '2015-05-13'])(
    'returns null for %j',
    (line) => {
      expect(detectFormat(line)).toBeNull();
    },
  );
});
