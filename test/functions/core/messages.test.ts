import { describe, expect, it } from 'vitest';
import { alertMessage, alertSubject, reportMessage } from '../../../functions/core/messages.js';
import { asciiSubject, dropQueryStrings, escapeControl, safeText, truncate } from '../../../functions/core/sanitize.js';
import { alertFactory } from '../support/factories.js';

describe('sanitize', () => {
  it('escapes control and bidi characters visibly', () => {
    expect(escapeControl('a\nb\u001b[31mc\u202Ed')).toBe('a\\x0ab\\x1b[31mc\\u{202e}d');
  });

  it('truncates by characters with an ellipsis, never splitting a surrogate pair', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('😀😀😀', 2)).toBe('😀…');
    expect(truncate('abc', 3)).toBe('abc');
  });

  it('drops query strings after paths, keeps sentence question marks', () => {
    expect(dropQueryStrings('GET /login?token=s3cr3t&u=alice failed. Backend up?')).toBe(
      'GET /login failed. Backend up?',
    );
    expect(safeText('/a?x=1', { max: 100, keepQueryStrings: true })).toBe('/a?x=1');
  });

  it('makes subjects printable ASCII of at most 100 characters', () => {
    const subject = asciiSubject(`ünïcödé\t${'x'.repeat(200)}`);
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
  });
});

describe('alertMessage', () => {
  it('builds a triageable subject: severity, state, codes, LB, window start, top cause', () => {
    // Prepare
    const alert = alertFactory();
    // Act
    const message = alertMessage({ ...alert, state: 'firing' }, { keepQueryStrings: false });
    // Assess
    expect(message.subject).toBe(
      '[CRITICAL] FIRING 502,504 app/web/50dc6c495c0c9188 2024-05-01T10:05Z 502.backend-reset',
    );
    expect(message.text).toContain('1. [502.backend-reset] Backend closed the connection');
    expect(message.text).toContain('Evidence: 100 of 100 502s came from 10.0.1.7:8080');
    expect(message.json).toMatchObject({ ...alert, state: 'firing' });
    expect(message.attributes).toMatchObject({ kind: 'alert', state: 'firing', severity: 'critical' });
  });

  it('escapes and truncates log-derived text and drops query strings everywhere', () => {
    // Prepare: a hostile path in evidence and a hostile LB name
    const alert = alertFactory({
      loadBalancer: 'lb\r\nBcc: victim@example.com',
      causes: [
        {
          code: 404,
          id: '404.missing-route',
          title: 'No route',
          evidence: `most on /reset?token=abc123 ${'A'.repeat(1000)}`,
          score: 1,
        },
      ],
    });
    // Act
    const message = alertMessage({ ...alert, state: 'firing' }, { keepQueryStrings: false });
    // Assess
    const json = JSON.stringify(message.json);
    expect(json).not.toContain('token=abc123');
    expect(message.text).not.toContain('token=abc123');
    expect(message.text).not.toMatch(/lb\r\n/);
    expect(message.text).toContain('lb\\x0d\\x0aBcc');
    const evidence = (message.json.causes as { evidence: string }[])[0]?.evidence ?? '';
    expect(Array.from(evidence).length).toBeLessThanOrEqual(300);
    expect(message.subject).toMatch(/^[\x20-\x7e]{1,100}$/);
  });

  it('says resolved without causes', () => {
    const message = alertMessage({ ...alertFactory({ causes: [] }), state: 'resolved' }, { keepQueryStrings: false });
    expect(message.subject.startsWith('[CRITICAL] RESOLVED')).toBe(true);
    expect(message.text).toContain('back under the rule threshold');
  });
});

describe('reportMessage', () => {
  const locations = { html: 's3://b/r.html', md: 's3://b/r.md', json: 's3://b/r.json' };

  it('announces headline figures', () => {
    const message = reportMessage(
      {
        periodStart: '2024-05-01T00:00:00.000Z',
        periodEnd: '2024-05-02T00:00:00.000Z',
        requests: 1000,
        loadBalancers: 2,
        errorRates: { '4xx': 0.01, '5xx': 0.05 },
        topCodes: [{ loadBalancer: 'app/web/1', code: 502, count: 40, topCause: '502.backend-reset' }],
        alertsFired: 3,
        locations,
        url: null,
      },
      { keepQueryStrings: false },
    );
    expect(message.subject).toBe(
      'lbwatch report 2024-05-01T00:00Z..2024-05-02T00:00Z: 1000 req, 4xx 1.0%, 5xx 5.0%, 3 alerts',
    );
    expect(message.text).toContain('- 502 x40 on app/web/1, most likely 502.backend-reset');
    expect(message.json).toMatchObject({ kind: 'report', requests: 1000 });
  });

  it('says so when the period has no data', () => {
    const message = reportMessage(
      {
        periodStart: '2024-05-01T00:00:00.000Z',
        periodEnd: '2024-05-02T00:00:00.000Z',
        requests: 0,
        loadBalancers: 0,
        errorRates: { '4xx': 0, '5xx': 0 },
        topCodes: [],
        alertsFired: 0,
        locations,
        url: null,
      },
      { keepQueryStrings: false },
    );
    expect(message.subject).toContain('no data');
    expect(message.text).toContain('No access-log data was stored for this period.');
  });

  it('prints the report link whole: its query string is the signature, not log text', () => {
    // Prepare
    const url = `https://state.example/lbwatch/reports/r.html?X-Amz-Signature=${'a'.repeat(64)}&X-Amz-Security-Token=${'t'.repeat(900)}`;
    // Act
    const message = reportMessage(
      {
        periodStart: '2024-05-01T00:00:00.000Z',
        periodEnd: '2024-05-02T00:00:00.000Z',
        requests: 10,
        loadBalancers: 1,
        errorRates: { '4xx': 0, '5xx': 0 },
        topCodes: [],
        alertsFired: 0,
        locations,
        url,
      },
      { keepQueryStrings: false },
    );
    // Assess
    expect(message.text).toContain(`Open the report: ${url}`);
    expect(message.json).toMatchObject({ kind: 'report', url });
  });
});

describe('alertSubject', () => {
  it('keeps the cause id whole and cuts a long load-balancer name in the middle', () => {
    // Prepare
    const alert = alertFactory({
      loadBalancer: 'loadbalancer_7c1e4a52-3b8d-4f0e-9a61-2f5b8c9d0e1a-with-a-very-long-suffix-0042',
      statusCodes: { '504': 80 },
      causes: [{ code: 504, id: '504.response-timeout', title: 'Backend too slow', evidence: '', score: 1 }],
    });
    // Act
    const subject = alertSubject({ ...alert, state: 'firing' });
    // Assess
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject.startsWith('[CRITICAL] FIRING 504 loadbalancer_7c1e')).toBe(true);
    expect(subject.endsWith('-suffix-0042 2024-05-01T10:05Z 504.response-timeout')).toBe(true);
    expect(subject).toContain('...');
  });
});
