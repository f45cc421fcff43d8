import { LbwatchError } from '../errors.js';
import type { LogRecord } from '../formats/record.js';
import type { InputSummary } from '../model.js';
import { pumpGunzip } from './gunzip-pump.js';
import { createLogScanner, type LogScannerOptions } from './scanner.js';
import { gzipFailure, openObjectSource, sniffCompression } from './stream-helpers.js';

export { detectFormat, REJECT_REASONS, type RejectReason } from '../formats/index.js';
export { createLogScanner, type LogScanner, type LogScannerOptions, SAMPLE_TEXT_BYTES } from './scanner.js';

/** How to read one object; see {@link LogScannerOptions} for each option's default. */
export type ReadLogOptions = LogScannerOptions;

/** What reading one object produced. */
export interface ReadLogResult {
  /** Counts, rejects and samples; `summary.error` is `failure?.message ?? null`. */
  summary: InputSummary;
  /** Bytes read from the source (compressed). */
  bytesIn: number;
  /** Bytes of log text scanned (decompressed). */
  bytesOut: number;
  /**
   * Permanent damage that ended the object early (corrupt or truncated gzip, unsupported
   * compression, no recognisable format). Everything read before it is kept and counted.
   */
  failure: LbwatchError | null;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Reads one log object from a byte stream (S3 body, file stream) and emits its records: detects
 * gzip (including the multi-member files ALB writes) by magic bytes, decompresses on the
 * threadpool while parsing on the main thread, and never holds more than a chunk plus one line.
 *
 * Errors thrown by the source itself (I/O, network) are transient and rethrown as
 * `READ_FAILED` so the caller retries the object; damage in the object is permanent and
 * returned as `failure` with what was read before it. `onRecord` is called synchronously and
 * may keep the record.
 *
 * @example
 * const { summary, failure } = await readLogStream(createReadStream(path), (r) => windows.add(r), { name: path });
 */
export async function readLogStream(
  source: AsyncIterable<Uint8Array>,
  onRecord: (record: LogRecord) => void,
  options: ReadLogOptions,
): Promise<ReadLogResult> {
  const name = options.name;
  const scanner = createLogScanner(options, onRecord);
  const { iterator, head, nextChunk, bytesIn } = await openObjectSource(source, name);
  const finish = (failure: LbwatchError | null): ReadLogResult => {
    let result = failure;
    if (result === null && scanner.format === null && scanner.lines > 0) {
      const summary = scanner.summary(null);
      if (summary.rejected > (summary.rejects['blank-line'] ?? 0)) {
        result = new LbwatchError(
          'FORMAT_UNDETECTED',
          `${name}: no line is in a known log format (otc-elb, alb, clb)`,
          {
            context: { object: name, lines: scanner.lines },
          },
        );
      }
    }
    return {
      summary: scanner.summary(result?.message ?? null),
      bytesIn: bytesIn(),
      bytesOut: scanner.bytes,
      failure: result,
    };
  };

  if (head === null || head.length === 0) return finish(null);

  const compression = sniffCompression(head);
  if (compression === 'plain') {
    for (let chunk: Buffer | null = head; chunk !== null; chunk = await nextChunk()) scanner.push(chunk);
    scanner.end();
    return finish(null);
  }
  if (compression !== 'gzip') {
    await closeQuietly(iterator);
    return finish(
      new LbwatchError('UNSUPPORTED_COMPRESSION', `${name}: ${compression}-compressed objects are not supported`, {
        context: { object: name, compression },
      }),
    );
  }
  return finish(await gunzipInto(head, nextChunk, iterator, scanner, name, bytesIn));
}

async function gunzipInto(
  head: Buffer,
  nextChunk: () => Promise<Buffer | null>,
  iterator: AsyncIterator<Uint8Array>,
  scanner: ReturnType<typeof createLogScanner>,
  name: string,
  bytesIn: () => number,
): Promise<LbwatchError | null> {
  const consume = (chunk: Buffer): Promise<void> => {
    scanner.push(chunk);
    // Let zlib's completion callback run and start the next piece before parsing on.
    return yieldToEventLoop();
  };
  const error = await pumpGunzip(head, nextChunk, iterator, consume, name, bytesIn);
  if (error === null) {
    scanner.end();
    return null;
  }
  scanner.end(true);
  return gzipFailure(error, name, bytesIn(), scanner.lines);
}

async function closeQuietly(iterator: AsyncIterator<Uint8Array>): Promise<void> {
  try {
    await iterator.return?.();
  } catch {
    // The object is abandoned either way.
  }
}
