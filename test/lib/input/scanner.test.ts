import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REJECT_REASONS } from '../../../lib/formats/index.js';
import type { LogRecord } from '../../../lib/formats/record.js';
import { createLogScanner } from '../../../lib/input/scanner.js';
import { fixtureLines, scanText } from '../formats/helpers.js';

const albLines = fixtureLines('alb.log');
const otcLines = fixtureLines('otc-elb.log');
const clbLines = fixtureLines('clb.log');

/** Lines of one format plus junk that must become rejects. */
const junk = ['', 'garbage line', '"unterminated', 'http 2018-07-02T22:23:00Z short', '\u00e9\u00e8 caf\u00e9 \\x22'];

function joinLines(lines: string[], eol: string, finalNewline: boolean): string {
  return lines.join(eol) + (finalNewline && lines.length > 0 ? eol : '');
}

describe('createLogScanner chunking', () => {
  it('gives identical records and counts whole, byte by byte and in random chunks (fast-check)', () => {
    const escaped = albLines[0]!.replace('"curl/7.46.0"', '"a \\"b\\" c"');
    const lineArb = fc.oneof(
      fc.constantFrom(...albLines, escaped),
      fc.constantFrom(...otcLines),
      fc.constantFrom(...junk),
    );
    fc.assert(
      fc.property(
        fc.array(lineArb, { maxLength: 12 }),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 8 }),
        (lines, eol, finalNewline, sizes) => {
          // Prepare
          const text = joinLines(lines, eol, finalNewline);

          // Act
          const whole = scanText(text);
          const chunked = scanText(text, { chunkSizes: sizes });
          const bytewise = scanText(text, { chunkSizes: [1] });

          // Assess
          expect(chunked).toEqual(whole);
          expect(bytewise).toEqual(whole);
          expect(whole.summary.lines).toBe(whole.summary.records + whole.summary.rejected);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('handles a CRLF split between two chunks like LF', () => {
    const text = `${clbLines[0]}\r\n${clbLines[1]}\r\n`;
    const cut = text.indexOf('\r\n') + 1;
    const bytes = Buffer.from(text);

    const records: unknown[] = [];
    const scanner = createLogScanner({ name: 'crlf.log' }, (r) => records.push(r));
    scanner.push(bytes.subarray(0, cut));
    scanner.push(bytes.subarray(cut));
    scanner.end();

    expect(records).toEqual(scanText(`${clbLines[0]}\n${clbLines[1]}\n`).records);
    expect(scanner.summary(null).rejected).toBe(0);
  });

  it('parses the last line when the final newline is missing', () => {
    const { summary } = scanText(otcLines.join('\n'));

    expect(summary).toMatchObject({ lines: otcLines.length, records: otcLines.length, rejected: 0 });
  });
});

describe('createLogScanner rejects', () => {
  it('counts blank lines and lines before the format is known, then detects the format', () => {
    const text = ['garbage', '', albLines[0], clbLines[0], ''].join('\n');

    const { records, summary } = scanText(text);

    expect(records).toHaveLength(1);
    expect(summary).toMatchObject({
      format: 'alb',
      lines: 4,
      records: 1,
      rejected: 3,
      // Once the object's format is known, a CLB line is a line of the wrong format.
      rejects: { 'unknown-format': 1, 'blank-line': 1, 'wrong-format': 1 },
    });
    expect(summary.samples?.map((s) => s.line)).toEqual([1, 2, 4]);
  });

  it('uses a forced format instead of detecting', () => {
    const { summary } = scanText(`${clbLines[0]}\n`, { format: 'otc-elb' });

    expect(summary).toMatchObject({ format: 'otc-elb', records: 0, rejected: 1 });
  });

  it.each([
    ['clb', otcLines],
    ['alb', clbLines],
    ['otc-elb', albLines],
  ] as const)(
    'rejects lines of another format as wrong-format when %s is forced, junk by its own reason',
    (format, lines) => {
      // Prepare: every line of another format, then a line no format starts like
      const text = `${[...lines, 'garbage line'].join('\n')}\n`;
      // Act
      const { summary } = scanText(text, { format });
      // Assess
      expect(summary.records).toBe(0);
      expect(summary.rejects['wrong-format']).toBe(lines.length);
      expect(summary.rejected).toBe(lines.length + 1);
    },
  );

  it('bounds an over-long line: rejected, sample truncated, following lines still parsed, at every chunking', () => {
    // Prepare: a 200 KB line between two valid ones, with a 4 KiB limit.
    const long = `${clbLines[0]} ${'x'.repeat(200_000)}`;
    const text = [clbLines[0], long, clbLines[1], ''].join('\n');

    for (const chunkSizes of [[], [1000], [3], [65536]]) {
      // Act
      const { records, summary } = scanText(text, { maxLineBytes: 4096, chunkSizes });

      // Assess
      expect(records).toHaveLength(2);
      expect(summary.rejects).toEqual({ 'line-too-long': 1 });
      expect(summary.samples?.[0]?.line).toBe(2);
      expect(summary.samples?.[0]?.text.length).toBe(512);
    }
  });

  it('accepts a line of exactly maxLineBytes and rejects one byte more', () => {
    const line = clbLines[0]!;
    const { summary: exact } = scanText(`${line}\n`, { maxLineBytes: line.length, chunkSizes: [7] });
    const { summary: over } = scanText(`${line}\n`, { maxLineBytes: line.length - 1, chunkSizes: [7] });

    expect(exact.records).toBe(1);
    expect(over.rejects).toEqual({ 'line-too-long': 1 });
  });

  it('keeps at most maxSamples samples but counts every reject', () => {
    const records: unknown[] = [];
    const scanner = createLogScanner({ name: 'junk.log', maxSamples: 2 }, (r) => records.push(r));
    scanner.push(Buffer.from('a\nb\nc\nd\n'));
    scanner.end();

    const summary = scanner.summary(null);
    expect(summary.rejected).toBe(4);
    expect(summary.samples).toHaveLength(2);
  });

  it('never throws on mutated lines, and every line is a record or a reject with a known reason (fuzz)', () => {
    const seeds = [...albLines, ...otcLines, ...clbLines];
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(
          fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'insert', 'delete', 'cut')),
          {
            maxLength: 6,
          },
        ),
        fc.constantFrom('auto', 'alb', 'otc-elb', 'clb') as fc.Arbitrary<'auto' | 'alb' | 'otc-elb' | 'clb'>,
        (seed, edits, format) => {
          // Prepare: mutate bytes of a valid line (never introducing a newline).
          let bytes = Buffer.from(seed);
          for (const [at, value, op] of edits) {
            const i = bytes.length === 0 ? 0 : at % bytes.length;
            const b = value === 0x0a ? 0x20 : value;
            if (op === 'set' && bytes.length > 0) bytes[i] = b;
            else if (op === 'insert')
              bytes = Buffer.concat([bytes.subarray(0, i), Buffer.from([b]), bytes.subarray(i)]);
            else if (op === 'delete') bytes = Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + 1)]);
            else bytes = bytes.subarray(0, i);
          }
          const text = Buffer.concat([bytes, Buffer.from('\n'), Buffer.from(seed)]);

          // Act
          const { summary } = scanText(text, { format, keepRaw: true });

          // Assess
          expect(summary.lines).toBe(2);
          expect(summary.records + summary.rejected).toBe(2);
          for (const reason of Object.keys(summary.rejects)) expect(REJECT_REASONS).toContain(reason);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        const { summary } = scanText(bytes);
        expect(summary.records + summary.rejected).toBe(summary.lines);
      }),
      { numRuns: 300 },
    );
  });
});

