/**
 * The layout of lbwatch's state in the state bucket. Every key is derived from data, never from the
 * clock or a random id, so a retried or duplicated invocation writes the same keys (and bytes).
 *
 * ```
 * <prefix>partials/<window start ISO>/<lb key>/<object id>.json   one partial per (source object, window)
 * <prefix>inputs/<YYYY-MM-DD>/<object id>.json                   what reading one source object produced
 * <prefix>alerts/<lb key>/<window start ISO>/<rule key>.<state>.json   alert claims (firing, resolved)
 * <prefix>reports/<period end ISO>/report.{html,md,json}         scheduled reports
 * <prefix>reports/latest.json                                    pointer to the newest report
 * ```
 */
import { createHash } from 'node:crypto';

export type AlertState = 'firing' | 'resolved';

/** Identifies one version of one source object. */
export interface SourceObject {
  bucket: string;
  key: string;
  /** ETag without quotes, when known. */
  etag: string | null;
  versionId: string | null;
}

/**
 * 32 hex characters of sha256(bucket, key, versionId or ETag): the same object version always maps
 * to the same partial keys; a new version (new ETag) gets new ones.
 */
export function objectId(source: SourceObject): string {
  const version = source.versionId ?? source.etag ?? '';
  return createHash('sha256').update(`${source.bucket}\n${source.key}\n${version}`).digest('hex').slice(0, 32);
}

const MAX_SEGMENT = 160;

/**
 * Makes any text (a load-balancer id such as `app/my-lb/50dc6c495c0c9188`, a rule id) one safe key
 * segment: bytes outside `[A-Za-z0-9._-]` become `~hh`; long values keep a prefix and a hash.
 */
export function keySegment(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9._-]/.test(ch) ? ch : `~${byte.toString(16).padStart(2, '0')}`;
  }
  if (out === '' || out === '.' || out === '..') out = `~${out}`;
  if (out.length <= MAX_SEGMENT) return out;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  return `${out.slice(0, MAX_SEGMENT - 17)}-${hash}`;
}

/** Canonical ISO form of an epoch-ms instant, used in keys so that keys sort by time. */
export function isoKey(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

export function windowPartialsPrefix(prefix: string, windowStartMs: number, loadBalancer?: string): string {
  const base = `${prefix}partials/${isoKey(windowStartMs)}/`;
  return loadBalancer === undefined ? base : `${base}${keySegment(loadBalancer)}/`;
}

export function partialKey(prefix: string, windowStartMs: number, loadBalancer: string, id: string): string {
  return `${windowPartialsPrefix(prefix, windowStartMs, loadBalancer)}${id}.json`;
}

/** Window start of a partial key (the report lists partials by key, then groups by window). */
export function windowStartOfPartialKey(prefix: string, key: string): number | null {
  if (!key.startsWith(`${prefix}partials/`)) return null;
  const iso = key.slice(prefix.length + 'partials/'.length).split('/')[0] ?? '';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

export function inputsDayPrefix(prefix: string, dayMs: number): string {
  return `${prefix}inputs/${isoKey(dayMs).slice(0, 10)}/`;
}

export function inputRecordKey(prefix: string, dayMs: number, id: string): string {
  return `${inputsDayPrefix(prefix, dayMs)}${id}.json`;
}

/** All claims of one load balancer's window (one listing answers "which rules fired here?"). */
export function alertWindowPrefix(prefix: string, loadBalancer: string, windowStartMs: number): string {
  return `${prefix}alerts/${keySegment(loadBalancer)}/${isoKey(windowStartMs)}/`;
}

export function alertClaimKey(
  prefix: string,
  loadBalancer: string,
  windowStartMs: number,
  rule: string,
  state: AlertState,
): string {
  return `${alertWindowPrefix(prefix, loadBalancer, windowStartMs)}${keySegment(rule)}.${state}.json`;
}

export function reportKeys(prefix: string, periodEndMs: number): { html: string; md: string; json: string } {
  const base = `${prefix}reports/${isoKey(periodEndMs)}/report`;
  return { html: `${base}.html`, md: `${base}.md`, json: `${base}.json` };
}

export function latestReportKey(prefix: string): string {
  return `${prefix}reports/latest.json`;
}
