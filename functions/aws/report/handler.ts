/**
 * The Lambda report handler: an EventBridge schedule (or any invocation, then "now") runs the report
 * flow for the period ending at the last closed window.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { FunctionConfig } from '../../core/config.js';
import type { Log } from '../../core/logger.js';
import type { ReportResult } from '../../core/report.js';
import type { Runtime } from '../../core/runtime.js';
import { s3ReportFlow } from '../../s3/flows.js';
import { scheduledTime } from '../events.js';

export type { ReportResult } from '../../core/report.js';

export interface ReportDeps {
  config: Readonly<FunctionConfig>;
  s3: S3Client;
  runtime: () => Promise<Runtime>;
  log: Log;
  now?: () => number;
}

export function createHandler(deps: ReportDeps): (event: unknown) => Promise<ReportResult> {
  const now = deps.now ?? Date.now;
  const report = s3ReportFlow(deps.s3, { config: deps.config, log: deps.log, now });
  return async function handler(event: unknown): Promise<ReportResult> {
    const runtime = await deps.runtime();
    return report(scheduledTime(event) ?? now(), runtime);
  };
}
