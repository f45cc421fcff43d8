import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LtsUnwrapper } from '../../../lib/formats/lts.js';

/** The message `unwrap` found, as bytes, or null when it refused the line. */
function unwrapped(line: string): Buffer | null {
  const bytes = Buffer.from(line);
  const unwrapper = new LtsUnwrapper();
  if (!unwrapper.unwrap(bytes, 0, bytes.length)) return null;
  return Buffer.from(unwrapper.buf.subarray(unwrapper.start, unwrapper.end));
}

/** What `JSON.parse` makes of the line's message, trailing newline removed, or null. */
function oracle(line: string): Buffer | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const message = (parsed as Record<string, unknown>).message;
  if (typeof message !== 'string') return null;
  return Buffer.from(message.replace(/\r?\n$/, ''));
}

/** JSON string literal of `text`, escaping the code units `escape` picks as `\uXXXX` (and `/` as `\/`). */
function encode(text: string, escapes: boolean[]): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const forced = escapes[i % Math.max(1, escapes.length)] === true;
    if (forced) out += unit === 0x2f ? '\\/' : `\\u${unit.toString(16).padStart(4, '0')}`;
    else out += JSON.stringify(text[i]).slice(1, -1);
  }
  return `${out}"`;
}

const ELB_LINE =
  '1644819836.370 eb11c5a9-93a7-4c48-80fc-03f61f638595 [2024-02-14T14:23:56+02:00] elb_01 192.168.1.1:888 200 "POST https://www.test.com/example/ HTTP/1.1" 1411 251 3 0.011 "200" "0.000" "0.011" "0.011" "192.168.1.2:8080" "okhttp/3.13.1" "-" "-" loadbalancer_295a7eee-9999-46ed-9fad-32a62ff0a687 listener_20679192-8888-4e62-a814-a2f870f62148 3333fd44fe3b42cbaa1dc2c641994d90 pool_89547549-6666-446e-9dbc-e3a551034c46 "-" f2bc165ad9b4483a9b17762da851bbbb 121.64.212.1:443 "10.1.1.2:8080" - TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384 www.test.com 56704 -';

describe('LtsUnwrapper', () => {
  it('hands a message without escapes on as a slice of the line, its newline removed', () => {
    // Prepare
    const line = Buffer.from('{"host_name":"ecs-bd70","line_no":249,"message":"plain text\\n","time":1569825602303}');
    const unwrapper = new LtsUnwrapper();

    // Act
    const ok = unwrapper.unwrap(line, 0, line.length);

    // Assess
    expect(ok).toBe(true);
    expect(unwrapper.buf).toBe(line);
    expect(unwrapper.buf.toString('utf8', unwrapper.start, unwrapper.end)).toBe('plain text');
  });

  it('gives the ELB line of the documented LTS JSON example back exactly', () => {
    const line = `{"host_name":"ecs-bd70","ip":"192.168.0.54","line_no":249,"message":${JSON.stringify(`${ELB_LINE}\n`)},"path":"/var/log/elb","time":1569825602303}`;

    expect(unwrapped(line)?.toString()).toBe(ELB_LINE);
  });

  it('decodes escapes into its own buffer', () => {
    const line = `{"message":"a \\"b\\" c\\\\d \\u00e9\\ud83d\\ude00 \\/ \\t\\r\\n","time":1}`;

    expect(unwrapped(line)?.toString()).toBe('a "b" c\\d \u00e9\u{1F600} / \t');
  });

  it('reads tag fields, nested values, spaces and a repeated key as JSON.parse does', () => {
    const line =
      ' { "tags" : {"hostIP":"10.0.0.1","list":[1,"}",{"x":null}]} , "message" : "first\\n", "ok": true, "message":"second\\n" } ';

    expect(unwrapped(line)?.toString()).toBe('second');
  });

  it.each([
    ['not an object', '"message"'],
    ['no message', '{"host_name":"a","time":1}'],
    ['message not a string', '{"message":12}'],
    ['unterminated string', '{"message":"abc}'],
    ['unbalanced nesting', '{"tags":{"a":[1,2},"message":"x"}'],
    ['text after the object', '{"message":"x"} trailing'],
    ['missing comma', '{"a":1 "message":"x"}'],
    ['bad escape', '{"message":"a\\qb"}'],
    ['short unicode escape', '{"message":"a\\u12"}'],
    ['plain ELB line', ELB_LINE],
    ['empty', ''],
  ])('refuses a line with %s', (_name, line) => {
    expect(unwrapped(line)).toBeNull();
  });

  it('finds the same message as JSON.parse in generated LTS lines (fast-check)', () => {
    const unit = fc.oneof(
      fc.constantFrom('"', '\\', '\n', '\r', '\t', '/', ' ', '}', '{', ',', ':', '\u0000', '\u001f', 'é', '\u{1F600}'),
      fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      fc.string({ maxLength: 3 }),
    );
    const text = fc.array(unit, { maxLength: 30 }).map((parts) => parts.join(''));
    const other = fc.oneof(
      fc.integer().map(String),
      fc.constantFrom('true', 'false', 'null', '1.5e3', '[]', '{}', '[1,{"a":"]"}]'),
      fc.tuple(text, fc.array(fc.boolean(), { maxLength: 5 })).map(([t, e]) => encode(t, e)),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('host_name', 'ip', 'path', 'mess', 'messages', 'tag'), other), {
          maxLength: 4,
        }),
        text,
        fc.array(fc.boolean(), { maxLength: 6 }),
        fc.nat(4),
        fc.constantFrom('', ' ', '\t'),
        (fields, message, escapes, at, space) => {
          // Prepare
          const members = fields.map(([k, v]) => `"${k}"${space}:${space}${v}`);
          members.splice(Math.min(at, members.length), 0, `"message":${space}${encode(`${message}\n`, escapes)}`);
          const line = `${space}{${space}${members.join(`,${space}`)}${space}}${space}`;

          // Act
          const found = unwrapped(line);

          // Assess
          expect(found).toEqual(oracle(line));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('never accepts a line that JSON.parse reads differently (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40, unit: fc.constantFrom('{', '}', '"', '\\', 'm', ':', ',', '1', ' ', 'x') }),
        (tail) => {
          const line = `{"message":"a"${tail}`;

          const found = unwrapped(line);
          const expected = oracle(line);

          if (expected !== null) expect(found).toEqual(expected);
          if (found !== null && expected === null) expect(line).toMatch(/[0-9x]/); // only number/literal spelling is lenient
        },
      ),
      { numRuns: 300 },
    );
  });
});
