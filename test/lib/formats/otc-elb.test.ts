import { describe, expect, it } from 'vitest';
import { fixtureLines, parseOne, scanText } from './helpers.js';

const [head33, locate22, swiss] = fixtureLines('otc-elb.log') as [string, string, string];

/** Builds an OTC line from the documented 33-field example with some fields replaced (0-based index). */
function otcLine(replace: Record<number, string> = {}, extra: string[] = []): string {
  const fields = [
    '1644819836.370',
    'eb11c5a9-93a7-4c48-80fc-03f61f638595',
    '[2024-02-14T14:23:56+02:00]',
    'elb_01',
    '192.168.1.1:888',
    '200',
    '"POST https://www.test.com/example/ HTTP/1.1"',
    '1411',
    '251',
    '3',
    '0.011',
    '"200"',
    '"0.000"',
    '"0.011"',
    '"0.011"',
    '"192.168.1.2:8080"',
    '"okhttp/3.13.1"',
    '"-"',
    '"-"',
    'loadbalancer_295a7eee-9999-46ed-9fad-32a62ff0a687',
    'listener_20679192-8888-4e62-a814-a2f870f62148',
    '3333fd44fe3b42cbaa1dc2c641994d90',
    'pool_89547549-6666-446e-9dbc-e3a551034c46',
    '"-"',
    'f2bc165ad9b4483a9b17762da851bbbb',
    '121.64.212.1:443',
    '"10.1.1.2:8080"',
    '-',
    'TLSv1.2',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'www.test.com',
    '56704',
    '-',
  ];
  for (const [index, value] of Object.entries(replace)) fields[Number(index)] = value;
  return [...fields, ...extra].join(' ');
}

describe('OTC/Huawei ELB documented example lines', () => {
  it('parses the 33-field example to the documented values, taking time from msec', () => {
    // Act
    const record = parseOne(head33);

    // Assess: msec (2022-02-14T06:23:56.370Z) wins over the disagreeing [time_iso8601] (2024).
    expect(record).toEqual({
      format: 'otc-elb',
      time: 1644819836370,
      loadBalancer: 'loadbalancer_295a7eee-9999-46ed-9fad-32a62ff0a687',
      listener: 'listener_20679192-8888-4e62-a814-a2f870f62148',
      frontendPort: 443,
      client: '192.168.1.1',
      clientPort: 888,
      status: 200,
      backendStatus: 200,
      generatedBy: 'backend',
      member: '192.168.1.2:8080',
      attempts: null,
      backendConnected: true,
      requestTime: 0.011,
      connectTime: 0,
      headerTime: 0.011,
      responseTime: 0.011,
      method: 'POST',
      scheme: 'https',
      host: 'www.test.com',
      path: '/example/',
      pathGroup: '/example/',
      uriLength: 9,
      protocol: 'HTTP/1.1',
      requestLineMalformed: false,
      requestBytes: 1411,
      responseBytes: 251,
      userAgent: 'okhttp/3.13.1',
      tlsProtocol: 'TLSv1.2',
      tlsCipher: 'ECDHE-RSA-AES256-GCM-SHA384',
      errorReason: null,
      classification: null,
      actionsExecuted: null,
    });
  });

  it('parses the 22-field "unhealthy backend" example (backend 500, no TLS or EIP fields)', () => {
    const record = parseOne(locate22);

    expect(record).toMatchObject({
      time: 1554944564344,
      loadBalancer: 'loadbalancer_ed0f790b-e194-4657-9f97-53426227099e',
      listener: 'listener_b21dd0a9-690a-4945-950e-b134095c6bd9',
      frontendPort: null,
      client: '10.133.251.171',
      clientPort: 51527,
      status: 500,
      backendStatus: 500,
      generatedBy: 'backend',
      member: '172.17.0.82:3000',
      requestTime: 19.028,
      connectTime: 0.009,
      headerTime: 19.028,
      responseTime: 19.028,
      method: 'GET',
      scheme: 'http',
      host: '10.154.73.58',
      path: '/lrange/guestbook',
      pathGroup: '/lrange/guestbook',
      protocol: 'HTTP/1.1',
      requestBytes: 411,
      responseBytes: 3726,
      userAgent:
        'Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/73.0.3683.103 Safari/537.36',
      tlsProtocol: null,
      tlsCipher: null,
    });
  });

  it('recovers the protocol glued to the URI in the Swiss example and takes the member from upstream_addr', () => {
    const record = parseOne(swiss);

    expect(record).toMatchObject({
      path: '/example/',
      protocol: 'HTTP/1.1',
      requestLineMalformed: false,
      member: '100.64.0.129:8080',
      time: 1644819836370,
    });
  });
});

