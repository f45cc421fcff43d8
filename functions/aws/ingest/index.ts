/**
 * Lambda entry point of the ingest function. Clients and configuration are created once per cold
 * start; an invalid configuration fails the cold start with every problem named.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { parseConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { once, resolveRuntime } from '../../core/runtime.js';
import { createHandler, type IngestDeps } from './handler.js';

export { createHandler, type IngestDeps } from './handler.js';

export function defaultDeps(env: Readonly<Record<string, string | undefined>> = process.env): IngestDeps {
  const config = parseConfig(env);
  // Region and endpoints come from the SDK's own variables (AWS_REGION, AWS_ENDPOINT_URL_S3, ...).
  const s3 = new S3Client({ forcePathStyle: config.s3ForcePathStyle });
  const sns = config.topicArn === null ? undefined : new SNSClient({});
  const secrets = config.webhookSecretArn === null ? undefined : new SecretsManagerClient({});
  return {
    config,
    s3,
    log: createLogger('lbwatch-ingest'),
    runtime: once(() => resolveRuntime(config, { s3, sns, secrets })),
  };
}

export const handler = createHandler(defaultDeps());
