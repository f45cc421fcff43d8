/**
 * FunctionGraph entry point of the ingest function (handler `index.handler`). Configuration is
 * parsed once per cold start from the function's environment variables; an invalid configuration
 * fails the cold start with every problem named.
 */
import { parseConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { obsClients, obsSettings } from '../obs-client.js';
import { runtimeOnce } from '../runtime.js';
import { createHandler, type IngestDeps } from './handler.js';

export { createHandler, type IngestDeps } from './handler.js';

export function defaultDeps(env: Readonly<Record<string, string | undefined>> = process.env): IngestDeps {
  const config = parseConfig(env);
  const log = createLogger('lbwatch-ingest');
  return {
    config,
    s3For: obsClients(obsSettings(env, config.s3ForcePathStyle)),
    log,
    runtime: runtimeOnce(config, log),
  };
}

export const handler = createHandler(defaultDeps());
