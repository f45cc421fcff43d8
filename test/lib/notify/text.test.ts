import { describe, expect, it } from 'vitest';
import { renderSubject, renderText, sanitizeOutgoing } from '../../../lib/notify/index.js';
import { aNotification, aReport, REPORT_URL } from './factories.js';
import { hostileNotification, hugeNotification } from './hostile.js';
import { UNSAFE } from './strings.js';

describe('renderSubject', () => {
  it('names severity, state, codes, load balancer, start and the top cause', () => {
    expect(renderSubject(aNotification())).toBe(
      '[CRITICAL] OPENED 502,504 shop-prod 2026-06-16T05:40Z 502.backend-port',
    );
    expect(renderSubject(aNotification({ state: 'resolved' }))).toMatch(/^\[CRITICAL\] RESOLVED 502,504 shop-prod /);
  });

  it('stays printable ASCII within 100 characters for hostile and 10 KB names, keeping both ends', () => {
    // Prepare
    const pages = [sanitizeOutgoing(hostileNotification()), sanitizeOutgoing(hugeNotification()), hugeNotification()];
    // Act
    const subjects = pages.map(renderSubject);
    // Assess
    for (const subject of subjects) {
      expect(subject.length).toBeLessThanOrEqual(100);
      expect(subject).toMatch(/^[\x20-\x7e]+$/);
      expect(subject).toContain('2026-06-16T05:40Z');
    }
    expect(subjects[2]).toMatch(/\[CRITICAL\] OPENED .* lb-x+\.\.\.x+ 2026-06-16T05:40Z 502\.cause-0$/);
  });

  it('summarises a report period', () => {
    expect(renderSubject(aReport())).toBe(
      'lbwatch report 2026-06-15T00:00Z..2026-06-16T00:00Z: 1250000 req, 4xx 1.2%, 5xx 0.3%, 2 incidents',
    );
    expect(renderSubject(aReport({ requests: 0 }))).toMatch(/: no data$/);
  });
});

describe('renderText', () => {
  it('says when, how long, the peak, the codes, the ranked causes with evidence and the report link', () => {
    // Act
    const text = renderText(aNotification());
    // Assess
    expect(text).toContain('Since: 2026-06-16T05:40:00.000Z (open for 16 min)');
    expect(text).toContain('Peak: 12.5% (50 of 400 requests) in the window starting 2026-06-16T05:45:00.000Z');
    expect(text).toContain('Status codes: 502 x80, 504 x20');
    expect(text).toMatch(/1\. \[502\.backend-port\][^\n]*\n {3}Evidence: in the 3 windows/);
    expect(text).toContain('2. [504.response-timeout]');
    expect(text).toContain(`Report: ${REPORT_URL}`);
    expect(text).toContain('Incident: shop-prod/gateway-errors/2026-06-16T05:40:00.000Z');
  });

  it('gives a resolved incident its whole duration', () => {
    const text = renderText(aNotification({ state: 'resolved' }, { end: '2026-06-16T06:45:00.000Z' }));
    expect(text).toContain('From 2026-06-16T05:40:00.000Z to 2026-06-16T06:45:00.000Z (1 h 5 min)');
    expect(text).toMatch(/^lbwatch: Incident resolved: /);
  });

  it('tells a logs-missing incident by its last object', () => {
    const text = renderText(
      aNotification(
        {},
        {
          rule: 'logs-missing',
          statusCodes: {},
          causes: [],
          logsMissing: { lastSeen: '2026-06-16T05:20:00.000Z', lastObjectKey: 'AWSLogs/1/elb/a.log.gz' },
        },
      ),
    );
    expect(text).toContain('No access logs from shop-prod since 2026-06-16T05:20:00.000Z');
    expect(text).toContain('Last object: AWSLogs/1/elb/a.log.gz');
  });

  it('adds no control character of a log line to the text', () => {
    const text = renderText(sanitizeOutgoing(hostileNotification()));
    expect(text.split('\n').filter((line) => UNSAFE.test(line))).toEqual([]);
  });

  it('lists a report period with its top codes', () => {
    const text = renderText(aReport());
    expect(text).toContain('- 502 x812 on shop-prod, most likely 502.backend-port');
    expect(text).toContain(`Open: ${REPORT_URL}`);
  });
});
