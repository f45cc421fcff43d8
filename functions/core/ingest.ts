/**
 * The ingest flow, cloud-neutral: a created access-log object -> its windows merged into the compacted window
 * documents -> rule verdicts per (load balancer, rule) in incident records -> pages. Streaming and storage go
 * through the object-source and state-store ports; parsing, aggregation, rules and incident decisions are lib/.
 * Event decoding and the platform's retry contract belong to each cloud's entry point.
 *
 * Requests per object: the object's GET, then per load balancer one GET and one PUT of its home window document
 * (which also carries the records of the window before, see window-docs.ts), a GET of the next window's document
 * and, for a carried window, of its own (a window's records are its document plus the next one's carry), one GET and
 * PUT per older window of a longer object, one GET of the load balancer's state (and a PUT when its last arrival moved by 15 minutes, its
 * open rules changed or the object came after its hour closed), and incident records only for rules that fire in
 * those windows or have an incident open.
 */
import { randomUUID } from 'node:crypto';
import { createAggregator, type WindowAggregate } from '../../lib/aggregate/index.js';
import { LbwatchError } from '../../lib/errors.js';
import { resolveLogsMissing } from '../../lib/incidents/record.js';
import { readLogStream } from '../../lib/input/read-log.js';
import { LOGS_MISSING_RULE } from '../../lib/model.js';
import { mapLimit } from './concurrency.js';
import { type FunctionConfig, skipReason } from './config.js';
import { describe, disposition, errorName } from './failures.js';
import {
  changeRecord,
  deliverDue,
  type IncidentContext,
  needsAttention,
  type PageOutcome,
  rulesToTrack,
  trackRule,
} from './incidents.js';
import { ARRIVAL_RESOLUTION_MS, type LbState, readLbState, updateLbState } from './lb-state.js';
import type { Log } from './logger.js';
import type { ObjectCreated, ObjectSource, OpenedObject } from './object-source.js';
import { closedHoursOf } from './rollups.js';
import type { Runtime } from './runtime.js';
import { inputRecordKey, objectId } from './state-keys.js';
import type { StateStore, StoredText } from './state-store.js';
import { type InputDigest, type KnownDocs, type LbSnapshot, mergeIntoWindow, readWindowViews } from './window-docs.js';
import type { InputRecord } from './window-store.js';

/** Load balancers of one object handled at once (OTC transfers carry several). */
export const LB_CONCURRENCY = 8;
/** Older windows of one load balancer in one object (an hourly object's) merged at once. */
const WINDOW_CONCURRENCY = 4;

export interface IngestFlowDeps {
  config: Readonly<FunctionConfig>;
  /** Opens the announced objects. */
  source: ObjectSource;
  /** Holds window documents, load-balancer states, incident records and reports. */
  store: StateStore;
  log: Log;
  now?: () => number;
  /** An HTTPS link to the latest report for pages, when the platform can make one. */
  reportUrl?: () => Promise<string | null>;
}

export type ObjectOutcome =
  | { status: 'skipped'; bucket: string; key: string; reason: string }
  | {
      status: 'processed';
      bucket: string;
      key: string;
      objectId: string;
      records: number;
      /** (load balancer, window) documents this object was merged into (0 when it was already merged). */
      windows: number;
      pages: PageOutcome[];
      failure: string | null;
    }
  | { status: 'dropped'; bucket: string; key: string; error: Record<string, unknown> };

export interface IngestResult {
  objects: ObjectOutcome[];
}

export interface IngestFlow {
  /**
   * Ingests the objects in order. A failure retrying cannot help (a corrupt or vanished object)
   * becomes a `dropped` outcome; a transient one throws so the platform delivers the event again.
   */
  ingest(objects: readonly ObjectCreated[], runtime: Runtime): Promise<ObjectOutcome[]>;
}

/**
 * After an object's windows of one load balancer are merged: resolve its `logs-missing` incident if one is open,
 * track every rule that fires in those windows or has an incident needing attention, and keep the load balancer's
 * state (last arrival, open rules) current.
 */
