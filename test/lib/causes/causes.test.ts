import { describe, expect, it } from 'vitest';
import { createAggregator, type WindowAggregate } from '../../../lib/aggregate/index.js';
import { CAUSE_CATALOGUE, rankCauses, scopePhrase } from '../../../lib/causes/index.js';
import type { LogRecord } from '../../../lib/formats/record.js';
import type { CauseResult } from '../../../lib/model.js';
import { albRecord, otcNoConnection, otcNoHeader, otcRecord, repeat } from '../aggregate/factories.js';

const A = '10.0.3.21:8080';
const B = '10.0.3.22:8080';
const C = '10.0.3.23:8080';
const D = '10.0.3.24:8080';

function windowOf(records: LogRecord[]): WindowAggregate {
  const agg = createAggregator({ windowMs: 300_000 });
  for (const r of records) agg.add(r);
  const [w] = agg.windows();
  if (w === undefined) throw new Error('no window');
  return w;
}

function rank(records: LogRecord[], code: number): CauseResult[] {
  return rankCauses(windowOf(records), code);
}

function cause(causes: CauseResult[], id: string): CauseResult {
  const found = causes.find((c) => c.id === id);
  if (found === undefined) throw new Error(`no cause ${id}`);
  return found;
}

const ok = (n: number, member = A, extra: Partial<LogRecord> = {}) => repeat(n, () => otcRecord({ member, ...extra }));

describe('catalogue', () => {
  it('keeps the stable ids of error-codes.md', () => {
    const ids = CAUSE_CATALOGUE.map((c) => c.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        '400.malformed-request',
        '400.http-to-https-port',
        '400.header-too-large',
        '401.backend-auth-failed',
        '403.backend-rejected',
        '404.backend-app-missing',
        '404.forwarding-policy',
        '408.client-request-timeout',
        '413.body-too-large',
        '414.uri-too-long',
        '499.client-closed',
        '500.backend-error',
        '501.transfer-encoding',
        '502.backend-port',
        '502.backend-reset',
        '502.bad-backend-response',
        '502.backend-network',
        '503.backend-unavailable',
        '504.connect-timeout',
        '504.response-timeout',
        '504.firewall',
        '460.client-closed',
        '463.xff-too-long',
        '464.protocol-mismatch',
        '561.idp-error',
      ]),
    );
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('lists causes without evidence in table order with score 0 and empty evidence', () => {
    // Act
    const causes = rank(ok(10), 502);
    // Assess
    expect(causes.map((c) => [c.id, c.score, c.evidence])).toEqual([
      ['502.backend-port', 0, ''],
      ['502.backend-reset', 0, ''],
      ['502.bad-backend-response', 0, ''],
      ['502.backend-network', 0, ''],
    ]);
  });

  it('uses the table ids on ALB for codes the table covers', () => {
    const causes = rank(
      repeat(5, () =>
        albRecord({ status: 502, backendStatus: null, generatedBy: 'lb', backendConnected: false, headerTime: null }),
      ),
      502,
    );
    expect(causes.every((c) => c.id.startsWith('502.'))).toBe(true);
  });

  it('falls back to who generated it for codes outside the catalogue', () => {
    const causes = rank(
      repeat(5, () => otcRecord({ status: 429, backendStatus: 429 })),
      429,
    );
    expect(causes[0]).toMatchObject({
      id: 'unlisted.backend-returned',
      evidence: 'all 5 429s were returned by the backend',
    });
  });
});

