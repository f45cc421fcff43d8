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

/** Exactly what `lbwatch analyze --json` prints. `codes` is extra detail the report uses. */
export interface AnalysisResult {
  inputs: InputSummary[];
  windows: WindowSummary[];
  alerts: Alert[];
  codes?: CodeSummary[];
}
