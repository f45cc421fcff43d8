import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createAggregator, createWindowMerger, type WindowAggregate } from '../aggregate/index.js';
import { LbwatchError } from '../errors.js';
import type { LogFormat } from '../formats/record.js';
import type { RejectSample } from '../model.js';
import { GUNZIP_CHUNK, type GzipError, pumpGunzip } from './gunzip-pump.js';
import { type ReadLogOptions, type ReadLogResult, readLogStream } from './read-log.js';
import { createLogScanner, type LineWrapper, type LogScanner, SAMPLE_TEXT_BYTES } from './scanner.js';
import { describe, gzipFailure, noRecordFailure, openObjectSource, sniffCompression } from './stream-helpers.js';

/** How to read one object with worker threads. */
export interface ParallelReadOptions extends ReadLogOptions {
  /** Window length for the aggregates; null only counts records (no windows). */
  windowMs: number | null;
  /**
   * Parsing threads. Default: `os.availableParallelism()`: the main thread only cuts batches and gunzip
   * runs on the libuv threadpool, so both stay mostly idle next to the parsers.
   */
  workers?: number;
  /** Bytes of log text per batch sent to a worker, cut after a newline; default 1 MiB. */
  batchBytes?: number;
}

/** What reading one object produced, with the merged window aggregates. */
export interface ParallelReadResult extends ReadLogResult {
  /** Merged windows, sorted by start then load balancer; empty when `windowMs` is null. */
  windows: WindowAggregate[];
}

/** What parsing one batch produced; line numbers in `samples` count from the batch's first line (1). */
export interface BatchResult {
  lines: number;
  records: number;
  rejected: number;
  rejects: Record<string, number>;
  samples: RejectSample[];
  /** The format the batch's parser has fixed or detected by the end of the batch. */
  format: LogFormat | null;
  /** The line wrapper the batch's parser has fixed or detected by the end of the batch. */
  wrapper: LineWrapper | null;
}

/** Settings a batch parser needs, sent once to each worker. */
export interface BatchParserSettings {
  name: string;
  format: LogFormat | 'auto';
  wrapper: LineWrapper | 'auto';
  windowMs: number | null;
  maxLineBytes: number;
  keepRaw: boolean;
  maxSamples: number;
}

/** A batch parser: one scanner (and its interning caches) and one aggregator for every batch of a thread. */
export interface BatchParser {
  /** Parses whole lines; `last` ends the input, with `damaged` the unterminated tail was cut by damage. */
  parse(bytes: Uint8Array, last: boolean, damaged: boolean): BatchResult;
  /** Hands the windows over and forgets them (the caller merges partials). */
  takeWindows(): WindowAggregate[];
  /** Hands over the windows time has moved past and forgets them (see `Aggregator.takeSettled`). */
  takeSettled(): WindowAggregate[];
}

/**
 * Creates the parser that runs inside each worker (and on the main thread until the format is known).
 * Batches must arrive in input order and end after a newline, except the last: the scanner then carries
 * nothing from one batch to the next, so per-batch figures are deltas of one long-lived scanner.
 */
export function createBatchParser(settings: BatchParserSettings): BatchParser {
  const aggregator = settings.windowMs === null ? null : createAggregator({ windowMs: settings.windowMs });
  const scanner: LogScanner = createLogScanner(
    {
      name: settings.name,
      format: settings.format,
      wrapper: settings.wrapper,
      maxLineBytes: settings.maxLineBytes,
      keepRaw: settings.keepRaw,
      maxSamples: settings.maxSamples,
      // Records never leave the batch parser: only the aggregation reads them.
      fields: 'analysis',
    },
    aggregator === null ? () => {} : (r) => aggregator.add(r),
  );
  let before = scanner.summary(null);
  return {
    parse(bytes, last, damaged) {
      scanner.push(bytes);
      if (last) scanner.end(damaged);
      const after = scanner.summary(null);
      const rejects: Record<string, number> = {};
      for (const [reason, count] of Object.entries(after.rejects)) {
        const delta = count - (before.rejects[reason] ?? 0);
        if (delta > 0) rejects[reason] = delta;
      }
      const samples = (after.samples ?? [])
        .slice(before.samples?.length ?? 0)
        .map((s) => ({ ...s, line: s.line - before.lines }));
      const result: BatchResult = {
        lines: after.lines - before.lines,
        records: after.records - before.records,
        rejected: after.rejected - before.rejected,
        rejects,
        samples,
        format: after.format,
        wrapper: scanner.wrapper,
      };
      before = after;
      return result;
    },
    takeWindows: () => aggregator?.takeWindows() ?? [],
    takeSettled: () => aggregator?.takeSettled() ?? [],
  };
}

