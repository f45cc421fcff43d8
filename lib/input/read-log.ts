import { createGunzip, type Gunzip } from 'node:zlib';
import { LbwatchError } from '../errors.js';
import type { LogRecord } from '../formats/record.js';
import type { InputSummary } from '../model.js';
import { createLogScanner, type LogScannerOptions } from './scanner.js';
import { asBuffer, describe, drained, gzipFailure, sniffCompression } from './stream-helpers.js';

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

/** Output chunk size of gunzip: large chunks keep per-chunk overhead negligible. */
const GUNZIP_CHUNK = 256 * 1024;
/** Decompressed bytes waiting to be parsed before input is held back (bounds memory). */
const MAX_QUEUED_BYTES = 2 * GUNZIP_CHUNK;
/** Compressed bytes per gunzip write; see the pump in `gunzipInto`. */
const GUNZIP_WRITE_SLICE = 16 * 1024;

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
  const iterator = source[Symbol.asyncIterator]();
  let bytesIn = 0;

  const readFailed = (cause: unknown): LbwatchError =>
    new LbwatchError('READ_FAILED', `${name}: reading failed after ${bytesIn} bytes: ${describe(cause)}`, {
      cause,
      context: { object: name, byteOffset: bytesIn },
    });
  const nextChunk = async (): Promise<Buffer | null> => {
    let step: IteratorResult<Uint8Array>;
    try {
      step = await iterator.next();
    } catch (cause) {
      throw readFailed(cause);
    }
    if (step.done === true) return null;
    bytesIn += step.value.byteLength;
    return asBuffer(step.value);
  };
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
    return { summary: scanner.summary(result?.message ?? null), bytesIn, bytesOut: scanner.bytes, failure: result };
  };

  // Magic bytes need the first four bytes, which a source may deliver in several pieces.
  let head = await nextChunk();
  while (head !== null && head.length < 4) {
    const more = await nextChunk();
    if (more === null) break;
    head = Buffer.concat([head, more]);
  }
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
  return finish(await gunzipInto(head, nextChunk, iterator, scanner, name, () => bytesIn));
}

async function gunzipInto(
  head: Buffer,
  nextChunk: () => Promise<Buffer | null>,
  iterator: AsyncIterator<Uint8Array>,
  scanner: ReturnType<typeof createLogScanner>,
  name: string,
  bytesIn: () => number,
): Promise<LbwatchError | null> {
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK });
  let sourceError: unknown = null;
  let sourceFailed = false;
  let gzipError: (Error & { code?: string }) | null = null;
  gunzip.on('error', (error: Error) => {
    gzipError = error;
  });

  // zlib emits each decompressed chunk from its completion callback on the main thread and only
  // then starts inflating the next piece on the threadpool. Parsing inside that callback would
  // leave the threadpool idle, so chunks are queued here and parsed between callbacks, while
  // zlib works on the next piece. The queue is bounded by holding back compressed input.
  const queue: Buffer[] = [];
  let queuedBytes = 0;
  let closed = false;
  const wake: { consumer: (() => void) | null; pump: (() => void) | null } = { consumer: null, pump: null };
  gunzip.on('data', (chunk: Buffer) => {
    queue.push(chunk);
    queuedBytes += chunk.length;
    wake.consumer?.();
  });
  gunzip.on('close', () => {
    closed = true;
    wake.consumer?.();
    wake.pump?.();
  });

  // Feed compressed bytes while the loop below parses decompressed ones.
  const pump = (async () => {
    try {
      for (let chunk: Buffer | null = head; chunk !== null; chunk = await nextChunk()) {
        // zlib discards the output of a write that ends in an error, so small writes bound what
        // damage can take with it to the records of one slice.
        for (let offset = 0; offset < chunk.length; offset += GUNZIP_WRITE_SLICE) {
          while (queuedBytes > MAX_QUEUED_BYTES && !closed) {
            await new Promise<void>((resolve) => {
              wake.pump = resolve;
            });
            wake.pump = null;
          }
          if (closed || gunzip.destroyed) {
            await closeQuietly(iterator);
            return;
          }
          if (!gunzip.write(chunk.subarray(offset, offset + GUNZIP_WRITE_SLICE))) await drained(gunzip);
        }
      }
      gunzip.end();
    } catch (error) {
      sourceFailed = true;
      sourceError = error;
      gunzip.destroy();
    }
  })();

  // Chunks emitted before damage are already queued when the error arrives, so they are parsed.
  let consumerError: unknown = null;
  let consumerFailed = false;
  for (;;) {
    const chunk = queue.shift();
    if (chunk === undefined) {
      if (closed) break;
      await new Promise<void>((resolve) => {
        wake.consumer = resolve;
      });
      wake.consumer = null;
      continue;
    }
    queuedBytes -= chunk.length;
    if (queuedBytes <= MAX_QUEUED_BYTES) wake.pump?.();
    try {
      scanner.push(chunk);
    } catch (error) {
      // Thrown by the record callback: it belongs to the caller.
      consumerFailed = true;
      consumerError = error;
      gunzip.destroy();
      break;
    }
    // Let zlib's completion callback run and start the next piece before parsing on.
    await yieldToEventLoop();
  }
  await pump;
  if (consumerFailed) throw consumerError;
  if (sourceFailed) {
    throw sourceError instanceof LbwatchError
      ? sourceError
      : new LbwatchError('READ_FAILED', `${name}: reading failed: ${describe(sourceError)}`, {
          cause: sourceError,
          context: { object: name, byteOffset: bytesIn() },
        });
  }
  const error = gzipError as (Error & { code?: string }) | null;
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
