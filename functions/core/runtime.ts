/**
 * What a function needs beyond its configuration, resolved once per cold start: the rules (inline,
 * default, or fetched from RULES_URI), the effective window, and the alert destinations (webhook,
 * Slack and Teams URLs and the PagerDuty routing key may come from Secrets Manager). A failed
 * resolution is not cached, so the next invocation tries again. A secret's content is never echoed.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SNSClient } from '@aws-sdk/client-sns';
import { LbwatchError } from '../../lib/errors.js';
import { DEFAULT_RULES, parseRules, type RuleSet } from '../../lib/rules/index.js';
import { SnsDestination } from '../aws/sns.js';
import type { Destination } from '../destinations/destination.js';
import { HttpPoster, type HttpPostOptions } from '../destinations/http.js';
import { PagerDutyDestination } from '../destinations/pagerduty.js';
import { SlackDestination } from '../destinations/slack.js';
import { TeamsDestination } from '../destinations/teams.js';
import { WebhookDestination } from '../destinations/webhook.js';
import { type SmnCredentialsProvider, SmnDestination } from '../otc/smn.js';
import { type FunctionConfig, isHttpsUrl, isRoutingKey } from './config.js';
import { errorName, httpStatus } from './failures.js';
import type { Log } from './logger.js';

export interface Runtime {
  rules: RuleSet;
  /** The rules' window, or WINDOW when set. */
  windowMs: number;
  /** SNS, SMN, webhook, Slack, Teams, PagerDuty: every one configured, in that order. */
  destinations: Destination[];
}

export interface RuntimeClients {
  s3: S3Client;
  sns?: SNSClient;
  secrets?: SecretsManagerClient;
  /** Timeout, retries and fetch of the HTTP destinations. */
  http?: HttpPostOptions;
  /** The FunctionGraph agency's credentials, for SMN_TOPIC_URN. */
  smnCredentials?: SmnCredentialsProvider;
}

/** Reads a secret's string (trimmed); failures name the variable, never the content. */
async function readSecret(
  secrets: SecretsManagerClient | undefined,
  arn: string,
  variable: string,
): Promise<string | undefined> {
  if (secrets === undefined) {
    throw new LbwatchError('CONFIG_INVALID', `${variable} is set but no Secrets Manager client was given`);
  }
  try {
    const response = await secrets.send(new GetSecretValueCommand({ SecretId: arn }));
    return response.SecretString?.trim();
  } catch (error) {
    throw new LbwatchError('STATE_FAILED', `could not read ${variable}: ${errorName(error) || 'error'}`, {
      cause: error,
      context: { variable },
    });
  }
}

/** The value set directly, or read from its secret and checked (the secret's content is never echoed). */
async function settingOrSecret(
  direct: string | null,
  arn: string | null,
  variable: string,
  valid: (text: string) => boolean,
  expected: string,
  secrets: SecretsManagerClient | undefined,
): Promise<string | null> {
  if (direct !== null) return direct;
  if (arn === null) return null;
  const text = await readSecret(secrets, arn, variable);
  if (text === undefined || !valid(text)) {
    throw new LbwatchError('CONFIG_INVALID', `${variable}: the secret string is not ${expected}`, {
      context: { variable },
    });
  }
  return text;
}

/** Every destination of `Outgoing` messages the configuration names, secrets resolved. */
export async function resolveDestinations(
  config: FunctionConfig,
  clients: Omit<RuntimeClients, 's3'>,
): Promise<Destination[]> {
  const notify = { keepQueryStrings: config.keepQueryStrings };
  const poster = new HttpPoster(clients.http);
  const out: Destination[] = [];
  if (config.topicArn !== null) {
    if (clients.sns === undefined) {
      throw new LbwatchError('CONFIG_INVALID', 'ALERT_TOPIC_ARN is set but no SNS client was given');
    }
    out.push(new SnsDestination(clients.sns, config.topicArn, notify));
  }
  if (config.smnTopicUrn !== null) {
    if (clients.smnCredentials === undefined) {
      throw new LbwatchError('CONFIG_INVALID', 'SMN_TOPIC_URN is set but the function has no agency credentials');
    }
    out.push(
      new SmnDestination({
        ...notify,
        poster,
        topicUrn: config.smnTopicUrn,
        endpoint: config.smnEndpoint ?? undefined,
        credentials: clients.smnCredentials,
      }),
    );
  }
  const webhookUrl = await resolveWebhookUrl(config, clients.secrets);
  if (webhookUrl !== null) out.push(new WebhookDestination(webhookUrl, { ...notify, poster }));
  const slack = await settingOrSecret(
    config.slackWebhookUrl,
    config.slackWebhookSecretArn,
    'SLACK_WEBHOOK_SECRET_ARN',
    isHttpsUrl,
    'an https URL',
    clients.secrets,
  );
  if (slack !== null) out.push(new SlackDestination(slack, { ...notify, poster }));
  const teams = await settingOrSecret(
    config.teamsWebhookUrl,
    config.teamsWebhookSecretArn,
    'TEAMS_WEBHOOK_SECRET_ARN',
    isHttpsUrl,
    'an https URL',
    clients.secrets,
  );
  if (teams !== null) out.push(new TeamsDestination(teams, { ...notify, poster }));
  const routingKey = await settingOrSecret(
    config.pagerDutyRoutingKey,
    config.pagerDutyRoutingKeySecretArn,
    'PAGERDUTY_ROUTING_KEY_SECRET_ARN',
    isRoutingKey,
    'a 32-character integration key',
    clients.secrets,
  );
  if (routingKey !== null) {
    out.push(
      new PagerDutyDestination(routingKey, { ...notify, poster, eventsUrl: config.pagerDutyEventsUrl ?? undefined }),
    );
  }
  return out;
}