describe('502 evidence', () => {
  it('no connection, failing fast: favours backend-port and backend-reset', () => {
    // Prepare
    const records = [...repeat(40, () => otcNoConnection(502, 0.003, { member: null })), ...ok(100)];
    // Act
    const causes = rank(records, 502);
    // Assess
    expect(
      causes
        .slice(0, 2)
        .map((c) => c.id)
        .sort(),
    ).toEqual(['502.backend-port', '502.backend-reset']);
    expect(cause(causes, '502.backend-port').evidence).toContain(
      'all 40 502s got no backend connection, 40 of them failing within 2.5 s',
    );
  });

  it('backend connection recorded: lowers backend-port', () => {
    const causes = rank(
      repeat(40, () => otcRecord({ status: 502, backendStatus: 502 })),
      502,
    );
    expect(cause(causes, '502.backend-port').score).toBeLessThan(0);
    expect(cause(causes, '502.backend-port').evidence).toBe('none of the 40 502s lacked a backend connection');
  });

  it('a member that got the failures answered nothing: backend-port above backend-reset', () => {
    // Prepare
    const records = [
      ...repeat(39, () => otcNoConnection(502, 0.002, { member: A })),
      ...repeat(2, () => otcNoConnection(502, 0.002, { member: B })),
      ...ok(100, B),
    ];
    // Act
    const causes = rank(records, 502);
    // Assess
    expect(causes[0]?.id).toBe('502.backend-port');
    expect(causes[0]?.evidence).toContain(
      `39 of the 41 unconnected 502s were sent to member ${A}, which answered nothing else in this window`,
    );
    expect(cause(causes, '502.backend-reset').score).toBeLessThan(causes[0]?.score ?? 0);
  });

  it('the member also answered other requests normally: backend-reset above backend-port', () => {
    // Prepare
    const records = [...repeat(39, () => otcNoConnection(502, 0.002, { member: A })), ...ok(200, A)];
    // Act
    const causes = rank(records, 502);
    // Assess
    expect(causes[0]?.id).toBe('502.backend-reset');
    expect(causes[0]?.evidence).toContain(`sent to member ${A}, which answered 200 other requests normally`);
    expect(cause(causes, '502.backend-port').evidence).not.toContain('answered nothing');
  });

  it('connected, then closed before a header: favours backend-reset', () => {
    const causes = rank([...repeat(30, () => otcNoHeader(502, 0.4)), ...ok(50)], 502);
    expect(causes[0]?.id).toBe('502.backend-reset');
    expect(causes[0]?.evidence).toContain(
      'all 30 502s connected but the backend closed the connection before a response header',
    );
  });

  it('a response header was recorded yet the client got 502: favours bad-backend-response', () => {
    // Prepare
    const records = repeat(20, () =>
      otcRecord({ status: 502, backendStatus: 200, generatedBy: 'lb', headerTime: 0.01 }),
    );
    // Act
    const causes = rank(records, 502);
    // Assess
    expect(causes[0]?.id).toBe('502.bad-backend-response');
    expect(causes[0]?.evidence).toBe(
      'all 20 502s had a backend connection and response header, yet the client got 502',
    );
  });

  it('no response header at all: lowers bad-backend-response', () => {
    const causes = rank(
      repeat(20, () => otcNoConnection(502, 0.002)),
      502,
    );
    expect(cause(causes, '502.bad-backend-response')).toMatchObject({
      score: -1,
      evidence: 'none of the 20 502s got a backend response header',
    });
  });

  it('ALB Lambda error_reason: names the reason on the matching cause', () => {
    // Prepare
    const lambda = {
      status: 502,
      backendStatus: null,
      generatedBy: 'lb' as const,
      backendConnected: null,
      headerTime: null,
      member: null,
    };
    const records = [
      ...repeat(30, () => albRecord({ ...lambda, errorReason: 'LambdaUnhandled' })),
      ...repeat(10, () => albRecord(lambda)),
    ];
    // Act
    const causes = rank(records, 502);
    // Assess
    expect(causes[0]?.id).toBe('502.bad-backend-response');
    expect(causes[0]?.evidence).toContain('30 of 40 502s carry a Lambda error_reason (LambdaUnhandled 30)');
  });

  it('no error_reason: no Lambda sentence', () => {
    const causes = rank(
      repeat(10, () => albRecord({ status: 502, generatedBy: 'lb', backendStatus: null, headerTime: null })),
      502,
    );
    expect(causes.some((c) => c.evidence.includes('Lambda'))).toBe(false);
  });
});

describe('502/504 spread over the pool', () => {
  it('every member of the pool got them: favours firewall / backend-network', () => {
    // Prepare
    const records = [A, B, C, D].flatMap((m) => [
      ...repeat(5, () => otcNoConnection(504, 5.01, { member: m })),
      ...ok(10, m),
    ]);
    // Act
    const causes = rank(records, 504);
    // Assess
    expect(cause(causes, '504.firewall').evidence).toContain(
      `the 504s spread over all 4 members of the pool (largest share 25%, ${A})`,
    );
  });

  it('concentrated on one member: lowers firewall / backend-network', () => {
    // Prepare
    const records = [
      ...repeat(20, () => otcNoConnection(502, 0.002, { member: A })),
      ...[B, C, D].flatMap((m) => ok(10, m)),
    ];
    // Act
    const causes = rank(records, 502);
    // Assess
    expect(cause(causes, '502.backend-network').score).toBeLessThan(0);
    expect(cause(causes, '502.backend-network').evidence).toContain(
      '20 of the 20 502s with a member went to one member',
    );
  });
});

