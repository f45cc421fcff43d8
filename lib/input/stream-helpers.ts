/**
 * Pieces both object readers share (`readLogStream` on one thread, `aggregateLogStream` with workers):
 * compression sniffing, gzip failure reporting and small stream utilities.
 */
import type { Gunzip } from 'node:zlib';
import { LbwatchError } from '../errors.js';
import type { InputSummary } from '../model.js';

export type Compression = 'gzip' | 'plain' | 'zip' | 'snappy' | 'zstd' | 'bzip2' | 'xz';

/** Compression by magic bytes, never by name: objects carry no reliable extension or Content-Encoding. */
export function sniffCompression(head: Buffer): Compression {
  const b0 = head[0];
  const b1 = head[1];
  if (b0 === 0x1f && b1 === 0x8b) return 'gzip';
  // A local entry header, or the end-of-central-directory record that is all an empty zip holds.
  if (
    b0 === 0x50 &&
    b1 === 0x4b &&
    ((head[2] === 0x03 && head[3] === 0x04) || (head[2] === 0x05 && head[3] === 0x06))
  ) {
    return 'zip';
  }
  if (b0 === 0xff && b1 === 0x06 && head[2] === 0x00 && head[3] === 0x00) return 'snappy';
  if (b0 === 0x28 && b1 === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  if (b0 === 0xfd && b1 === 0x37 && head[2] === 0x7a && head[3] === 0x58) return 'xz';
  if (b0 === 0x42 && b1 === 0x5a && head[2] === 0x68 && head[3] !== undefined && head[3] >= 0x31 && head[3] <= 0x39) {
    return 'bzip2';
  }
  return 'plain';
}

/**
 * The permanent failure of an object whose lines, not all blank, gave no record: none is in a known format
 * (detection), or none could be read as the format that was asked for. Null when a record was read.
 */
export function noRecordFailure(summary: InputSummary, name: string): LbwatchError | null {
  if (summary.records > 0 || summary.rejected <= (summary.rejects['blank-line'] ?? 0)) return null;
  const context = { object: name, lines: summary.lines, format: summary.format };
  if (summary.format === null) {
    return new LbwatchError('FORMAT_UNDETECTED', `${name}: no line is in a known log format (otc-elb, alb, clb)`, {
      context,
    });
  }
  const reasons = Object.entries(summary.rejects)
    .sort((a, b) => b[1] - a[1])
    .map(([reason, count]) => `${reason} ${count}`)
    .join(', ');
  return new LbwatchError(
    'FORMAT_UNDETECTED',
    `${name}: expected ${summary.format} lines, but every line was rejected (${summary.rejected} of ${summary.lines}: ${reasons})`,
    { context },
  );
}

/** The permanent failure for a gzip stream that ended in an error; what was read before it is kept. */
export function gzipFailure(
  error: Error & { code?: string },
  name: string,
  bytesIn: number,
  lines: number,
): LbwatchError {
  const truncated = error.code === 'Z_BUF_ERROR';
  return new LbwatchError(
    truncated ? 'GZIP_TRUNCATED' : 'GZIP_CORRUPT',
    truncated
      ? `${name}: gzip stream is truncated (ends after ${bytesIn} compressed bytes, ${lines} lines read)`
      : `${name}: gzip stream is corrupt (${error.message}) after ${bytesIn} compressed bytes, ${lines} lines read`,
    { cause: error, context: { object: name, byteOffset: bytesIn, lines } },
  );
}

export function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Waits until the stream wants more input or is gone. */
export function drained(stream: Gunzip): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

/** A log object's byte source, read chunk by chunk with its compressed size counted. */
export interface ObjectSource {
  iterator: AsyncIterator<Uint8Array>;
  /** The first chunk, grown to at least 4 bytes when the object has them (magic bytes); null for no bytes at all. */
  head: Buffer | null;
  /** The next chunk, or null at the end. Source errors are transient: thrown as LbwatchError `READ_FAILED`. */
  nextChunk(): Promise<Buffer | null>;
  /** Bytes read from the source so far. */
  bytesIn(): number;
}

/** Opens a source for reading and assembles its head, which a source may deliver in several pieces. */
export async function openObjectSource(source: AsyncIterable<Uint8Array>, name: string): Promise<ObjectSource> {
  const iterator = source[Symbol.asyncIterator]();
  let bytesIn = 0;
  const nextChunk = async (): Promise<Buffer | null> => {
    let step: IteratorResult<Uint8Array>;
    try {
      step = await iterator.next();
    } catch (cause) {
      throw new LbwatchError('READ_FAILED', `${name}: reading failed after ${bytesIn} bytes: ${describe(cause)}`, {
        cause,
        context: { object: name, byteOffset: bytesIn },
      });
    }
    if (step.done === true) return null;
    bytesIn += step.value.byteLength;
    return asBuffer(step.value);
  };
  let head = await nextChunk();
  while (head !== null && head.length < 4) {
    const more = await nextChunk();
    if (more === null) break;
    head = Buffer.concat([head, more]);
  }
  return { iterator, head, nextChunk, bytesIn: () => bytesIn };
}
