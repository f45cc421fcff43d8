import type { StackProps } from 'aws-cdk-lib';
import type { SecretRef } from './alerts.js';
import { INGEST_SIZING_LIMITS } from './delivery.js';
import { type LbwatchStackProps, stackPropsProblems } from './lbwatch-stack.js';

/**
 * CDK context keys the app reads (cdk.json holds the defaults; `-c key=value` overrides them).
 * Values given with `-c` arrive as strings, values in cdk.json may be typed: both are accepted.
 */
export const CONTEXT_KEYS = [
  'logBucketName',
  'createLogBucket',
  'logPrefix',
  'logSuffixes',
  'logRetentionDaysInLogBucket',
  'elbAccountIds',
  'stateRetentionDays',
  'reportRetentionDays',
  'reportSchedule',
  'reportPeriod',
  'reportLinkTtl',
  'checkSchedule',
  'window',
  'rules',
  'rulesUri',
  'alertEmail',
  'webhookSecretArn',
  'webhookSecretName',
  'slackSecretArn',
  'slackSecretName',
  'teamsSecretArn',
  'teamsSecretName',
  'pagerDutySecretArn',
  'pagerDutySecretName',
  'allowNoDestination',
  'encryptTopic',
  'xray',
  'maxConcurrency',
  'ingestBatchSize',
  'ingestBatchingWindowSeconds',
  'logRetentionDays',
] as const;

export type ContextKey = (typeof CONTEXT_KEYS)[number];

/** The part of the stack props that the CDK context decides. */
export type ContextProps = Omit<LbwatchStackProps, 'functionsCodeDirectory' | keyof StackProps>;

/** Keys the app reads besides the stack props. */
const APP_KEYS = ['stackName'];

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * Context keys that look like a misspelt lbwatch option (`-c alertEmial=...` would otherwise be ignored in silence):
 * a different case, at most two edits from a known key, or the start of one. Keys far from every option are left alone: the CDK and
 * other tools keep their own keys in the same context (feature flags, lookups, `acknowledged-issue-numbers`).
 */
export function misspeltOptionProblems(keys: readonly string[]): string[] {
  const known = [...CONTEXT_KEYS, ...APP_KEYS];
  const problems: string[] = [];
  for (const key of keys) {
    if ((known as string[]).includes(key) || key.includes(':') || key.startsWith('@')) continue;
    const near = known.filter(
      (option) =>
        option.toLowerCase() === key.toLowerCase() ||
        editDistance(option, key) <= 2 ||
        (key.length >= 5 && option.startsWith(key)),
    );
    if (near.length > 0) problems.push(`${key}: not an lbwatch option; did you mean ${near.join(' or ')}?`);
  }
  return problems;
}

/**
 * Turns CDK context values into stack props and validates them as the stack and the functions would, reporting
 * every bad key at once (a deploy that fails on the first bad option and then on the next one wastes a round trip
 * each time).
 *
 * @param read returns the raw context value for a key (`app.node.tryGetContext`).
 * @param keys every key of the context (`app.node.getAllContext()`), to catch misspelt options.
 * @throws Error naming each invalid key and what it expects.
 */
