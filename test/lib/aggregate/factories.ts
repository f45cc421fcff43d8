import type { LogRecord } from '../../../lib/formats/record.js';

/** 2026-03-01T10:00:00.000Z, the start of a 5-minute window. */
export const T0 = Date.UTC(2026, 2, 1, 10, 0, 0);
export const LB = 'loadbalancer_295a7eee-9999-46ed-9fad-32a62ff0a687';

/**
 * An OTC request answered 200 by member 10.0.3.21:8080 in 11 ms; override what the test is about. The grouped path
 * is the path unless overridden (the factories' paths carry no ids).
 */
export function otcRecord(overrides: Partial<LogRecord> = {}): LogRecord {
  const path = overrides.path === undefined ? '/api/items' : overrides.path;
  return {
    format: 'otc-elb',
    time: T0 + 1_000,
    loadBalancer: LB,
    listener: 'listener_20679192-8888-4e62-a814-a2f870f62148',
    frontendPort: 443,
    client: '192.168.1.1',
    clientPort: 888,
    status: 200,
    backendStatus: 200,
    generatedBy: 'backend',
    member: '10.0.3.21:8080',
    attempts: null,
    backendConnected: true,
    requestTime: 0.011,
    connectTime: 0,
    headerTime: 0.011,
    responseTime: 0.011,
    method: 'GET',
    scheme: 'https',
    host: 'www.example.com',
    path,
    pathGroup: path,
    uriLength: 10,
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
    ...overrides,
  };
}

/** An OTC 502 the load balancer generated after failing to connect (connect time `-`), after `seconds`. */
export function otcNoConnection(status: number, seconds: number, overrides: Partial<LogRecord> = {}): LogRecord {
  return otcRecord({
    status,
    backendStatus: null,
    generatedBy: 'lb',
    backendConnected: false,
    requestTime: seconds,
    connectTime: null,
    headerTime: null,
    responseTime: null,
    responseBytes: 0,
    ...overrides,
  });
}

/** An OTC request that connected but got no response header before the LB gave up after `seconds`. */
export function otcNoHeader(status: number, seconds: number, overrides: Partial<LogRecord> = {}): LogRecord {
  return otcRecord({
    status,
    backendStatus: null,
    generatedBy: 'lb',
    backendConnected: true,
    requestTime: seconds,
    connectTime: 0.001,
    headerTime: null,
    responseTime: null,
    ...overrides,
  });
}

/** An ALB request answered by the target. */
export function albRecord(overrides: Partial<LogRecord> = {}): LogRecord {
  return otcRecord({
    format: 'alb',
    loadBalancer: 'app/my-loadbalancer/50dc6c495c0c9188',
    listener: null,
    frontendPort: 443,
    member: '10.0.0.1:80',
    connectTime: null,
    responseTime: null,
    ...overrides,
  });
}

export function repeat<T>(n: number, make: (i: number) => T): T[] {
  return Array.from({ length: n }, (_, i) => make(i));
}