async function trackLoadBalancer(
  ctx: IncidentContext,
  loadBalancer: string,
  windows: readonly WindowAggregate[],
  runtime: Runtime,
  arrival: { arrival: number; key: string },
  known: KnownLb,
): Promise<PageOutcome[]> {
  const pages: PageOutcome[] = [];
  const add: string[] = [];
  const remove: string[] = [];
  if (known.state.openRules.includes(LOGS_MISSING_RULE)) {
    const loaded = await changeRecord(ctx, loadBalancer, LOGS_MISSING_RULE, (r) =>
      resolveLogsMissing(r, arrival.arrival),
    );
    const done = await deliverDue(ctx, loaded, new Map());
    pages.push(...done.pages);
    if (!needsAttention(done.loaded.record, ctx.now())) remove.push(LOGS_MISSING_RULE);
  }
  for (const rule of rulesToTrack(runtime.rules, windows, known.state.openRules)) {
    const tracked = await trackRule(ctx, loadBalancer, rule, windows);
    pages.push(...tracked.pages);
    if (needsAttention(tracked.record, ctx.now())) add.push(rule.id);
    else remove.push(rule.id);
  }
  // Rules of an older rules file that no longer exist leave the open set.
  for (const r of known.state.openRules)
    if (r !== LOGS_MISSING_RULE && !runtime.rules.rules.some((rule) => rule.id === r)) remove.push(r);
  const movedSince = (state: LbState): boolean =>
    state.openRules.includes(LOGS_MISSING_RULE) || arrival.arrival - state.lastArrival >= ARRIVAL_RESOLUTION_MS;
  // Read after the window documents were written: an hour closed by now may have been rolled without this object.
  const dirty = closedHoursOf(
    windows.map((w) => w.start),
    runtime.windowMs,
    ctx.now(),
  );
  // Nothing to write: the state (or the window's snapshot of it) is left as it is, without reading it.
  if (add.length === 0 && remove.length === 0 && dirty.length === 0 && !movedSince(known.state)) return pages;
  const current =
    known.stored === null && known.snapshot ? await readLbState(ctx.store, ctx.prefix, loadBalancer) : known;
  const moved = movedSince(current.state);
  await updateLbState(
    ctx.store,
    ctx.prefix,
    loadBalancer,
    {
      ...(moved
        ? {
            arrival: arrival.arrival,
            objectKey: arrival.key,
            coverMs: coverOf(windows),
            afterOutage: current.state.openRules.includes(LOGS_MISSING_RULE),
          }
        : {}),
      add,
      remove,
      dirty,
    },
    current,
  );
  return pages;
}

/**
 * What an object knows of its load balancer's state: read by this object (the first of its window, or one whose
 * window document has no snapshot yet), or the snapshot its home window document keeps. A snapshot is enough to
 * decide what to track; whatever is to be written is decided again on the state read then.
 */
interface KnownLb {
  state: LbState;
  stored: StoredText | null;
  snapshot: boolean;
}

function stateOfSnapshot(loadBalancer: string, snapshot: LbSnapshot): LbState {
  return {
    version: 1,
    loadBalancer,
    lastArrival: snapshot.lastArrival,
    lastObjectKey: null,
    intervalMs: 0,
    openRules: [...snapshot.openRules],
    rolledFrom: 0,
    rolledUntil: 0,
    dirtyHours: [],
  };
}

/**
 * Where an object's windows of one load balancer go: the newest is its home document, the one just before it (the
 * few records an ALB object holds of the previous interval) rides along as the home document's carry, and any older
 * window (an hourly object's) is merged into its own document.
 */
export function homeOf(partials: readonly WindowAggregate[]): {
  home: WindowAggregate;
  carried: WindowAggregate | null;
  own: WindowAggregate[];
} {
  const sorted = [...partials].sort((a, b) => a.start - b.start);
  const home = sorted.pop();
  if (home === undefined) throw new RangeError('an object without windows has no home');
  const before = sorted.at(-1);
  const carried = before !== undefined && before.start === home.start - home.windowMs ? before : null;
  if (carried !== null) sorted.pop();
  return { home, carried, own: sorted };
}

/** The time an object's windows of one load balancer cover, first window start to last window end. */
function coverOf(windows: readonly WindowAggregate[]): number {
  if (windows.length === 0) return 0;
  const first = Math.min(...windows.map((w) => w.start));
  const last = Math.max(...windows.map((w) => w.start + w.windowMs));
  return last - first;
}

