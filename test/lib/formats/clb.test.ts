import { describe, expect, it } from 'vitest';
import { fixtureLines, parseOne, scanText } from './helpers.js';

const [httpLine, tcpLine] = fixtureLines('clb.log') as [string, string];

describe('AWS Classic LB documented example lines', () => {
  it('parses the HTTP example to the documented values', () => {
    const record = parseOne(httpLine);

    expect(record).toEqual({
      format: 'clb',
      time: Date.UTC(2015, 4, 13, 23, 39, 43, 945),
      loadBalancer: 'my-loadbalancer',
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
      requestTime: 0.001178,
      connectTime: null,
      headerTime: 0.001048,
      responseTime: null,
      method: 'GET',
      scheme: 'http',
      host: 'www.example.com',
      path: '/',
      pathGroup: '/',
      uriLength: 1,
      protocol: 'HTTP/1.1',
      requestLineMalformed: false,
      requestBytes: 0,
      responseBytes: 29,
      userAgent: 'curl/7.38.0',
      tlsProtocol: null,
      tlsCipher: null,
      errorReason: null,
      classification: null,
      actionsExecuted: null,
    });
  });

  it('keeps a TCP-listener line as a record without status, not a reject', () => {
    const { records, summary } = scanText(`${tcpLine}\n`);

    expect(summary).toMatchObject({ lines: 1, records: 1, rejected: 0 });
    expect(records[0]).toMatchObject({
      status: null,
      backendStatus: null,
      generatedBy: null,
      method: null,
      path: null,
      protocol: null,
      requestLineMalformed: true,
      requestBytes: 82,
      responseBytes: 305,
      requestTime: 0.001138,
    });
  });

  it('keeps a 504 whose backend is "-" with -1 timings', () => {
    const line = httpLine.replace('10.0.0.1:80 0.000073 0.001048 0.000057 200 200', '- -1 -1 -1 504 -');

    const record = parseOne(line);

    expect(record).toMatchObject({
      status: 504,
      member: null,
      backendStatus: null,
      generatedBy: 'lb',
      requestTime: null,
      headerTime: null,
      backendConnected: false,
    });
  });
});
