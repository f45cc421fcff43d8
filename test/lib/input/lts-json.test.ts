import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogScanner } from '../../../lib/input/scanner.js';
import { fixtureLines, scanText } from '../formats/helpers.js';

const otcLines = fixtureLines('otc-elb.log');
const albLines = fixtureLines('alb.log');

/** One LTS JSON transfer line wrapping `message`, as the transfer writes it (newline kept inside). */
function ltsLine(message: string, lineNo = 1, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    host_name: 'elb-host',
    ip: '192.168.0.54',
    line_no: lineNo,
    message: `${message}\n`,
    path: '/var/log/elb/access.log',
    time: 1718512345000 + lineNo,
    ...extra,
  });
}

describe('createLogScanner on LTS JSON transfers', () => {
  it('parses the message of every object line and gives the same records as the raw lines', () => {
    // Prepare
    const raw = `${otcLines.join('\n')}\n`;
    const json = `${otcLines.map((line, i) => ltsLine(line, i + 1, { logStreamName: 'elb-access' })).join('\n')}\n`;

    // Act
    const plain = scanText(raw);
    const wrapped = scanText(json);

    // Assess
    expect(wrapped.records).toEqual(plain.records);
    expect(wrapped.summary).toMatchObject({ format: 'otc-elb', lines: otcLines.length, rejected: 0 });
  });

  it('counts a malformed wrapper as bad-lts-wrapper with the object line number, and message rejects as usual', () => {
    const text = [
      ltsLine(otcLines[0]!, 1),
      '{"host_name":"elb-host","line_no":2,"time":1718512345002}',
      'not json at all',
      '{"message":"cut',
      ltsLine('garbage that is no access log', 5),
      ltsLine('', 6),
      ltsLine(otcLines[1]!, 7),
      '',
    ].join('\n');

    const { records, summary } = scanText(text);

    expect(records).toHaveLength(2);
    expect(summary).toMatchObject({
      lines: 7,
      records: 2,
      rejected: 5,
      rejects: { 'bad-lts-wrapper': 3, 'too-few-fields': 1, 'blank-line': 1 },
    });
    expect(summary.samples?.map((s) => [s.line, s.reason])).toEqual([
      [2, 'bad-lts-wrapper'],
      [3, 'bad-lts-wrapper'],
      [4, 'bad-lts-wrapper'],
      [5, 'too-few-fields'],
      [6, 'blank-line'],
    ]);
    expect(summary.samples?.[3]?.text).toBe('garbage that is no access log');
  });

  it('detects the wrapper per object: a plain object keeps reading `{` lines as log lines', () => {
    const text = `${otcLines[0]}\n${ltsLine(otcLines[1]!)}\n`;

    const scanner = createLogScanner({ name: 'plain.log' }, () => {});
    scanner.push(Buffer.from(text));
    scanner.end();

    expect(scanner.wrapper).toBe('none');
    expect(scanner.summary(null).lines).toBe(2);
    expect(scanner.summary(null).rejects['bad-lts-wrapper']).toBeUndefined();
  });

  it('reads every line as a wrapper once the object is known to be LTS JSON', () => {
    const text = `${ltsLine(otcLines[0]!)}\n${otcLines[1]}\n`;

    const { summary } = scanText(text);

    expect(summary).toMatchObject({ records: 1, rejected: 1, rejects: { 'bad-lts-wrapper': 1 } });
  });

  it('takes the wrapper from the options when given', () => {
    const scanner = createLogScanner({ name: 'forced.log', wrapper: 'lts-json' }, () => {});
    scanner.push(Buffer.from(`${otcLines[0]}\n${ltsLine(otcLines[1]!)}\n`));
    scanner.end();

    expect(scanner.summary(null)).toMatchObject({ records: 1, rejects: { 'bad-lts-wrapper': 1 } });
  });

  it('counts every line as a record or a reject, identically whole, byte by byte and in random chunks (fast-check)', () => {
    // Messages with quotes, backslashes, \u escapes and inner newlines; wrappers broken in several ways.
    const message = fc.oneof(
      fc.constantFrom(...otcLines),
      fc.constantFrom(...otcLines).map((l) => l.replace('"okhttp/3.13.1"', '"ok \\"http\\" \u00e9\u{1F600}"')),
      fc.constantFrom(...albLines),
      fc.constantFrom('', 'junk', 'a\nb', '"unterminated', 'caf\u00e9 \\x22 \r'),
    );
    const line = fc.oneof(
      { weight: 6, arbitrary: fc.tuple(message, fc.nat(99)).map(([m, n]) => ltsLine(m, n)) },
      {
        weight: 1,
        arbitrary: fc.tuple(message, fc.boolean()).map(([m, slash]) =>
          // The same object with every non-ASCII and slash character written as \u escapes.
          ltsLine(m).replace(/[\u0080-\uffff]|\//g, (c) =>
            slash || c !== '/' ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c,
          ),
        ),
      },
      {
        weight: 1,
        arbitrary: fc.constantFrom('', '{', '{"message":1}', '{"message":"x"', 'plain', '{"message":"a\\qb"}'),
      },
    );
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 10 }),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 900 }), { minLength: 1, maxLength: 8 }),
        (lines, eol, finalNewline, sizes) => {
          // Prepare
          const text = lines.join(eol) + (finalNewline && lines.length > 0 ? eol : '');

          // Act
          const whole = scanText(text);
          const chunked = scanText(text, { chunkSizes: sizes });
          const bytewise = scanText(text, { chunkSizes: [1] });

          // Assess
          expect(chunked).toEqual(whole);
          expect(bytewise).toEqual(whole);
          const unterminatedEmpty = !finalNewline && lines.length > 0 && lines.at(-1) === '';
          expect(whole.summary.lines).toBe(lines.length - (unterminatedEmpty ? 1 : 0));
          expect(whole.summary.lines).toBe(whole.summary.records + whole.summary.rejected);
        },
      ),
      { numRuns: 120 },
    );
  });
});
