import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LbwatchError } from '../lib/errors.js';
import type { LogRecord } from '../lib/formats/record.js';
import { type ReadLogOptions, type ReadLogResult, readLogStream } from '../lib/input/read-log.js';

/** File stream chunk size: large enough that per-chunk overhead vanishes next to parsing. */
const READ_CHUNK = 256 * 1024;

/**
 * Expands command-line paths into the files to read: files as given, directories recursively in
 * sorted order, skipping dotfiles and dot-directories. Fails on the first path that does not exist.
 */
export async function collectInputFiles(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (cause) {
      throw new LbwatchError('INPUT_NOT_FOUND', `no such file or directory: ${path}`, { cause, context: { path } });
    }
    if (info.isDirectory()) await walk(path, files);
    else files.push(path);
  }
  return files;
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

/** Reads one local log file (plain or gzip, detected by content) and emits its records. */
export async function readInputFile(
  path: string,
  onRecord: (r: LogRecord) => void,
  options: Omit<ReadLogOptions, 'name'> = {},
): Promise<ReadLogResult> {
  return readLogStream(createReadStream(path, { highWaterMark: READ_CHUNK }), onRecord, { ...options, name: path });
}
