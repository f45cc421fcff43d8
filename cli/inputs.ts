import { constants, createReadStream } from 'node:fs';
import { access, readdir, realpath, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LbwatchError } from '../lib/errors.js';
import type { LogFormat, LogRecord } from '../lib/formats/record.js';
import { type ReadLogOptions, type ReadLogResult, readLogStream } from '../lib/input/read-log.js';
import type { InputSummary } from '../lib/model.js';

/** File stream chunk size: large enough that per-chunk overhead vanishes next to parsing. */
const READ_CHUNK = 256 * 1024;

/** The PATH that means standard input (`zcat *.gz | lbwatch analyze -`). */
export const STDIN_PATH = '-';
/** How standard input is named in summaries and messages. */
export const STDIN_NAME = '(stdin)';

/** The files to read, and how many more times some of them were reached (overlapping paths, links). */
export interface InputFiles {
  files: string[];
  duplicates: number;
}

/**
 * Expands command-line paths into the files to read: files as given, directories recursively in
 * sorted order, skipping dotfiles and dot-directories, `-` for standard input. A file reached twice
 * (the same path given twice, a directory and a file in it, a link) is read once: files are compared
 * by their real path. Fails on the first path that does not exist, and when no file is found at all.
 */
export async function collectInputFiles(paths: string[]): Promise<InputFiles> {
  const found: string[] = [];
  for (const path of paths) {
    if (path === STDIN_PATH) {
      found.push(path);
      continue;
    }
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (cause) {
      throw new LbwatchError('INPUT_NOT_FOUND', `no such file or directory: ${path}`, { cause, context: { path } });
    }
    if (info.isDirectory()) await walk(path, found);
    else found.push(path);
  }
  const seen = new Set<string>();
  const files: string[] = [];
  for (const file of found) {
    const key = file === STDIN_PATH ? file : await realpath(file).catch(() => file);
    if (seen.has(key)) continue;
    seen.add(key);
    files.push(file);
  }
  if (files.length === 0) {
    throw new LbwatchError(
      'INPUT_NOT_FOUND',
      `no input file found under ${paths.join(', ')} (directories are read recursively; dotfiles are skipped)`,
      { context: { paths: paths.join(' ') } },
    );
  }
  return { files, duplicates: found.length - files.length };
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(path, out);
    else if (entry.isFile()) out.push(path);
  }
}

/** The note for files reached more than once, or null when there were none. */
export function duplicatesNote(command: string, duplicates: number): string | null {
  if (duplicates === 0) return null;
  const what = duplicates === 1 ? '1 file was' : `${duplicates} files were`;
  return `lbwatch ${command}: note: ${what} reached more than once (overlapping paths or links) and read once\n`;
}

/** How an input is named in summaries: its path, or `(stdin)`. */
export function inputName(path: string): string {
  return path === STDIN_PATH ? STDIN_NAME : path;
}

/**
 * Reads one local log file, or standard input for `-` (plain or gzip, detected by content), and emits its records.
 */
export async function readInputFile(
  path: string,
  onRecord: (r: LogRecord) => void,
  options: Omit<ReadLogOptions, 'name'> = {},
): Promise<ReadLogResult> {
  const source = path === STDIN_PATH ? process.stdin : createReadStream(path, { highWaterMark: READ_CHUNK });
  return readLogStream(source, onRecord, { ...options, name: inputName(path) });
}

/**
 * The summary of an input read with a format asked for (not `auto`) of which no line was read as that format, with
 * the option that lets lbwatch detect the format instead; any other summary as it is.
 */
export function withFormatHint(
  summary: InputSummary,
  failure: LbwatchError | null,
  format: LogFormat | 'auto',
  flag: string,
): InputSummary {
  if (format === 'auto' || failure?.code !== 'FORMAT_UNDETECTED' || summary.error === null) return summary;
  return { ...summary, error: `${summary.error}; if the logs are in another format, try ${flag} auto` };
}

/**
 * Checks, before any work, that `path` can be written: its directory exists and is writable, and the path is not
 * a directory or a read-only file. Throws `OUTPUT_UNWRITABLE` naming the path and the reason.
 */
export async function checkOutputPath(path: string): Promise<void> {
  const fail = (reason: string, cause?: unknown): LbwatchError =>
    new LbwatchError('OUTPUT_UNWRITABLE', `cannot write ${path}: ${reason}`, { cause, context: { path } });
  const dir = dirname(path);
  const dirInfo = await stat(dir).catch(() => null);
  if (dirInfo === null) throw fail(`directory ${dir} does not exist`);
  if (!dirInfo.isDirectory()) throw fail(`${dir} is not a directory`);
  const info = await stat(path).catch(() => null);
  if (info?.isDirectory() === true) throw fail('it is a directory');
  try {
    await access(info === null ? dir : path, constants.W_OK);
  } catch (cause) {
    throw fail(info === null ? `directory ${dir} is not writable` : 'the file is not writable', cause);
  }
}
