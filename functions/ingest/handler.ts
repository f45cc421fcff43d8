/**
 * The ingest function: a new access-log object -> window partials in the state bucket -> merged
 * windows -> rule results -> claimed notifications. Thin: decoding, streaming and storage are here,
 * parsing, aggregation and rules are lib/.
 */
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import type { SQSBatchResponse } from 'aws-lambda';
import { createAggregator } from '../../lib/aggregate/index.js';
import { LbwatchError } from '../../lib/errors.js';
import { readLogStream } from '../../lib/input/read-log.js';
import { AlertClaims } from '../shared/claims.js';
import { type FunctionConfig, skipReason } from '../shared/config.js';
import { decodeIngestEvent, type ObjectCreated } from '../shared/events.js';
import { describe, disposition, errorName } from '../shared/failures.js';
import type { Log } from '../shared/logger.js';
import type { Runtime } from '../shared/runtime.js';
import { inputRecordKey, objectId } from '../shared/state-keys.js';
import { S3StateStore } from '../shared/state-store.js';
import { type InputRecord, isClosed, mergedWindow, storePartials } from '../shared/window-store.js';
import { type AlertOutcome, alertOnWindow, lookbackWindows } from './alerting.js';

export interface IngestDeps {
  config: Readonly<FunctionConfig>;
  /** Reads source objects and holds state (one client per cold start). */
  s3: S3Client;
  /** Rules and destinations, resolved once per cold start. */
  runtime: () => Promise<Runtime>;
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

function stripQuotes(etag: string | undefined): string | null {
  return etag === undefined ? null : etag.replace(/^"+|"+$/g, '');
}

function bodyStream(response: GetObjectCommandOutput): AsyncIterable<Uint8Array> {
  const body = response.Body as unknown;
  if (body !== null && typeof body === 'object' && Symbol.asyncIterator in body)
    return body as AsyncIterable<Uint8Array>;
  throw new LbwatchError('READ_FAILED', 'object body is not a stream');
}

export function createHandler(deps: IngestDeps): (event: unknown) => Promise<SQSBatchResponse | IngestResult> {
  const { config, s3, log } = deps;
  const now = deps.now ?? Date.now;
  const store = new S3StateStore(s3, config.stateBucket);
  const prefix = config.statePrefix;

  async function processObject(object: ObjectCreated, runtime: Runtime): Promise<ObjectOutcome> {
    const { bucket } = object;
    let key = object.key;
    const skip = skipReason(config, bucket, key);
    if (skip !== null) {
      log.debug('object skipped', { bucket, key, reason: skip });
      return { status: 'skipped', bucket, key, reason: skip };
    }
    const open = (name: string): Promise<GetObjectCommandOutput> =>
      // Read exactly the content the event announced (If-Match on its ETag, which needs only
      // s3:GetObject, unlike VersionId): an overwritten object has its own event.
      s3.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: name,
          ...(object.etag !== null ? { IfMatch: `"${object.etag}"` } : {}),
        }),
      );
    let response: GetObjectCommandOutput;
    try {
      try {
        response = await open(key);
      } catch (error) {
        if (object.literalKey === undefined || errorName(error) !== 'NoSuchKey') throw error;
        response = await open(object.literalKey);
        key = object.literalKey;
      }
    } catch (error) {
      throw new LbwatchError('READ_FAILED', `could not open s3://${bucket}/${key}: ${errorName(error) || 'error'}`, {
        cause: error,
        context: { bucket, key },
      });
    }
    const source = {
      bucket,
      key,
      etag: object.etag ?? stripQuotes(response.ETag),
      versionId: object.versionId ?? response.VersionId ?? null,
    };
    const id = objectId(source);
    const aggregator = createAggregator({ windowMs: runtime.windowMs });
    const read = await readLogStream(bodyStream(response), (record) => aggregator.add(record), {
      name: `s3://${bucket}/${key}`,
      // The records only feed the windows: the fields people read (client, user agent, TLS) are not decoded.
      fields: 'analysis',
    });
    const windows = aggregator.takeWindows();
    const partialKeys = await storePartials(store, prefix, id, windows);

    const dayMs = windows[0]?.start ?? response.LastModified?.getTime() ?? now();
    const record: InputRecord = {
      ...source,
      objectId: id,
      lastModified: response.LastModified?.toISOString() ?? null,
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

  return async function handler(event: unknown): Promise<SQSBatchResponse | IngestResult> {
    const decoded = (() => {
      try {
        return decodeIngestEvent(event);
      } catch (error) {
        // A malformed direct invocation cannot get better by retrying.
        log.error('event refused', describe(error));
        return null;
      }
    })();
    if (decoded === null) return { objects: [] };
    const runtime = await deps.runtime();

    if (decoded.kind === 'objects') {
      const objects: ObjectOutcome[] = [];
      for (const object of decoded.objects) objects.push(await guarded(object, runtime));
      return { objects };
    }

    const failures: { itemIdentifier: string }[] = [];
    for (const item of decoded.items) {
      if (item.kind === 'test-event') {
        log.info('s3:TestEvent ignored', { messageId: item.messageId });
        continue;
      }
      if (item.kind === 'poison') {
        log.error('SQS message dropped: not an S3 object notification', {
          messageId: item.messageId,
          reason: item.reason,
        });
        continue;
      }
      try {
        for (const object of item.objects) await guarded(object, runtime);
      } catch (error) {
        log.warn('SQS message will be retried', { messageId: item.messageId, ...describe(error) });
        failures.push({ itemIdentifier: item.messageId });
      }
    }
    return { batchItemFailures: failures };
  };
}
