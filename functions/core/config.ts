/**
 * Function configuration, parsed once per cold start from the environment by a pure function.
 * Every bad variable is reported at once so a deployment is fixed in one round.
 */
import { LbwatchError } from '../../lib/errors.js';
import { parseDuration } from '../../lib/rules/index.js';

export type RulesSource =
  | { kind: 'default' }
  | { kind: 'inline'; text: string }
  | { kind: 'uri'; bucket: string; key: string; uri: string };

export interface FunctionConfig {
  /** Bucket holding partials, input records, alert claims and reports. */
  stateBucket: string;
  /** Always ends with `/`. */
  statePrefix: string;
  /** Only keys starting with this are access logs (empty: any key). */
  logPrefix: string;
  /** Keys must end with one of these. */
  logSuffixes: readonly string[];
  rules: RulesSource;
  /** Overrides the rules' window when set. */
  windowMs: number | null;
  topicArn: string | null;
  webhookUrl: string | null;
  /** Secrets Manager secret whose string is the webhook URL (resolved once at cold start). */
  webhookSecretArn: string | null;
  reportPeriodMs: number;
  keepQueryStrings: boolean;
  /** Path-style S3 addressing for S3-compatible stores and local servers. */
  s3ForcePathStyle: boolean;
}

export const DEFAULT_STATE_PREFIX = 'lbwatch/';
export const DEFAULT_LOG_SUFFIXES: readonly string[] = ['.log', '.log.gz'];
export const DEFAULT_REPORT_PERIOD = '1d';

type Env = Readonly<Record<string, string | undefined>>;

function value(env: Env, name: string): string | null {
  const raw = env[name];
  if (raw === undefined) return null;
  const trimmed = raw.trim();
  return trimmed === '' ? null : trimmed;
}

function duration(text: string, name: string, problems: string[]): number | null {
  try {
    const ms = parseDuration(text);
    if (!Number.isFinite(ms) || ms <= 0) throw new Error('must be positive');
    return ms;
  } catch (error) {
    problems.push(`${name}=${JSON.stringify(text)} is not a duration like 5m, 1h or 1d (${reason(error)})`);
    return null;
  }
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Parses the function environment. Pure: no I/O (RULES_URI and the webhook secret are fetched by
 * the caller, once). Throws CONFIG_INVALID naming every bad variable.
 */
export function parseConfig(env: Env): Readonly<FunctionConfig> {
  const problems: string[] = [];

  const stateBucket = value(env, 'STATE_BUCKET');
  if (stateBucket === null) problems.push('STATE_BUCKET is required (the bucket that holds lbwatch state)');
  else if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(stateBucket)) {
    problems.push(`STATE_BUCKET=${JSON.stringify(stateBucket)} is not a valid bucket name`);
  }

  let statePrefix = value(env, 'STATE_PREFIX') ?? DEFAULT_STATE_PREFIX;
  if (statePrefix.startsWith('/')) problems.push('STATE_PREFIX must not start with "/"');
  if (!statePrefix.endsWith('/')) statePrefix += '/';

  const logPrefix = value(env, 'LOG_PREFIX') ?? '';
  const suffixText = value(env, 'LOG_SUFFIX');
  const logSuffixes =
    suffixText === null
      ? DEFAULT_LOG_SUFFIXES
      : suffixText
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
  if (suffixText !== null && logSuffixes.length === 0) problems.push('LOG_SUFFIX lists no suffix');

  const inlineRules = value(env, 'RULES');
  const rulesUri = value(env, 'RULES_URI');
  let rules: RulesSource = { kind: 'default' };
  if (inlineRules !== null && rulesUri !== null) {
    problems.push('RULES and RULES_URI are both set; set only one');
  } else if (inlineRules !== null) {
    rules = { kind: 'inline', text: inlineRules };
  } else if (rulesUri !== null) {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(rulesUri);
    if (match === null) problems.push(`RULES_URI=${JSON.stringify(rulesUri)} is not s3://bucket/key`);
    else rules = { kind: 'uri', bucket: match[1] as string, key: match[2] as string, uri: rulesUri };
  }

  const windowText = value(env, 'WINDOW');
  const windowMs = windowText === null ? null : duration(windowText, 'WINDOW', problems);
  const reportPeriodMs = duration(value(env, 'REPORT_PERIOD') ?? DEFAULT_REPORT_PERIOD, 'REPORT_PERIOD', problems);

  const topicArn = value(env, 'ALERT_TOPIC_ARN');
  if (topicArn !== null && !/^arn:[^:]+:sns:[^:]*:[^:]*:[^:]+$/.test(topicArn)) {
    problems.push(`ALERT_TOPIC_ARN=${JSON.stringify(topicArn)} is not an SNS topic ARN`);
  }
  const webhookUrl = value(env, 'ALERT_WEBHOOK_URL');
  if (webhookUrl !== null && !isHttpUrl(webhookUrl)) {
    problems.push('ALERT_WEBHOOK_URL is not an http(s) URL');
  }
  const webhookSecretArn = value(env, 'ALERT_WEBHOOK_SECRET_ARN');
  if (webhookUrl !== null && webhookSecretArn !== null) {
    problems.push('ALERT_WEBHOOK_URL and ALERT_WEBHOOK_SECRET_ARN are both set; set only one');
  }
  if (topicArn === null && webhookUrl === null && webhookSecretArn === null) {
    problems.push('no alert destination: set ALERT_TOPIC_ARN and/or ALERT_WEBHOOK_URL (or ALERT_WEBHOOK_SECRET_ARN)');
  }

  const queryStrings = (value(env, 'QUERY_STRINGS') ?? 'drop').toLowerCase();
  if (queryStrings !== 'drop' && queryStrings !== 'keep') {
    problems.push(`QUERY_STRINGS=${JSON.stringify(queryStrings)} must be "drop" or "keep"`);
  }
  const pathStyle = (value(env, 'S3_FORCE_PATH_STYLE') ?? 'false').toLowerCase();
  if (pathStyle !== 'true' && pathStyle !== 'false') {
    problems.push(`S3_FORCE_PATH_STYLE=${JSON.stringify(pathStyle)} must be "true" or "false"`);
  }

  if (problems.length > 0) {
    throw new LbwatchError('CONFIG_INVALID', `invalid configuration: ${problems.join('; ')}`, {
      context: { problems: problems.length },
    });
  }
  return Object.freeze({
    stateBucket: stateBucket as string,
    statePrefix,
    logPrefix,
    logSuffixes: Object.freeze([...logSuffixes]),
    rules: Object.freeze(rules),
    windowMs,
    topicArn,
    webhookUrl,
    webhookSecretArn,
    reportPeriodMs: reportPeriodMs as number,
    keepQueryStrings: queryStrings === 'keep',
    s3ForcePathStyle: pathStyle === 'true',
  });
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** Why a created object is not processed, or null when it is an access log to ingest. */
export function skipReason(config: FunctionConfig, bucket: string, key: string): string | null {
  if (bucket === config.stateBucket && key.startsWith(config.statePrefix)) return 'state-prefix';
  if (!key.startsWith(config.logPrefix)) return 'prefix';
  if (!config.logSuffixes.some((suffix) => key.endsWith(suffix))) return 'suffix';
  return null;
}
