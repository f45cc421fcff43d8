/**
 * The Lambda check handler: an EventBridge schedule (every 5 minutes by default) runs the scheduled check — silent
 * load balancers (`logs-missing`), incidents to resolve without new logs, reminders, pages left pending.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { CheckResult } from '../../core/check.js';
import type { FunctionConfig } from '../../core/config.js';
import type { Log } from '../../core/logger.js';
import type { Runtime } from '../../core/runtime.js';
import { s3CheckFlow } from '../../s3/flows.js';

export type { CheckResult } from '../../core/check.js';

export interface CheckDeps {
  config: Readonly<FunctionConfig>;
  s3: S3Client;
  runtime: () => Promise<Runtime>;
  log: Log;
  now?: () => number;
}

export function createHandler(deps: CheckDeps): (event: unknown) => Promise<CheckResult> {
  const check = s3CheckFlow(deps.s3, { config: deps.config, log: deps.log, now: deps.now });
  return async function handler(): Promise<CheckResult> {
    return check(await deps.runtime());
  };
}