describe('504 evidence', () => {
  it('no connection and about the connect timeout: favours connect-timeout', () => {
    const causes = rank([...repeat(10, () => otcNoConnection(504, 5.002)), ...ok(50)], 504);
    expect(causes[0]?.id).toBe('504.connect-timeout');
    expect(causes[0]?.evidence).toContain(
      'all 10 504s never connected to a backend and took about the 5 s ELB connect timeout',
    );
  });

  it('connected and about the response timeout: lowers connect-timeout, favours response-timeout', () => {
    // Act
    const causes = rank([...repeat(10, () => otcNoHeader(504, 300.01)), ...ok(50)], 504);
    // Assess
    expect(causes[0]?.id).toBe('504.response-timeout');
    expect(causes[0]?.evidence).toContain(
      'all 10 504s took about the 300 s ELB response timeout; 10 had connected without getting a response header',
    );
    expect(cause(causes, '504.connect-timeout').score).toBeLessThan(0);
  });

  it('fast 504s reach no timeout: lowers response-timeout', () => {
    const causes = rank([...repeat(10, () => otcNoConnection(504, 5.002)), ...ok(50)], 504);
    expect(cause(causes, '504.response-timeout').score).toBeLessThan(0);
  });

  it('uses the ALB idle timeout (60 s) for response timeouts on ALB', () => {
    // Prepare
    const records = repeat(10, () =>
      albRecord({
        status: 504,
        backendStatus: null,
        generatedBy: 'lb',
        backendConnected: null,
        headerTime: null,
        requestTime: 60.001,
      }),
    );
    // Act
    const causes = rank([...records, ...repeat(20, () => albRecord())], 504);
    // Assess
    expect(causes[0]?.id).toBe('504.response-timeout');
    expect(causes[0]?.evidence).toContain('60 s ALB idle timeout');
  });

  it('honours overridden thresholds', () => {
    // Prepare: with a 10 s connect timeout, 5 s is not a connect timeout
    const w = windowOf([...repeat(10, () => otcNoConnection(504, 5.002)), ...ok(50)]);
    // Act
    const causes = rankCauses(w, 504, { connectTimeout: 10, responseTimeout: 300, clientTimeout: 60 });
    // Assess
    expect(cause(causes, '504.connect-timeout').score).toBeLessThan(0);
  });

  it('no backend connection at all in the window, for every member: favours firewall', () => {
    const causes = rank(
      [A, B].flatMap((m) => repeat(10, () => otcNoConnection(504, 5.002, { member: m }))),
      504,
    );
    expect(cause(causes, '504.firewall').evidence).toContain(
      'no request reached any backend in this window: none of the 2 members connected or answered',
    );
    expect(cause(causes, '504.firewall').score).toBeGreaterThan(2);
  });

  it('other requests got backend answers: lowers firewall', () => {
    const causes = rank([...repeat(10, () => otcNoConnection(504, 5.002)), ...ok(30)], 504);
    expect(cause(causes, '504.firewall')).toMatchObject({
      score: -1,
      evidence: '30 requests got a backend answer in this window',
    });
  });
});

