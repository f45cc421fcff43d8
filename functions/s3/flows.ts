/**
 * The core flows over the S3 API, as both clouds run them: AWS S3 with the Lambda's client, OBS
 * through its S3-compatible endpoint with a FunctionGraph invocation's client.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { type CheckFlow, createCheckFlow } from '../core/check.js';
import type { FunctionConfig } from '../core/config.js';
import { createIngestFlow, type IngestFlow } from '../core/ingest.js';
import type { Log } from '../core/logger.js';
import { createReportFlow, latestReportUrl, type ReportFlow } from '../core/report.js';
import { S3ObjectSource } from './object-source.js';
import { presignedReportLink } from './report-link.js';
import { S3StateStore } from './state-store.js';

export interface S3FlowDeps {
  config: Readonly<FunctionConfig>;
  log: Log;
  now?: () => number;
}

/** Ingest reading source objects and holding state through `s3`. */
export function s3IngestFlow(s3: S3Client, deps: S3FlowDeps): IngestFlow {
  const store = new S3StateStore(s3, deps.config.stateBucket);
  return createIngestFlow({
    ...deps,
    source: new S3ObjectSource(s3),
    store,
    reportUrl: pageReportUrl(s3, store, deps),
  });
}

/** Pages link to the newest report with a presigned URL. */
function pageReportUrl(s3: S3Client, store: S3StateStore, deps: S3FlowDeps): () => Promise<string | null> {
  return latestReportUrl(store, deps.config, presignedReportLink(s3, deps.config.stateBucket), deps.log);
}

/** The report with state in the state bucket and a presigned link to its HTML. */
export function s3ReportFlow(s3: S3Client, deps: S3FlowDeps): ReportFlow {
  return createReportFlow({
    ...deps,
    store: new S3StateStore(s3, deps.config.stateBucket),
    link: presignedReportLink(s3, deps.config.stateBucket),
  });
}

/** The scheduled check with state in the state bucket. */
export function s3CheckFlow(s3: S3Client, deps: S3FlowDeps): CheckFlow {
  const store = new S3StateStore(s3, deps.config.stateBucket);
  return createCheckFlow({
    prefix: deps.config.statePrefix,
    store,
    log: deps.log,
    now: deps.now,
    reportUrl: pageReportUrl(s3, store, deps),
  });
}
