// Incident pages and report announcements shaped exactly like lib/model.ts.
import type { CauseResult, Incident, IncidentNotification, ReportAnnouncement } from '../../../lib/model.js';

export const REPORT_URL =
  'https://example-lbwatch-state.s3.eu-west-1.amazonaws.com/lbwatch/reports/latest.html?X-Amz-Signature=abc123';

export function aCause(overrides: Partial<CauseResult> = {}): CauseResult {
  return {
    code: 502,
    id: '502.backend-port',
    title: 'nothing listens on the backend port',
    evidence: 'in the 3 windows 05:40-05:55, 80 of 80 502s got a connection refused from 10.0.1.7:8080',
    score: 3,
    ...overrides,
  };
}

export function anIncident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: 'shop-prod/gateway-errors/2026-06-16T05:40:00.000Z',
    loadBalancer: 'shop-prod',
    rule: 'gateway-errors',
    severity: 'critical',
    start: '2026-06-16T05:40:00.000Z',
    end: null,
    lastFiring: '2026-06-16T05:50:00.000Z',
    windows: 3,
    peak: { windowStart: '2026-06-16T05:45:00.000Z', rate: 0.125, matched: 50, requests: 400 },
    requests: 1200,
    matched: 100,
    statusCodes: { '502': 80, '504': 20 },
    causes: [
      aCause(),
      aCause({
        code: 504,
        id: '504.response-timeout',
        title: 'the backend did not answer within the response timeout',
        evidence: 'in this incident, 20 of 20 504s took about the 60 s response timeout',
        score: 2,
      }),
    ],
    silenced: false,
    ...overrides,
  };
}

export function aNotification(
  overrides: Partial<IncidentNotification> = {},
  incident: Partial<Incident> = {},
): IncidentNotification {
  const full = anIncident(incident);
  return {
    kind: 'incident',
    state: 'opened',
    incidentId: full.id,
    incident: full,
    at: '2026-06-16T05:56:12.000Z',
    reportUrl: REPORT_URL,
    ...overrides,
  };
}

export function aReport(overrides: Partial<ReportAnnouncement> = {}): ReportAnnouncement {
  return {
    kind: 'report',
    periodStart: '2026-06-15T00:00:00.000Z',
    periodEnd: '2026-06-16T00:00:00.000Z',
    requests: 1_250_000,
    loadBalancers: 3,
    errorRates: { '4xx': 0.012, '5xx': 0.0031 },
    topCodes: [{ loadBalancer: 'shop-prod', code: 502, count: 812, topCause: '502.backend-port' }],
    incidents: 2,
    locations: {
      html: 's3://example-lbwatch-state/lbwatch/reports/2026-06-15.html',
      md: 's3://example-lbwatch-state/lbwatch/reports/2026-06-15.md',
      json: 's3://example-lbwatch-state/lbwatch/reports/2026-06-15.json',
    },
    url: REPORT_URL,
    ...overrides,
  };
}
