// Command-line options of `npm run bench` and the file it may write, apart from the measuring so tests can call
// them without running a benchmark.
import { parseArgs } from 'node:util';
import type { BenchFormat } from './data.js';

export interface BenchOptions {
  sizeMb: number;
  runs: number;
  only: BenchFormat | null;
  workers: number[];
  /** Write the results to bench/results.md; without it a run only prints its table. */
  save: boolean;
}

/**
 * Parses `npm run bench -- [--size-mb N] [--runs N] [--only alb|otc] [--workers 2[,3...]] [--save]`.
 *
 * @throws Error naming the option and what it expects (unknown options included).
 * @example parseBenchArgs(['--size-mb', '100', '--runs', '1']) // { sizeMb: 100, runs: 1, ..., save: false }
 */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'size-mb': { type: 'string', default: '1024' },
      runs: { type: 'string', default: '3' },
      only: { type: 'string' },
      workers: { type: 'string', default: '2' },
      save: { type: 'boolean', default: false },
    },
  });
  const sizeMb = Number(values['size-mb']);
  const runs = Number(values.runs);
  if (!Number.isInteger(sizeMb) || sizeMb < 1)
    throw new Error(`--size-mb must be a positive integer, got ${values['size-mb']}`);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);
  if (values.only !== undefined && values.only !== 'alb' && values.only !== 'otc') {
    throw new Error(`--only must be alb or otc, got ${values.only}`);
  }
  const workers = values.workers.split(',').map(Number);
  if (workers.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`--workers must be positive integers separated by commas, got ${values.workers}`);
  }
  return { sizeMb, runs, only: values.only ?? null, workers, save: values.save };
}

/** The heading below which bench/results.md keeps its hand-written history; a saved run never replaces it. */
export const HISTORY_HEADING = '## How the figures came about';

/**
 * The new results file: the generated part of this run, then the history section of the previous file unchanged.
 *
 * @example resultsDocument('# Benchmark results\n...', previousText)
 */
export function resultsDocument(generated: string, previous: string | null): string {
  const at = previous === null ? -1 : previous.indexOf(`\n${HISTORY_HEADING}\n`);
  const history = previous === null || at < 0 ? '' : previous.slice(at + 1);
  return history === '' ? generated : `${generated.trimEnd()}\n\n${history}`;
}
