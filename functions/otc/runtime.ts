/**
 * Rules and destinations on FunctionGraph, resolved once per cold start like on Lambda, but with
 * the first invocation's OBS client (credentials only exist inside an invocation). A failed
 * resolution is forgotten, so the next invocation tries again with its own client. SMN publishes
 * with the agency credentials of the latest invocation's context (they rotate, so they are read at
 * each publish, never cached).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { FunctionConfig } from '../core/config.js';
import { type Runtime, resolveRuntime } from '../core/runtime.js';
import { contextCredentials, type FunctionGraphCredentialContext } from './smn.js';

export function runtimeOnce(config: Readonly<FunctionConfig>): (s3: S3Client, context?: unknown) => Promise<Runtime> {
  let pending: Promise<Runtime> | null = null;
  let latest: FunctionGraphCredentialContext = {};
  const smnCredentials = contextCredentials(() => latest);
  return (s3, context) => {
    if (typeof context === 'object' && context !== null) latest = context as FunctionGraphCredentialContext;
    if (pending === null) {
      pending = resolveRuntime(config, { s3, smnCredentials }).catch((error: unknown) => {
        pending = null;
        throw error;
      });
    }
    return pending;
  };
}