describe('4xx evidence', () => {
  it('408 after about the client timeout', () => {
    const causes = rank(
      repeat(5, () => otcRecord({ status: 408, generatedBy: 'lb', backendStatus: null, requestTime: 60.0 })),
      408,
    );
    expect(causes[0]?.score).toBeGreaterThan(0);
    expect(causes[0]?.evidence).toContain('all 5 408s came after about the 60 s client timeout');
  });

  it('408 well before the client timeout', () => {
    const causes = rank(
      repeat(5, () => otcRecord({ status: 408, generatedBy: 'lb', backendStatus: null, requestTime: 0.5 })),
      408,
    );
    expect(causes[0]?.score).toBeLessThan(0);
  });

  const bad400 = (extra: Partial<LogRecord>) =>
    albRecord({ status: 400, generatedBy: 'lb', backendStatus: null, member: null, ...extra });

  it('400 with a missing request line: favours malformed-request', () => {
    const causes = rank(
      repeat(8, () => bad400({ requestLineMalformed: true, method: null })),
      400,
    );
    expect(causes[0]).toMatchObject({ id: '400.malformed-request' });
    expect(causes[0]?.evidence).toBe('all 8 400s had a missing or unparseable request line');
  });

  it('400 classified Severe by desync mitigation: favours malformed-request', () => {
    const causes = rank(
      repeat(4, () => bad400({ classification: 'Severe' })),
      400,
    );
    expect(cause(causes, '400.malformed-request').evidence).toContain('all 4 400s were classified Ambiguous or Severe');
  });

  it('400 with well-formed request lines: lowers malformed-request', () => {
    const causes = rank(
      repeat(8, () => bad400({})),
      400,
    );
    expect(cause(causes, '400.malformed-request').score).toBeLessThan(0);
  });

  it('400 with large requests: favours header-too-large (ALB 16 KB limits)', () => {
    const causes = rank(
      repeat(8, () => bad400({ requestBytes: 70_000 })),
      400,
    );
    expect(causes[0]?.id).toBe('400.header-too-large');
    expect(causes[0]?.evidence).toContain('all 8 400s were requests of 16 KB or more');
  });

  it('400 with small requests: lowers header-too-large', () => {
    const causes = rank(
      repeat(8, () => bad400({ requestBytes: 900 })),
      400,
    );
    expect(cause(causes, '400.header-too-large').score).toBeLessThan(0);
  });

  it('400 as plain HTTP on port 443: favours http-to-https-port', () => {
    const causes = rank(
      repeat(8, () => bad400({ scheme: 'http', frontendPort: 443 })),
      400,
    );
    expect(causes[0]?.id).toBe('400.http-to-https-port');
  });

  it('400 over HTTPS: lowers http-to-https-port', () => {
    const causes = rank(
      repeat(8, () => bad400({})),
      400,
    );
    expect(cause(causes, '400.http-to-https-port').score).toBeLessThan(0);
  });

  it('404 generated by the load balancer: favours forwarding-policy', () => {
    const causes = rank(
      repeat(10, () =>
        otcRecord({ status: 404, generatedBy: 'lb', backendStatus: null, member: null, headerTime: null }),
      ),
      404,
    );
    expect(causes[0]).toMatchObject({
      id: '404.forwarding-policy',
      evidence: 'all 10 404s were generated by the load balancer without a backend status',
    });
  });

  it('404 from the backends: lowers forwarding-policy', () => {
    const causes = rank(
      repeat(10, () => otcRecord({ status: 404, backendStatus: 404 })),
      404,
    );
    expect(causes[0]?.id).toBe('404.backend-app-missing');
    expect(cause(causes, '404.forwarding-policy').score).toBeLessThan(0);
  });

  it('404 concentrated on one member while others serve the same path: favours backend-app-missing and says so', () => {
    // Prepare
    const records = [
      ...repeat(40, () => otcRecord({ status: 404, backendStatus: 404, member: A })),
      ...ok(100, B),
      ...ok(100, C),
    ];
    // Act
    const causes = rank(records, 404);
    // Assess
    expect(causes[0]?.id).toBe('404.backend-app-missing');
    expect(causes[0]?.evidence).toContain(
      `40 of the 40 404s came from member ${A}, while 2 other members answered 200 requests successfully; www.example.com/api/items was answered successfully 200 times`,
    );
  });

  it('404 spread over every member: no concentration evidence', () => {
    const records = [A, B, C].flatMap((m) => [
      ...repeat(10, () => otcRecord({ status: 404, backendStatus: 404, member: m })),
      ...ok(50, m),
    ]);
    const causes = rank(records, 404);
    expect(cause(causes, '404.backend-app-missing').evidence).toBe('all 30 404s were returned by the backends');
  });

  it('413 near the limit (ALB Lambda 1 MB)', () => {
    const causes = rank(
      repeat(3, () => albRecord({ status: 413, generatedBy: 'lb', requestBytes: 2_000_000 })),
      413,
    );
    expect(causes[0]?.score).toBeGreaterThan(0);
    expect(causes[0]?.evidence).toContain('all 3 413s carried at least 512 KB (1 MB limit for Lambda targets)');
  });

  it('413 far below the limit', () => {
    const causes = rank(
      repeat(3, () => otcRecord({ status: 413, generatedBy: 'lb', requestBytes: 1_000 })),
      413,
    );
    expect(causes[0]?.score).toBeLessThan(0);
  });

  it('414 with very long URIs', () => {
    const causes = rank(
      repeat(3, () => otcRecord({ status: 414, generatedBy: 'lb', uriLength: 9_000 })),
      414,
    );
    expect(causes[0]?.score).toBeGreaterThan(0);
    expect(causes[0]?.evidence).toContain('all 3 414s had URIs of 4096 characters or more');
  });

  it('414 with short URIs', () => {
    const causes = rank(
      repeat(3, () => otcRecord({ status: 414, generatedBy: 'lb', uriLength: 40 })),
      414,
    );
    expect(causes[0]?.score).toBeLessThan(0);
  });

  it('499 while the backend was slow', () => {
    const causes = rank(
      [...repeat(10, () => otcNoHeader(499, 30)), ...ok(20, A, { headerTime: 12, requestTime: 12 })],
      499,
    );
    expect(causes[0]).toMatchObject({ id: '499.client-closed', score: 3 });
    expect(causes[0]?.evidence).toContain('the backend was slow');
  });

  it('499 from impatient clients and a fast backend', () => {
    const causes = rank(
      [...repeat(10, () => otcRecord({ status: 499, generatedBy: 'lb', requestTime: 0.2 })), ...ok(20)],
      499,
    );
    expect(causes[0]).toMatchObject({ score: 1 });
    expect(causes[0]?.evidence).toContain('clients gave up early rather than a slow backend');
  });

  it('ALB 460 gets its own cause id and the same evidence', () => {
    const causes = rank(
      repeat(10, () =>
        albRecord({ status: 460, generatedBy: 'lb', backendConnected: true, headerTime: null, requestTime: 20 }),
      ),
      460,
    );
    expect(causes[0]).toMatchObject({ id: '460.client-closed', score: 3 });
  });

  it('401 returned by the backend', () => {
    const causes = rank(
      repeat(10, () => otcRecord({ status: 401, backendStatus: 401 })),
      401,
    );
    expect(causes[0]).toMatchObject({
      id: '401.backend-auth-failed',
      score: 2,
      evidence: 'all 10 401s were returned by the backend',
    });
  });

  it('401 generated by the ALB authenticate action, not the backend', () => {
    const causes = rank(
      repeat(10, () => albRecord({ status: 401, generatedBy: 'lb', backendStatus: null, member: null })),
      401,
    );
    expect(causes[0]).toMatchObject({
      score: -1,
      evidence: 'all 10 401s were generated by the load balancer (ALB authenticate action), not the backend',
    });
  });

  it('WAF error_reason named on 403', () => {
    const causes = rank(
      repeat(4, () => albRecord({ status: 403, generatedBy: 'lb', errorReason: 'WAFConnectionError' })),
      403,
    );
    expect(causes[0]?.evidence).toContain('all 4 403s carry an error_reason (WAFConnectionError 4)');
  });

  it('463 generated by the ALB', () => {
    const causes = rank(
      repeat(4, () => albRecord({ status: 463, generatedBy: 'lb', backendStatus: null })),
      463,
    );
    expect(causes[0]).toMatchObject({ id: '463.xff-too-long', score: 2 });
  });

  it('463 from a backend is not the ALB limit', () => {
    const causes = rank(
      repeat(4, () => albRecord({ status: 463, generatedBy: 'backend', backendStatus: 463 })),
      463,
    );
    expect(causes[0]?.score).toBeLessThan(0);
  });
});

