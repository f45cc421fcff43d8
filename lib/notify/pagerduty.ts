/**
 * PagerDuty Events API v2 alert events. From PagerDuty's documentation: `routing_key` (the 32-character
 * integration key) and `event_action` (`trigger`, `acknowledge`, `resolve`) are required; `dedup_key` at
 * most 255 characters correlates a trigger with its resolve; `payload.summary` (at most 1,024
 * characters), `payload.source` and `payload.severity` (`critical`, `error`, `warning`, `info`) are
 * required on a trigger; a whole event is at most 512 KB. A resolve needs only the key and action.
 */
import { type IncidentNotification, LOGS_MISSING_RULE, type Outgoing } from '../model.js';
import { codesByCount, likelyCauses, percent } from './outgoing.js';
import { headline } from './text.js';

export const PAGERDUTY_SUMMARY_MAX = 1024;
export const PAGERDUTY_DEDUP_MAX = 255;
export const PAGERDUTY_EVENT_MAX_BYTES = 512 * 1024;
const SOURCE_MAX = 255;

export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'resolve';
  dedup_key: string;
  client?: string;
  payload?: {
    summary: string;
    source: string;
    severity: 'critical' | 'error' | 'warning' | 'info';
    timestamp: string;
    component?: string;
    class: string;
    custom_details: Record<string, unknown>;
  };
  links?: { href: string; text: string }[];
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * The event for an incident page: `trigger` on opened and reminder (PagerDuty adds a reminder to the
 * open alert with the same `dedup_key`), `resolve` on resolved. Report announcements are not pages:
 * null.
 *
 * @example
 * const event = renderPagerDuty(sanitizeOutgoing(n), routingKey);
 * if (event !== null) await fetch('https://events.pagerduty.com/v2/enqueue', { method: 'POST', body: JSON.stringify(event) });
 */
export function renderPagerDuty(o: Outgoing, routingKey: string): PagerDutyEvent | null {
  if (o.kind !== 'incident') return null;
  const dedupKey = cut(o.incidentId, PAGERDUTY_DEDUP_MAX);
  if (o.state === 'resolved') return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
  const event: PagerDutyEvent = {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    client: 'lbwatch',
    payload: {
      summary: summary(o),
      source: cut(o.incident.loadBalancer, SOURCE_MAX) || 'unknown',
      severity: o.incident.severity,
      timestamp: o.at,
      component: cut(o.incident.rule, SOURCE_MAX),
      class: o.incident.rule === LOGS_MISSING_RULE ? 'logs missing' : 'status codes',
      custom_details: details(o, o.incident.causes.length),
    },
  };
  if (o.reportUrl !== null) event.links = [{ href: o.reportUrl, text: 'lbwatch report' }];
  // Sanitized input stays far under the limit; still, drop causes from the tail rather than be refused.
  let causes = o.incident.causes.length;
  while (causes > 0 && Buffer.byteLength(JSON.stringify(event)) > PAGERDUTY_EVENT_MAX_BYTES) {
    causes = Math.floor(causes / 2);
    if (event.payload !== undefined) event.payload.custom_details = details(o, causes);
  }
  return event;
}

function summary(n: IncidentNotification): string {
  const top = likelyCauses(n.incident, 1)[0];
  const cause = top === undefined ? '' : `; most likely ${top.id}: ${top.title}`;
  const state = n.state === 'reminder' ? 'still open: ' : '';
  return cut(`[${n.incident.severity}] ${state}${headline(n)}${cause}`, PAGERDUTY_SUMMARY_MAX);
}

function details(n: IncidentNotification, causes: number): Record<string, unknown> {
  const incident = n.incident;
  const out: Record<string, unknown> = {
    state: n.state,
    incident_id: n.incidentId,
    rule: incident.rule,
    load_balancer: incident.loadBalancer,
    start: incident.start,
    last_firing: incident.lastFiring,
    windows: incident.windows,
    requests: incident.requests,
    matched: incident.matched,
    status_codes: Object.fromEntries(codesByCount(incident.statusCodes)),
    peak: `${percent(incident.peak.rate)} (${incident.peak.matched} of ${incident.peak.requests}) in the window starting ${incident.peak.windowStart}`,
    causes: incident.causes.slice(0, causes).map((cause) => ({
      id: cause.id,
      title: cause.title,
      evidence: cause.evidence,
      score: cause.score,
    })),
  };
  if (incident.logsMissing !== undefined) out.logs_missing = incident.logsMissing;
  if (incident.silenced) out.silenced = true;
  return out;
}