/** Messages from the main thread to a worker. */
export type ToWorker =
  | { type: 'batch'; seq: number; buffer: ArrayBuffer; length: number; last: boolean; damaged: boolean }
  | { type: 'finish' };
/** Messages from a worker to the main thread. */
export type FromWorker =
  | { type: 'result'; seq: number; result: BatchResult; buffer: ArrayBuffer; settled: WindowAggregate[] }
  | { type: 'windows'; windows: WindowAggregate[] }
  | { type: 'failed'; message: string };

const DEFAULT_BATCH_BYTES = 1024 * 1024;
const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;
/** Batches queued or being parsed per worker: one parsing, one waiting, so a worker never idles. */
const IN_FLIGHT_PER_WORKER = 2;
const NEWLINE = 0x0a;

/**
 * The worker next to this module: the bundle's `.mjs`, or, when running from TypeScript sources (tests,
 * tsx), the `.ts` entry loaded after registering tsx in the worker (Node 20 does not pass `--import` loader
 * hooks to workers).
 */
function startWorker(workerData: BatchParserSettings): Worker {
  const bundled = new URL('./parse-worker.mjs', import.meta.url);
  if (existsSync(bundled)) return new Worker(bundled, { workerData });
  const source = new URL('./parse-worker.ts', import.meta.url);
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(/\.cjs$/, '.mjs');
  const code = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(source.href)}); });`;
  return new Worker(code, { eval: true, workerData });
}

interface WorkerHandle {
  worker: Worker;
  inFlight: number;
  /** Settles when the worker has sent its last windows. */
  done: Promise<void>;
}

/**
 * Reads one log object like `readLogStream` and aggregates it like `createAggregator`, with parsing and
 * aggregation spread over worker threads: parsing is CPU-bound at a fraction of gunzip's speed, and window
 * aggregates merge exactly, so batches of whole lines can be parsed anywhere. Workers hand the windows time has
 * moved past over with each batch result and the main thread merges them as they arrive, so each window is held
 * about once, not once per worker.
 *
 * The summary is the single-thread one (same counts, same samples with the same line numbers, same
 * failures). The format is detected on the main thread from the first batches, then fixed for the workers.
 * Batches are transferred, never copied; at most two per worker are in flight and gunzip input is held back
 * meanwhile, so memory stays bounded whatever the object's size. A worker error rejects the call; workers
 * are terminated before it returns.
 *
 * @example
 * const { summary, windows } = await aggregateLogStream(createReadStream(path), { name: path, windowMs: 300_000 });
 */
export async function aggregateLogStream(
  source: AsyncIterable<Uint8Array>,
  options: ParallelReadOptions,
): Promise<ParallelReadResult> {
  const name = options.name;
  const settings: BatchParserSettings = {
    name,
    format: options.format ?? 'auto',
    wrapper: options.wrapper ?? 'auto',
    windowMs: options.windowMs,
    maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    keepRaw: options.keepRaw === true,
    maxSamples: options.maxSamples ?? 5,
  };
  if (settings.windowMs !== null) createAggregator({ windowMs: settings.windowMs }); // validates windowMs early
  const workerCount = Math.max(1, Math.floor(options.workers ?? availableParallelism()));
  const batchBytes = Math.max(1, options.batchBytes ?? DEFAULT_BATCH_BYTES);
  const { iterator, head, nextChunk, bytesIn } = await openObjectSource(source, name);
  if (head !== null && head.length > 0 && !['gzip', 'plain'].includes(sniffCompression(head))) {
    // Not readable either way: let the single-thread reader report it exactly as it does.
    const first = head;
    const rest = async function* (): AsyncGenerator<Uint8Array> {
      yield first;
      for (let c = await nextChunk(); c !== null; c = await nextChunk()) yield c;
    };
    const result = await readLogStream(rest(), () => {}, options);
    return { ...result, windows: [] };
  }

  // --- Results, in batch order ---
  const results: BatchResult[] = [];
  /** Batch buffers back from the workers, ready for reuse. */
  const pool: ArrayBuffer[] = [];
  let bytesOut = 0;
  let seq = 0;
  const mainParser = createBatchParser(settings);
  // Workers hand settled windows over with their batch results, so the object's windows are held once, here.
  const merger = createWindowMerger();
  let format: LogFormat | null = settings.format === 'auto' ? null : settings.format;
  let wrapper: LineWrapper | null = settings.wrapper === 'auto' ? null : settings.wrapper;

  // --- Workers, started once the format is known ---
  const workers: WorkerHandle[] = [];
  let workerError: unknown = null;
  let wakeDispatcher: (() => void) | null = null;
  const wake = (): void => {
    const w = wakeDispatcher;
    wakeDispatcher = null;
    w?.();
  };
  const startWorkers = (fixed: LogFormat): void => {
    for (let i = 0; i < workerCount; i++) {
      // Both settled on the main thread: every worker reads the object the same way.
      const worker = startWorker({ ...settings, format: fixed, wrapper: wrapper ?? 'auto' });
      const handle: WorkerHandle = { worker, inFlight: 0, done: Promise.resolve() };
      handle.done = new Promise<void>((resolve, reject) => {
        worker.on('message', (message: FromWorker) => {
          if (message.type === 'result') {
            results[message.seq] = message.result;
            for (const w of message.settled) merger.add(w);
            pool.push(message.buffer);
            handle.inFlight--;
            wake();
          } else if (message.type === 'windows') {
            for (const w of message.windows) merger.add(w);
            resolve();
          } else {
            reject(new Error(message.message));
          }
        });
        worker.on('error', reject);
        worker.on('exit', (code) => reject(new Error(`parse worker exited with code ${code}`)));
      });
      handle.done.catch((error: unknown) => {
        workerError ??= error;
        wake();
      });
      workers.push(handle);
    }
  };

  const throwIfWorkerFailed = (): void => {
    if (workerError !== null) {
      throw new LbwatchError('READ_FAILED', `${name}: parsing failed: ${describe(workerError)}`, {
        cause: workerError,
        context: { object: name },
      });
    }
  };

  /** Parses one batch of whole lines (or the last bytes) on the main thread or a free worker. */
  const dispatch = async (bytes: Uint8Array, last: boolean, damaged: boolean): Promise<void> => {
    bytesOut += bytes.length;
    const n = seq++;
    // Until a line has parsed (or unwrapped) the main thread reads on, so workers start with both settled.
    if (format === null || wrapper === null) {
      const result = mainParser.parse(bytes, last, damaged);
      results[n] = result;
      pool.push(bytes.buffer as ArrayBuffer);
      format = result.format;
      wrapper = result.wrapper;
      return;
    }
    if (workers.length === 0) startWorkers(format);
    for (;;) {
      throwIfWorkerFailed();
      let best: WorkerHandle | null = null;
      for (const w of workers)
        if (w.inFlight < IN_FLIGHT_PER_WORKER && (best === null || w.inFlight < best.inFlight)) best = w;
      if (best !== null) {
        const buffer = bytes.buffer as ArrayBuffer;
        best.inFlight++;
        best.worker.postMessage(
          { type: 'batch', seq: n, buffer, length: bytes.length, last, damaged } satisfies ToWorker,
          [buffer],
        );
        return;
      }
      await new Promise<void>((resolve) => {
        wakeDispatcher = resolve;
      });
    }
  };

  // --- Cutting decompressed text into batches of whole lines ---
  const pending: Buffer[] = [];
  let pendingBytes = 0;
  /** Bytes after the last newline in `pending`. */
  let tailBytes = 0;
  /** Inside an over-long line already counted: bytes are dropped up to the next newline. */
  let skipping = false;
  const maxCarry = settings.maxLineBytes + 1;

  /**
   * Copies the first `count` pending bytes into one transferable buffer (the only copy of the text). Workers
   * send buffers back with their results, so a handful of buffers serve the whole object: fresh ones per
   * batch would wait for each worker's garbage collector and pile up outside the heap.
   */
  const takePending = (count: number): Uint8Array => {
    let buffer = pool.pop();
    if (buffer === undefined || buffer.byteLength < count)
      buffer = new ArrayBuffer(Math.max(count, batchBytes + GUNZIP_CHUNK));
    const out = new Uint8Array(buffer, 0, count);
    let filled = 0;
    while (filled < count) {
      const chunk = pending[0] as Buffer;
      const n = Math.min(chunk.length, count - filled);
      out.set(n === chunk.length ? chunk : chunk.subarray(0, n), filled);
      filled += n;
      if (n === chunk.length) pending.shift();
      else pending[0] = chunk.subarray(n);
    }
    pendingBytes -= count;
    return out;
  };

  const flushWholeLines = async (): Promise<void> => {
    if (pendingBytes === tailBytes) return;
    await dispatch(takePending(pendingBytes - tailBytes), false, false);
  };

  /** Counts an over-long unterminated line the way the scanner does, without buffering all of it. */
  const overLongLine = async (): Promise<void> => {
    await flushWholeLines();
    const all = Buffer.concat(pending, pendingBytes);
    bytesOut += pendingBytes;
    const text = all.toString('utf8', 0, Math.min(all.length, SAMPLE_TEXT_BYTES));
    pending.length = 0;
    pendingBytes = 0;
    tailBytes = 0;
    skipping = true;
    seq++;
    results[seq - 1] = {
      lines: 1,
      records: 0,
      rejected: 1,
      rejects: { 'line-too-long': 1 },
      samples: settings.maxSamples > 0 ? [{ line: 1, reason: 'line-too-long', text }] : [],
      format,
      wrapper,
    };
  };

  const take = async (chunk: Buffer): Promise<void> => {
    let buf = chunk;
    if (skipping) {
      const newline = buf.indexOf(NEWLINE);
      bytesOut += newline < 0 ? buf.length : newline + 1;
      if (newline < 0) return;
      skipping = false;
      buf = buf.subarray(newline + 1);
      if (buf.length === 0) return;
    }
    const lastNewline = buf.lastIndexOf(NEWLINE);
    pending.push(buf);
    pendingBytes += buf.length;
    tailBytes = lastNewline < 0 ? tailBytes + buf.length : buf.length - lastNewline - 1;
    if (tailBytes > maxCarry) await overLongLine();
    else if (pendingBytes - tailBytes >= batchBytes) await flushWholeLines();
  };

  const finishInput = async (damaged: boolean): Promise<void> => {
    await flushWholeLines();
    if (pendingBytes > 0 || damaged) {
      await dispatch(takePending(pendingBytes), true, damaged);
    }
  };

  let gzipError: (Error & { code?: string }) | null = null;
  try {
    if (head !== null && head.length > 0) {
      if (sniffCompression(head) === 'gzip') {
        gzipError = await gunzipInto(head, nextChunk, iterator, take, finishInput, name, bytesIn);
      } else {
        for (let chunk: Buffer | null = head; chunk !== null; chunk = await nextChunk()) await take(chunk);
        await finishInput(false);
      }
    }
    // Wait for every batch, then collect the windows.
    for (const w of workers) w.worker.postMessage({ type: 'finish' } satisfies ToWorker);
    try {
      await Promise.all(workers.map((w) => w.done));
    } catch (error) {
      workerError ??= error;
    }
    throwIfWorkerFailed();
    for (const w of mainParser.takeWindows()) merger.add(w);
    const windows = merger.take();
    const summary = combine(results, name, format, settings.maxSamples);
    const failure =
      gzipError === null ? noRecordFailure(summary, name) : gzipFailure(gzipError, name, bytesIn(), summary.lines);
    summary.error = failure?.message ?? null;
    return { summary, bytesIn: bytesIn(), bytesOut, failure, windows };
  } finally {
    await Promise.all(workers.map((w) => w.worker.terminate()));
  }
}

function combine(results: BatchResult[], name: string, format: LogFormat | null, maxSamples: number) {
  let lines = 0;
  let records = 0;
  let rejected = 0;
  const rejects: Record<string, number> = {};
  const samples: RejectSample[] = [];
  for (const r of results) {
    for (const s of r.samples) if (samples.length < maxSamples) samples.push({ ...s, line: s.line + lines });
    lines += r.lines;
    records += r.records;
    rejected += r.rejected;
    for (const [reason, count] of Object.entries(r.rejects)) rejects[reason] = (rejects[reason] ?? 0) + count;
  }
  return { path: name, format, lines, records, rejected, rejects, samples, error: null as string | null };
}

async function gunzipInto(
  head: Buffer,
  nextChunk: () => Promise<Buffer | null>,
  iterator: AsyncIterator<Uint8Array>,
  take: (chunk: Buffer) => Promise<void>,
  finishInput: (damaged: boolean) => Promise<void>,
  name: string,
  bytesIn: () => number,
): Promise<GzipError | null> {
  const error = await pumpGunzip(head, nextChunk, iterator, take, name, bytesIn);
  await finishInput(error !== null);
  // The failure names the lines read, known only once every batch is back: the caller builds it.
  return error;
}
