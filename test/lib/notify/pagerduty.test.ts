import { describe, expect, it } from 'vitest';
import {
  PAGERDUTY_DEDUP_MAX,
  PAGERDUTY_EVENT_MAX_BYTES,
  PAGERDUTY_SUMMARY_MAX,
  renderPagerDuty,
  sanitizeOutgoing,
} from '../../../lib/notify/index.js';
import { aNotification, aReport, REPORT_URL } from './factories.js';
import { hostileNotification, hugeNotification } from './hostile.js';

const KEY = 'R0123456789abcdef0123456789abcde';

describe('renderPagerDuty', () => {
  it('triggers an opened incident with the documented required fields', () => {
    // Act
    const event = renderPagerDuty(aNotification(), KEY);
    // Assess
    expect(event).toMatchObject({
      routing_key: KEY,
      event_action: 'trigger',
      dedup_key: 'shop-prod/gateway-errors/2026-06-16T05:40:00.000Z',
      payload: {
        summary: expect.stringContaining('[critical] Incident opened: 502, 504 on shop-prod'),
        source: 'shop-prod',
        severity: 'critical',
        timestamp: '2026-06-16T05:56:12.000Z',
        custom_details: {
          state: 'opened',
          status_codes: { '502': 80, '504': 20 },
          peak: '12.5% (50 of 400) in the window starting 2026-06-16T05:45:00.000Z',
          causes: [
            expect.objectContaining({ id: '502.backend-port' }),
            expect.objectContaining({ id: '504.response-timeout' }),
          ],
        },
      },
      links: [{ href: REPORT_URL, text: 'lbwatch report' }],
    });
    expect(event?.payload?.summary).toContain('most likely 502.backend-port');
  });

  it('triggers again on a reminder and resolves with the same dedup key', () => {
    const reminder = renderPagerDuty(aNotification({ state: 'reminder' }), KEY);
    const resolved = renderPagerDuty(aNotification({ state: 'resolved' }, { end: '2026-06-16T06:45:00.000Z' }), KEY);
    expect(reminder?.event_action).toBe('trigger');
    expect(resolved).toEqual({ routing_key: KEY, event_action: 'resolve', dedup_key: reminder?.dedup_key });
  });

  it('maps each severity to the same PagerDuty severity', () => {
    for (const severity of ['critical', 'warning', 'info'] as const) {
      expect(renderPagerDuty(aNotification({}, { severity }), KEY)?.payload?.severity).toBe(severity);
    }
  });

  it('sends no report announcement', () => {
    expect(renderPagerDuty(aReport(), KEY)).toBeNull();
  });

  it('keeps dedup key, summary and the whole event within the documented limits', () => {
    for (const page of [
      hugeNotification(),
      sanitizeOutgoing(hugeNotification()),
      sanitizeOutgoing(hostileNotification()),
    ]) {
      // Act
      const event = renderPagerDuty(page, KEY);
      // Assess
      expect(event?.dedup_key.length).toBeLessThanOrEqual(PAGERDUTY_DEDUP_MAX);
      expect(event?.payload?.summary.length).toBeLessThanOrEqual(PAGERDUTY_SUMMARY_MAX);
      expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThanOrEqual(PAGERDUTY_EVENT_MAX_BYTES);
      expect(event?.payload?.source.length).toBeGreaterThan(0);
    }
  });

  it('drops causes from the tail when an unsanitized event would pass 512 KB', () => {
    const event = renderPagerDuty(hugeNotification(), KEY);
    const causes = event?.payload?.custom_details.causes;
    expect(Array.isArray(causes) && causes.length < 200 && causes.length > 0).toBe(true);
  });
});
