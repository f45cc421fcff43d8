/**
 * Incident records in the state store and the pages they ask for. One record per (load balancer, rule) at
 * `incidents/<lb key>/<rule key>.json`, changed only with conditional writes; the decisions are lib/incidents'
 * (which verdicts, open or resolved, which page is due), this module reads, writes and delivers.
 */
import { combineWindows, type WindowAggregate } from '../../lib/aggregate/index.js';
import { rankCodesCauses } from '../../lib/causes/weighted.js';
import { LbwatchError } from '../../lib/errors.js';
import { incidentScopeOf } from '../../lib/incidents/index.js';
import {
  applyVerdict,
  emptyRecord,
  firingStarts,
  type IncidentRecord,
  incidentOfRecord,
  type PageDue,
  pageDue,
  parseIncidentRecord,
  provisionalClosed,
  type StoredVerdict,
  withPage,
} from '../../lib/incidents/record.js';
import { type Incident, type IncidentNotification, LOGS_MISSING_RULE } from '../../lib/model.js';
import { evaluateRule } from '../../lib/rules/evaluate.js';
import { type Rule, type RuleSet, resolveAfterWindows, silencedBy } from '../../lib/rules/index.js';
import type { Destination } from '../destinations/destination.js';
import { conflictPause, MAX_CONFLICTS } from './concurrency.js';
import type { Log } from './logger.js';
import { keySegment } from './state-keys.js';
import type { StateStore, StoredText } from './state-store.js';
import { readWindowViews } from './window-docs.js';
import { isClosed, LATENESS_MS } from './window-store.js';

export function incidentsPrefix(prefix: string): string {
  return `${prefix}incidents/`;
}

export function incidentRecordKey(prefix: string, loadBalancer: string, rule: string): string {
  return `${incidentsPrefix(prefix)}${keySegment(loadBalancer)}/${keySegment(rule)}.json`;
}

export interface PageOutcome {
  incidentId: string;
  loadBalancer: string;
  rule: string;
  state: IncidentNotification['state'];
  sequence: number;
  outcome: 'sent' | 'in-progress';
}

export interface IncidentContext {
  store: StateStore;
  prefix: string;
  rules: RuleSet;
  destinations: readonly Destination[];
  log: Log;
  now: () => number;
  /** This invocation's id: a record names the writer of each pending page. */
  writer: string;
  /** HTTPS link to the latest report, when one can be made. */
  reportUrl: () => Promise<string | null>;
}

/** The verdict of one rule on one merged window (quiet verdicts of open windows are provisional). */
export function verdictOf(window: WindowAggregate, rule: Rule, rules: RuleSet, now: number): StoredVerdict {
  const hit = evaluateRule(window, rule);
  const silenced = silencedBy(rules.silences, window.loadBalancer, rule.id, window.start) !== null;
  const verdict: StoredVerdict = {
    requests: window.requests,
    hit: hit === null ? null : { matched: hit.matched, rate: hit.rate, statusCodes: hit.statusCodes },
    silenced,
  };
  if (hit === null && !isClosed(window.start, window.windowMs, now)) verdict.provisional = true;
  return verdict;
}

interface Loaded {
  record: IncidentRecord;
  stored: StoredText | null;
}

async function load(ctx: IncidentContext, loadBalancer: string, rule: string): Promise<Loaded> {
  const key = incidentRecordKey(ctx.prefix, loadBalancer, rule);
  const stored = await ctx.store.get(key);
  let record = stored === null ? null : parseIncidentRecord(stored.text);
  if (stored !== null && record === null) {
    ctx.log.warn('replacing an unreadable incident record', { recordKey: key });
  }
  record ??= emptyRecord(loadBalancer, rule);
  return { record, stored };
}

/** Writes `next` over what was loaded; 'changed' when another writer came first (the caller re-reads). */
async function save(ctx: IncidentContext, loaded: Loaded, next: IncidentRecord): Promise<'saved' | 'changed'> {
  const key = incidentRecordKey(ctx.prefix, next.loadBalancer, next.rule);
  const text = JSON.stringify(next);
  const result =
    loaded.stored === null
      ? await ctx.store.putIfAbsent(key, text)
      : await ctx.store.putIfMatch(key, text, loaded.stored.etag);
  return result === 'created' || result === 'written' ? 'saved' : 'changed';
}

/**
 * Applies a change to a record with a conditional write, re-reading and re-applying on conflict. `change` returns
 * the new record or null for "nothing to write". Returns the record as stored.
 */
