import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultPipelineDeps, PARALLEL_MIN_CORES, readPaths } from '../../../cli/pipeline.js';
import { createAggregator } from '../../../lib/aggregate/index.js';
import { isLbwatchError } from '../../../lib/errors.js';
import { aggregateLogStream, type ParallelReadOptions } from '../../../lib/input/parallel.js';
import { readLogStream } from '../../../lib/input/read-log.js';
import { fixtureLines } from '../formats/helpers.js';

const albLines = fixtureLines('alb.log');
const WINDOW_MS = 300_000;
/** Threshold for the readPaths test: small, so the test file stays a few megabytes. */
const MIN_TEXT = 4 * 1024 * 1024;

/** An async source that yields `bytes` in pieces of `size`, like a file stream or an S3 body. */
async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

/** The single-thread reference: readLogStream into one aggregator. */
async function singleThread(bytes: Uint8Array, chunkSize: number, options: { maxLineBytes?: number }) {
  const aggregator = createAggregator({ windowMs: WINDOW_MS });
  const result = await readLogStream(chunks(bytes, chunkSize), (r) => aggregator.add(r), {
    name: 'object.log',
    ...options,
  });
  return { ...result, windows: aggregator.windows() };
}

type Line =
  | { kind: 'alb'; base: number; minute: number; status: number; lb: number; port: number; crlf: boolean }
  | { kind: 'junk'; text: string }
  | { kind: 'blank' }
  | { kind: 'long'; length: number };

/** One ALB line from a fixture with its time, status, load balancer and client port changed. */
function albLine(line: Extract<Line, { kind: 'alb' }>): string {
  const base = albLines[line.base % albLines.length] as string;
  const minute = String(line.minute % 60).padStart(2, '0');
  const hour = String(Math.floor(line.minute / 60) % 24).padStart(2, '0');
  return base
    .replace('2018-07-02T22:23:00.186641Z', `2018-07-02T${hour}:${minute}:00.186641Z`)
    .replace('app/my-loadbalancer/', `app/lb-${line.lb}/`)
    .replace(' 200 200 ', ` ${line.status} ${line.status} `)
    .replace(':2817 ', `:${line.port} `);
}

function render(lines: Line[]): string {
  return lines
    .map((l) => {
      if (l.kind === 'alb') return albLine(l) + (l.crlf ? '\r' : '');
      if (l.kind === 'junk') return `junk ${l.text}`;
      if (l.kind === 'blank') return '';
      return 'y'.repeat(l.length);
    })
    .join('\n');
}

const lineArb: fc.Arbitrary<Line> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant('alb' as const),
      base: fc.nat(10),
      minute: fc.nat(180),
      status: fc.constantFrom(200, 301, 400, 404, 460, 502, 503, 504),
      lb: fc.nat(2),
      port: fc.integer({ min: 1024, max: 1100 }),
      crlf: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('junk' as const), text: fc.string({ maxLength: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('blank' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('long' as const), length: fc.integer({ min: 1500, max: 9000 }) }),
  },
);

