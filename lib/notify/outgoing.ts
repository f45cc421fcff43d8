/**
 * An `Outgoing` as it leaves lbwatch: the one object every renderer starts from. Log-derived strings
 * (load balancer, rule, status-code keys, cause ids, titles, evidence, object keys) are escaped and
 * truncated, query strings dropped unless kept, and lists bounded, so no destination can be handed
 * markup, control characters or a payload over its size limit by a hostile log line.
 */
import { createHash } from 'node:crypto';
import type { CauseResult, Incident, IncidentNotification, Outgoing, ReportAnnouncement } from '../model.js';
import { escapeControl, safeText } from './sanitize.js';

export interface NotifyOptions {
  /** Keep query strings in log-derived text (paths in evidence). @default false */
  keepQueryStrings?: boolean;
}

/** Longest log-derived string kept (load-balancer names, evidence sentences, titles). */
export const FIELD_MAX = 300;
/** Causes kept per incident, most likely first (the ranking is not changed, only its tail cut). */
export const MAX_CAUSES = 20;
/** Status codes kept per incident, by count. */
export const MAX_CODES = 50;
/** Top codes kept in a report announcement. */
export const MAX_TOP_CODES = 20;
/** Longest id kept as is; longer ids (long load-balancer names) keep a head and a hash of the whole. */
export const ID_MAX = 255;
/** Longest link kept (Slack buttons take 3,000 characters; presigned URLs are ~1,500). */
export const URL_MAX = 3000;

/**
 * An id that stays unique and stable when shortened: PagerDuty's `dedup_key` takes 255 characters,
 * and a trigger and its resolve must carry the same key.
 */
export function safeId(id: string): string {
  const escaped = escapeControl(id);
  if (escaped.length <= ID_MAX) return escaped;
  const hash = createHash('sha256').update(id).digest('hex');
  return `${escaped.slice(0, ID_MAX - hash.length - 1)}~${hash}`;
}

/** An http(s) link without whitespace or control characters, or null (links are never truncated). */
export function safeUrl(url: string | null): string | null {
  if (url === null || url.length > URL_MAX || !/^https?:\/\/[^\s<>"]+$/.test(url)) return null;
  return escapeControl(url) === url ? url : null;
}

/**
 * The sanitized copy of an outgoing message. Also what a generic webhook receives as its JSON body:
 * the `IncidentNotification` or `ReportAnnouncement` of lib/model.ts, strings escaped and cut at 300
 * characters, at most 20 causes, 50 status codes and 20 top codes, ids at most 255 characters.
 *
 * @example
 * const safe = sanitizeOutgoing(notification, { keepQueryStrings: false });
 * await fetch(url, { method: 'POST', body: JSON.stringify(safe) });
 */
export function sanitizeOutgoing<T extends Outgoing>(outgoing: T, options: NotifyOptions = {}): T {
  const text = (value: string, max = FIELD_MAX): string =>
    safeText(value, { max, keepQueryStrings: options.keepQueryStrings ?? false });
  if (outgoing.kind === 'report') return sanitizeReport(outgoing, text) as T;
  return sanitizeIncidentNotification(outgoing, text) as T;
}

type Text = (value: string, max?: number) => string;

function sanitizeCause(cause: CauseResult, text: Text): CauseResult {
  return {
    code: cause.code,
    id: text(cause.id, 100),
    title: text(cause.title),
    evidence: text(cause.evidence),
    score: cause.score,
  };
}

function topCodes(codes: Record<string, number>, text: Text): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [code, count] of codesByCount(codes).slice(0, MAX_CODES)) out[text(code, 20)] = count;
  return out;
}

function sanitizeIncident(incident: Incident, text: Text): Incident {
  const safe: Incident = {
    ...incident,
    id: safeId(incident.id),
    loadBalancer: text(incident.loadBalancer),
    rule: text(incident.rule, 100),
    peak: { ...incident.peak },
    statusCodes: topCodes(incident.statusCodes, text),
    causes: incident.causes.slice(0, MAX_CAUSES).map((cause) => sanitizeCause(cause, text)),
  };
  if (incident.logsMissing !== undefined) {
    safe.logsMissing = {
      lastSeen: incident.logsMissing.lastSeen,
      lastObjectKey: incident.logsMissing.lastObjectKey === null ? null : text(incident.logsMissing.lastObjectKey),
    };
  }
  return safe;
}

function sanitizeIncidentNotification(n: IncidentNotification, text: Text): IncidentNotification {
  return {
    kind: 'incident',
    state: n.state,
    incidentId: safeId(n.incidentId),
    incident: sanitizeIncident(n.incident, text),
    at: text(n.at, 40),
    reportUrl: safeUrl(n.reportUrl),
  };
}

function sanitizeReport(r: ReportAnnouncement, text: Text): ReportAnnouncement {
  const errorRates: Record<string, number> = {};
  for (const [cls, rate] of Object.entries(r.errorRates).slice(0, 10)) errorRates[text(cls, 10)] = rate;
  return {
    kind: 'report',
    periodStart: text(r.periodStart, 40),
    periodEnd: text(r.periodEnd, 40),
    requests: r.requests,
    loadBalancers: r.loadBalancers,
    errorRates,
    topCodes: r.topCodes.slice(0, MAX_TOP_CODES).map((code) => ({
      loadBalancer: text(code.loadBalancer),
      code: code.code,
      count: code.count,
      topCause: code.topCause === null ? null : text(code.topCause, 100),
    })),
    incidents: r.incidents,
    locations: {
      html: text(r.locations.html, 1024),
      md: text(r.locations.md, 1024),
      json: text(r.locations.json, 1024),
    },
    url: safeUrl(r.url),
  };
}

/** Codes by count, then by code. */
export function codesByCount(codes: Record<string, number>): [string, number][] {
  return Object.entries(codes).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** `2024-05-01T10:05Z`: minutes are the resolution of a window start. */
export function shortTime(iso: string): string {
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(iso) ? `${iso.slice(0, 16)}Z` : iso;
}

export function percent(rate: number): string {
  if (rate === 0) return '0%';
  return `${(rate * 100).toFixed(rate < 0.001 ? 3 : 1)}%`;
}

/** `1 h 5 min`, `25 min`, `40 s`; null when either end is not a time. */
export function humanDuration(fromIso: string, toIso: string): string | null {
  const ms = Date.parse(toIso) - Date.parse(fromIso);
  if (!Number.isFinite(ms) || ms < 0) return null;
  const minutes = Math.round(ms / 60_000);
  if (minutes === 0) return `${Math.round(ms / 1000)} s`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${minutes} min`;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/** How long an incident has lasted: to its end once resolved, else to the time of the page. */
export function incidentDuration(n: IncidentNotification): string | null {
  return humanDuration(n.incident.start, n.incident.end ?? n.at);
}

/** Causes with evidence either way (score > 0), most likely first. */
export function likelyCauses(incident: Incident, max: number): CauseResult[] {
  return incident.causes.filter((cause) => cause.score > 0).slice(0, max);
}

/** `502 x80, 504 x20` (at most `max` codes). */
export function codesText(codes: Record<string, number>, max = 10): string {
  return codesByCount(codes)
    .slice(0, max)
    .map(([code, count]) => `${code} x${count}`)
    .join(', ');
}
