/**
 * The incident record of one (load balancer, rule) as the functions keep it, and the pure decisions on it: which
 * window verdicts it holds, whether its incident is open or resolved, and which pages are due. The functions only
 * read and write the record (with conditional writes) and deliver the pages it asks for.
 *
 * Paging protocol, per page (`opened`, each `reminder`, `resolved`): the record marks the page `pending` with the
 * writer's id before anything is sent, then `sent` with the destinations that have it. A writer that finds its own
 * id on a pending page (its write landed but the answer was lost) carries on; a pending page of another writer is
 * taken over once it is older than {@link PAGE_STALE_MS} (its writer died), by the next evaluation or the scheduled
 * check, and only the destinations that lack it are sent to. A duplicate is therefore possible only between a
 * successful publish and the record of it.
 */
import type { Incident, IncidentState, Severity } from '../model.js';
import { incidentId, incidentOf, incidentSpans, type WindowVerdict } from './index.js';

export const INCIDENT_RECORD_VERSION = 1;

/** How long a pending page is trusted to belong to a live writer (a few webhook attempts of 5 s each). */
export const PAGE_STALE_MS = 120_000;

/** Verdicts kept per incident (7 days of 5-minute windows); older quiet verdicts go first. */
export const MAX_VERDICTS = 2016;

export interface PageRecord {
  state: IncidentState;
  /** 0 for opened and resolved; the reminder's number otherwise. */
  sequence: number;
  status: 'pending' | 'sent';
  /** Who marked it pending (an invocation id); a retried write recognises its own. */
  writer: string;
  /** ISO time of the last change. */
  at: string;
  /** Destinations that already have it. */
  delivered: string[];
}

/** A window verdict as stored: compact, and enough to rebuild the incident's figures. */
export interface StoredVerdict {
  requests: number;
  /** Present when the rule fired. */
  hit: { matched: number; rate: number; statusCodes: Record<string, number> } | null;
  silenced: boolean;
  /**
   * A quiet verdict of a window that may still receive objects (not closed yet): stored, but it does not count
   * towards resolution until the window has closed and the verdict is taken again.
   */
  provisional?: boolean;
}

export interface IncidentEpisode {
  id: string;
  /** Start of its first firing window (epoch ms); fixed once the incident exists. */
  start: number;
  severity: Severity;
  windowMs: number;
  /** Window start (ms, as text) -> verdict, from the incident's start on. */
  verdicts: Record<string, StoredVerdict>;
  /** End of the quiet window that resolved it, or null while open. */
  resolvedAt: number | null;
  pages: PageRecord[];
  /** `logs-missing` incidents: when the last object arrived and its key. */
  logsMissing?: { lastSeen: string; lastObjectKey: string | null };
}

export interface IncidentRecord {
  version: typeof INCIDENT_RECORD_VERSION;
  loadBalancer: string;
  rule: string;
  /** The newest incident (open or resolved). */
  current: IncidentEpisode | null;
}

export function emptyRecord(loadBalancer: string, rule: string): IncidentRecord {
  return { version: INCIDENT_RECORD_VERSION, loadBalancer, rule, current: null };
}

function verdictsOf(e: IncidentEpisode): WindowVerdict[] {
  return Object.entries(e.verdicts).map(([start, v]) => ({
    start: Number(start),
    windowMs: e.windowMs,
    // A provisional quiet window counts like a window without requests: it neither fires nor resolves.
    requests: v.provisional === true && v.hit === null ? 0 : v.requests,
    alert: v.hit === null ? null : { requests: v.requests, ...v.hit },
    silenced: v.silenced,
  }));
}

function sameVerdict(a: StoredVerdict | undefined, b: StoredVerdict): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

function newEpisode(
  loadBalancer: string,
  rule: string,
  start: number,
  verdict: StoredVerdict,
  severity: Severity,
  windowMs: number,
): IncidentEpisode {
  return {
    id: incidentId(loadBalancer, rule, start),
    start,
    severity,
    windowMs,
    verdicts: { [String(start)]: verdict },
    resolvedAt: null,
    pages: [],
  };
}

/**
 * Adds (or replaces) one window's verdict. Returns the new record, or null when nothing changed (no write needed).
 *
 * - No incident, or the last one resolved: a firing window opens a new incident, unless it falls before the resolved
 *   one's resolution (a late object does not reopen a resolved incident; its window is absorbed into it).
 * - An open incident: the verdict is stored and the incident resolves after `resolveAfter` quiet windows with
 *   requests. A firing window before the incident's start is absorbed (the id and start of a paged incident stay).
 *
 * @example
 * const next = applyVerdict(record, start, verdict, { severity: 'critical', windowMs: 300_000, resolveAfter: 2 });
 */
