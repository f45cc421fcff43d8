/**
 * Rules and destinations on FunctionGraph, resolved once per cold start like on Lambda, but with
 * the first invocation's OBS client (credentials only exist inside an invocation). A failed
 * resolution is forgotten, so the next invocation tries again with its own client.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { FunctionConfig } from '../core/config.js';
import { type Runtime, resolveRuntime } from '../core/runtime.js';

export function runtimeOnce(config: Readonly<FunctionConfig>): (s3: S3Client) => Promise<Runtime> {
  let pending: Promise<Runtime> | null = null;
  return (s3) => {
    if (pending === null) {
      pending = resolveRuntime(config, { s3 }).catch((error: unknown) => {
        pending = null;
        throw error;
      });
    }
    return pending;
  };
}