export function propsFromContext(read: (key: ContextKey) => unknown, keys: readonly string[] = []): ContextProps {
  const problems: string[] = misspeltOptionProblems(keys);
  const str = (key: ContextKey): string | undefined => {
    const raw = read(key);
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== 'string') {
      problems.push(`${key}: expected a string, got ${JSON.stringify(raw)}`);
      return undefined;
    }
    const trimmed = raw.trim();
    return trimmed === '' ? undefined : trimmed;
  };
  const bool = (key: ContextKey): boolean | undefined => {
    const raw = read(key);
    if (raw === undefined || raw === null || raw === '') return undefined;
    if (raw === true || raw === 'true') return true;
    if (raw === false || raw === 'false') return false;
    problems.push(`${key}: expected true or false, got ${JSON.stringify(raw)}`);
    return undefined;
  };
  const int = (key: ContextKey, min: number, max: number): number | undefined => {
    const raw = read(key);
    if (raw === undefined || raw === null || raw === '') return undefined;
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : Number.NaN;
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${key}: expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
      return undefined;
    }
    return value;
  };
  const list = (key: ContextKey): string[] | undefined => {
    const raw = read(key);
    if (raw === undefined || raw === null) return undefined;
    const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined;
    if (items === undefined || items.some((item) => typeof item !== 'string')) {
      problems.push(`${key}: expected a comma-separated string or a list of strings, got ${JSON.stringify(raw)}`);
      return undefined;
    }
    return (items as string[]).map((item) => item.trim()).filter((item) => item !== '');
  };

  // Without a name the stack creates the log bucket, so a fresh clone synthesizes with no options at all.
  const logBucketName = str('logBucketName');
  const createLogBucket = bool('createLogBucket') ?? logBucketName === undefined;
  if (createLogBucket && logBucketName !== undefined) {
    problems.push('logBucketName and createLogBucket=true: choose one (import an existing bucket or create one)');
  }
  if (!createLogBucket && logBucketName === undefined) {
    problems.push('createLogBucket=false needs logBucketName (the bucket your load balancers write to)');
  }

  const secret = (destination: 'webhook' | 'slack' | 'teams' | 'pagerDuty'): SecretRef | undefined => {
    const secretArn = str(`${destination}SecretArn`);
    const secretName = str(`${destination}SecretName`);
    if (secretArn !== undefined && secretName !== undefined) {
      problems.push(`${destination}SecretArn and ${destination}SecretName: give one of them, not both`);
    }
    if (secretArn !== undefined) return { secretArn };
    return secretName === undefined ? undefined : { secretName };
  };

  const props: ContextProps = {
    logBucket:
      logBucketName !== undefined
        ? { bucketName: logBucketName }
        : { create: true, expireAfterDays: int('logRetentionDaysInLogBucket', 1, 36_500) },
    logPrefix: str('logPrefix'),
    logSuffixes: list('logSuffixes'),
    elbAccountIds: list('elbAccountIds'),
    stateRetentionDays: int('stateRetentionDays', 1, 36_500),
    reportRetentionDays: int('reportRetentionDays', 1, 36_500),
    reportSchedule: str('reportSchedule'),
    reportPeriod: str('reportPeriod'),
    reportLinkTtl: str('reportLinkTtl'),
    checkSchedule: str('checkSchedule'),
    window: str('window'),
    rules: str('rules'),
    rulesUri: str('rulesUri'),
    alertEmail: str('alertEmail'),
    webhookSecret: secret('webhook'),
    slackSecret: secret('slack'),
    teamsSecret: secret('teams'),
    pagerDutySecret: secret('pagerDuty'),
    allowNoDestination: bool('allowNoDestination'),
    encryptTopic: bool('encryptTopic'),
    tracing: bool('xray'),
    maxConcurrency: int(
      'maxConcurrency',
      INGEST_SIZING_LIMITS.maxConcurrency.min,
      INGEST_SIZING_LIMITS.maxConcurrency.max,
    ),
    ingestBatchSize: int('ingestBatchSize', INGEST_SIZING_LIMITS.batchSize.min, INGEST_SIZING_LIMITS.batchSize.max),
    ingestBatchingWindowSeconds: int(
      'ingestBatchingWindowSeconds',
      INGEST_SIZING_LIMITS.batchingWindowSeconds.min,
      INGEST_SIZING_LIMITS.batchingWindowSeconds.max,
    ),
    logRetentionDays: int('logRetentionDays', 1, 3653),
  };
  problems.push(...stackPropsProblems(props));
  if (problems.length > 0) {
    throw new Error(
      `lbwatch: invalid CDK context (cdk.json or -c key=value), nothing was synthesized:\n  - ${problems.join('\n  - ')}`,
    );
  }
  return props;
}
