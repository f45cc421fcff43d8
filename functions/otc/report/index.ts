/**
 * FunctionGraph entry point of the report function (handler `index.handler`). Configuration is
 * parsed once per cold start from the function's environment variables; an invalid configuration
 * fails the cold start with every problem named.
 */
import { parseConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { obsClients, obsSettings } from '../obs-client.js';
import { runtimeOnce } from '../runtime.js';
import { createHandler, type ReportDeps } from './handler.js';

export { createHandler, type ReportDeps } from './handler.js';

export function defaultDeps(env: Readonly<Record<string, string | undefined>> = process.env): ReportDeps {
  const config = parseConfig(env);
  const log = createLogger('lbwatch-report');
  return {
    config,
    s3For: obsClients(obsSettings(env, config.s3ForcePathStyle)),
    log,
    runtime: runtimeOnce(config, log),
  };
}

export const handler = createHandler(defaultDeps());
