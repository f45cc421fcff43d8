import { describe, expect, it } from 'vitest';
import { fixtureLines, parseOne, scanText } from './helpers.js';

const [http, https, lambda502, tid30, transform33, redirect27] = fixtureLines('alb.log') as [
  string,
  string,
  string,
  string,
  string,
  string,
];

describe('AWS ALB documented example lines', () => {
  it('parses the HTTP example to the documented values', () => {
    const record = parseOne(http);

    expect(record).toEqual({
      format: 'alb',
      time: Date.UTC(2018, 6, 2, 22, 23, 0, 186),
      loadBalancer: 'app/my-loadbalancer/50dc6c495c0c9188',
      listener: null,
      frontendPort: 80,
      client: '192.168.131.39',
      clientPort: 2817,
      status: 200,
      backendStatus: 200,
      generatedBy: 'backend',
      member: '10.0.0.1:80',
      attempts: null,
      backendConnected: true,
      requestTime: 11.822641,
      connectTime: null,
      headerTime: 0.001,
      responseTime: null,
      method: 'GET',
      scheme: 'http',
      host: 'www.example.com',
      path: '/',
      pathGroup: '/',
      uriLength: 1,
      protocol: 'HTTP/1.1',
      requestLineMalformed: false,
      requestBytes: 34,
      responseBytes: 366,
      userAgent: 'curl/7.46.0',
      tlsProtocol: null,
      tlsCipher: null,
      errorReason: null,
      classification: null,
      actionsExecuted: 'forward',
    });
  });

  it('parses the HTTPS example with TLS fields and two actions', () => {
    const record = parseOne(https);

    expect(record).toMatchObject({
      frontendPort: 443,
      scheme: 'https',
      headerTime: 0.048,
      tlsCipher: 'ECDHE-RSA-AES128-GCM-SHA256',
      tlsProtocol: 'TLSv1.2',
      actionsExecuted: 'authenticate,forward',
      requestBytes: 0,
      responseBytes: 57,
    });
  });

  it('parses the failed Lambda example as an LB-generated 502 with its error reason', () => {
    const record = parseOne(lambda502);

    expect(record).toMatchObject({
      status: 502,
      backendStatus: null,
      generatedBy: 'lb',
      member: null,
      errorReason: 'LambdaInvalidResponse',
      time: Date.UTC(2018, 10, 30, 22, 23, 0, 186),
    });
  });

  it('parses the 2024 30-field line with an unquoted TID and a TLS 1.3 cipher', () => {
    const record = parseOne(tid30);

    expect(record).toMatchObject({
      loadBalancer: 'app/xxxxxx-lb/xxxxxxx',
      status: 200,
      tlsCipher: 'TLS_AES_128_GCM_SHA256',
      tlsProtocol: 'TLSv1.3',
      protocol: 'HTTP/2.0',
      member: '1.1.1.1:8000',
      requestTime: 0.177832,
      time: Date.UTC(2024, 4, 28, 8, 12, 36, 431),
    });
  });

  it('parses the 2025 33-field line with the three transform fields', () => {
    const record = parseOne(transform33);

    expect(record).toMatchObject({
      loadBalancer: 'some/alb/target',
      path: '/url/path',
      tlsCipher: 'SSL-CIPHERS',
      actionsExecuted: 'some_action,forward',
      requestTime: 0.016127,
    });
  });

  it('parses the 27-field LB redirect with "-" target, -1 timings and "-" target status', () => {
    const record = parseOne(redirect27);

    expect(record).toMatchObject({
      status: 301,
      backendStatus: null,
      generatedBy: 'lb',
      member: null,
      headerTime: null,
      backendConnected: false,
      actionsExecuted: 'redirect',
      classification: null,
      userAgent: 'Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)',
      requestTime: 0.231072,
    });
  });
});

