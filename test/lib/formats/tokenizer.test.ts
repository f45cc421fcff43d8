import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FieldSlices,
  readDecimal,
  readEpochMillis,
  readIsoMicros,
  readSeconds,
  readUint,
  splitFields,
} from '../../../lib/formats/bytes.js';
import { ParseContext, TEXT_TABLE } from '../../../lib/formats/context.js';
import { LineParser, type LogFormat, type LogRecord } from '../../../lib/formats/index.js';
import {
  emptyRequestParts,
  parseRequestLine,
  type RequestParts,
  readRequestLine,
} from '../../../lib/formats/request-line.js';
import { TOKENIZER_WASM_BASE64 } from '../../../lib/formats/tokenizer-wasm.js';
import {
  DECODES_ESCAPES,
  NUM,
  NUMBER,
  REQUEST,
  REQUEST_DISPLAY,
  sharedTokenizer,
  type WasmTokenizer,
} from '../../../lib/formats/wasm-tokenizer.js';
import { compileTokenizer } from '../../../scripts/build-wasm.mjs';
import { fixtureLines } from './helpers.js';

function tokenizer(): WasmTokenizer {
  const t = sharedTokenizer();
  if (t === null) throw new Error('WebAssembly SIMD is unavailable');
  return t;
}

type Split = { ok: false } | { ok: true; fields: [number, number, number][] };

function fields(out: FieldSlices): [number, number, number][] {
  return Array.from({ length: out.count }, (_, i) => [out.starts[i]!, out.ends[i]!, out.flags[i]!]);
}

/** splitFields on `chunk[start, end)`, told where the first backslash is, as the scanner does. */
function inJavaScript(chunk: Buffer, start: number, end: number, max: number): Split {
  const out = new FieldSlices(64);
  const backslash = chunk.indexOf(0x5c, start);
  const ok = splitFields(chunk, start, end, max, out, backslash < 0 ? chunk.length : backslash);
  return ok ? { ok, fields: fields(out) } : { ok };
}

function inWebAssembly(chunk: Buffer, start: number, end: number, max: number): Split {
  const t = tokenizer();
  expect(t.load(chunk)).toBe(true);
  const ok = t.split(start, end, max);
  return ok ? { ok, fields: fields(t.fields) } : { ok };
}

/**
 * Lines dense in what the tokenizer reacts to, so quotes, escapes and brackets meet at every position, with
 * bracketed IPv6 clients (`[2001:db8::1]:443`, a `]` followed by a colon) among them.
 */
const lineArb = fc
  .array(
    fc.constantFrom(
      'a',
      'b',
      ' ',
      ' ',
      '"',
      '\\',
      '[',
      ']',
      ':',
      '-',
      'é',
      'xyzxyzxyzxyzxyz',
      '[2001:db8::1]:443',
      '[::1]',
      ']:',
    ),
    { maxLength: 80 },
  )
  .map((parts) => parts.join(''));

