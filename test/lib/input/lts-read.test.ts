import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deflateRawSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aggregateLogStream } from '../../../lib/input/parallel.js';
import { type ReadLogResult, readLogStream } from '../../../lib/input/read-log.js';
import { fixtureLines } from '../formats/helpers.js';

const otcLines = fixtureLines('otc-elb.log');

function ltsFixture(name: string): Buffer {
  return readFileSync(fileURLToPath(new URL(`../../fixtures/lts/${name}`, import.meta.url)));
}

/** An async source that yields `bytes` in pieces of the given sizes (cycled), like a file stream or an OBS body. */
async function* chunks(bytes: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let k = 0;
  for (let offset = 0; offset < bytes.length; k++) {
    const size = Math.max(1, sizes[k % sizes.length]!);
    yield bytes.subarray(offset, offset + size);
    offset += size;
  }
}

interface Read extends ReadLogResult {
  loadBalancers: string[];
}

async function read(bytes: Uint8Array, name: string, sizes: number[] = [64 * 1024]): Promise<Read> {
  const loadBalancers = new Set<string>();
  const result = await readLogStream(chunks(bytes, sizes), (r) => loadBalancers.add(r.loadBalancer), { name });
  return { ...result, loadBalancers: [...loadBalancers].sort() };
}

/** What the tests compare between chunkings: counts, samples, failure code and load balancers. */
function figures(r: Read) {
  return {
    summary: r.summary,
    code: r.failure?.code ?? null,
    loadBalancers: r.loadBalancers,
    bytesOut: r.bytesOut,
  };
}

/** One LTS JSON transfer line wrapping `message`. */
function ltsLine(message: string, lineNo: number): string {
  return JSON.stringify({ host_name: 'elb', ip: '10.0.0.1', line_no: lineNo, message: `${message}\n`, time: lineNo });
}

interface ZipEntry {
  name: string;
  data: Buffer;
  /** Sizes only in a data descriptor after the data (as streaming producers write), with or without its signature. */
  descriptor?: 'signed' | 'unsigned';
  /** Deflate level; 0 copies the data into the deflate stream as it is (signatures in it stay visible). */
  level?: number;
  /** The CRC written in the data descriptor (lbwatch does not check it). */
  crc?: number;
}

