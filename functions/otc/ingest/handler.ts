/**
 * The FunctionGraph ingest handler: an OBS trigger event -> the ingest flow, reading and writing
 * through OBS's S3-compatible API with the invocation's temporary credentials. A retryable failure
 * throws, so FunctionGraph's asynchronous invocation retries the event; a malformed event is logged
 * and answered, since retrying cannot fix it.
 *
 * The same function runs the scheduled check on its timer trigger. OBS does not honour conditional
 * writes (`If-None-Match`, `If-Match` on PUT), so on OTC every writer of window documents, incident
 * records and load-balancer states is this one function, deployed with one instance at most: its
 * invocations never overlap, which gives the exactly-once guarantee the conditional writes give on S3.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { CheckResult } from '../../core/check.js';
import type { FunctionConfig } from '../../core/config.js';
import { describe } from '../../core/failures.js';
import type { IngestResult } from '../../core/ingest.js';
import type { Log } from '../../core/logger.js';
import type { ObjectCreated } from '../../core/object-source.js';
import type { Runtime } from '../../core/runtime.js';
import { s3CheckFlow, s3IngestFlow } from '../../s3/flows.js';
import { decodeObsEvent, timerTime } from '../events.js';

export type { IngestResult, ObjectOutcome } from '../../core/ingest.js';

export interface IngestDeps {
  config: Readonly<FunctionConfig>;
  /** The OBS client for an invocation, built from its context's temporary credentials. */
  s3For: (context: unknown) => S3Client;
  /** Rules and destinations, resolved once per cold start. */
  runtime: (s3: S3Client, context?: unknown) => Promise<Runtime>;
  log: Log;
  now?: () => number;
}

export function createHandler(
  deps: IngestDeps,
): (event: unknown, context: unknown) => Promise<IngestResult | CheckResult> {
  const { config, log } = deps;
  return async function handler(event: unknown, context: unknown): Promise<IngestResult | CheckResult> {
    if (timerTime(event) !== null) {
      const s3 = deps.s3For(context);
      return s3CheckFlow(s3, { config, log, now: deps.now })(await deps.runtime(s3, context));
    }
    let objects: ObjectCreated[];
    try {
      objects = decodeObsEvent(event);
    } catch (error) {
      log.error('event refused', describe(error));
      return { objects: [] };
    }
    if (objects.length === 0) return { objects: [] };
    const s3 = deps.s3For(context);
    const runtime = await deps.runtime(s3, context);
    return { objects: await s3IngestFlow(s3, { config, log, now: deps.now }).ingest(objects, runtime) };
  };
}