describe('503 evidence', () => {
  it('generated by the load balancer: no healthy backend', () => {
    const causes = rank(
      repeat(10, () =>
        otcRecord({ status: 503, generatedBy: 'lb', backendStatus: null, member: null, headerTime: null }),
      ),
      503,
    );
    expect(causes[0]).toMatchObject({
      score: 3,
      evidence: 'all 10 503s were generated by the load balancer without trying a backend: no healthy backend',
    });
  });

  it('returned by the backends', () => {
    const causes = rank(
      repeat(10, () => otcRecord({ status: 503, backendStatus: 503 })),
      503,
    );
    expect(causes[0]).toMatchObject({
      score: 1,
      evidence: 'all 10 503s were returned by the backends themselves (application unavailable)',
    });
  });
});

describe('one member with most of a code', () => {
  it('names a member with >= 80% of the code and a much lower share of traffic', () => {
    // Prepare
    const records = [
      ...repeat(18, () => otcRecord({ status: 500, backendStatus: 500, member: A })),
      ...repeat(2, () => otcRecord({ status: 500, backendStatus: 500, member: B })),
      ...ok(100, B),
      ...ok(100, C),
    ];
    // Act
    const causes = rank(records, 500);
    // Assess
    expect(causes[0]?.evidence).toContain(
      `90% of the 500s (18 of 20) came from member ${A}, which had 8.2% of the traffic`,
    );
  });

  it('does not name a member whose traffic share matches', () => {
    const records = [
      ...repeat(18, () => otcRecord({ status: 500, backendStatus: 500, member: A })),
      ...ok(300, A),
      ...ok(10, B),
    ];
    const causes = rank(records, 500);
    expect(causes[0]?.evidence).not.toContain('came from member');
  });
});

