import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readInputFile } from '../../../cli/inputs.js';
import { isLbwatchError } from '../../../lib/errors.js';
import type { LogRecord } from '../../../lib/formats/record.js';
import { readLogStream } from '../../../lib/input/read-log.js';
import { fixtureLines, scanText } from '../formats/helpers.js';

const albLines = fixtureLines('alb.log');
const albText = `${albLines.join('\n')}\n`;

/** An async source that yields `bytes` in chunks of `size`, like an S3 body or file stream. */
async function* chunks(bytes: Uint8Array, size = 64 * 1024): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

async function read(bytes: Uint8Array, name = 'object.log.gz', size?: number) {
  const records: LogRecord[] = [];
  const result = await readLogStream(chunks(bytes, size), (r) => records.push(r), { name });
  return { records, ...result };
}

/** Several gzip members, as ALB writes them. */
function multiMember(text: string, members: number): Buffer {
  const lines = text.split('\n').filter(Boolean);
  const parts: Buffer[] = [];
  const per = Math.ceil(lines.length / members);
  for (let i = 0; i < lines.length; i += per) parts.push(gzipSync(`${lines.slice(i, i + per).join('\n')}\n`));
  return Buffer.concat(parts);
}

describe('readLogStream compression', () => {
  it('reads every member of a multi-member gzip object', async () => {
    const bytes = multiMember(albText, 3);

    const { records, summary, failure, bytesIn, bytesOut } = await read(bytes);

    expect(failure).toBeNull();
    expect(records).toEqual(scanText(albText).records);
    expect(summary).toMatchObject({
      path: 'object.log.gz',
      format: 'alb',
      lines: albLines.length,
      records: albLines.length,
      rejected: 0,
      error: null,
    });
    expect(bytesIn).toBe(bytes.length);
    expect(bytesOut).toBe(Buffer.byteLength(albText));
  });

  it('gives the same records for a large gzip object as for its plain text (decompression queue held back)', async () => {
    // Prepare: ~3 MB of text, far more than the decompressed bytes allowed to wait for parsing.
    const text = `${Array.from({ length: 6000 }, (_, i) => albLines[i % albLines.length]!.replace('2817', String(1000 + i))).join('\n')}\n`;
    const bytes = multiMember(text, 7);

    const { records, summary, failure } = await read(bytes, 'big.log.gz', 256 * 1024);

    expect(failure).toBeNull();
    expect(summary.records).toBe(6000);
    expect(records).toEqual(scanText(text).records);
  });

  it('sniffs gzip even when the source delivers one byte at a time', async () => {
    const { records, failure } = await read(multiMember(albText, 2), 'x', 1);

    expect(failure).toBeNull();
    expect(records).toHaveLength(albLines.length);
  });

  it('treats a 0-byte object as valid and empty', async () => {
    const { summary, failure, bytesIn } = await read(new Uint8Array(0));

    expect(failure).toBeNull();
    expect(bytesIn).toBe(0);
    expect(summary).toMatchObject({ format: null, lines: 0, records: 0, rejected: 0, error: null });
  });

  it('treats an empty gzip member as valid and empty', async () => {
    const { summary, failure } = await read(gzipSync(Buffer.alloc(0)));

    expect(failure).toBeNull();
    expect(summary.lines).toBe(0);
  });

  it('keeps what was read before a truncated gzip and names the object in GZIP_TRUNCATED', async () => {
    // Prepare: 2000 lines, cut in the middle of the compressed bytes.
    const text = `${Array.from({ length: 2000 }, (_, i) => albLines[i % albLines.length]).join('\n')}\n`;
    const bytes = gzipSync(text);
    const cut = bytes.subarray(0, Math.floor(bytes.length / 2));

    // Act
    const { records, summary, failure } = await read(cut, 'cut.log.gz', 1024);

    // Assess
    expect(failure?.code).toBe('GZIP_TRUNCATED');
    expect(failure?.message).toContain('cut.log.gz');
    expect(failure?.context.object).toBe('cut.log.gz');
    expect(summary.error).toBe(failure?.message);
    expect(records.length).toBeGreaterThan(100);
    expect(summary.records).toBe(records.length);
    expect(summary.lines).toBe(summary.records + summary.rejected);
    expect(summary.rejects).toEqual({ 'truncated-line': 1 });
  });

  it('keeps the members before a corrupt one and reports GZIP_CORRUPT', async () => {
    const first = gzipSync(albText);
    const second = gzipSync(albText);
    second.fill(0x55, 12, second.length - 8);

    const { records, failure } = await read(Buffer.concat([first, second]), 'bad.log.gz', 16);

    expect(failure?.code).toBe('GZIP_CORRUPT');
    expect(failure?.message).toContain('bad.log.gz');
    expect(records).toHaveLength(albLines.length);
  });

  it('refuses snappy and zstd objects by magic bytes with UNSUPPORTED_COMPRESSION', async () => {
    for (const magic of [
      [0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59],
      [0x28, 0xb5, 0x2f, 0xfd],
    ]) {
      const { failure, summary } = await read(Buffer.from([...magic, 1, 2, 3, 4]), 'logs.zip');

      expect(failure?.code).toBe('UNSUPPORTED_COMPRESSION');
      expect(failure?.message).toContain('logs.zip');
      expect(summary.lines).toBe(0);
    }
  });

  it('reports FORMAT_UNDETECTED when no line is in a known format', async () => {
    const { failure, summary } = await read(Buffer.from('{"message":"hello"}\nplain words\n'), 'notes.txt');

    // The first line is an LTS JSON object whose message is no access log; the object is then read as LTS JSON.
    expect(failure?.code).toBe('FORMAT_UNDETECTED');
    expect(summary.rejects).toEqual({ 'unknown-format': 1, 'bad-lts-wrapper': 1 });
  });

  it('fails an object of which every line was rejected under a forced format, saying what was expected', async () => {
    // Prepare: ALB lines read as CLB, and a blank line
    const records: LogRecord[] = [];
    // Act
    const { failure, summary } = await readLogStream(chunks(Buffer.from(`${albText}\n`)), (r) => records.push(r), {
      name: 'alb.log',
      format: 'clb',
    });
    // Assess
    expect(records).toEqual([]);
    expect(failure?.code).toBe('FORMAT_UNDETECTED');
    expect(failure?.message).toBe(
      `alb.log: expected clb lines, but every line was rejected (${albLines.length + 1} of ${albLines.length + 1}: wrong-format ${albLines.length}, blank-line 1)`,
    );
    expect(summary.error).toBe(failure?.message);
  });

  it('does not fail a forced-format object with one record, nor one with only blank lines', async () => {
    // Act
    const oneRecord = await read(Buffer.from(`${albLines[0]}\n2015-05-13T23:39:43Z junk\n`), 'mixed.log');
    const blank = await readLogStream(chunks(Buffer.from('\n\n')), () => {}, { name: 'blank.log', format: 'clb' });
    // Assess
    expect(oneRecord.failure).toBeNull();
    expect(blank.failure).toBeNull();
  });
});

