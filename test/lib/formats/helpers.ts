import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LogFormat, LogRecord } from '../../../lib/formats/record.js';
import { createLogScanner } from '../../../lib/input/scanner.js';
import type { InputSummary } from '../../../lib/model.js';

/** Reads a fixture from test/fixtures/formats. */
export function fixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../../fixtures/formats/${name}`, import.meta.url)), 'utf8');
}

/** The lines of a fixture file, without the trailing empty one. */
export function fixtureLines(name: string): string[] {
  return fixture(name)
    .split('\n')
    .filter((line) => line.length > 0);
}

export interface Parsed {
  records: LogRecord[];
  summary: InputSummary;
}

/** Scans `text` in chunks of `chunkSizes` (cycled; whole when empty) as one object. */
export function scanText(
  text: string | Uint8Array,
  options: { format?: LogFormat | 'auto'; maxLineBytes?: number; keepRaw?: boolean; chunkSizes?: number[] } = {},
): Parsed {
  const records: LogRecord[] = [];
  const scanner = createLogScanner(
    { name: 'test.log', format: options.format, maxLineBytes: options.maxLineBytes, keepRaw: options.keepRaw },
    (record) => records.push(record),
  );
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const sizes = options.chunkSizes ?? [];
  if (sizes.length === 0) {
    scanner.push(bytes);
  } else {
    let offset = 0;
    let k = 0;
    while (offset < bytes.length) {
      const size = Math.max(1, sizes[k % sizes.length]!);
      scanner.push(bytes.subarray(offset, offset + size));
      offset += size;
      k++;
    }
  }
  scanner.end();
  return { records, summary: scanner.summary(null) };
}

/** Parses exactly one line and returns its record, failing the test when it was rejected. */
export function parseOne(line: string, format?: LogFormat): LogRecord {
  const { records, summary } = scanText(`${line}\n`, { format });
  if (records.length !== 1) throw new Error(`expected one record, got rejects ${JSON.stringify(summary.rejects)}`);
  return records[0]!;
}