export function applyVerdict(
  record: IncidentRecord,
  start: number,
  verdict: StoredVerdict,
  options: { severity: Severity; windowMs: number; resolveAfter: number },
): IncidentRecord | null {
  const current = record.current;
  if (current === null || current.resolvedAt !== null) {
    if (verdict.hit === null) {
      // A late quiet window of a resolved incident changes nothing.
      return null;
    }
    if (current !== null && current.resolvedAt !== null && start < current.resolvedAt) {
      if (start < current.start || sameVerdict(current.verdicts[String(start)], verdict)) return null;
      const absorbed = structuredClone(current);
      absorbed.verdicts[String(start)] = verdict;
      return { ...record, current: absorbed };
    }
    return {
      ...record,
      current: newEpisode(record.loadBalancer, record.rule, start, verdict, options.severity, options.windowMs),
    };
  }
  if (start < current.start && verdict.hit === null) return null;
  if (sameVerdict(current.verdicts[String(start)], verdict)) return null;
  const next = structuredClone(current);
  next.verdicts[String(start)] = verdict;
  pruneVerdicts(next);
  const spans = incidentSpans(verdictsOf(next), options.resolveAfter);
  const first = spans[0];
  if (first === undefined) {
    // Every firing verdict of the incident was replaced by a quiet one (a late object lowered the rate): it stays
    // open until quiet windows resolve it, with no firing window left to report.
    return { ...record, current: next };
  }
  // Quiet windows before the first firing window do not count for resolution (they come before the start).
  next.resolvedAt = first.resolvedAt;
  const second = spans[1];
  if (second !== undefined && first.resolvedAt !== null) {
    // Resolved, and a later window already fires again: that is the next incident; keep only this one's verdicts.
    for (const key of Object.keys(next.verdicts)) if (Number(key) >= first.resolvedAt) delete next.verdicts[key];
  }
  return { ...record, current: next };
}

function pruneVerdicts(e: IncidentEpisode): void {
  const keys = Object.keys(e.verdicts);
  if (keys.length <= MAX_VERDICTS) return;
  const quiet = keys.filter((k) => e.verdicts[k]?.hit === null).sort((a, b) => Number(a) - Number(b));
  for (const k of quiet.slice(0, keys.length - MAX_VERDICTS)) delete e.verdicts[k];
}

/** The incident as every consumer sees it (causes to be filled in by the caller, who holds the aggregates). */
export function incidentOfRecord(record: IncidentRecord, rankedCauses: Incident['causes'] = []): Incident | null {
  const e = record.current;
  if (e === null) return null;
  if (e.logsMissing !== undefined) {
    const at = new Date(e.start).toISOString();
    return {
      id: e.id,
      loadBalancer: record.loadBalancer,
      rule: record.rule,
      severity: e.severity,
      start: at,
      end: e.resolvedAt === null ? null : new Date(e.resolvedAt).toISOString(),
      lastFiring: at,
      windows: 0,
      peak: { windowStart: at, rate: 0, matched: 0, requests: 0 },
      requests: 0,
      matched: 0,
      statusCodes: {},
      causes: [],
      silenced: e.pages.length === 0 && !logsMissingLoud(e),
      logsMissing: e.logsMissing,
    };
  }
  const firing = verdictsOf(e)
    .filter((v) => v.alert !== null)
    .sort((a, b) => a.start - b.start);
  if (firing.length === 0) return null;
  const incident = incidentOf({
    loadBalancer: record.loadBalancer,
    rule: record.rule,
    severity: e.severity,
    span: { firing, resolvedAt: e.resolvedAt },
    causes: rankedCauses,
  });
  // The id and start stay those of the first page, even if a late window fired earlier.
  return { ...incident, id: e.id, start: new Date(e.start).toISOString() };
}

/** Windows of the current incident whose quiet verdict is provisional and that have closed by `now`. */
export function provisionalClosed(record: IncidentRecord, closedBefore: number): number[] {
  const e = record.current;
  if (e === null || e.resolvedAt !== null) return [];
  return Object.entries(e.verdicts)
    .filter(([k, v]) => v.provisional === true && Number(k) + e.windowMs <= closedBefore)
    .map(([k]) => Number(k))
    .sort((a, b) => a - b);
}

/** Firing window starts of the current incident, in order (what the caller merges to rank causes). */
export function firingStarts(record: IncidentRecord): number[] {
  const e = record.current;
  if (e === null) return [];
  return Object.entries(e.verdicts)
    .filter(([, v]) => v.hit !== null)
    .map(([k]) => Number(k))
    .sort((a, b) => a - b);
}

export interface PageDue {
  state: IncidentState;
  sequence: number;
  /** Destinations that already have it (a taken-over page sends only the rest). */
  delivered: string[];
}

function page(e: IncidentEpisode, state: IncidentState, sequence: number): PageRecord | undefined {
  return e.pages.find((p) => p.state === state && p.sequence === sequence);
}

/**
 * The page the incident needs next, or null. `opened` once its first firing window outside a silence is stored;
 * `reminder` n when it is still open `n × renotifyAfter` after opening (at most one outstanding); `resolved` once,
 * after an `opened` page went out. A page pending with another writer is due only once stale; one pending with
 * `writer` is due (our own write landed, its answer was lost).
 */
