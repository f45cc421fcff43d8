/**
 * What every Lambda entry point builds once per cold start: the configuration (an invalid one fails the cold start
 * with every problem named), the S3 client, the logger and the runtime (rules and destinations).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { type FunctionConfig, parseConfig } from '../core/config.js';
import { createLogger, type Log } from '../core/logger.js';
import { needsSecrets, type Runtime, resolveRuntime, rulesFollowingRuntime } from '../core/runtime.js';

export interface AwsDeps {
  config: Readonly<FunctionConfig>;
  s3: S3Client;
  runtime: () => Promise<Runtime>;
  log: Log;
}

export function awsDeps(service: string, env: Readonly<Record<string, string | undefined>> = process.env): AwsDeps {
  const config = parseConfig(env);
  // Region and endpoints come from the SDK's own variables (AWS_REGION, AWS_ENDPOINT_URL_S3, ...).
  const s3 = new S3Client({ forcePathStyle: config.s3ForcePathStyle });
  const sns = config.topicArn === null ? undefined : new SNSClient({});
  const secrets = needsSecrets(config) ? new SecretsManagerClient({}) : undefined;
  const log = createLogger(service);
  return {
    config,
    s3,
    log,
    runtime: rulesFollowingRuntime(
      config,
      () => resolveRuntime(config, { s3, sns, secrets }),
      () => s3,
      log,
    ),
  };
}