describe('readLogStream errors', () => {
  it('rethrows a failing source as READ_FAILED (transient, for a retry), for plain and gzip objects', async () => {
    for (const head of [Buffer.from(albText), gzipSync(albText)]) {
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield head.subarray(0, 40);
        throw new Error('socket hang up');
      }

      const error = await readLogStream(failing(), () => {}, { name: 's3://b/k' }).catch((e: unknown) => e);

      expect(isLbwatchError(error, 'READ_FAILED')).toBe(true);
      expect((error as Error).message).toContain('s3://b/k');
      expect((error as Error).cause).toBeInstanceOf(Error);
    }
  });

  it('lets an error thrown by the record callback through unchanged', async () => {
    const boom = new Error('consumer failed');

    const error = await readLogStream(
      chunks(multiMember(albText, 2)),
      () => {
        throw boom;
      },
      { name: 'x' },
    ).catch((e: unknown) => e);

    expect(error).toBe(boom);
  });
});

describe('readInputFile', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lbwatch-read-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a plain-text file named .gz and a gzip file named .log by their content', async () => {
    const plain = join(dir, 'plain.log.gz');
    const packed = join(dir, 'packed.log');
    await writeFile(plain, albText);
    await writeFile(packed, multiMember(albText.replaceAll('\n', '\r\n'), 2));

    const counts: number[] = [];
    for (const path of [plain, packed]) {
      const records: LogRecord[] = [];
      const result = await readInputFile(path, (r) => records.push(r));
      expect(result.failure).toBeNull();
      expect(result.summary.path).toBe(path);
      counts.push(records.length);
    }

    expect(counts).toEqual([albLines.length, albLines.length]);
  });
});