describe('evidence text', () => {
  it('truncates members to 80 characters and strips control characters and query strings', () => {
    // Prepare
    const evil = `\u001b[31m${'x'.repeat(200)}?token=secret`;
    const records = [
      ...repeat(18, () => otcRecord({ status: 500, backendStatus: 500, member: evil })),
      ...ok(100, B),
      ...ok(100, C),
    ];
    // Act
    const [top] = rank(records, 500);
    // Assess
    expect(top?.evidence).not.toContain('\u001b');
    expect(top?.evidence).not.toContain('token');
    expect(top?.evidence).toContain(`member [31m${'x'.repeat(75)}…,`);
  });
});

describe('LB-side codes returned by the backend', () => {
  it('400s from the backend lower every 400 cause and say so', () => {
    // Act
    const causes = rank(
      repeat(10, () => otcRecord({ status: 400, backendStatus: 400 })),
      400,
    );
    // Assess
    expect(causes.every((c) => c.score < 0)).toBe(true);
    expect(cause(causes, '400.malformed-request').evidence).toContain(
      'all 10 400s were returned by the backend itself, not by the load balancer',
    );
  });

  it('400s from the load balancer carry no such sentence', () => {
    const causes = rank(
      repeat(10, () => otcRecord({ status: 400, generatedBy: 'lb', backendStatus: null })),
      400,
    );
    expect(causes.some((c) => c.evidence.includes('returned by the backend itself'))).toBe(false);
  });
});

describe('remaining negative cases', () => {
  it('502s without a connection carry no "closed before a response header" sentence', () => {
    const causes = rank(
      repeat(20, () => otcNoConnection(502, 0.002)),
      502,
    );
    expect(cause(causes, '502.backend-reset').evidence).not.toContain('closed the connection before a response header');
  });

  it('codes without error_reason carry no error_reason sentence', () => {
    const causes = rank(
      repeat(4, () => albRecord({ status: 403, generatedBy: 'lb' })),
      403,
    );
    expect(causes.some((c) => c.evidence.includes('error_reason'))).toBe(false);
  });

  it('an unlisted code generated by the load balancer ranks lb-generated first', () => {
    const causes = rank(
      repeat(5, () => albRecord({ status: 418, generatedBy: 'lb', backendStatus: null })),
      418,
    );
    expect(causes.map((c) => [c.id, c.score])).toEqual([
      ['unlisted.lb-generated', 2],
      ['unlisted.backend-returned', 0],
    ]);
  });
});

