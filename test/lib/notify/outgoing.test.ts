import { describe, expect, it } from 'vitest';
import { ID_MAX, MAX_CAUSES, MAX_CODES, safeId, sanitizeOutgoing } from '../../../lib/notify/index.js';
import { aNotification, aReport, REPORT_URL } from './factories.js';
import { HOSTILE_LB, hostileNotification, hugeNotification, QUERY } from './hostile.js';
import { allStrings, UNSAFE } from './strings.js';

describe('sanitizeOutgoing', () => {
  it('escapes control characters, cuts long strings and drops query strings from log-derived text', () => {
    // Prepare
    const hostile = hostileNotification();
    // Act
    const safe = sanitizeOutgoing(hostile);
    // Assess
    expect(allStrings(safe).filter((text) => UNSAFE.test(text) || text.includes('\n'))).toEqual([]);
    expect(safe.incident.loadBalancer).toContain('\\x1b');
    expect(safe.incident.causes[0]?.evidence).not.toContain('s3cr3t-token');
    expect(safe.incident.causes[0]?.evidence).toContain('/login');
    expect(safe.incident.causes[1]?.evidence.length).toBeLessThanOrEqual(300);
    expect(safe.reportUrl).toBe(REPORT_URL);
  });

  it('keeps query strings when asked to', () => {
    const safe = sanitizeOutgoing(hostileNotification(), { keepQueryStrings: true });
    expect(safe.incident.causes[0]?.evidence).toContain(QUERY);
  });

  it('bounds causes and codes and keeps ids unique, stable and at most 255 characters', () => {
    // Prepare
    const huge = hugeNotification();
    const other = hugeNotification({ incidentId: `${huge.incidentId}-other` });
    // Act
    const safe = sanitizeOutgoing(huge);
    // Assess
    expect(safe.incident.causes).toHaveLength(MAX_CAUSES);
    expect(safe.incident.causes[0]?.id).toBe('502.cause-0');
    expect(Object.keys(safe.incident.statusCodes)).toHaveLength(MAX_CODES);
    expect(safe.incident.statusCodes['699']).toBe(300);
    expect(safe.incidentId.length).toBeLessThanOrEqual(ID_MAX);
    expect(safe.incidentId).toBe(sanitizeOutgoing(huge).incidentId);
    expect(sanitizeOutgoing(other).incidentId).not.toBe(safe.incidentId);
    expect(safe.incident.loadBalancer.length).toBeLessThanOrEqual(300);
  });

  it('leaves short ids as they are', () => {
    expect(safeId('shop-prod/gateway-errors/2026-06-16T05:40:00.000Z')).toBe(
      'shop-prod/gateway-errors/2026-06-16T05:40:00.000Z',
    );
  });

  it('drops a link that is not a plain http(s) URL', () => {
    expect(sanitizeOutgoing(aNotification({ reportUrl: 'javascript:alert(1)' })).reportUrl).toBeNull();
    expect(sanitizeOutgoing(aNotification({ reportUrl: 'https://x.example/a b' })).reportUrl).toBeNull();
    expect(sanitizeOutgoing(aReport({ url: `https://x.example/${HOSTILE_LB}` })).url).toBeNull();
    expect(sanitizeOutgoing(aReport()).url).toBe(REPORT_URL);
  });
});