describe('OTC/Huawei ELB variants', () => {
  it('reads the four 2025 fields of a 37-field line and ignores fields beyond them', () => {
    const line = otcLine({}, ['129', 'waf-failed', 'WAFConnectionTimeout', '"my-pool"', 'future-field']);

    const record = parseOne(line);

    expect(record.actionsExecuted).toBe('waf-failed');
    expect(record.errorReason).toBe('WAFConnectionTimeout');
    expect(record.status).toBe(200);
  });

  it.each([
    {
      name: '"-, 200": first attempt not sent, second answered',
      fields: { 11: '"-, 200"', 12: '"-, 0.008"', 13: '"-, 0.010"', 14: '"-, 0.011"', 15: '"-, 192.168.1.2:8080"' },
      attempts: [
        { member: null, status: null, connectTime: null, headerTime: null, responseTime: null },
        { member: '192.168.1.2:8080', status: 200, connectTime: 0.008, headerTime: 0.01, responseTime: 0.011 },
      ],
    },
    {
      name: '"502, 502: 200": two failures, then another upstream group answered',
      fields: {
        11: '"502, 502: 200"',
        12: '"0.008, 0.005: 0.004"',
        13: '"-, -: 0.010"',
        14: '"0.008, 0.005: 0.011"',
        15: '"10.0.0.1:80, 10.0.0.2:80 : 10.0.0.3:80"',
      },
      attempts: [
        { member: '10.0.0.1:80', status: 502, connectTime: 0.008, headerTime: null, responseTime: 0.008 },
        { member: '10.0.0.2:80', status: 502, connectTime: 0.005, headerTime: null, responseTime: 0.005 },
        { member: '10.0.0.3:80', status: 200, connectTime: 0.004, headerTime: 0.01, responseTime: 0.011 },
      ],
    },
    {
      name: '"502, 200" with the doc\'s ": " separator between addresses',
      fields: {
        11: '"502: 200"',
        12: '"0.001: 0.002"',
        13: '"-: 0.003"',
        14: '"0.001: 0.004"',
        15: '"10.0.0.1:80: 10.0.0.2:80"',
      },
      attempts: [
        { member: '10.0.0.1:80', status: 502, connectTime: 0.001, headerTime: null, responseTime: 0.001 },
        { member: '10.0.0.2:80', status: 200, connectTime: 0.002, headerTime: 0.003, responseTime: 0.004 },
      ],
    },
  ])('keeps every attempt of $name, the last one final', ({ fields, attempts }) => {
    const record = parseOne(otcLine(fields));

    expect(record.attempts).toEqual(attempts);
    const last = attempts[attempts.length - 1]!;
    expect(record.member).toBe(last.member);
    expect(record.backendStatus).toBe(last.status);
    expect(record.headerTime).toBe(last.headerTime);
    expect(record.connectTime).toBe(last.connectTime);
    expect(record.generatedBy).toBe('backend');
  });

  it('reads "502:" with a trailing separator as one attempt', () => {
    const record = parseOne(
      otcLine({ 5: '502', 11: '"502:"', 12: '"0.008:"', 13: '"-:"', 14: '"0.008:"', 15: '"10.0.0.1:80:"' }),
    );

    expect(record.attempts).toBeNull();
    expect(record.backendStatus).toBe(502);
    expect(record.member).toBe('10.0.0.1:80');
    expect(record.connectTime).toBe(0.008);
  });

  it.each([
    ['"10.0.0.1:80"', '10.0.0.1:80'],
    ['"10.0.0.1:80:"', '10.0.0.1:80'],
    ['"10.0.0.1:80, 10.0.0.2:80"', '10.0.0.2:80'],
    ['"10.0.0.1:80 : 10.0.0.2:80"', '10.0.0.2:80'],
    ['" 10.0.0.3:80"', '10.0.0.3:80'],
    ['"-"', null],
    ['""', null],
  ])('takes the last address of upstream_addr %s as the member of a single-status line', (field, member) => {
    const record = parseOne(otcLine({ 15: field }));

    expect(record.backendStatus).toBe(200);
    expect(record.member).toBe(member);
  });

  it('marks a 502 as LB-generated when the upstream wrote 502 without a response header', () => {
    const record = parseOne(otcLine({ 5: '502', 11: '"502"', 12: '"-"', 13: '"-"', 14: '"0.003"' }));

    expect(record).toMatchObject({ status: 502, backendStatus: 502, generatedBy: 'lb', backendConnected: false });
  });

  it('marks a 502 as backend-generated when the backend sent a header with that status', () => {
    const record = parseOne(otcLine({ 5: '502', 11: '"502"', 12: '"0.001"', 13: '"0.002"', 14: '"0.002"' }));

    expect(record).toMatchObject({ generatedBy: 'backend', backendConnected: true });
  });

  it('marks a 499 with no upstream as LB-generated with no member', () => {
    const record = parseOne(otcLine({ 5: '499', 11: '"-"', 12: '"-"', 13: '"-"', 14: '"-"', 15: '"-"' }));

    expect(record).toMatchObject({ status: 499, backendStatus: null, member: null, generatedBy: 'lb' });
  });

  it('decodes \\xHH escapes in display fields only', () => {
    const record = parseOne(
      otcLine({
        6: '"GET https://www.test.com/caf\\xC3\\xA9?q=\\x22x\\x22 HTTP/1.1"',
        16: '"agent \\x22quoted\\x22 \\xE2\\x80\\x9Cx\\xE2\\x80\\x9D"',
      }),
    );

    expect(record.userAgent).toBe('agent "quoted" \u201cx\u201d');
    expect(record.path).toBe('/caf\u00e9');
    expect(record.uriLength).toBe('/caf\\xC3\\xA9?q=\\x22x\\x22'.length);
  });

  it('splits an unbracketed IPv6 client at the last colon', () => {
    const record = parseOne(otcLine({ 4: '2001:db8::1:51527' }));

    expect(record.client).toBe('2001:db8::1');
    expect(record.clientPort).toBe(51527);
  });

  it('falls back to [time_iso8601] with its offset when msec is unreadable', () => {
    const record = parseOne(otcLine({ 0: '-', 2: '[2024-02-14T14:23:56+02:00]' }));

    expect(record.time).toBe(Date.UTC(2024, 1, 14, 12, 23, 56));
  });

  it('drops the query string from path but counts it in uriLength', () => {
    const record = parseOne(otcLine({ 6: '"GET https://www.test.com/login?token=secret HTTP/1.1"' }));

    expect(record.path).toBe('/login');
    expect(record.uriLength).toBe('/login?token=secret'.length);
  });

  it.each([
    { name: 'a line cut after 19 fields', line: otcLine().split(' ').slice(0, 19).join(' '), reason: 'too-few-fields' },
    { name: 'a non-numeric status', line: otcLine({ 5: '2O0' }), reason: 'bad-status' },
    { name: 'no usable time', line: otcLine({ 0: 'x', 2: '[yesterday]' }), reason: 'bad-time' },
    { name: 'an unterminated quote', line: otcLine({}, ['129', 'waf', '-', '"my-pool']), reason: 'unterminated-quote' },
  ])('rejects $name with reason $reason', ({ line, reason }) => {
    const { records, summary } = scanText(`${otcLine()}\n${line}\n`);

    expect(records).toHaveLength(1);
    expect(summary.rejects).toEqual({ [reason]: 1 });
    expect(summary.samples?.[0]).toMatchObject({ line: 2, reason });
  });
});
