/**
 * The JSON contracts between lbwatch's stages: what `lbwatch analyze --json` prints, what the report
 * module renders, and what the functions publish. Times are ISO 8601 UTC strings ending in `Z`.
 */
import type { LogFormat } from './formats/record.js';

/** A line that was rejected, kept as a sample (already truncated; escape before display). */
export interface RejectSample {
  line: number;
  reason: string;
  text: string;
}

/** What reading one input (file or object) produced. */
export interface InputSummary {
  path: string;
  format: LogFormat | null;
  lines: number;
  records: number;
  rejected: number;
  rejects: Record<string, number>;
  samples?: RejectSample[];
  /** Why reading stopped early (corrupt or truncated gzip, I/O), or null when it was read to the end. */
  error: string | null;
}

/** One backend member's figures in a window. */
export interface MemberSummary {
  member: string;
  requests: number;
  /** Count per status code >= 400 that this member's requests ended with. */
  errors: Record<string, number>;
}

/** One load balancer's tumbling window. */
export interface WindowSummary {
  loadBalancer: string;
  format?: LogFormat;
  start: string;
  end: string;
  requests: number;
  statusCodes: Record<string, number>;
  /** The part of `statusCodes` that the load balancer generated itself. */
  lbGenerated: Record<string, number>;
  /** Top members by errors then requests (bounded), with an `(other)` entry for the rest. */
  members?: MemberSummary[];
}

/** One candidate cause of a status code, with the window's evidence for it. */
export interface CauseResult {
  code: number;
  /** Stable id from error-codes.md, e.g. `502.backend-reset`. */
  id: string;
  title: string;
  /** A short sentence with numbers from the window; empty when the window shows nothing either way. */
  evidence: string;
  /** Higher is more likely; 0 means no evidence either way. */
  score: number;
}

export type Severity = 'critical' | 'warning' | 'info';

export interface Alert {
  rule: string;
  severity: Severity;
  loadBalancer: string;
  windowStart: string;
  windowEnd: string;
  requests: number;
  matched: number;
  rate: number;
  /** The codes the rule matched in this window, with their counts. */
  statusCodes: Record<string, number>;
  /** Most likely first, across every matched code. */
  causes: CauseResult[];
}

/** An error code over a whole period for one load balancer, with its ranked causes (reports). */
export interface CodeSummary {
  loadBalancer: string;
  code: number;
  count: number;
  lbGenerated: number;
  causes: CauseResult[];
}

/** The rule id of incidents opened because a load balancer's access logs stopped arriving. */
export const LOGS_MISSING_RULE = 'logs-missing';

/** The window of an incident with the highest rate (the earliest of equals). */
export interface IncidentPeak {
  windowStart: string;
  rate: number;
  matched: number;
  requests: number;
}

/**
 * An incident: one (load balancer, rule) firing from its first firing window until `resolveAfter` of quiet
 * windows with requests. The unit of paging, diagnosis and reporting.
 */
export interface Incident {
  /** Derived from load balancer, rule and start: the same data gives the same id however it is split or ordered. */
  id: string;
  loadBalancer: string;
  /** The rule id, or `logs-missing`. */
  rule: string;
  severity: Severity;
  /** Start of its first firing window. */
  start: string;
  /** End of its last firing window once resolved; null while open at the end of the data. */
  end: string | null;
  /** Start of its last firing window. */
  lastFiring: string;
  /** Number of firing windows. */
  windows: number;
  peak: IncidentPeak;
  /** Sums over its firing windows. */
  requests: number;
  matched: number;
  statusCodes: Record<string, number>;
  /** Ranked once on the merged aggregate of its firing windows; evidence sentences name that scope. */
  causes: CauseResult[];
  /** Inside a silence (maintenance window): recorded and reported, not paged. */
  silenced: boolean;
  /** `logs-missing` incidents only: when the last object arrived and its key. */
  logsMissing?: { lastSeen: string; lastObjectKey: string | null };
}

export type IncidentState = 'opened' | 'reminder' | 'resolved';

/** What an incident page carries to every destination (webhook JSON is this object). */
export interface IncidentNotification {
  kind: 'incident';
  state: IncidentState;
  incidentId: string;
  incident: Incident;
  /** When lbwatch decided to send it (ISO). */
  at: string;
  /** An HTTPS link a person can open (latest report), or null. */
  reportUrl: string | null;
}

/** What a report announcement carries to every destination. */
export interface ReportAnnouncement {
  kind: 'report';
  periodStart: string;
  periodEnd: string;
  requests: number;
  loadBalancers: number;
  /** Share of requests per class (`4xx`, `5xx`). */
  errorRates: Record<string, number>;
  topCodes: { loadBalancer: string; code: number; count: number; topCause: string | null }[];
  /** Incidents that were open at some time in the period. */
  incidents: number;
  /** Where the rendered report was written (`s3://…` or `obs://…`). */
  locations: { html: string; md: string; json: string };
  /** An HTTPS link a person can click (presigned URL or console link), or null. */
  url: string | null;
}

export type Outgoing = IncidentNotification | ReportAnnouncement;

/** A stretch without any record from one load balancer, between windows that had records. */
export interface LogGapSummary {
  loadBalancer: string;
  /** End of the last window with records before the gap. */
  from: string;
  /** Start of the first window with records after it. */
  to: string;
}

/** Exactly what `lbwatch analyze --json` prints. `codes` is extra detail the report uses. */
export interface AnalysisResult {
  inputs: InputSummary[];
  windows: WindowSummary[];
  alerts: Alert[];
  /** Incidents (one per outage per load balancer and rule), by start. */
  incidents?: Incident[];
  /** Stretches inside the data where a load balancer delivered no records for at least `logsMissing.after`. */
  logGaps?: LogGapSummary[];
  codes?: CodeSummary[];
}
