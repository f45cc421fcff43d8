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
  /** Slack incoming-webhook URL, or the secret holding it. */
  slackWebhookUrl: string | null;
  slackWebhookSecretArn: string | null;
  /** Microsoft Teams Workflows webhook URL, or the secret holding it. */
  teamsWebhookUrl: string | null;
  teamsWebhookSecretArn: string | null;
  /** PagerDuty Events API v2 routing (integration) key, or the secret holding it. */
  pagerDutyRoutingKey: string | null;
  pagerDutyRoutingKeySecretArn: string | null;
  /** Overrides https://events.pagerduty.com/v2/enqueue (tests, proxies). */
  pagerDutyEventsUrl: string | null;
  /** OTC SMN topic (`urn:smn:<region>:<project>:<name>`); publishes with the function's agency. */
  smnTopicUrn: string | null;
  /** Overrides https://smn.<region>.otc.t-systems.com. */
  smnEndpoint: string | null;
  reportPeriodMs: number;
  /** How long the report announcement's link works; 0: no link. */
  reportLinkTtlMs: number;
  keepQueryStrings: boolean;
  /** Path-style S3 addressing for S3-compatible stores and local servers. */
  s3ForcePathStyle: boolean;
}

export const DEFAULT_STATE_PREFIX = 'lbwatch/';
/** AWS writes `.log.gz` (CLB `.log`); LTS transfers to OBS end in `.gz` or `.zip` when compressed. */
export const DEFAULT_LOG_SUFFIXES: readonly string[] = ['.log', '.log.gz', '.gz', '.zip'];
export const DEFAULT_REPORT_PERIOD = '1d';
/** Presigned URLs (SigV4) are valid for at most 7 days. */
export const MAX_REPORT_LINK_TTL_MS = 7 * 86_400_000;

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

  const linkText = value(env, 'REPORT_LINK_TTL') ?? '7d';
  const reportLinkTtlMs = linkText === '0' ? 0 : duration(linkText, 'REPORT_LINK_TTL', problems);
  if (reportLinkTtlMs !== null && reportLinkTtlMs > MAX_REPORT_LINK_TTL_MS) {
    problems.push(`REPORT_LINK_TTL=${JSON.stringify(linkText)} is over 7d, the longest a presigned link works`);
  }

  const topicArn = value(env, 'ALERT_TOPIC_ARN');
  if (topicArn !== null && !/^arn:[^:]+:sns:[^:]*:[^:]*:[^:]+$/.test(topicArn)) {
    problems.push(`ALERT_TOPIC_ARN=${JSON.stringify(topicArn)} is not an SNS topic ARN`);
  }
  const webhookUrl = value(env, 'ALERT_WEBHOOK_URL');
  if (webhookUrl !== null && !isHttpUrl(webhookUrl)) {
    problems.push('ALERT_WEBHOOK_URL is not an http(s) URL');
  }
  const webhookSecretArn = secretArn(env, 'ALERT_WEBHOOK_SECRET_ARN', problems);
  exclusive('ALERT_WEBHOOK_URL', webhookUrl, 'ALERT_WEBHOOK_SECRET_ARN', webhookSecretArn, problems);

  // Chat webhook URLs are secrets themselves: a problem names the variable, never the value.
  const slackWebhookUrl = value(env, 'SLACK_WEBHOOK_URL');
  if (slackWebhookUrl !== null && !isHttpsUrl(slackWebhookUrl)) problems.push('SLACK_WEBHOOK_URL is not an https URL');
  const slackWebhookSecretArn = secretArn(env, 'SLACK_WEBHOOK_SECRET_ARN', problems);
  exclusive('SLACK_WEBHOOK_URL', slackWebhookUrl, 'SLACK_WEBHOOK_SECRET_ARN', slackWebhookSecretArn, problems);

  const teamsWebhookUrl = value(env, 'TEAMS_WEBHOOK_URL');
  if (teamsWebhookUrl !== null && !isHttpsUrl(teamsWebhookUrl)) problems.push('TEAMS_WEBHOOK_URL is not an https URL');
  const teamsWebhookSecretArn = secretArn(env, 'TEAMS_WEBHOOK_SECRET_ARN', problems);
  exclusive('TEAMS_WEBHOOK_URL', teamsWebhookUrl, 'TEAMS_WEBHOOK_SECRET_ARN', teamsWebhookSecretArn, problems);

  const pagerDutyRoutingKey = value(env, 'PAGERDUTY_ROUTING_KEY');
  if (pagerDutyRoutingKey !== null && !isRoutingKey(pagerDutyRoutingKey)) {
    problems.push('PAGERDUTY_ROUTING_KEY is not a 32-character integration key');
  }
  const pagerDutyRoutingKeySecretArn = secretArn(env, 'PAGERDUTY_ROUTING_KEY_SECRET_ARN', problems);
  exclusive(
    'PAGERDUTY_ROUTING_KEY',
    pagerDutyRoutingKey,
    'PAGERDUTY_ROUTING_KEY_SECRET_ARN',
    pagerDutyRoutingKeySecretArn,
    problems,
  );
  const pagerDutyEventsUrl = value(env, 'PAGERDUTY_EVENTS_URL');
  if (pagerDutyEventsUrl !== null && !isHttpUrl(pagerDutyEventsUrl)) {
    problems.push(`PAGERDUTY_EVENTS_URL=${JSON.stringify(pagerDutyEventsUrl)} is not an http(s) URL`);
  }

  const smnTopicUrn = value(env, 'SMN_TOPIC_URN');
  if (smnTopicUrn !== null && parseTopicUrn(smnTopicUrn) === null) {
    problems.push(`SMN_TOPIC_URN=${JSON.stringify(smnTopicUrn)} is not urn:smn:<region>:<project id>:<topic name>`);
  }
  const smnEndpoint = value(env, 'SMN_ENDPOINT');
  if (smnEndpoint !== null && !isHttpUrl(smnEndpoint)) {
    problems.push(`SMN_ENDPOINT=${JSON.stringify(smnEndpoint)} is not an http(s) URL`);
  }

  const anyDestination = [
    topicArn,
    webhookUrl,
    webhookSecretArn,
    slackWebhookUrl,
    slackWebhookSecretArn,
    teamsWebhookUrl,
    teamsWebhookSecretArn,
    pagerDutyRoutingKey,
    pagerDutyRoutingKeySecretArn,
    smnTopicUrn,
  ].some((setting) => setting !== null);
  if (!anyDestination) {
    problems.push(
      'no alert destination: set at least one of ALERT_TOPIC_ARN, ALERT_WEBHOOK_URL, SLACK_WEBHOOK_URL, TEAMS_WEBHOOK_URL, PAGERDUTY_ROUTING_KEY, SMN_TOPIC_URN (or a *_SECRET_ARN)',
    );
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
    slackWebhookUrl,
    slackWebhookSecretArn,
    teamsWebhookUrl,
    teamsWebhookSecretArn,
    pagerDutyRoutingKey,
    pagerDutyRoutingKeySecretArn,
    pagerDutyEventsUrl,
    smnTopicUrn,
    smnEndpoint,
    reportPeriodMs: reportPeriodMs as number,
    reportLinkTtlMs: reportLinkTtlMs as number,
    keepQueryStrings: queryStrings === 'keep',
    s3ForcePathStyle: pathStyle === 'true',
  });
}

