import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FieldSlices, splitFields } from '../../../lib/formats/bytes.js';
import { LineParser } from '../../../lib/formats/index.js';
import { TOKENIZER_WASM_BASE64 } from '../../../lib/formats/tokenizer-wasm.js';
import { sharedTokenizer, type WasmTokenizer } from '../../../lib/formats/wasm-tokenizer.js';
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

/** Lines dense in what the tokenizer reacts to, so quotes, escapes and brackets meet at every position. */
const lineArb = fc
  .array(fc.constantFrom('a', 'b', ' ', ' ', '"', '\\', '[', ']', '-', 'é', 'xyzxyzxyzxyzxyz'), { maxLength: 80 })
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

  it('is the committed build of wasm/tokenizer.ts (run npm run build:wasm after changing it)', async () => {
    // Act
    const binary = await compileTokenizer();
    // Assess
    expect(Buffer.from(binary).toString('base64')).toBe(TOKENIZER_WASM_BASE64);
  }, 60_000);
});
