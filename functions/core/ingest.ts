/**
 * The ingest flow, cloud-neutral: a created access-log object -> window partials in the state store
 * -> merged windows -> rule results -> claimed notifications. Streaming and storage go through the
 * object-source and state-store ports; parsing, aggregation and rules are lib/. Event decoding and
 * the platform's retry contract belong to each cloud's entry point.
 */
import { createAggregator } from '../../lib/aggregate/index.js';
import { LbwatchError } from '../../lib/errors.js';
import { readLogStream } from '../../lib/input/read-log.js';
import { type AlertOutcome, alertOnWindow, lookbackWindows } from './alerting.js';
import { AlertClaims } from './claims.js';
import { type FunctionConfig, skipReason } from './config.js';
import { describe, disposition, errorName } from './failures.js';
import type { Log } from './logger.js';
import type { ObjectCreated, ObjectSource, OpenedObject } from './object-source.js';
import type { Runtime } from './runtime.js';
import { inputRecordKey, objectId } from './state-keys.js';
import type { StateStore } from './state-store.js';
import { type InputRecord, isClosed, mergedWindow, storePartials } from './window-store.js';

export interface IngestFlowDeps {
  config: Readonly<FunctionConfig>;
  /** Opens the announced objects. */
  source: ObjectSource;
  /** Holds partials, input records and alert claims. */
  store: StateStore;
  log: Log;
  now?: () => number;
}

export type ObjectOutcome =
  | { status: 'skipped'; bucket: string; key: string; reason: string }
  | {
      status: 'processed';
      bucket: string;
      key: string;
      objectId: string;
      records: number;
      partials: number;
      alerts: AlertOutcome[];
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
    const partialKeys = await storePartials(store, prefix, id, windows);

    const dayMs = windows[0]?.start ?? response.lastModified?.getTime() ?? now();
    const record: InputRecord = {
      ...source,
      objectId: id,
      lastModified: response.lastModified?.toISOString() ?? null,
      bytesIn: read.bytesIn,
      bytesOut: read.bytesOut,
      summary: read.summary,
      windows: windows.map((w) => ({ loadBalancer: w.loadBalancer, start: new Date(w.start).toISOString() })),
      failure: read.failure === null ? null : { code: read.failure.code, message: read.failure.message },
    };
    await store.put(inputRecordKey(prefix, dayMs, id), JSON.stringify(record));

    const alerts = await evaluateTouched(windows, runtime, id);
    const outcome: ObjectOutcome = {
      status: 'processed',
      bucket,
      key,
      objectId: id,
      records: read.summary.records,
      partials: partialKeys.length,
      alerts,
      failure: record.failure?.code ?? null,
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
      alertsSent: alerts.filter((a) => a.outcome === 'sent').length,
      failure: record.failure,
    });
    return outcome;
  }

  /**
   * Every (load balancer, window) the object fed, plus the few windows before each, so that a
   * window is examined again once it has closed (that is when "resolved" can be decided).
   */
  async function evaluateTouched(
    windows: readonly { loadBalancer: string; start: number }[],
    runtime: Runtime,
    claimant: string,
  ): Promise<AlertOutcome[]> {
    const claims = new AlertClaims(store, prefix, runtime.destinations, {
      keepQueryStrings: config.keepQueryStrings,
      now,
      log,
    });
    const at = now();
    const targets = new Map<string, { loadBalancer: string; start: number }>();
    const back = lookbackWindows(runtime.windowMs);
    for (const w of windows) {
      targets.set(`${w.loadBalancer}\u0000${w.start}`, w);
      for (let k = 1; k <= back; k++) {
        const start = w.start - k * runtime.windowMs;
        if (isClosed(start, runtime.windowMs, at))
          targets.set(`${w.loadBalancer}\u0000${start}`, { loadBalancer: w.loadBalancer, start });
      }
    }
    const outcomes: AlertOutcome[] = [];
    // Sequential on purpose: each target costs a listing and a few reads, and the list is small.
    for (const target of [...targets.values()].sort((a, b) => a.start - b.start)) {
      const merged = await mergedWindow(store, prefix, target.loadBalancer, target.start, runtime.windowMs, log);
      if (merged === null) continue;
      outcomes.push(...(await alertOnWindow(merged.window, runtime.rules, claims, claimant, at)));
    }
    return outcomes;
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
