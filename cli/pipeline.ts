// The CLI's one path from files to analysis, shared by `analyze` and `report`.
import { readFile } from 'node:fs/promises';
import { createAggregator, type WindowAggregate } from '../lib/aggregate/index.js';
import { isLbwatchError, LbwatchError } from '../lib/errors.js';
import type { LogFormat, LogRecord } from '../lib/formats/record.js';
import type { InputSummary } from '../lib/model.js';
import { DEFAULT_RULES, parseRules, type RuleSet } from '../lib/rules/index.js';
import { collectInputFiles, readInputFile } from './inputs.js';

/** What reading needs from outside, so tests can pass fakes. */
export interface PipelineDeps {
  collectInputFiles(paths: string[]): Promise<string[]>;
  readInputFile(
    path: string,
    onRecord: (record: LogRecord) => void,
    options?: { format?: LogFormat | 'auto' },
  ): Promise<{ summary: InputSummary; bytesIn: number; failure: LbwatchError | null }>;
  readText(path: string): Promise<string>;
}

export const defaultPipelineDeps: PipelineDeps = {
  collectInputFiles,
  readInputFile,
  readText: (path) => readFile(path, 'utf8'),
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
  },
  deps: PipelineDeps = defaultPipelineDeps,
): Promise<ReadPathsResult> {
  const files = await deps.collectInputFiles([...paths]);
  const aggregator = createAggregator({ windowMs: options.windowMs });
  const add = (r: LogRecord): void => aggregator.add(r);
  const inputs: InputSummary[] = [];
  let bytesIn = 0;
  // One file at a time: parsing is CPU-bound on this thread and gunzip already runs on the thread pool.
  for (const file of files) {
    try {
      const read = await deps.readInputFile(file, add, { format: options.format });
      bytesIn += read.bytesIn;
      inputs.push(read.summary);
    } catch (error) {
      // An I/O failure on one file is reported like a damaged one; the other files are still read.
      if (!isLbwatchError(error)) throw error;
      inputs.push({ path: file, format: null, lines: 0, records: 0, rejected: 0, rejects: {}, error: error.message });
    }
    options.onProgress?.(inputs.length, files.length, bytesIn);
  }
  return { inputs, windows: aggregator.takeWindows(), bytesIn };
}