/** A zip object written the way streaming producers write one: local headers, deflated data, central directory. */
function makeZip(entries: ZipEntry[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const compressed = deflateRawSync(entry.data, { level: entry.level ?? 6 });
    const name = Buffer.from(entry.name);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(entry.descriptor === undefined ? 0 : 8, 6);
    header.writeUInt16LE(8, 8);
    header.writeUInt32LE(entry.descriptor === undefined ? compressed.length : 0, 18);
    header.writeUInt32LE(entry.descriptor === undefined ? entry.data.length : 0, 22);
    header.writeUInt16LE(name.length, 26);
    const local = [header, name, compressed];
    if (entry.descriptor !== undefined) {
      const descriptor = Buffer.alloc(16);
      descriptor.writeUInt32LE(0x08074b50, 0);
      descriptor.writeUInt32LE(entry.crc ?? 0, 4);
      descriptor.writeUInt32LE(compressed.length, 8);
      descriptor.writeUInt32LE(entry.data.length, 12);
      local.push(entry.descriptor === 'signed' ? descriptor : descriptor.subarray(4));
    }
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(8, 10);
    dir.writeUInt32LE(compressed.length, 20);
    dir.writeUInt32LE(entry.data.length, 24);
    dir.writeUInt16LE(name.length, 28);
    dir.writeUInt32LE(offset, 42);
    central.push(dir, name);
    for (const part of local) {
      parts.push(part);
      offset += part.length;
    }
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  return Buffer.concat([...parts, ...central, end]);
}

describe('reading LTS transfer objects (fixtures made from the OTC example lines)', () => {
  it.each([
    ['raw.log', 30, 30, {}, 1],
    ['raw.zip', 30, 30, {}, 1],
    ['json.log.gz', 30, 30, {}, 1],
    ['json-two-entries.zip', 40, 40, {}, 1],
    ['json-malformed.log', 12, 10, { 'bad-lts-wrapper': 2 }, 1],
    ['json-two-load-balancers.log.gz', 40, 40, {}, 2],
    ['json-data-descriptors.zip', 40, 40, {}, 2],
    ['json-gzip-entry.zip', 15, 15, {}, 1],
    ['raw-stored.zip', 20, 20, {}, 2],
    ['raw-zip64.zip', 40, 40, {}, 2],
    ['raw-jar.zip', 40, 40, {}, 2],
  ])('%s: %i lines, %i records, rejects %o, %i load balancers', async (name, lines, records, rejects, lbs) => {
    // Prepare
    const bytes = ltsFixture(name);

    // Act
    const result = await read(bytes, name);

    // Assess
    expect(result.failure).toBeNull();
    expect(result.summary).toMatchObject({ format: 'otc-elb', lines, records, rejected: lines - records, rejects });
    expect(result.loadBalancers).toHaveLength(lbs);
  });

  it('keeps the samples of malformed wrappers with their line numbers in the object', async () => {
    const { summary } = await read(ltsFixture('json-malformed.log'), 'json-malformed.log');

    expect(summary.samples?.map((s) => [s.line, s.reason])).toEqual([
      [4, 'bad-lts-wrapper'],
      [8, 'bad-lts-wrapper'],
    ]);
  });

  it('reads the same records from a JSON transfer as from the RAW transfer of the same lines', async () => {
    const raw: unknown[] = [];
    const json: unknown[] = [];

    await readLogStream(chunks(ltsFixture('raw.log'), [4096]), (r) => raw.push(r), { name: 'raw.log' });
    await readLogStream(chunks(ltsFixture('json.log.gz'), [4096]), (r) => json.push(r), { name: 'json.log.gz' });

    expect(json).toEqual(raw);
  });

  it('keeps what was read before a truncated zip and names the object in ZIP_CORRUPT', async () => {
    const result = await read(ltsFixture('json-truncated.zip'), 'obs/json-truncated.zip');

    expect(result.failure?.code).toBe('ZIP_CORRUPT');
    expect(result.failure?.context).toMatchObject({ object: 'obs/json-truncated.zip', lines: 21 });
    expect(result.summary).toMatchObject({ lines: 21, records: 20, rejects: { 'truncated-line': 1 } });
    expect(result.summary.error).toBe(result.failure?.message);
  });

  it('keeps the entries before a corrupt one and reports ZIP_CORRUPT', async () => {
    const result = await read(ltsFixture('json-corrupt.zip'), 'json-corrupt.zip');

    expect(result.failure?.code).toBe('ZIP_CORRUPT');
    expect(result.summary.records).toBe(20);
  });

  it.each([
    'raw.zip',
    'json-two-entries.zip',
    'json-data-descriptors.zip',
    'json-gzip-entry.zip',
    'raw-stored.zip',
    'raw-zip64.zip',
    'raw-jar.zip',
    'json-truncated.zip',
    'json-corrupt.zip',
  ])('%s gives the same figures whole, byte by byte and in random chunks', async (name) => {
    const bytes = ltsFixture(name);
    const whole = figures(await read(bytes, name, [bytes.length]));

    const bytewise = figures(await read(bytes, name, [1]));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 6 }), async (sizes) => {
        expect(figures(await read(bytes, name, sizes))).toEqual(whole);
      }),
      { numRuns: 8 },
    );

    expect(bytewise).toEqual(whole);
  });

  it('finds entry boundaries by inflating, not by searching for signatures in the data (fast-check)', async () => {
    // Messages that carry every zip signature, copied into the deflate stream as they are (level 0).
    const signatures = ['PK\u0003\u0004', 'PK\u0007\u0008', 'PK\u0001\u0002', 'PK\u0005\u0006'];
    const entry = fc.record({
      lines: fc.array(fc.tuple(fc.constantFrom(...otcLines), fc.constantFrom('', ...signatures)), {
        minLength: 1,
        maxLength: 6,
      }),
      descriptor: fc.constantFrom<ZipEntry['descriptor']>(undefined, 'signed', 'unsigned'),
      level: fc.constantFrom(0, 6),
      json: fc.boolean(),
      newline: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(entry, { minLength: 1, maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 5 }),
        async (entries, sizes) => {
          // Prepare: a signature after the last field is ignored by the OTC parser, so every line is a record.
          let total = 0;
          const zip = makeZip(
            entries.map((e, i) => {
              const lines = e.lines.map(([line, sig], k) => (e.json ? ltsLine(`${line} ${sig}`, k) : `${line} ${sig}`));
              total += lines.length;
              const text = lines.join('\n') + (e.newline ? '\n' : '');
              return { name: `part-${i}.log`, data: Buffer.from(text), descriptor: e.descriptor, level: e.level };
            }),
          );

          // Act
          const result = await read(zip, 'signatures.zip', sizes);

          // Assess: entries never share a line, and no boundary is found inside the data.
          expect(result.failure).toBeNull();
          expect(result.summary.lines).toBe(total);
          expect(result.summary.lines).toBe(result.summary.records + result.summary.rejected);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('finds the next entry after an unsigned data descriptor whose CRC reads as the descriptor signature', async () => {
    const zip = makeZip([
      { name: 'a.log', data: Buffer.from(`${otcLines[0]}\n`), descriptor: 'unsigned', crc: 0x08074b50 },
      { name: 'b.log', data: Buffer.from(`${otcLines[1]}\n`), descriptor: 'signed', crc: 0x08074b50 },
    ]);

    const result = await read(zip, 'crc.zip');

    expect(result.failure).toBeNull();
    expect(result.summary).toMatchObject({ lines: 2, records: 2 });
  });

  it('gunzips a zip entry that is itself a gzip file, member by member', async () => {
    const gz = Buffer.concat([gzipSync(`${otcLines[0]}\n`), gzipSync(`${otcLines[1]}\n`)]);

    const result = await read(makeZip([{ name: 'a.log.gz', data: gz, descriptor: 'signed' }]), 'nested.zip', [7]);

    expect(result.summary).toMatchObject({ lines: 2, records: 2 });
  });

  it('reads an empty zip as an empty object', async () => {
    const result = await read(makeZip([]), 'empty.zip');

    expect(result.failure).toBeNull();
    expect(result.summary.lines).toBe(0);
  });

  it('refuses a zip entry compressed with another method, naming the entry, with UNSUPPORTED_COMPRESSION', async () => {
    const zip = makeZip([{ name: 'a.log', data: Buffer.from(`${otcLines[0]}\n`) }]);
    zip.writeUInt16LE(12, 8); // bzip2

    const result = await read(zip, 'bzip2.zip');

    expect(result.failure?.code).toBe('UNSUPPORTED_COMPRESSION');
    expect(result.failure?.message).toContain('a.log');
  });

  it('refuses framed snappy with UNSUPPORTED_COMPRESSION that points to gzip or zip in the transfer settings', async () => {
    const snappy = Buffer.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59, 1, 2, 3]);

    const result = await read(snappy, 'LogTanks/eu-de/lts.snappy');

    expect(result.failure?.code).toBe('UNSUPPORTED_COMPRESSION');
    expect(result.failure?.context).toMatchObject({ object: 'LogTanks/eu-de/lts.snappy', compression: 'snappy' });
    expect(result.failure?.message).toMatch(/snappy.*gzip or zip/);
  });

  it('gives the same figures with worker threads as on one thread for LTS JSON and zip objects', async () => {
    for (const [name, format] of [
      ['json.log.gz', 'auto'],
      ['json-malformed.log', 'auto'],
      ['json-malformed.log', 'otc-elb'],
      ['json-two-entries.zip', 'auto'],
    ] as const) {
      const bytes = ltsFixture(name);
      const single = await readLogStream(chunks(bytes, [1000]), () => {}, { name, format });

      const parallel = await aggregateLogStream(chunks(bytes, [1000]), {
        name,
        format,
        windowMs: 300_000,
        workers: 2,
        batchBytes: 2048,
      });

      expect(parallel.summary).toEqual(single.summary);
      expect(parallel.failure).toBeNull();
    }
  });
});