describe('timeout claims under thresholds that differ from the platform', () => {
  const rulesFile = { connectTimeout: 3, responseTimeout: 60, clientTimeout: 60 };

  it('unconnected 504s of 5 s are not "about the 3 s connect timeout": they took longer than it', () => {
    // Prepare
    const w = windowOf([...repeat(10, () => otcNoConnection(504, 5.002)), ...ok(50)]);
    // Act
    const causes = rankCauses(w, 504, rulesFile);
    // Assess
    const connect = cause(causes, '504.connect-timeout');
    expect(connect.evidence).not.toContain('about the 3 s');
    expect(connect.evidence).toBe(
      "all 10 504s never connected to a backend and took longer than the 3 s ELB connect timeout (median 5.0 s): the timeout set on the load balancer may be longer than lbwatch's thresholds say",
    );
    expect(connect.score).toBe(1);
  });

  it('504s of 300 s are not "about the 60 s response timeout": they took longer than it', () => {
    // Prepare
    const w = windowOf([...repeat(45, () => otcNoHeader(504, 300.01)), ...ok(50)]);
    // Act
    const causes = rankCauses(w, 504, rulesFile);
    // Assess
    const response = cause(causes, '504.response-timeout');
    expect(response.evidence).not.toContain('about the 60 s');
    expect(response.evidence).toContain('all 45 504s took longer than the 60 s ELB response timeout (median 300 s)');
    expect(response.score).toBe(1);
  });

  it('a median names only the requests the claim counts', () => {
    // Prepare: 6 of 10 about the 5 s connect timeout, 4 far longer
    const w = windowOf([
      ...repeat(6, () => otcNoConnection(504, 5.01)),
      ...repeat(4, () => otcNoConnection(504, 40)),
      ...ok(20),
    ]);
    // Act
    const causes = rankCauses(w, 504);
    // Assess
    expect(cause(causes, '504.connect-timeout').evidence).toContain(
      '6 of 10 504s never connected to a backend and took about the 5 s ELB connect timeout (median of the 6: 5.0 s)',
    );
    expect(cause(causes, '504.connect-timeout').evidence).toContain(
      '4 of 10 504s never connected to a backend and took longer',
    );
  });

  it('names a fractional timeout as configured', () => {
    // Prepare
    const w = windowOf([...repeat(10, () => otcNoConnection(504, 2.75)), ...ok(5)]);
    // Act
    const causes = rankCauses(w, 504, { connectTimeout: 2.75, responseTimeout: 300, clientTimeout: 60 });
    // Assess
    expect(cause(causes, '504.connect-timeout').evidence).toContain('about the 2.75 s ELB connect timeout');
  });

  it('a connect timeout above the response timeout still gets its own band', () => {
    // Prepare
    const w = windowOf([...repeat(10, () => otcNoConnection(504, 60)), ...ok(5)]);
    // Act
    const causes = rankCauses(w, 504, { connectTimeout: 60, responseTimeout: 30, clientTimeout: 60 });
    // Assess
    expect(cause(causes, '504.connect-timeout').evidence).toContain(
      'all 10 504s never connected to a backend and took about the 60 s ELB connect timeout (median 60 s)',
    );
  });

  it('"none reached" is not said when some came within 10% of the timeout', () => {
    // Prepare: 2 of 10 at 280 s, short of the 300 s response timeout but about it
    const w = windowOf([...repeat(8, () => otcNoHeader(504, 1)), ...repeat(2, () => otcNoHeader(504, 280)), ...ok(5)]);
    // Act
    const causes = rankCauses(w, 504);
    // Assess
    expect(cause(causes, '504.response-timeout').evidence).toBe('');
  });

  it('unconnected 502s slower than half the connect timeout do not count as failing fast', () => {
    // Prepare
    const slow = windowOf([...repeat(20, () => otcNoConnection(502, 4.5)), ...ok(20, B)]);
    const fast = windowOf([...repeat(20, () => otcNoConnection(502, 0.002)), ...ok(20, B)]);
    // Act
    const slowPort = cause(rankCauses(slow, 502), '502.backend-port');
    const fastPort = cause(rankCauses(fast, 502), '502.backend-port');
    // Assess
    expect(slowPort.evidence).toContain(
      'all 20 502s got no backend connection, 0 of them failing within 2.5 s (well under the 5 s connect timeout)',
    );
    expect(fastPort.score - slowPort.score).toBe(2);
  });

  it('408s much later than the client timeout are not "about" it', () => {
    const causes = rankCauses(
      windowOf(repeat(5, () => otcRecord({ status: 408, generatedBy: 'lb', backendStatus: null, requestTime: 300 }))),
      408,
    );
    expect(causes[0]?.evidence).toContain('all 5 408s took longer than the 60 s client timeout (median 300 s)');
  });

  it('sizes just under a limit are neither counted as reaching it nor said to stay below it', () => {
    // Prepare: 16,000 bytes shares a histogram bucket with ALB's 16 KB limit
    const records = repeat(8, () =>
      albRecord({ status: 400, generatedBy: 'lb', backendStatus: null, member: null, requestBytes: 16_000 }),
    );
    // Act
    const causes = rank(records, 400);
    // Assess
    expect(cause(causes, '400.header-too-large')).toMatchObject({ score: 0, evidence: '' });
  });
});