describe('WebAssembly tokenizer', () => {
  it('splits exactly like splitFields: fields, flags, unterminated quotes, any max, anywhere in a chunk', () => {
    fc.assert(
      fc.property(lineArb, fc.integer({ min: 1, max: 40 }), fc.nat(40), fc.nat(40), (line, max, before, after) => {
        // Prepare: the line between other bytes, so SIMD loads cross its ends (and the chunk's end when after = 0)
        const chunk = Buffer.concat([Buffer.alloc(before, 0x41), Buffer.from(line), Buffer.alloc(after, 0x22)]);
        const start = before;
        const end = before + Buffer.byteLength(line);
        // Act / Assess
        expect(inWebAssembly(chunk, start, end, max)).toEqual(inJavaScript(chunk, start, end, max));
      }),
      { numRuns: 3000 },
    );
  });

  it('splits every fixture line like splitFields', () => {
    // Prepare: every documented example line, one chunk
    const lines = [...fixtureLines('alb.log'), ...fixtureLines('otc-elb.log'), ...fixtureLines('clb.log')];
    const chunk = Buffer.from(`${lines.join('\n')}\n`);
    let start = 0;
    for (const line of lines) {
      const end = start + Buffer.byteLength(line);
      // Act / Assess
      expect(inWebAssembly(chunk, start, end, 40)).toEqual(inJavaScript(chunk, start, end, 40));
      start = end + 1;
    }
  });

  it('leaves a chunk larger than its capacity to splitFields, with the same records', () => {
    // Prepare: one ALB line, repeated past the tokenizer's capacity
    const line = fixtureLines('alb.log')[0] as string;
    const big = Buffer.from(`${line}\n`.repeat(Math.ceil((tokenizer().capacity + 1) / (line.length + 1))));
    const parser = new LineParser();
    // Act
    parser.load(big);
    const fromBig = parser.parse('alb', big, 0, line.length);
    const small = Buffer.from(`${line}\n`);
    parser.load(small);
    const fromSmall = parser.parse('alb', small, 0, line.length);
    // Assess
    expect(tokenizer().holds(big)).toBe(false);
    expect(tokenizer().holds(small)).toBe(true);
    expect(fromBig).toEqual(fromSmall);
  });

  it('parses request lines exactly like parseRequestLine, with and without display, escapes, ids and long parts', () => {
    const t = tokenizer();
    const plans = [t.planFor([[1, REQUEST]]), t.planFor([[1, REQUEST | REQUEST_DISPLAY]])];
    // Request lines part by part, each part from its usual and unusual shapes (escapes, IPv6, ports at the
    // limits, glued or missing protocols, parts longer than a key), and free mixes of the pieces
    const long = 'x'.repeat(300);
    const method = fc.constantFrom('GET', 'POST', '-', '', 'G\\x41T', long);
    const scheme = fc.constantFrom('', 'http://', 'https://', 'HTTPS://', 'ftp://', 'h:/', '://', 'abcdefghijklm://');
    const host = fc.constantFrom('', 'www.example.com', 'h\\x41st', '[::1]', '[2001:db8::1', long, '-', 'a:b', 'é');
    const port = fc.constantFrom('', ':80', ':443', ':65535', ':65536', ':', ':99x', ':1234567890123456');
    const path = fc.constantFrom(
      '',
      '/',
      '/a/b',
      '/p\\x41',
      '/é',
      '/x?y',
      '?q=1',
      '#f',
      '/a b',
      '-',
      `/${long}`,
      '/orders/42/items',
      '/static/app.673a4e3e.js',
      '/5b2f0c8e-91d4-4a6b-b37e-0e4c2a9d1f58/',
      '/deadbeef.',
      '/v1/a_b-9/x\\x31',
      '/7'.repeat(100),
      `/1${'a'.repeat(250)}`,
      '/abcdefa/abcdefab/Abcdef-_/cafe',
    );
    const protocol = fc.constantFrom('', ' HTTP/1.1', 'HTTP/2.0', ' -', ' ', '  HTTP/1.0', ` ${long}`);
    const shaped = fc
      .tuple(method, fc.constantFrom(' ', '  ', ''), scheme, host, port, path, protocol)
      .map((parts) => parts.join(''));
    const pieces = fc.constantFrom(
      ...'GET|http|://|:|/|?|#|[|]| |-|HTTP/1.1|HTTP/|443|65536|a|é|.|_|42|abcdef12|abcdef|B|\\x41'.split('|'),
    );
    const request = fc.oneof(
      shaped,
      fc.array(pieces, { maxLength: 14 }).map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(request, fc.boolean(), fc.nat(20), (line, display, before) => {
        // Prepare: the request as the quoted field 1 of a line after `before` bytes of a chunk, split with and
        // without the tokenizer
        const chunk = Buffer.from(`${'a'.repeat(before)}\nx "${line}" tail\n`);
        const start = before + 1;
        const end = chunk.length - 1;
        expect(t.load(chunk)).toBe(true);
        fc.pre(t.split(start, end, 40, plans[display ? 1 : 0]));
        const inWasm = new ParseContext(false, display, t);
        inWasm.interned = true;
        const fields = t.fields;
        const [s1, e1, f1] = [fields.starts[1]!, fields.ends[1]!, fields.flags[1]!];
        const fromWasm: RequestParts = emptyRequestParts();
        const fromJs: RequestParts = emptyRequestParts();
        // Act
        readRequestLine(chunk, inWasm, 1, fromWasm);
        parseRequestLine(chunk, s1, e1, f1, new ParseContext(false, display), fromJs);
        // Assess
        expect(chunk.subarray(s1, e1).toString()).toBe(line);
        expect(inWasm.ids[1]).toBe(0);
        expect(fromWasm).toEqual(fromJs);
      }),
      { numRuns: 4000 },
    );
  });

  it('interns fields like the JavaScript caches through evictions, shared tables, escapes and long values', () => {
    // Prepare: ALB, OTC and CLB lines interleaved in one chunk, with 1,500 members (more than a table's 1,024 slots),
    // user agents with escapes and past the key limit, and hosts in and out of the cache
    const albLine = fixtureLines('alb.log')[0] as string;
    const otcLine = fixtureLines('otc-elb.log')[0] as string;
    const clbLine = fixtureLines('clb.log')[0] as string;
    const lines: [LogFormat, string][] = [];
    for (let i = 0; i < 1500; i++) {
      const member = `10.${i % 7}.${((i * 7) % 3000) >> 8}.${(i * 7) % 251}:${8000 + (i % 3)}`;
      const agent =
        i % 5 === 0 ? `agent\\x41\\"${i % 13}` : i % 11 === 0 ? `A${'b'.repeat(250 + (i % 9))}` : `ua-${i % 17}`;
      const host = i % 97 === 0 ? `h${'o'.repeat(260)}.example` : `host-${i % 40}.example`;
      const alb = albLine.split(' ');
      alb[4] = member;
      lines.push([
        'alb',
        alb
          .join(' ')
          .replace('"curl/7.46.0"', `"${agent}"`)
          .replace(/\/\/[^/:]+/, `//${host}`),
      ]);
      const otc = otcLine.replace('"192.168.1.2:8080"', `"${member}"`).replace('"okhttp/3.13.1"', `"${agent}"`);
      lines.push(['otc-elb', otc.replace(/\/\/[^/:]+/, `//${host}`)]);
      if (i % 3 === 0) lines.push(['clb', clbLine.replace(/\/\/[^/:]+/, `//${host}`)]);
    }
    const chunk = Buffer.from(`${lines.map(([, line]) => line).join('\n')}\n`);
    const inWasm = new LineParser();
    const other = new LineParser(false, false);
    const inJs = new LineParser(false, true, null);
    inWasm.load(chunk);
    expect(tokenizer().holds(chunk)).toBe(true);
    // Act
    const fromWasm: (LogRecord | string)[] = [];
    const fromJs: (LogRecord | string)[] = [];
    let start = 0;
    for (const [format, line] of lines) {
      const end = start + Buffer.byteLength(line);
      other.parse(format === 'alb' ? 'otc-elb' : 'alb', chunk, start, end); // another parser's plan between lines
      fromWasm.push(inWasm.parse(format, chunk, start, end));
      fromJs.push(inJs.parse(format, chunk, start, end));
      start = end + 1;
    }
    // Assess
    expect(new Set(fromWasm.map((r) => (typeof r === 'string' ? r : r.member))).size).toBeGreaterThan(1400);
    const agents = new Set(fromWasm.map((r) => (typeof r === 'string' ? r : r.userAgent)));
    expect([...agents].filter((a) => a?.includes('A"')).length).toBe(13);
    // 251 to 259 bytes: five fit a key (255), four are decoded without one
    expect([...agents].filter((a) => a !== null && a.length > 250).length).toBe(9);
    expect(fromWasm).toEqual(fromJs);
  });

  it('reads numbers exactly like readUint, readSeconds, readDecimal, readEpochMillis and readIsoMicros', () => {
    const t = tokenizer();
    const readers = [
      { kind: NUM.uint, plan: t.planFor([[1, NUMBER | NUM.uint]]), read: readUint },
      { kind: NUM.seconds, plan: t.planFor([[1, NUMBER | NUM.seconds]]), read: readSeconds },
      { kind: NUM.decimal, plan: t.planFor([[1, NUMBER | NUM.decimal]]), read: readDecimal },
      { kind: NUM.epochMillis, plan: t.planFor([[1, NUMBER | NUM.epochMillis]]), read: readEpochMillis },
      { kind: NUM.isoMicros, plan: t.planFor([[1, NUMBER | NUM.isoMicros]]), read: readIsoMicros },
    ];
    const digits = (min: number, max: number) =>
      fc.array(fc.constantFrom(...'0123456789'), { minLength: min, maxLength: max }).map((d) => d.join(''));
    // Two digits from one past each end of a component's range, now and then not digits at all
    const two = (min: number, max: number) =>
      fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min, max }).map((n) => String(n).padStart(2, '0')) },
        { weight: 3, arbitrary: fc.constantFrom(min, max - 1, max).map((n) => String(n).padStart(2, '0')) },
        { weight: 1, arbitrary: fc.constantFrom('x1', '1', '-1', '+1') },
      );
    // Valid-looking times with every component at and past its limits, offsets and fractions of any length
    const iso = fc
      .tuple(
        fc.constantFrom('2026', '1970', '0000', '0001', '9999', '1600', '20x6'),
        two(0, 13),
        two(0, 32),
        fc.constantFrom('T', 'T', 't'),
        two(0, 24),
        two(0, 60),
        two(0, 61),
        fc.oneof(
          fc.constant(''),
          digits(0, 9).map((d) => `.${d}`),
        ),
        fc.constantFrom('Z', 'Z', '', '+08:00', '-02:30', '+24:00', '+01:60', '+0100', 'ZZ', '+08:0x'),
      )
      .map(([y, mo, d, t, h, mi, s, f, z]) => `${y}-${mo}-${d}${t}${h}:${mi}:${s}${f}${z}`);
    const decimal = fc
      .tuple(fc.constantFrom('', '-', '--'), digits(0, 20), fc.constantFrom('', '.', '..'), digits(0, 20))
      .map((parts) => parts.join(''));
    const pieces = fc
      .array(fc.constantFrom(...'0|1|9|.|-|-1|+|:|T|Z|e|x|12|2026-06-16T'.split('|')), { maxLength: 12 })
      .map((p) => p.join(''));
    const value = fc.oneof(
      { weight: 4, arbitrary: iso },
      { weight: 2, arbitrary: decimal },
      { weight: 2, arbitrary: pieces },
      { weight: 1, arbitrary: digits(1, 18) },
      { weight: 1, arbitrary: fc.constantFrom('-', '-1', '-0', '0.000', '1e3') },
    );
    for (const reader of readers) {
      fc.assert(
        fc.property(value, fc.nat(20), (text, before) => {
          fc.pre(text.length > 0);
          // Prepare: the value as field 1 of a line after `before` bytes of a chunk
          const chunk = Buffer.from(`${'a'.repeat(before)}\nx ${text} tail\n`);
          expect(t.load(chunk)).toBe(true);
          expect(t.split(before + 1, chunk.length - 1, 40, reader.plan)).toBe(true);
          // Act
          const inWasm = t.nums[1]!;
          const inJs = reader.read(chunk, before + 3, before + 3 + Buffer.byteLength(text));
          // Assess: what the WebAssembly reader leaves to JavaScript (+Infinity) is only decimals of 16+ digits
          if (inWasm === Number.POSITIVE_INFINITY) {
            expect(reader.kind === NUM.seconds || reader.kind === NUM.decimal).toBe(true);
            expect(text.replace(/[^0-9]/g, '').length).toBeGreaterThan(15);
          } else if (reader.kind === NUM.seconds) {
            expect(inWasm >= 0 ? inWasm : null).toBe(inJs);
          } else {
            expect(inWasm).toBe(inJs);
          }
        }),
        { numRuns: 3000 },
      );
    }
  });

  it('leaves every field a plan does not read as a number to JavaScript', () => {
    // Prepare: a plan that reads field 2 as a number and interns field 1
    const t = tokenizer();
    const plan = t.planFor([
      [1, TEXT_TABLE.member],
      [2, NUMBER | NUM.uint],
    ]);
    const chunk = Buffer.from('a 10.0.0.1:80 42 7 "q"\n');
    expect(t.load(chunk)).toBe(true);
    // Act
    expect(t.split(0, chunk.length - 1, 40, plan)).toBe(true);
    // Assess
    expect(Array.from(t.nums.subarray(0, 5))).toEqual([Infinity, Infinity, 42, Infinity, Infinity]);
  });

  it('refuses a plan that names a table twice or a field out of range', () => {
    const t = tokenizer();
    expect(() =>
      t.planFor([
        [1, 2],
        [3, 2],
      ]),
    ).toThrow(/appears twice/);
    expect(() => t.planFor([[64, 2]])).toThrow(/out of range/);
    expect(() => t.planFor([[1, 10]])).toThrow(/out of range/);
    expect(() =>
      t.planFor([
        [1, REQUEST],
        [2, REQUEST],
      ]),
    ).toThrow(/appears twice/);
    expect(t.planFor([[1, 2 | DECODES_ESCAPES]])).toBe(t.planFor([[1, 2 | DECODES_ESCAPES]]));
  });

  it('is the committed build of wasm/tokenizer.ts (run npm run build:wasm after changing it)', async () => {
    // Act
    const binary = await compileTokenizer();
    // Assess
    expect(Buffer.from(binary).toString('base64')).toBe(TOKENIZER_WASM_BASE64);
  }, 60_000);
});