/** Whether any setting is read from Secrets Manager (the entry points create the client only then). */
export function needsSecrets(config: FunctionConfig): boolean {
  return [
    config.webhookSecretArn,
    config.slackWebhookSecretArn,
    config.teamsWebhookSecretArn,
    config.pagerDutyRoutingKeySecretArn,
  ].some((arn) => arn !== null);
}

export async function loadRules(config: FunctionConfig, s3: S3Client): Promise<RuleSet> {
  const source = config.rules;
  if (source.kind === 'default') return DEFAULT_RULES;
  if (source.kind === 'inline') return parseRules(source.text, 'RULES');
  const fetched = await fetchRules(source, s3, null);
  return (fetched as { rules: RuleSet }).rules;
}

/** How often a function looks for a changed RULES_URI object (one conditional GET, 304 when unchanged). */
export const RULES_REFRESH_MS = 60_000;

type UriRules = Extract<FunctionConfig['rules'], { kind: 'uri' }>;

/** The rules file at RULES_URI with its ETag, or 'unchanged' when it still has `etag`. */
async function fetchRules(
  source: UriRules,
  s3: S3Client,
  etag: string | null,
): Promise<{ rules: RuleSet; etag: string | null } | 'unchanged'> {
  let text: string;
  let tag: string | null;
  try {
    const response = await s3.send(
      new GetObjectCommand({ Bucket: source.bucket, Key: source.key, ...(etag === null ? {} : { IfNoneMatch: etag }) }),
    );
    text = response.Body === undefined ? '' : await response.Body.transformToString('utf-8');
    tag = response.ETag ?? null;
  } catch (error) {
    if (etag !== null && (httpStatus(error) === 304 || errorName(error) === 'NotModified')) return 'unchanged';
    throw new LbwatchError('STATE_FAILED', `could not read RULES_URI ${source.uri}: ${errorName(error) || 'error'}`, {
      cause: error,
      context: { bucket: source.bucket, key: source.key },
    });
  }
  return { rules: parseRules(text, source.uri), etag: tag };
}

/**
 * The runtime of a function, resolved once per cold start, whose rules follow RULES_URI: at most once per
 * {@link RULES_REFRESH_MS} an invocation asks for the object again with `If-None-Match` and takes a changed file. A
 * changed file that is invalid keeps the rules in force and is logged (naming its problems); a failed read too.
 *
 * @example
 * const runtime = rulesFollowingRuntime(config, () => resolveRuntime(config, clients), clients.s3, log);
 */
export function rulesFollowingRuntime(
  config: FunctionConfig,
  resolve: () => Promise<Runtime>,
  s3: () => S3Client,
  log: Pick<Log, 'warn' | 'error'>,
  now: () => number = Date.now,
): () => Promise<Runtime> {
  const initial = once(resolve);
  let current: Runtime | null = null;
  let etag: string | null = null;
  let checkedAt = 0;
  let checking: Promise<void> | null = null;
  return async () => {
    if (current === null) {
      current = await initial();
      checkedAt = now();
    }
    const source = config.rules;
    if (source.kind !== 'uri' || now() - checkedAt < RULES_REFRESH_MS) return current;
    checking ??= (async () => {
      try {
        const fetched = await fetchRules(source, s3(), etag);
        if (fetched !== 'unchanged' && current !== null) {
          if (etag !== null && fetched.etag !== etag)
            log.warn('rules file changed: new rules in force', { uri: source.uri });
          current = { ...current, rules: fetched.rules, windowMs: config.windowMs ?? fetched.rules.windowMs };
          etag = fetched.etag;
        }
      } catch (error) {
        log.error('rules file not reloaded: the rules in force stay', {
          uri: source.uri,
          error: error instanceof Error ? error.message : String(error),
        });
      } finally {
        checkedAt = now();
        checking = null;
      }
    })();
    await checking;
    return current;
  };
}

export async function resolveWebhookUrl(
  config: FunctionConfig,
  secrets?: SecretsManagerClient,
): Promise<string | null> {
  return settingOrSecret(
    config.webhookUrl,
    config.webhookSecretArn,
    'ALERT_WEBHOOK_SECRET_ARN',
    (text) => /^https?:\/\/\S+$/.test(text),
    'an http(s) URL',
    secrets,
  );
}

export async function resolveRuntime(config: FunctionConfig, clients: RuntimeClients): Promise<Runtime> {
  const rules = await loadRules(config, clients.s3);
  const destinations = await resolveDestinations(config, clients);
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
