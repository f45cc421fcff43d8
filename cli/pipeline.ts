// The CLI's one path from files to analysis, shared by `analyze` and `report`.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { createAggregator, mergeAll, type WindowAggregate } from '../lib/aggregate/index.js';
import { isLbwatchError, LbwatchError } from '../lib/errors.js';
import type { LogFormat, LogRecord } from '../lib/formats/record.js';
import { aggregateLogStream } from '../lib/input/parallel.js';
import type { InputSummary } from '../lib/model.js';
import { DEFAULT_RULES, parseRules, type RuleSet } from '../lib/rules/index.js';
import { collectInputFiles, type InputFiles, inputName, readInputFile, STDIN_PATH, withFormatHint } from './inputs.js';

/** What reading needs from outside, so tests can pass fakes. */
export interface PipelineDeps {
  collectInputFiles(paths: string[]): Promise<InputFiles>;
  readInputFile(
    path: string,
    onRecord: (record: LogRecord) => void,
    options?: { format?: LogFormat | 'auto'; fields?: 'all' | 'analysis' },
  ): Promise<{ summary: InputSummary; bytesIn: number; failure: LbwatchError | null }>;
  readText(path: string): Promise<string>;
  /** Size on disk; with `aggregateInputFile`, large files are read by worker threads. */
  fileBytes?(path: string): Promise<number>;
  /** Reads and aggregates one file with worker threads (see aggregateLogStream). */
  aggregateInputFile?(
    path: string,
    options: { windowMs: number; format: LogFormat | 'auto' },
  ): Promise<{ summary: InputSummary; bytesIn: number; failure: LbwatchError | null; windows: WindowAggregate[] }>;
}

/**
 * Files whose log text is estimated at this size or more are parsed by worker threads, where there are cores for
 * them (see {@link PARALLEL_MIN_CORES}). Below it the workers' start-up and their own heaps outweigh the gain, and
 * example sets are many small files.
 */
export const PARALLEL_MIN_TEXT_BYTES = 256 * 1024 * 1024;
/**
 * Worker threads are used only with at least this many cores, one of them left to gunzip. Measured on 2 cores (1 GB
 * of ALB, `npm run bench` modes under /usr/bin/time): 2 workers analysed no faster than one thread (5.6 s wall
 * either way) for 40% more CPU time and 185 instead of 125 MB, because gunzip, cutting and two parsers then share
 * two cores.
 */
export const PARALLEL_MIN_CORES = 3;
/** Text per byte of a `.gz` file, for the estimate: ALB and OTC logs compress about 8:1. */
const GZIP_RATIO = 8;

export const defaultPipelineDeps: PipelineDeps = {
  collectInputFiles,
  readInputFile,
  readText: (path) => readFile(path, 'utf8'),
  // An unreadable file is left to readInputFile, which reports it.
  fileBytes: async (path) => (path === STDIN_PATH ? 0 : ((await stat(path).catch(() => null))?.size ?? 0)),
  aggregateInputFile:
    availableParallelism() >= PARALLEL_MIN_CORES
      ? (path, options) =>
          aggregateLogStream(createReadStream(path, { highWaterMark: 256 * 1024 }), {
            ...options,
            name: path,
            workers: availableParallelism() - 1,
          })
      : undefined,
};

/** The built-in rules, or the file's; an unreadable file is a usage error (exit 2) like a missing path. */
export async function loadRules(file: string | null, deps: Pick<PipelineDeps, 'readText'>): Promise<RuleSet> {
  if (file === null) return DEFAULT_RULES;
  let text: string;
  try {
    text = await deps.readText(file);
  } catch (cause) {
    throw new LbwatchError('INPUT_NOT_FOUND', `rules file ${file} cannot be read`, { cause, context: { path: file } });
  }
  return parseRules(text, file);
}

/** The rules with the command line's window, when one was given. */
export function withWindow(rules: RuleSet, windowMs: number | null): RuleSet {
  return windowMs === null || windowMs === rules.windowMs ? rules : { ...rules, windowMs };
}

export interface ReadPathsResult {
  inputs: InputSummary[];
  windows: WindowAggregate[];
  bytesIn: number;
  /** Files reached more than once under the paths, read once (see collectInputFiles). */
  duplicates: number;
}

/**
 * Reads every file under `paths` into window aggregates. A file that fails while reading is reported in its
 * InputSummary (`error`) and the others are still read; a missing path throws INPUT_NOT_FOUND before any reading.
 */
export async function readPaths(
  paths: readonly string[],
  options: {
    windowMs: number;
    format: LogFormat | 'auto';
    onProgress?: (done: number, total: number, bytes: number) => void;
    /** Default PARALLEL_MIN_TEXT_BYTES. */
    parallelMinTextBytes?: number;
    /** The command's option for the log format, named in the hint when no line had the format asked for. */
    formatFlag?: string;
  },
  deps: PipelineDeps = defaultPipelineDeps,
): Promise<ReadPathsResult> {
  const { files, duplicates } = await deps.collectInputFiles([...paths]);
  const hint = (read: { summary: InputSummary; failure: LbwatchError | null }): InputSummary =>
    withFormatHint(read.summary, read.failure, options.format, options.formatFlag ?? '--format');
  const aggregator = createAggregator({ windowMs: options.windowMs });
  const add = (r: LogRecord): void => aggregator.add(r);
  const inputs: InputSummary[] = [];
  const parallelWindows: WindowAggregate[] = [];
  const minText = options.parallelMinTextBytes ?? PARALLEL_MIN_TEXT_BYTES;
  const textEstimate = async (file: string, fileBytes: (path: string) => Promise<number>): Promise<number> =>
    (await fileBytes(file)) * (file.endsWith('.gz') ? GZIP_RATIO : 1);
  let bytesIn = 0;
  // One file at a time: gunzip runs on the thread pool and parsing on this thread, or, for large files, in
  // worker threads that already use every core.
  for (const file of files) {
    try {
      const parallel = deps.aggregateInputFile;
      if (
        parallel !== undefined &&
        deps.fileBytes !== undefined &&
        (await textEstimate(file, deps.fileBytes)) >= minText
      ) {
        const read = await parallel(file, { windowMs: options.windowMs, format: options.format });
        bytesIn += read.bytesIn;
        inputs.push(hint(read));
        // Merged into one list as they come, so many large files do not keep a partial each.
        const merged = mergeAll([...parallelWindows, ...read.windows]);
        parallelWindows.length = 0;
        parallelWindows.push(...merged);
        options.onProgress?.(inputs.length, files.length, bytesIn);
        continue;
      }
      // The records only feed the windows: leave the fields people read (client, user agent, TLS) undecoded.
      const read = await deps.readInputFile(file, add, { format: options.format, fields: 'analysis' });
      bytesIn += read.bytesIn;
      inputs.push(hint(read));
    } catch (error) {
      // An I/O failure on one file is reported like a damaged one; the other files are still read.
      if (!isLbwatchError(error)) throw error;
      inputs.push({
        path: inputName(file),
        format: null,
        lines: 0,
        records: 0,
        rejected: 0,
        rejects: {},
        error: error.message,
      });
    }
    options.onProgress?.(inputs.length, files.length, bytesIn);
  }
  const windows = aggregator.takeWindows();
  return {
    inputs,
    windows: parallelWindows.length === 0 ? windows : mergeAll([...windows, ...parallelWindows]),
    bytesIn,
    duplicates,
  };
}