describe('AWS ALB field-count changes (parsers broke on each of them)', () => {
  it('accepts 29-, 30-, 33- and 34-field lines mixed in one file without a reject', () => {
    // Prepare: the same request written by a node before and after each rollout.
    const base = transform33.replace(/ TID_\w+ "-" "-" "-"$/, '');
    expect(base).not.toBe(transform33);
    const text = [base, `${base} TID_1`, `${base} TID_1 "-" "-" "-"`, `${base} TID_1 "-" "-" "-" 10.0.0.9`, ''].join(
      '\n',
    );

    const { records, summary } = scanText(text);

    expect(summary).toMatchObject({ lines: 4, records: 4, rejected: 0, format: 'alb' });
    expect(new Set(records.map((r) => JSON.stringify(r))).size).toBe(1);
  });

  it('ignores any number of unknown trailing fields, quoted or not', () => {
    const record = parseOne(`${transform33} "future field" 42 "x\\"y"`);

    expect(record.status).toBe(200);
  });

  it('reads the desync classification', () => {
    const line = http.replace('"200" "-" "-"', '"200" "Ambiguous" "AmbiguousUri"');

    expect(parseOne(line).classification).toBe('Ambiguous');
  });
});

describe('AWS ALB line shapes that narrow regexes silently dropped', () => {
  it('splits an unbracketed IPv6 client:port at the last colon', () => {
    const record = parseOne(http.replace('192.168.131.39:2817', '2a02:a33c:4538:1:bcf4:5264:e01c:f215:50718'));

    expect(record.client).toBe('2a02:a33c:4538:1:bcf4:5264:e01c:f215');
    expect(record.clientPort).toBe(50718);
  });

  it('keeps spaces and backslash-escaped quotes inside quoted fields', () => {
    const line = http
      .replace('"GET http://www.example.com:80/ HTTP/1.1"', '"GET http://www.example.com:80/a b?x=\\"y\\" HTTP/1.1"')
      .replace('"curl/7.46.0"', '"agent \\"quoted\\" \\\\ end"');

    const record = parseOne(line);

    expect(record.path).toBe('/a b');
    expect(record.protocol).toBe('HTTP/1.1');
    expect(record.userAgent).toBe('agent "quoted" \\ end');
    expect(record.actionsExecuted).toBe('forward');
  });

  it('parses a malformed request line "- http://host:80- -" from an LB-generated 400', () => {
    const line = redirect27
      .replace(' 301 - ', ' 400 - ')
      .replace('"HEAD http://abc.com:80/packages HTTP/1.1"', '"- http://abc.com:80- -"');

    const record = parseOne(line);

    expect(record).toMatchObject({
      status: 400,
      generatedBy: 'lb',
      method: null,
      protocol: null,
      requestLineMalformed: true,
      host: 'abc.com',
    });
  });

  it('reads a trace id with more than Root=', () => {
    const line = http.replace(
      '"Root=1-58337262-36d228ad5d99923122bbe354"',
      '"Self=1-67891233-12456789abcdef012345678;Root=1-67891233-abcdef012345678912345678;CalledFrom=app"',
    );

    expect(parseOne(line).member).toBe('10.0.0.1:80');
  });

  it('truncates microseconds to milliseconds instead of rounding into the next second', () => {
    const record = parseOne(http.replace('2018-07-02T22:23:00.186641Z', '2018-07-02T22:23:59.999999Z'));

    expect(record.time).toBe(Date.UTC(2018, 6, 2, 22, 23, 59, 999));
  });

  it('treats a target status that differs from the ELB status as LB-generated', () => {
    const record = parseOne(http.replace(' 200 200 34 366 ', ' 502 200 34 366 '));

    expect(record).toMatchObject({ status: 502, backendStatus: 200, generatedBy: 'lb' });
  });

  it('rejects a line whose time is not ISO 8601', () => {
    const { summary } = scanText(`${http}\n${http.replace('2018-07-02T22:23:00.186641Z', '2018-07-02 22:23:00')}\n`);

    expect(summary.rejects).toEqual({ 'bad-time': 1 });
  });
});
