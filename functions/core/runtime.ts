/**
 * What a function needs beyond its configuration, resolved once per cold start: the rules (inline,
 * default, or fetched from RULES_URI), the effective window, and the alert destinations (the webhook
 * URL may come from Secrets Manager). A failed resolution is not cached, so the next invocation
 * tries again.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SNSClient } from '@aws-sdk/client-sns';
import { LbwatchError } from '../../lib/errors.js';
import { DEFAULT_RULES, parseRules, type RuleSet } from '../../lib/rules/index.js';
import { SnsDestination } from '../aws/sns.js';
import type { Destination } from '../destinations/destination.js';
import { HttpPoster, type HttpPostOptions } from '../destinations/http.js';
import { WebhookDestination } from '../destinations/webhook.js';
import type { FunctionConfig } from './config.js';
import { errorName } from './failures.js';

export interface Runtime {
  rules: RuleSet;
  /** The rules' window, or WINDOW when set. */
  windowMs: number;
  destinations: Destination[];
}

export interface RuntimeClients {
  s3: S3Client;
  sns?: SNSClient;
  secrets?: SecretsManagerClient;
  /** Options of the HTTPS poster (timeouts, retries; tests pass a fake fetch or sleep). */
  http?: HttpPostOptions;
}

export async function loadRules(config: FunctionConfig, s3: S3Client): Promise<RuleSet> {
  const source = config.rules;
  if (source.kind === 'default') return DEFAULT_RULES;
  if (source.kind === 'inline') return parseRules(source.text, 'RULES');
  let text: string;
  try {
    const response = await s3.send(new GetObjectCommand({ Bucket: source.bucket, Key: source.key }));
    text = response.Body === undefined ? '' : await response.Body.transformToString('utf-8');
  } catch (error) {
    throw new LbwatchError('STATE_FAILED', `could not read RULES_URI ${source.uri}: ${errorName(error) || 'error'}`, {
      cause: error,
      context: { bucket: source.bucket, key: source.key },
    });
  }
  return parseRules(text, source.uri);
}

export async function resolveWebhookUrl(
  config: FunctionConfig,
  secrets?: SecretsManagerClient,
): Promise<string | null> {
  if (config.webhookUrl !== null) return config.webhookUrl;
  if (config.webhookSecretArn === null) return null;
  if (secrets === undefined) {
    throw new LbwatchError('CONFIG_INVALID', 'ALERT_WEBHOOK_SECRET_ARN is set but no Secrets Manager client was given');
  }
  let url: string | undefined;
  try {
    const response = await secrets.send(new GetSecretValueCommand({ SecretId: config.webhookSecretArn }));
    url = response.SecretString?.trim();
  } catch (error) {
    throw new LbwatchError('STATE_FAILED', `could not read the webhook secret: ${errorName(error) || 'error'}`, {
      cause: error,
    });
  }
  if (url === undefined || !/^https?:\/\/\S+$/.test(url)) {
    // Never echo the secret's content.
    throw new LbwatchError('CONFIG_INVALID', 'ALERT_WEBHOOK_SECRET_ARN: the secret string is not an http(s) URL');
  }
  return url;
}

export async function resolveRuntime(config: FunctionConfig, clients: RuntimeClients): Promise<Runtime> {
  const rules = await loadRules(config, clients.s3);
  const destinations: Destination[] = [];
  const notify = { keepQueryStrings: config.keepQueryStrings };
  if (config.topicArn !== null) {
    if (clients.sns === undefined)
      throw new LbwatchError('CONFIG_INVALID', 'ALERT_TOPIC_ARN is set but no SNS client was given');
    destinations.push(new SnsDestination(clients.sns, config.topicArn, notify));
  }
  const webhookUrl = await resolveWebhookUrl(config, clients.secrets);
  if (webhookUrl !== null)
    destinations.push(new WebhookDestination(webhookUrl, { ...notify, poster: new HttpPoster(clients.http) }));
  return { rules, windowMs: config.windowMs ?? rules.windowMs, destinations };
}

/** Memoizes an async initialiser; a rejection is forgotten so the next call retries. */
export function once<T>(init: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () => {
    if (pending === null) {
      pending = init().catch((error: unknown) => {
        pending = null;
        throw error;
      });
    }
    return pending;
  };
}
