/**
 * Benchmark data: large gzip-compressed ALB and OTC logs made by the same request model and line formatters
 * as the bundled examples, at a higher request rate, with the example incidents repeating every four hours.
 * Cached in `.bench/` and reused while the manifest next to the file matches.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createGzip, gzip } from 'node:zlib';
import { albFieldCount, formatAlbLine, formatOtcLine } from '../examples/generate/format.js';
import type { LoadBalancerSpec } from '../examples/generate/model.js';
import { Rng } from '../examples/generate/prng.js';
import { EXAMPLE_END, EXAMPLE_SEED, EXAMPLE_START, INCIDENTS, LOAD_BALANCERS } from '../examples/generate/scenario.js';
import { TrafficGenerator } from '../examples/generate/traffic.js';

const gzipAsync = promisify(gzip);

export type BenchFormat = 'alb' | 'otc';

export interface BenchFile {
  format: BenchFormat;
  path: string;
  /** Decompressed size in bytes and line count. */
  bytes: number;
  lines: number;
  compressedBytes: number;
}

/** Bumped whenever the generator's output changes, so stale cached files are regenerated. */
const DATA_VERSION = 2;
/** Lines per batch: one gzip member per batch for ALB (AWS files are multi-member too). */
const BATCH_BYTES = 8 * 1024 * 1024;
const RATE_SCALE = 20;

function benchLoadBalancer(format: BenchFormat): LoadBalancerSpec {
  const key = format === 'alb' ? 'alb-web' : 'otc-shop';
  const lb = LOAD_BALANCERS.find((l) => l.key === key);
  if (lb === undefined) throw new Error(`no load balancer ${key}`);
  return lb;
}

/**
 * Returns the benchmark file for `format` of at least `sizeMb` decompressed megabytes (10^6 bytes), generating
 * it when missing. `log` receives progress lines.
 */
export async function ensureBenchFile(
  dir: string,
  format: BenchFormat,
  sizeMb: number,
  log: (line: string) => void,
): Promise<BenchFile> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${format}-${sizeMb}mb.log.gz`);
  const manifestPath = `${path}.json`;
  try {
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as BenchFile & { version: number };
    const info = await stat(path);
    if (manifest.version === DATA_VERSION && info.size === manifest.compressedBytes) {
      log(`reusing ${path}`);
      return { format, path, bytes: manifest.bytes, lines: manifest.lines, compressedBytes: manifest.compressedBytes };
    }
  } catch {
    // No usable cache: generate below.
  }
  log(`generating ${path} (${sizeMb} MB of ${format} log text) ...`);
  const started = performance.now();
  const file = await generate(path, format, sizeMb * 1_000_000);
  await writeFile(manifestPath, `${JSON.stringify({ version: DATA_VERSION, ...file }, null, 2)}\n`);
  log(
    `generated ${(file.bytes / 1e6).toFixed(0)} MB (${file.lines} lines, ${(file.compressedBytes / 1e6).toFixed(0)} MB gzip) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return file;
}

async function generate(path: string, format: BenchFormat, targetBytes: number): Promise<BenchFile> {
  const lb = benchLoadBalancer(format);
  const period = EXAMPLE_END - EXAMPLE_START;
  const traffic = new TrafficGenerator(
    lb,
    EXAMPLE_SEED,
    INCIDENTS,
    { origin: EXAMPLE_START, periodMs: period },
    RATE_SCALE,
  );
  const partial = `${path}.partial`;
  const out = createWriteStream(partial);
  const gz = format === 'otc' ? createGzip({ level: 6, chunkSize: 256 * 1024 }) : null;
  gz?.pipe(out);
  const sink = gz ?? out;
  const step = lb.intervalMinutes * 60_000;
  const rng = Rng.derive(EXAMPLE_SEED, `bench:${format}`);
  let bytes = 0;
  let lines = 0;
  let batch: string[] = [];
  let batchBytes = 0;
  let pending: Promise<Buffer> | null = null;

  const write = async (chunk: Buffer | string): Promise<void> => {
    if (!sink.write(chunk)) await once(sink, 'drain');
  };
  // ALB: compress batch n on the threadpool while batch n+1 is generated.
  const flush = async (): Promise<void> => {
    const text = `${batch.join('\n')}\n`;
    batch = [];
    batchBytes = 0;
    if (gz !== null) {
      await write(text);
      return;
    }
    const next = gzipAsync(Buffer.from(text, 'utf8'), { level: 6 });
    if (pending !== null) await write(await pending);
    pending = next;
  };

  for (let from = EXAMPLE_START; bytes < targetBytes; from += step) {
    for (const node of traffic.activeNodes(from, from + step)) {
      const events = traffic.requests(node, from, from + step);
      if (format === 'alb') events.sort((a, b) => a.startMs - b.startMs);
      for (const e of events) {
        const line = format === 'alb' ? formatAlbLine(e, lb, albFieldCount(rng), rng) : formatOtcLine(e, lb, node);
        batch.push(line);
        const size = Buffer.byteLength(line) + 1;
        batchBytes += size;
        bytes += size;
        lines++;
        if (batchBytes >= BATCH_BYTES) await flush();
      }
    }
  }
  if (batch.length > 0) await flush();
  if (pending !== null) await write(await pending);
  if (gz !== null) {
    gz.end();
    await once(out, 'close');
  } else {
    out.end();
    await once(out, 'close');
  }
  await rename(partial, path);
  const compressedBytes = (await stat(path)).size;
  return { format, path, bytes, lines, compressedBytes };
}
