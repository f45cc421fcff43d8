import { describe, expect, it } from 'vitest';
import { HISTORY_HEADING, parseBenchArgs, resultsDocument } from '../../bench/options.js';

describe('npm run bench arguments', () => {
  it('a quick run prints only: --save is off unless given', () => {
    // Act
    const options = parseBenchArgs(['--size-mb', '100', '--runs', '1']);

    // Assess
    expect(options).toEqual({ sizeMb: 100, runs: 1, only: null, workers: [2], save: false });
  });

  it('--save writes the results', () => {
    expect(parseBenchArgs(['--save']).save).toBe(true);
    expect(parseBenchArgs(['--only', 'otc', '--workers', '2,3', '--save'])).toEqual({
      sizeMb: 1024,
      runs: 3,
      only: 'otc',
      workers: [2, 3],
      save: true,
    });
  });

  it.each([
    [['--size-mb', '0'], /--size-mb must be a positive integer, got 0/],
    [['--runs', 'x'], /--runs must be a positive integer, got x/],
    [['--only', 'clb'], /--only must be alb or otc, got clb/],
    [['--workers', '2,0'], /--workers must be positive integers/],
    [['--write'], /Unknown option '--write'/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });
});

describe('bench/results.md on --save', () => {
  it('replaces the generated figures and keeps the history section word for word', () => {
    // Prepare
    const history = `${HISTORY_HEADING}\n\nThe half-chunk turn: 451 -> 500 MB/s.\n`;
    const previous = `# Benchmark results\n\nold table\n\n${history}`;

    // Act
    const doc = resultsDocument('# Benchmark results\n\nnew table\n', previous);

    // Assess
    expect(doc).toBe(`# Benchmark results\n\nnew table\n\n${history}`);
  });

  it('without a previous file or history it is the generated part alone', () => {
    expect(resultsDocument('# Benchmark results\n', null)).toBe('# Benchmark results\n');
    expect(resultsDocument('# Benchmark results\n', '# Benchmark results\nold\n')).toBe('# Benchmark results\n');
  });
});