export function createIngestFlow(deps: IngestFlowDeps): IngestFlow {
  const { config, source: objects, store, log } = deps;
  const now = deps.now ?? Date.now;
  const prefix = config.statePrefix;

  async function processObject(object: ObjectCreated, runtime: Runtime): Promise<ObjectOutcome> {
    const { bucket } = object;
    let key = object.key;
    const skip = skipReason(config, bucket, key);
    if (skip !== null) {
      log.debug('object skipped', { bucket, key, reason: skip });
      return { status: 'skipped', bucket, key, reason: skip };
    }
    const open = (name: string): Promise<OpenedObject> => objects.open({ bucket, key: name, etag: object.etag });
    let response: OpenedObject;
    try {
      try {
        response = await open(key);
      } catch (error) {
        if (object.literalKey === undefined || errorName(error) !== 'NoSuchKey') throw error;
        response = await open(object.literalKey);
        key = object.literalKey;
      }
    } catch (error) {
      if (error instanceof LbwatchError) throw error;
      throw new LbwatchError('READ_FAILED', `could not open s3://${bucket}/${key}: ${errorName(error) || 'error'}`, {
        cause: error,
        context: { bucket, key },
      });
    }
    const source = {
      bucket,
      key,
      etag: object.etag ?? response.etag,
      versionId: object.versionId ?? response.versionId,
    };
    const id = objectId(source);
    const aggregator = createAggregator({ windowMs: runtime.windowMs });
    const read = await readLogStream(response.body, (record) => aggregator.add(record), {
      name: `s3://${bucket}/${key}`,
      // The records only feed the windows: the fields people read (client, user agent, TLS) are not decoded.
      fields: 'analysis',
    });
    const windows = aggregator.takeWindows();
    const arrival = now();
    const failure = read.failure === null ? null : { code: read.failure.code, message: read.failure.message };
    const input: InputDigest = { path: `s3://${bucket}/${key}`, summary: read.summary, failure };
    if (windows.length === 0) {
      // No record to attribute: the object's reading is kept on its own for the report.
      const record: InputRecord = {
        ...source,
        objectId: id,
        lastModified: response.lastModified?.toISOString() ?? null,
        bytesIn: read.bytesIn,
        bytesOut: read.bytesOut,
        summary: read.summary,
        windows: [],
        failure,
      };
      const dayMs = response.lastModified?.getTime() ?? arrival;
      await store.put(inputRecordKey(prefix, dayMs, id), JSON.stringify(record));
    }

    const byLb = new Map<string, WindowAggregate[]>();
    for (const w of windows) {
      const list = byLb.get(w.loadBalancer);
      if (list === undefined) byLb.set(w.loadBalancer, [w]);
      else list.push(w);
    }
    // The input summary goes with the home document of the object's first load balancer, so it is counted once.
    const firstLb = windows[0]?.loadBalancer;
    const ctx: IncidentContext = {
      store,
      prefix,
      rules: runtime.rules,
      destinations: runtime.destinations,
      log,
      now,
      writer: `${id}:${randomUUID()}`,
      reportUrl: deps.reportUrl ?? (async () => null),
    };
    let merged = 0;
    const pages: PageOutcome[] = [];
    await mapLimit([...byLb.entries()], LB_CONCURRENCY, async ([loadBalancer, partials]) => {
      const { home, carried, own } = homeOf(partials);
      const known: KnownDocs = new Map();
      const source = { id, key, arrival };
      await mapLimit(own, WINDOW_CONCURRENCY, async (partial) => {
        const outcome = await mergeIntoWindow(store, prefix, partial, { ...source, input: null });
        if (outcome.merged) merged += 1;
        known.set(partial.start, outcome.doc);
      });
      // The window's first object reads the load balancer's state and leaves a snapshot of it in the document.
      let fresh: { state: LbState; stored: StoredText | null } | null = null;
      const readFresh = async () => {
        fresh ??= await readLbState(store, prefix, loadBalancer);
        return fresh;
      };
      const outcome = await mergeIntoWindow(
        store,
        prefix,
        home,
        { ...source, input: loadBalancer === firstLb ? input : null },
        carried,
        async () => {
          const { state } = await readFresh();
          // As this object will leave it: its arrival, if it is to be recorded.
          const recorded = arrival - state.lastArrival >= ARRIVAL_RESOLUTION_MS ? arrival : state.lastArrival;
          return { openRules: [...state.openRules], lastArrival: recorded };
        },
      );
      if (outcome.merged) merged += carried === null ? 1 : 2;
      known.set(home.start, outcome.doc);
      // Each window as it now stands: its document and the next one's carry (the documents not at hand read at once).
      const touched = [...own, ...(carried === null ? [] : [carried]), home];
      const views = await readWindowViews(
        store,
        prefix,
        loadBalancer,
        touched.map((w) => w.start),
        home.windowMs,
        known,
      );
      const current = views.filter((w): w is WindowAggregate => w !== null).sort((a, b) => a.start - b.start);
      const snapshot = outcome.doc.lb ?? null;
      const knownLb: KnownLb =
        fresh === null && snapshot !== null
          ? { state: stateOfSnapshot(loadBalancer, snapshot), stored: null, snapshot: true }
          : { ...(await readFresh()), snapshot: false };
      pages.push(...(await trackLoadBalancer(ctx, loadBalancer, current, runtime, { arrival, key }, knownLb)));
    });

    const outcome: ObjectOutcome = {
      status: 'processed',
      bucket,
      key,
      objectId: id,
      records: read.summary.records,
      windows: merged,
      pages,
      failure: failure?.code ?? null,
    };
    const level = read.failure === null ? 'info' : 'warn';
    log[level]('object ingested', {
      bucket,
      key,
      objectId: id,
      format: read.summary.format,
      lines: read.summary.lines,
      records: read.summary.records,
      rejected: read.summary.rejected,
      bytesIn: read.bytesIn,
      bytesOut: read.bytesOut,
      windows: windows.length,
      pagesSent: pages.filter((p) => p.outcome === 'sent').length,
      failure,
    });
    return outcome;
  }

  /** Runs one object, turning a droppable failure into a logged outcome; retryable ones throw. */
  async function guarded(object: ObjectCreated, runtime: Runtime): Promise<ObjectOutcome> {
    try {
      return await processObject(object, runtime);
    } catch (error) {
      if (disposition(error) === 'retry') throw error;
      const detail = describe(error);
      log.error('object dropped: retrying cannot help', { bucket: object.bucket, key: object.key, ...detail });
      return { status: 'dropped', bucket: object.bucket, key: object.key, error: detail };
    }
  }

  return {
    async ingest(objects, runtime) {
      const outcomes: ObjectOutcome[] = [];
      for (const object of objects) outcomes.push(await guarded(object, runtime));
      return outcomes;
    },
  };
}