describe('aggregateLogStream', () => {
  it('gives the single-thread summary, samples and windows for any lines, worker count and batch size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(lineArb, { minLength: 1, maxLength: 120 }),
        fc.boolean(),
        fc.constantFrom(1, 2, 3),
        fc.constantFrom(1, 700, 4096, 1 << 20),
        fc.constantFrom(1000, 65536),
        fc.boolean(),
        async (lines, trailingNewline, workers, batchBytes, chunkSize, gzip) => {
          // Prepare: plain or gzip text; lines over maxLineBytes exercise the over-long path at every cut.
          const text = render(lines) + (trailingNewline ? '\n' : '');
          const bytes = gzip ? gzipSync(text) : Buffer.from(text);
          const options: ParallelReadOptions = {
            name: 'object.log',
            windowMs: WINDOW_MS,
            maxLineBytes: 4000,
            workers,
            batchBytes,
          };

          // Act
          const parallel = await aggregateLogStream(chunks(bytes, chunkSize), options);
          const single = await singleThread(bytes, chunkSize, { maxLineBytes: 4000 });

          // Assess
          expect(parallel.summary).toEqual(single.summary);
          expect(parallel.windows).toEqual(single.windows);
          expect(parallel.bytesIn).toBe(single.bytesIn);
          expect(parallel.bytesOut).toBe(single.bytesOut);
          expect(parallel.failure?.code).toBe(single.failure?.code);
        },
      ),
      { numRuns: 25 },
    );
  }, 180_000);

  it('keeps everything before the damage of a truncated gzip, with the same line numbers and message', async () => {
    // Prepare: ~200 KB of ALB lines, gzip cut short.
    const lines: Line[] = Array.from({ length: 400 }, (_, i) => ({
      kind: 'alb',
      base: i,
      minute: i % 90,
      status: i % 7 === 0 ? 502 : 200,
      lb: i % 2,
      port: 1024 + (i % 50),
      crlf: false,
    }));
    const whole = gzipSync(`${render(lines)}\n`);
    const bytes = whole.subarray(0, Math.floor(whole.length * 0.7));

    // Act
    const parallel = await aggregateLogStream(chunks(bytes, 2048), {
      name: 'object.log',
      windowMs: WINDOW_MS,
      workers: 2,
      batchBytes: 8192,
    });
    const single = await singleThread(bytes, 2048, {});

    // Assess
    expect(parallel.failure?.code).toBe('GZIP_TRUNCATED');
    expect(parallel.failure?.message).toBe(single.failure?.message);
    expect(parallel.summary).toEqual(single.summary);
    expect(parallel.summary.records).toBeGreaterThan(0);
    expect(parallel.summary.rejects).toEqual({ 'truncated-line': 1 });
    expect(parallel.windows).toEqual(single.windows);
  }, 60_000);

  it('counts only when windowMs is null and honours an explicit format', async () => {
    // Prepare: a CLB-looking first line would be rejected under the explicit ALB format.
    const text = `junk first\n${albLines.join('\n')}\n`;

    // Act
    const { summary, windows } = await aggregateLogStream(chunks(Buffer.from(text), 100), {
      name: 'object.log',
      windowMs: null,
      format: 'alb',
      workers: 2,
      batchBytes: 600,
    });

    // Assess
    expect(windows).toEqual([]);
    expect(summary).toMatchObject({ format: 'alb', lines: albLines.length + 1, records: albLines.length, rejected: 1 });
    expect(summary.samples?.[0]?.line).toBe(1);
  }, 60_000);

  it('reports FORMAT_UNDETECTED like the single-thread reader when no line parses', async () => {
    const bytes = Buffer.from('not a log line\nnor this one\n');

    const parallel = await aggregateLogStream(chunks(bytes, 5), {
      name: 'object.log',
      windowMs: WINDOW_MS,
      workers: 2,
    });
    const single = await singleThread(bytes, 5, {});

    expect(parallel.failure?.code).toBe('FORMAT_UNDETECTED');
    expect(parallel.summary).toEqual(single.summary);
  });

  it('fails a forced-format object of which every line was rejected like the single-thread reader', async () => {
    // Prepare: ALB lines read as OTC
    const bytes = Buffer.from(`${albLines.join('\n')}\n`);
    // Act
    const parallel = await aggregateLogStream(chunks(bytes, 50), {
      name: 'object.log',
      windowMs: WINDOW_MS,
      workers: 2,
      format: 'otc-elb',
    });
    const aggregator = createAggregator({ windowMs: WINDOW_MS });
    const single = await readLogStream(chunks(bytes, 50), (r) => aggregator.add(r), {
      name: 'object.log',
      format: 'otc-elb',
    });
    // Assess
    expect(parallel.failure?.code).toBe('FORMAT_UNDETECTED');
    expect(parallel.summary.rejects).toEqual({ 'wrong-format': albLines.length });
    expect(parallel.summary).toEqual(single.summary);
  });

  it('rethrows a source error as READ_FAILED after workers have started', async () => {
    // Prepare: a source that fails after several batches of valid lines.
    const text = Buffer.from(`${albLines.join('\n')}\n`.repeat(50));
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield* chunks(text, 1000);
      throw new Error('connection reset');
    }

    // Act
    const error = await aggregateLogStream(failing(), {
      name: 'object.log',
      windowMs: WINDOW_MS,
      workers: 2,
      batchBytes: 2000,
    }).catch((e: unknown) => e);

    // Assess
    expect(isLbwatchError(error) && error.code).toBe('READ_FAILED');
    expect(String(error)).toContain('connection reset');
  }, 60_000);

  it('delegates other compressions to the single-thread reader (UNSUPPORTED_COMPRESSION)', async () => {
    const zstd = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3]);

    const result = await aggregateLogStream(chunks(zstd, 2), { name: 'object.log', windowMs: WINDOW_MS });

    expect(result.failure?.code).toBe('UNSUPPORTED_COMPRESSION');
    expect(result.windows).toEqual([]);
  });
});

describe('readPaths with large files', () => {
  it('reads files from parallelMinTextBytes on with workers and gives the single-thread inputs and windows', async () => {
    // Prepare: one plain file just over the threshold and one small file, in the same directory.
    const dir = await mkdtemp(join(tmpdir(), 'lbwatch-parallel-'));
    try {
      const lines: Line[] = Array.from({ length: 200 }, (_, i) => ({
        kind: 'alb',
        base: i,
        minute: i % 120,
        status: i % 9 === 0 ? 503 : 200,
        lb: i % 3,
        port: 1024 + i,
        crlf: false,
      }));
      const block = `${render(lines)}\n`;
      const big = block.repeat(Math.ceil(MIN_TEXT / Buffer.byteLength(block)) + 1);
      await writeFile(join(dir, 'a-big.log'), big);
      await writeFile(join(dir, 'b-small.log'), block);
      const singleDeps = { ...defaultPipelineDeps, aggregateInputFile: undefined };
      const parallelCalls: string[] = [];
      const parallelDeps = {
        ...defaultPipelineDeps,
        aggregateInputFile: (
          path: string,
          options: { windowMs: number; format: 'auto' | 'alb' | 'clb' | 'otc-elb' },
        ) => {
          parallelCalls.push(path);
          return aggregateLogStream(createReadStream(path), { ...options, name: path, workers: 2 });
        },
      };

      // Act
      const options = { windowMs: WINDOW_MS, format: 'auto' as const, parallelMinTextBytes: MIN_TEXT };
      const parallel = await readPaths([dir], options, parallelDeps);
      const single = await readPaths([dir], options, singleDeps);

      // Assess
      expect(parallelCalls).toEqual([join(dir, 'a-big.log')]);
      expect(parallel.inputs).toEqual(single.inputs);
      expect(parallel.windows).toEqual(single.windows);
      expect(parallel.inputs[0]?.records).toBeGreaterThan(5_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('uses worker threads only where a core is left to gunzip', () => {
    // gunzip, cutting and two parsers on two cores were measured no faster than one thread
    expect(defaultPipelineDeps.aggregateInputFile === undefined).toBe(availableParallelism() < PARALLEL_MIN_CORES);
  });
});