function secretArn(env: Env, name: string, problems: string[]): string | null {
  const arn = value(env, name);
  if (arn !== null && !/^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:.+$/.test(arn)) {
    problems.push(`${name}=${JSON.stringify(arn)} is not a Secrets Manager secret ARN`);
  }
  return arn;
}

function exclusive(
  name: string,
  setting: string | null,
  other: string,
  otherSetting: string | null,
  problems: string[],
): void {
  if (setting !== null && otherSetting !== null) problems.push(`${name} and ${other} are both set; set only one`);
}

export interface TopicUrn {
  region: string;
  projectId: string;
  name: string;
  urn: string;
}

/** `urn:smn:<region>:<project id>:<topic name>`, or null. */
export function parseTopicUrn(urn: string): TopicUrn | null {
  const match = /^urn:smn:([a-z0-9-]+):([A-Za-z0-9]+):([A-Za-z0-9][A-Za-z0-9_-]{0,254})$/.exec(urn);
  if (match === null) return null;
  return { region: match[1] as string, projectId: match[2] as string, name: match[3] as string, urn };
}

/** A PagerDuty integration key: 32 printable characters. */
export function isRoutingKey(text: string): boolean {
  return /^[\x21-\x7e]{32}$/.test(text);
}

/**
 * https, or http to a loopback host (local stacks and tests): chat webhooks carry their secret in the
 * URL, which must not travel in clear over a network.
 */
export function isHttpsUrl(text: string): boolean {
  try {
    const url = new URL(text);
    if (url.protocol === 'https:') return true;
    return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  } catch {
    return false;
  }
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
