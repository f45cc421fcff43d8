/**
 * One benchmark measurement, run in its own process so that its peak RSS is its own:
 *   node measure.mjs <floor|parse|parse-analysis|analyze|parse-workers-N|analyze-workers-N> <file>
 * The `-workers-N` modes use the parallel reader (aggregateLogStream) with N parsing threads.
 * Prints one JSON line: { mode, seconds, bytesOut, records, maxRssKb, alerts? }.
 */
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { createAggregator } from '../lib/aggregate/index.js';
import { analyze } from '../lib/analysis/index.js';
import { aggregateLogStream } from '../lib/input/parallel.js';
import { readLogStream } from '../lib/input/read-log.js';
import { DEFAULT_RULES } from '../lib/rules/index.js';

/** Read and gunzip chunk size for every mode, so the modes differ only in what they do with the text. */
const CHUNK = 256 * 1024;

export interface Measurement {
  mode: string;
  seconds: number;
  bytesOut: number;
  records: number;
  maxRssKb: number;
  /** Alerts raised (analyze only): shows the run did the whole job. */
  alerts?: number;
}

/** The floor: streaming gunzip of the file to nowhere. */
async function floor(path: string): Promise<{ bytesOut: number; records: number }> {
  const gunzip = createReadStream(path, { highWaterMark: CHUNK }).pipe(createGunzip({ chunkSize: CHUNK }));
  let bytesOut = 0;
  for await (const chunk of gunzip) bytesOut += (chunk as Buffer).byteLength;
  return { bytesOut, records: 0 };
}

/** lbwatch's parser with a callback that only counts: every field (as `lbwatch parse`) or the analysis fields. */
async function parse(path: string, fields: 'all' | 'analysis'): Promise<{ bytesOut: number; records: number }> {
  let records = 0;
  const result = await readLogStream(
    createReadStream(path, { highWaterMark: CHUNK }),
    () => {
      records++;
    },
    { name: path, format: 'auto', fields },
  );
  if (result.failure !== null) throw result.failure;
  return { bytesOut: result.bytesOut, records };
}

/** lbwatch analyze end to end: parse, aggregate into windows, apply the default rules and rank causes. */
async function analyzeFile(path: string): Promise<{ bytesOut: number; records: number; alerts: number }> {
  let records = 0;
  const aggregator = createAggregator({ windowMs: DEFAULT_RULES.windowMs });
  const result = await readLogStream(
    createReadStream(path, { highWaterMark: CHUNK }),
    (record) => {
      records++;
      aggregator.add(record);
    },
    { name: path, format: 'auto', fields: 'analysis' },
  );
  if (result.failure !== null) throw result.failure;
  const analysis = analyze({ inputs: [result.summary], windows: aggregator.takeWindows(), rules: DEFAULT_RULES });
  return { bytesOut: result.bytesOut, records, alerts: analysis.alerts.length };
}

/** The parallel reader counting only (no windows), like `parse`. */
async function parseParallel(path: string, workers: number): Promise<{ bytesOut: number; records: number }> {
  const result = await aggregateLogStream(createReadStream(path, { highWaterMark: CHUNK }), {
    name: path,
    format: 'auto',
    windowMs: null,
    workers,
  });
  if (result.failure !== null) throw result.failure;
  return { bytesOut: result.bytesOut, records: result.summary.records };
}

/** Like `analyze`, with parsing and window aggregation in the parallel reader's workers. */
async function analyzeParallel(
  path: string,
  workers: number,
): Promise<{ bytesOut: number; records: number; alerts: number }> {
  const result = await aggregateLogStream(createReadStream(path, { highWaterMark: CHUNK }), {
    name: path,
    format: 'auto',
    windowMs: DEFAULT_RULES.windowMs,
    workers,
  });
  if (result.failure !== null) throw result.failure;
  const analysis = analyze({ inputs: [result.summary], windows: result.windows, rules: DEFAULT_RULES });
  return { bytesOut: result.bytesOut, records: result.summary.records, alerts: analysis.alerts.length };
}

const MODES: Record<string, (path: string) => Promise<{ bytesOut: number; records: number; alerts?: number }>> = {
  floor,
  parse: (path) => parse(path, 'all'),
  'parse-analysis': (path) => parse(path, 'analysis'),
  analyze: analyzeFile,
};

async function main(): Promise<void> {
  const [mode, path] = process.argv.slice(2);
  const parallel = mode === undefined ? null : /^(parse|analyze)-workers-(\d+)$/.exec(mode);
  const workers = Number(parallel?.[2]);
  type Run = (file: string) => Promise<{ bytesOut: number; records: number; alerts?: number }>;
  const run: Run | undefined =
    mode === undefined
      ? undefined
      : parallel !== null
        ? (file: string) => (parallel[1] === 'parse' ? parseParallel(file, workers) : analyzeParallel(file, workers))
        : MODES[mode];
  if (mode === undefined || run === undefined || path === undefined) {
    process.stderr.write(`usage: measure <${Object.keys(MODES).join('|')}|parse-workers-N|analyze-workers-N> <file>\n`);
    process.exitCode = 2;
    return;
  }
  const started = process.hrtime.bigint();
  const { bytesOut, records, alerts } = await run(path);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const result: Measurement = { mode, seconds, bytesOut, records, maxRssKb: process.resourceUsage().maxRSS, alerts };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