describe('scope of evidence sentences', () => {
  const scope = 'in the 3 windows 05:40–05:55';

  it('names the scope instead of "this window" for several windows', () => {
    // Prepare
    const w = windowOf([...repeat(10, () => otcNoConnection(504, 5.002)), ...ok(30)]);
    // Act
    const causes = rankCauses(w, 504, undefined, scope);
    // Assess
    expect(cause(causes, '504.firewall').evidence).toBe(`30 requests got a backend answer ${scope}`);
    expect(causes.some((c) => c.evidence.includes('this window'))).toBe(false);
  });

  it('uses the scope in every sentence that spoke of the window', () => {
    // Prepare
    const dead = [...repeat(39, () => otcNoConnection(502, 0.002, { member: A })), ...ok(100, B)];
    const live = [...repeat(39, () => otcNoConnection(502, 0.002, { member: A })), ...ok(200, A)];
    const firewall = [A, B].flatMap((m) => repeat(10, () => otcNoConnection(504, 5.002, { member: m })));
    const notFound = [
      ...repeat(40, () => otcRecord({ status: 404, backendStatus: 404, member: A })),
      ...ok(100, B),
      ...ok(100, C),
    ];
    const closed = [...repeat(10, () => otcRecord({ status: 499, generatedBy: 'lb', requestTime: 0.2 })), ...ok(20)];
    const unanswered = repeat(10, () => otcNoHeader(499, 30));
    // Act
    const texts = [
      rankCauses(windowOf(dead), 502, undefined, scope),
      rankCauses(windowOf(live), 502, undefined, scope),
      rankCauses(windowOf(firewall), 504, undefined, scope),
      rankCauses(windowOf(notFound), 404, undefined, scope),
      rankCauses(windowOf(closed), 499, undefined, scope),
      rankCauses(windowOf(unanswered), 499, undefined, scope),
    ].map((causes) => causes.map((c) => c.evidence).join(' | '));
    // Assess
    expect(texts.join('\n')).not.toContain('this window');
    expect(texts[0]).toContain(`which answered nothing else ${scope}`);
    expect(texts[1]).toContain(`which answered 200 other requests normally ${scope}`);
    expect(texts[2]).toContain(`no request reached any backend ${scope}`);
    expect(texts[3]).toContain(`was answered successfully 200 times ${scope}`);
    expect(texts[4]).toContain(`backend p95 ${scope} 11 ms`);
    expect(texts[5]).toContain(`no backend answered ${scope}`);
  });
});

describe('scopePhrase', () => {
  const at = (iso: string) => Date.parse(iso);
  const FIVE_MINUTES = 300_000;

  it('says "in this window" for one window', () => {
    expect(scopePhrase(1, at('2026-03-01T05:40:00Z'), at('2026-03-01T05:45:00Z'), FIVE_MINUTES)).toBe('in this window');
  });

  it('names consecutive windows by their span, UTC', () => {
    expect(scopePhrase(3, at('2026-03-01T05:40:00Z'), at('2026-03-01T05:55:00Z'), FIVE_MINUTES)).toBe(
      'in the 3 windows 05:40–05:55',
    );
  });

  it('says "between" when the windows have gaps', () => {
    expect(scopePhrase(3, at('2026-03-01T05:40:00Z'), at('2026-03-01T06:10:00Z'), FIVE_MINUTES)).toBe(
      'in 3 windows between 05:40 and 06:10',
    );
  });

  it('adds the dates when the windows span days', () => {
    expect(scopePhrase(4, at('2026-03-01T23:50:00Z'), at('2026-03-02T00:10:00Z'), FIVE_MINUTES)).toBe(
      'in the 4 windows 2026-03-01 23:50–2026-03-02 00:10',
    );
  });

  it('a period ending at midnight stays on its day', () => {
    expect(scopePhrase(3, at('2026-03-01T23:45:00Z'), at('2026-03-02T00:00:00Z'), FIVE_MINUTES)).toBe(
      'in the 3 windows 23:45–00:00',
    );
  });

  it('shows seconds for windows that do not start on whole minutes', () => {
    expect(scopePhrase(2, at('2026-03-01T05:40:30Z'), at('2026-03-01T05:41:30Z'), 30_000)).toBe(
      'in the 2 windows 05:40:30–05:41:30',
    );
  });
});