export async function changeRecord(
  ctx: IncidentContext,
  loadBalancer: string,
  rule: string,
  change: (record: IncidentRecord) => IncidentRecord | null,
  first?: Loaded,
): Promise<Loaded> {
  let loaded = first ?? (await load(ctx, loadBalancer, rule));
  for (let attempt = 0; attempt < MAX_CONFLICTS; attempt++) {
    const next = change(loaded.record);
    if (next === null) return loaded;
    if ((await save(ctx, loaded, next)) === 'saved') {
      // The stored version's tag is only needed for a later conditional write: re-read lazily then.
      return { record: next, stored: null };
    }
    await conflictPause(attempt);
    loaded = await load(ctx, loadBalancer, rule);
  }
  throw new LbwatchError('STATE_FAILED', `incident record of ${rule}: too many concurrent writers, will retry`, {
    context: { loadBalancer, rule },
  });
}

/** Whether the record still needs attention (open, or a page to send): it stays in the load balancer's open rules. */
export function needsAttention(record: IncidentRecord, now: number): boolean {
  const e = record.current;
  if (e === null) return false;
  if (e.resolvedAt === null) return true;
  return (
    pageDue(record, { now, renotifyAfterMs: 0, writer: '' }) !== null || e.pages.some((p) => p.status === 'pending')
  );
}

function ruleById(rules: RuleSet, id: string): Rule | undefined {
  return rules.rules.find((r) => r.id === id);
}

/**
 * The incident of a record with its causes ranked once on the merged aggregate of its firing windows. Aggregates
 * already in memory are used; the others are read from their window documents.
 */
export async function incidentWithCauses(
  ctx: IncidentContext,
  record: IncidentRecord,
  inMemory: ReadonlyMap<number, WindowAggregate>,
): Promise<Incident | null> {
  const bare = incidentOfRecord(record);
  if (bare === null || record.rule === LOGS_MISSING_RULE) return bare;
  const starts = firingStarts(record);
  const windowMs = record.current?.windowMs ?? ctx.rules.windowMs;
  const toRead = starts.filter((start) => !inMemory.has(start));
  const read = await readWindowViews(ctx.store, ctx.prefix, record.loadBalancer, toRead, windowMs);
  const views = new Map(toRead.map((start, i) => [start, read[i] ?? null]));
  const aggregates = starts.map((start) => inMemory.get(start) ?? views.get(start) ?? null);
  const merged = combineWindows(aggregates.filter((w): w is WindowAggregate => w !== null));
  if (merged === null) return bare;
  const scope = incidentScopeOf(starts, record.current?.windowMs ?? merged.windowMs);
  return { ...bare, causes: rankCodesCauses(merged, bare.statusCodes, ctx.rules.thresholds, scope) };
}

/**
 * Sends every page the record asks for now, one after the other (opened before resolved), each marked pending with
 * this writer before sending and sent after, with the destinations that have it recorded as they succeed.
 */
