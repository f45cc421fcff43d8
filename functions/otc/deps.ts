/**
 * What every FunctionGraph entry point builds once per cold start: the configuration from the function's environment
 * variables (an invalid one fails the cold start with every problem named), OBS clients per invocation's temporary
 * credentials, the logger and the runtime (rules and destinations).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { type FunctionConfig, parseConfig } from '../core/config.js';
import { createLogger, type Log } from '../core/logger.js';
import type { Runtime } from '../core/runtime.js';
import { obsClients, obsSettings } from './obs-client.js';
import { runtimeOnce } from './runtime.js';

export interface OtcDeps {
  config: Readonly<FunctionConfig>;
  s3For: (context: unknown) => S3Client;
  runtime: (s3: S3Client, context?: unknown) => Promise<Runtime>;
  log: Log;
}

export function otcDeps(service: string, env: Readonly<Record<string, string | undefined>> = process.env): OtcDeps {
  const config = parseConfig(env);
  const log = createLogger(service);
  return {
    config,
    s3For: obsClients(obsSettings(env, config.s3ForcePathStyle)),
    log,
    runtime: runtimeOnce(config, log),
  };
}
