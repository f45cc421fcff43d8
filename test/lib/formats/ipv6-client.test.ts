import { describe, expect, it } from 'vitest';
import { LineParser, type LogFormat, type LogRecord } from '../../../lib/formats/index.js';
import { fixtureLines } from './helpers.js';

/** The fixture's last line of each format is its first line with the client written `[2001:db8::1]:443`. */
const cases: [LogFormat, string, string][] = [
  ['alb', fixtureLines('alb.log').at(0)!, fixtureLines('alb.log').at(-1)!],
  ['clb', fixtureLines('clb.log').at(0)!, fixtureLines('clb.log').at(-1)!],
  ['otc-elb', fixtureLines('otc-elb.log').at(0)!, fixtureLines('otc-elb.log').at(-1)!],
];

/** Parses one line with the WebAssembly tokenizer and with splitFields. */
function parseBoth(format: LogFormat, line: string): { wasm: LogRecord | string; js: LogRecord | string } {
  const buf = Buffer.from(`${line}\n`);
  const inWasm = new LineParser();
  inWasm.load(buf);
  const inJs = new LineParser(false, true, null);
  return {
    wasm: inWasm.parse(format, buf, 0, buf.length - 1),
    js: inJs.parse(format, buf, 0, buf.length - 1, buf.length),
  };
}

describe('IPv6 client written in brackets', () => {
  it.each(cases)(
    '%s: [2001:db8::1]:443 is client 2001:db8::1, port 443, the rest as the IPv4 line',
    (format, v4, v6) => {
      // Prepare
      expect(v6).toContain('[2001:db8::1]:443');
      // Act
      const { wasm, js } = parseBoth(format, v6);
      const plain = parseBoth(format, v4).wasm;
      // Assess
      expect(wasm).toEqual(js);
      expect(typeof wasm).toBe('object');
      expect(wasm).toMatchObject({ client: '2001:db8::1', clientPort: 443 });
      expect({ ...(wasm as LogRecord), client: null, clientPort: null }).toEqual({
        ...(plain as LogRecord),
        client: null,
        clientPort: null,
      });
    },
  );

  it.each(cases)('%s: a bracketed address without a port is the address, port unknown', (format, _v4, v6) => {
    // Act
    const { wasm, js } = parseBoth(format, v6.replace('[2001:db8::1]:443', '[2001:db8::1]'));
    // Assess
    expect(wasm).toEqual(js);
    expect(wasm).toMatchObject({ client: '2001:db8::1', clientPort: null });
  });

  it('closes a bracketed client at its own bracket, not at a later "] " in the user agent', () => {
    // Prepare: an ALB line whose user agent holds `[en] ` after the bracketed client
    const [, , v6] = cases[0]!;
    const line = v6.replace('"curl/7.46.0"', '"Mozilla/4.0 [en] (WinNT; I)"');
    // Act
    const { wasm, js } = parseBoth('alb', line);
    // Assess
    expect(wasm).toEqual(js);
    expect(wasm).toMatchObject({ client: '2001:db8::1', clientPort: 443, userAgent: 'Mozilla/4.0 [en] (WinNT; I)' });
  });

  it('still rejects a bracket that is never closed as unterminated-quote', () => {
    // Act
    const { wasm, js } = parseBoth('clb', cases[1]![2].replace('[2001:db8::1]:443', '[2001:db8::1:443'));
    // Assess
    expect(wasm).toBe('unterminated-quote');
    expect(js).toBe('unterminated-quote');
  });
});