export async function deliverDue(
  ctx: IncidentContext,
  start: Loaded,
  inMemory: ReadonlyMap<number, WindowAggregate>,
): Promise<{ loaded: Loaded; pages: PageOutcome[] }> {
  const pages: PageOutcome[] = [];
  let loaded = start;
  const { loadBalancer, rule } = loaded.record;
  const renotifyAfterMs =
    rule === LOGS_MISSING_RULE
      ? ctx.rules.incidents.renotifyAfterMs
      : (ruleById(ctx.rules, rule)?.incidents.renotifyAfterMs ?? 0);
  for (let round = 0; round < 4; round++) {
    const due = pageDue(loaded.record, { now: ctx.now(), renotifyAfterMs, writer: ctx.writer });
    if (due === null) break;
    // Claim the page: only one writer gets the pending mark.
    let claimed = false;
    let delivered = due.delivered;
    loaded = await changeRecord(
      ctx,
      loadBalancer,
      rule,
      (record) => {
        const now = pageDue(record, { now: ctx.now(), renotifyAfterMs, writer: ctx.writer });
        if (now === null || now.state !== due.state || now.sequence !== due.sequence) {
          claimed = false;
          return null;
        }
        claimed = true;
        delivered = now.delivered;
        return withPage(record, due, 'pending', ctx.writer, now.delivered, ctx.now());
      },
      loaded.stored === null ? undefined : loaded,
    );
    if (!claimed) {
      const e = loaded.record.current;
      pages.push({
        incidentId: e?.id ?? '',
        loadBalancer,
        rule,
        state: due.state,
        sequence: due.sequence,
        outcome: 'in-progress',
      });
      break;
    }
    const incident = await incidentWithCauses(ctx, loaded.record, inMemory);
    if (incident === null) break;
    const notification: IncidentNotification = {
      kind: 'incident',
      state: due.state,
      incidentId: incident.id,
      incident,
      at: new Date(ctx.now()).toISOString(),
      reportUrl: await ctx.reportUrl(),
    };
    for (const destination of ctx.destinations) {
      if (delivered.includes(destination.name)) continue;
      try {
        await destination.send(notification);
      } catch (error) {
        // Release the page (no writer, stale at once) with what was delivered, so the retry sends only the rest.
        const sent = delivered;
        await changeRecord(ctx, loadBalancer, rule, (record) => withPage(record, due, 'pending', '', sent, 0)).catch(
          (release: unknown) =>
            ctx.log.error('could not release a page after a failed publish', { rule, error: String(release) }),
        );
        throw error;
      }
      delivered = [...delivered, destination.name];
      if (ctx.destinations.some((d) => !delivered.includes(d.name))) {
        // Record each destination as it succeeds, so a take-over sends only the ones still missing.
        loaded = await changeRecord(ctx, loadBalancer, rule, (record) =>
          withPage(record, due, 'pending', ctx.writer, delivered, ctx.now()),
        );
      }
    }
    loaded = await changeRecord(ctx, loadBalancer, rule, (record) =>
      withPage(record, due, 'sent', ctx.writer, delivered, ctx.now()),
    );
    ctx.log.info('incident page sent', {
      incidentId: incident.id,
      loadBalancer,
      rule,
      state: due.state,
      sequence: due.sequence,
      destinations: delivered,
    });
    pages.push({
      incidentId: incident.id,
      loadBalancer,
      rule,
      state: due.state,
      sequence: due.sequence,
      outcome: 'sent',
    });
  }
  return { loaded, pages };
}

/**
 * Stores the verdicts of `windows` (one load balancer's merged windows this object touched; none for the scheduled
 * check) in the record of `rule`, judges again the quiet verdicts of windows that have closed since they were
 * taken, and delivers what is due.
 */
export async function trackRule(
  ctx: IncidentContext,
  loadBalancer: string,
  rule: Rule,
  windows: readonly WindowAggregate[],
): Promise<{ record: IncidentRecord; pages: PageOutcome[] }> {
  const now = ctx.now();
  const inMemory = new Map(windows.map((w) => [w.start, w]));
  let loaded = await load(ctx, loadBalancer, rule.id);
  const windowMs = windows[0]?.windowMs ?? loaded.record.current?.windowMs ?? 0;
  if (windowMs === 0) return { record: loaded.record, pages: [] };
  const options = { severity: rule.severity, windowMs, resolveAfter: resolveAfterWindows(rule.incidents, windowMs) };
  // Quiet windows that were still open when last seen are judged again now that they have closed.
  const provisional = provisionalClosed(loaded.record, now - LATENESS_MS).filter((start) => !inMemory.has(start));
  const views = await readWindowViews(ctx.store, ctx.prefix, loadBalancer, provisional, windowMs);
  provisional.forEach((start, i) => {
    const view = views[i];
    if (view != null) inMemory.set(start, view);
  });
  const verdicts = [...inMemory.values()]
    .sort((a, b) => a.start - b.start)
    .map((w) => [w.start, verdictOf(w, rule, ctx.rules, now)] as const);
  loaded = await changeRecord(
    ctx,
    loadBalancer,
    rule.id,
    (record) => {
      let next: IncidentRecord | null = null;
      for (const [start, verdict] of verdicts) next = applyVerdict(next ?? record, start, verdict, options) ?? next;
      return next;
    },
    loaded,
  );
  const delivered = await deliverDue(ctx, loaded, inMemory);
  return { record: delivered.loaded.record, pages: delivered.pages };
}

/** Rules an object's windows make worth a look: those that fire in one of them, and those with an open incident. */
export function rulesToTrack(rules: RuleSet, windows: readonly WindowAggregate[], open: readonly string[]): Rule[] {
  return rules.rules.filter((r) => open.includes(r.id) || windows.some((w) => evaluateRule(w, r) !== null));
}

/** Loads a record (for the scheduled check). */
export async function loadRecord(ctx: IncidentContext, loadBalancer: string, rule: string): Promise<Loaded> {
  return load(ctx, loadBalancer, rule);
}

export type { Loaded as LoadedRecord, PageDue };
