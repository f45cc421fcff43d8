/**
 * The Lambda ingest handler: decodes S3 notifications, SQS batches (S3 or EventBridge bodies, SNS
 * envelopes) and EventBridge events, runs the ingest flow on the objects, and answers SQS with the
 * messages to redeliver.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSBatchResponse } from 'aws-lambda';
import type { FunctionConfig } from '../../core/config.js';
import { describe } from '../../core/failures.js';
import type { IngestResult } from '../../core/ingest.js';
import type { Log } from '../../core/logger.js';
import type { Runtime } from '../../core/runtime.js';
import { s3IngestFlow } from '../../s3/flows.js';
import { decodeIngestEvent } from '../events.js';

export type { IngestResult, ObjectOutcome } from '../../core/ingest.js';

export interface IngestDeps {
  config: Readonly<FunctionConfig>;
  /** Reads source objects and holds state (one client per cold start). */
  s3: S3Client;
  /** Rules and destinations, resolved once per cold start. */
  runtime: () => Promise<Runtime>;
  log: Log;
  now?: () => number;
}

export function createHandler(deps: IngestDeps): (event: unknown) => Promise<SQSBatchResponse | IngestResult> {
  const { config, s3, log } = deps;
  const flow = s3IngestFlow(s3, { config, log, now: deps.now });

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

    if (decoded.kind === 'objects') return { objects: await flow.ingest(decoded.objects, runtime) };

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
        await flow.ingest(item.objects, runtime);
      } catch (error) {
        log.warn('SQS message will be retried', { messageId: item.messageId, ...describe(error) });
        failures.push({ itemIdentifier: item.messageId });
      }
    }
    return { batchItemFailures: failures };
  };
}
