/**
 * Rules and destinations on FunctionGraph, resolved once per cold start like on Lambda, but with
 * the first invocation's OBS client (credentials only exist inside an invocation). A failed
 * resolution is forgotten, so the next invocation tries again with its own client. SMN publishes
 * with the agency credentials of the latest invocation's context (they rotate, so they are read at
 * each publish, never cached).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { FunctionConfig } from '../core/config.js';
import type { Log } from '../core/logger.js';
import { type Runtime, resolveRuntime, rulesFollowingRuntime } from '../core/runtime.js';
import { contextCredentials, type FunctionGraphCredentialContext } from './smn.js';

export function runtimeOnce(
  config: Readonly<FunctionConfig>,
  log: Pick<Log, 'warn' | 'error'>,
): (s3: S3Client, context?: unknown) => Promise<Runtime> {
  let latest: FunctionGraphCredentialContext = {};
  let client: S3Client | null = null;
  const smnCredentials = contextCredentials(() => latest);
  // The OBS client of the latest invocation: its temporary credentials are the ones still valid.
  const runtime = rulesFollowingRuntime(
    config,
    () => resolveRuntime(config, { s3: client as S3Client, smnCredentials }),
    () => client as S3Client,
    log,
  );
  return (s3, context) => {
    if (typeof context === 'object' && context !== null) latest = context as FunctionGraphCredentialContext;
    client = s3;
    return runtime();
  };
}