export function pageDue(
  record: IncidentRecord,
  options: { now: number; renotifyAfterMs: number; writer: string },
): PageDue | null {
  const e = record.current;
  if (e === null) return null;
  const claimable = (p: PageRecord | undefined): boolean =>
    p === undefined ||
    (p.status === 'pending' && (p.writer === options.writer || options.now - Date.parse(p.at) >= PAGE_STALE_MS));
  const opened = page(e, 'opened', 0);
  const loud =
    e.logsMissing !== undefined
      ? logsMissingLoud(e)
      : Object.values(e.verdicts).some((v) => v.hit !== null && !v.silenced);
  if (opened === undefined || opened.status === 'pending') {
    if (!loud) return null;
    return claimable(opened) ? { state: 'opened', sequence: 0, delivered: opened?.delivered ?? [] } : null;
  }
  if (e.resolvedAt !== null) {
    const resolved = page(e, 'resolved', 0);
    if (resolved?.status === 'sent') return null;
    return claimable(resolved) ? { state: 'resolved', sequence: 0, delivered: resolved?.delivered ?? [] } : null;
  }
  if (options.renotifyAfterMs <= 0) return null;
  const openedAt = Date.parse(opened.at);
  const sequence = Math.floor((options.now - openedAt) / options.renotifyAfterMs);
  if (sequence < 1) return null;
  // An unfinished reminder is finished first; a reminder number already sent is not sent again.
  const pendingReminder = e.pages.find((p) => p.state === 'reminder' && p.status === 'pending');
  if (pendingReminder !== undefined)
    return claimable(pendingReminder)
      ? { state: 'reminder', sequence: pendingReminder.sequence, delivered: pendingReminder.delivered }
      : null;
  const last = Math.max(0, ...e.pages.filter((p) => p.state === 'reminder').map((p) => p.sequence));
  return sequence > last ? { state: 'reminder', sequence, delivered: [] } : null;
}

/** The record with one page set to `status` by `writer` (replacing that page's earlier entry). */
export function withPage(
  record: IncidentRecord,
  due: { state: IncidentState; sequence: number },
  status: PageRecord['status'],
  writer: string,
  delivered: string[],
  now: number,
): IncidentRecord {
  const e = record.current;
  if (e === null) return record;
  const pages = e.pages.filter((p) => !(p.state === due.state && p.sequence === due.sequence));
  // Reminders: only the newest is kept (the sequence numbers say how many went out).
  const kept = due.state === 'reminder' ? pages.filter((p) => p.state !== 'reminder') : pages;
  kept.push({
    state: due.state,
    sequence: due.sequence,
    status,
    writer,
    at: new Date(now).toISOString(),
    delivered: [...delivered],
  });
  return { ...record, current: { ...e, pages: kept } };
}

/** Opens a `logs-missing` incident (the scheduled check) unless one is open already. */
export function openLogsMissing(
  record: IncidentRecord,
  facts: { at: number; lastSeen: number; lastObjectKey: string | null; severity: Severity; silenced: boolean },
): IncidentRecord | null {
  if (record.current !== null && record.current.resolvedAt === null) return null;
  return {
    ...record,
    current: {
      id: incidentId(record.loadBalancer, record.rule, facts.lastSeen),
      start: facts.lastSeen,
      severity: facts.severity,
      windowMs: 0,
      verdicts: { [String(facts.lastSeen)]: { requests: 0, hit: null, silenced: facts.silenced } },
      resolvedAt: null,
      pages: [],
      logsMissing: { lastSeen: new Date(facts.lastSeen).toISOString(), lastObjectKey: facts.lastObjectKey },
    },
  };
}

/** Whether a `logs-missing` incident was seen outside a silence at some check (then it pages). */
function logsMissingLoud(e: IncidentEpisode): boolean {
  return Object.values(e.verdicts).some((v) => !v.silenced);
}

/**
 * Notes that an open `logs-missing` incident, opened inside a silence, is still missing at `at` and no silence
 * covers it any more: from then on it pages like any other (a silence pauses pages; it does not swallow an outage
 * that outlasts it). Null when there is nothing to note.
 *
 * @example const next = logsStillMissing(record, Date.parse('2026-06-14T04:05:00Z'));
 */
export function logsStillMissing(record: IncidentRecord, at: number): IncidentRecord | null {
  const e = record.current;
  if (e === null || e.resolvedAt !== null || e.logsMissing === undefined || logsMissingLoud(e)) return null;
  return {
    ...record,
    current: { ...e, verdicts: { ...e.verdicts, [String(at)]: { requests: 0, hit: null, silenced: false } } },
  };
}

/** Resolves an open `logs-missing` incident when logs arrive again. */
export function resolveLogsMissing(record: IncidentRecord, arrivedAt: number): IncidentRecord | null {
  const e = record.current;
  if (e === null || e.resolvedAt !== null || e.logsMissing === undefined) return null;
  return { ...record, current: { ...e, resolvedAt: arrivedAt } };
}

/** Parses a stored record; null when it is not one (treated as absent by callers, and logged). */
export function parseIncidentRecord(text: string): IncidentRecord | null {
  try {
    const value = JSON.parse(text) as Partial<IncidentRecord>;
    if (value.version !== INCIDENT_RECORD_VERSION || typeof value.loadBalancer !== 'string') return null;
    if (typeof value.rule !== 'string') return null;
    return value as IncidentRecord;
  } catch {
    return null;
  }
}