describe('createLogScanner keepRaw', () => {
  it('attaches every field with quotes removed only when asked', () => {
    const line = albLines[4]!;

    const plain = scanText(`${line}\n`).records[0]!;
    const raw = scanText(`${line}\n`, { keepRaw: true }).records[0]!;

    expect(plain).not.toHaveProperty('raw');
    expect(raw.raw).toHaveLength(33);
    expect(raw.raw?.[12]).toBe('GET https://example.com:443/url/path HTTP/1.1');
    expect(raw.raw?.[29]).toBe('TID_12345678901234567890123456789012');
    expect({ ...raw, raw: undefined }).toEqual({ ...plain, raw: undefined });
  });
});

describe("fields: 'analysis'", () => {
  function scanWith(text: string, fields: 'all' | 'analysis') {
    const records: LogRecord[] = [];
    const scanner = createLogScanner({ name: 'fixture', fields }, (r) => records.push(r));
    scanner.push(Buffer.from(text));
    scanner.end();
    return { records, summary: scanner.summary(null) };
  }

  it.each([
    ['alb', albLines],
    ['otc-elb', otcLines],
    ['clb', clbLines],
  ])('%s: the same records as all fields except the ones only people read, which are left null', (_f, lines) => {
    // Prepare
    const text = `${lines.join('\n')}\n`;
    // Act
    const all = scanWith(text, 'all');
    const analysis = scanWith(text, 'analysis');
    // Assess
    expect(analysis.summary).toEqual(all.summary);
    expect(all.records.some((r) => r.client !== null && r.userAgent !== null && r.method !== null)).toBe(true);
    expect(analysis.records).toEqual(
      all.records.map((r) => ({
        ...r,
        client: null,
        clientPort: null,
        userAgent: null,
        tlsProtocol: null,
        tlsCipher: null,
        listener: null,
        method: null,
        protocol: null,
        path: null,
        actionsExecuted: null,
        responseBytes: null,
      })),
    );
  });
});
