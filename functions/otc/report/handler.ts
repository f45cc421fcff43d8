/**
 * The FunctionGraph report handler: a timer trigger (or any invocation, then "now") runs the report
 * flow for the period ending at the last closed window, with state in OBS through its S3-compatible
 * API and the invocation's temporary credentials.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { FunctionConfig } from '../../core/config.js';
import type { Log } from '../../core/logger.js';
import type { ReportResult } from '../../core/report.js';
import type { Runtime } from '../../core/runtime.js';
import { s3ReportFlow } from '../../s3/flows.js';
import { timerTime } from '../events.js';

export type { ReportResult } from '../../core/report.js';

export interface ReportDeps {
  config: Readonly<FunctionConfig>;
  /** The OBS client for an invocation, built from its context's temporary credentials. */
  s3For: (context: unknown) => S3Client;
  runtime: (s3: S3Client, context?: unknown) => Promise<Runtime>;
  log: Log;
  now?: () => number;
}

export function createHandler(deps: ReportDeps): (event: unknown, context: unknown) => Promise<ReportResult> {
  const { config, log } = deps;
  const now = deps.now ?? Date.now;
  return async function handler(event: unknown, context: unknown): Promise<ReportResult> {
    const s3 = deps.s3For(context);
    const runtime = await deps.runtime(s3, context);
    return s3ReportFlow(s3, { config, log, now })(timerTime(event) ?? now(), runtime);
  };
}
