import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FIELD_ESCAPED,
  FIELD_QUOTED,
  FieldSlices,
  Interner,
  readDecimal,
  readEpochMillis,
  readIsoMicros,
  splitFields,
} from '../../../lib/formats/bytes.js';

function fields(line: string, escapeFrom?: number): string[] | null {
  const buf = Buffer.from(line);
  const out = new FieldSlices(64);
  if (!splitFields(buf, 0, buf.length, 64, out, escapeFrom)) return null;
  return Array.from({ length: out.count }, (_, i) => buf.toString('utf8', out.starts[i], out.ends[i]));
}

describe('splitFields', () => {
  it('splits quoted, bracketed and bare fields', () => {
    expect(fields('a "b c" [d e] "" f')).toEqual(['a', 'b c', 'd e', '', 'f']);
  });

  it('closes a quote only before a space or the end, and honours backslash escapes', () => {
    expect(fields('"a"b c" d "x\\" y" z')).toEqual(['a"b c', 'd', 'x\\" y', 'z']);
  });

  it('reports an unterminated quote', () => {
    expect(fields('a "b c')).toBeNull();
    expect(fields('a "b\\"')).toBeNull();
  });

  it('gives the same slices and flags whatever escapeFrom the caller knows (fast-check)', () => {
    const token = fc.oneof(
      fc.stringMatching(/^[a-z0-9:./-]{1,30}$/),
      fc.stringMatching(/^[a-z "\\]{0,40}$/).map((s) => `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`),
    );
    fc.assert(
      fc.property(fc.array(token, { minLength: 1, maxLength: 12 }), (tokens) => {
        const line = tokens.join(' ');
        const buf = Buffer.from(line);
        const firstBackslash = buf.indexOf(0x5c);
        const careful = new FieldSlices(64);
        const informed = new FieldSlices(64);
        const a = splitFields(buf, 0, buf.length, 64, careful);
        const b = splitFields(buf, 0, buf.length, 64, informed, firstBackslash < 0 ? buf.length : firstBackslash);
        expect(b).toBe(a);
        expect(informed.count).toBe(careful.count);
        for (let i = 0; i < careful.count; i++) {
          expect([informed.starts[i], informed.ends[i]]).toEqual([careful.starts[i], careful.ends[i]]);
          expect(informed.flags[i]! & (FIELD_QUOTED | FIELD_ESCAPED)).toBe(
            careful.flags[i]! & (FIELD_QUOTED | FIELD_ESCAPED),
          );
        }
        expect(careful.count).toBe(tokens.length);
      }),
      { numRuns: 300 },
    );
  });
});

describe('number and time readers', () => {
  it('reads decimals exactly like parseFloat (fast-check)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99_999_999 }), fc.integer({ min: 0, max: 6 }), (digits, scale) => {
        const text = scale === 0 ? String(digits) : (digits / 10 ** scale).toFixed(scale);
        const buf = Buffer.from(text);
        expect(readDecimal(buf, 0, buf.length)).toBe(Number.parseFloat(text));
      }),
    );
  });

  it('reads ISO times like Date.parse, with offsets, across changing hours (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.date({
            min: new Date('2000-01-01T00:00:00Z'),
            max: new Date('2099-12-31T23:59:59Z'),
            noInvalidDate: true,
          }),
          {
            minLength: 1,
            maxLength: 5,
          },
        ),
        fc.constantFrom('Z', '+02:00', '-05:30', '+08:00'),
        (dates, zone) => {
          for (const date of dates) {
            const text = `${date.toISOString().slice(0, 23)}641${zone}`;
            const buf = Buffer.from(text);
            const expected = Date.parse(`${date.toISOString().slice(0, 23)}${zone}`) * 1000 + 641;
            expect(readIsoMicros(buf, 0, buf.length)).toBe(expected);
          }
        },
      ),
    );
  });

  it.each([
    '2018-07-02 22:23:00.1Z',
    '2018-13-02T22:23:00Z',
    '2018-07-02T24:00:00Z',
    '2018-07-02T22:23:00.Z',
    '2018-07-02T22:23:00+2',
  ])('rejects the time %j', (text) => {
    const buf = Buffer.from(text);
    expect(readIsoMicros(buf, 0, buf.length)).toBeNaN();
  });

  it('reads msec as integer milliseconds', () => {
    for (const [text, ms] of [
      ['1644819836.370', 1644819836370],
      ['1644819836.37', 1644819836370],
      ['1644819836', 1644819836000],
    ] as const) {
      const buf = Buffer.from(text);
      expect(readEpochMillis(buf, 0, buf.length)).toBe(ms);
    }
    expect(readEpochMillis(Buffer.from('1.2.3'), 0, 5)).toBeNaN();
  });
});

describe('Interner', () => {
  it('returns the decoded value for every slice, whatever the collisions (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z0-9.:-]{0,40}$/), { maxLength: 200 }), (values) => {
        const interner = new Interner(4, 32);
        for (const value of values) {
          const buf = Buffer.from(` ${value} `);
          expect(interner.get(buf, 1, buf.length - 1)).toBe(value);
        }
      }),
    );
  });

  it('does not follow later changes to the bytes it was given', () => {
    const interner = new Interner(16, 32);
    const buf = Buffer.from('alpha');
    expect(interner.get(buf, 0, 5)).toBe('alpha');
    buf.write('omega');
    expect(interner.get(buf, 0, 5)).toBe('omega');
    expect(interner.get(Buffer.from('alpha'), 0, 5)).toBe('alpha');
  });
});
