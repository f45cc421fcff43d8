import { fileURLToPath } from 'node:url';
import { Arn, CfnOutput, Duration, type RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { AlertDestinations, type WebhookSecretRef } from './alerts.js';
import { LogDelivery } from './delivery.js';
import { LbwatchFunction } from './lbwatch-function.js';
import { LogBucket, type LogBucketSource } from './log-bucket.js';
import { OperationalAlarms } from './operational-alarms.js';
import { ReportSchedule } from './report-schedule.js';
import { StateBucket } from './state-bucket.js';

/**
 * Sizing of the functions, from the measured benchmark (`npm run bench`, README "Performance"):
 *
 * - Lambda gives CPU in proportion to memory: 1,769 MB is one vCPU, so 1,024 MB is about 0.58 vCPU.
 * - Measured on a 2-core x86 machine, one thread runs the whole analysis of gzip logs at about 460 MB/s of
 *   uncompressed text (0.54-0.69x of bare gunzip), with gunzip beside it on the thread pool. On one core, gunzip
 *   (about 650-825 MB/s alone) and the analysis (about 1.0-1.3 us per line in memory) add up to roughly
 *   250-300 MB/s. Count an arm64 vCPU at 0.8 of that core and give the invocation 0.58 of it: ~120-140 MB/s per
 *   ingest invocation.
 * - ALB objects are a few MB to ~100 MB uncompressed per node and five minutes: a batch of 4 such objects is
 *   ~400 MB, ~3-4 s. A 1 GB object, the largest lbwatch promises to handle, is ~7-9 s.
 * - Timeout 300 s = 30x that 1 GB estimate: room for a slower or throttled vCPU, for reading and merging the
 *   window's partials and for publishing, and the queue's visibility timeout (6x) stays at 30 min.
 * - Memory is chosen for CPU, not space: objects are streamed, so the heap does not grow with object size.
 *   Lambda bills GB-seconds, so more memory costs about the same while the work is CPU-bound (it is: the benchmark
 *   shows parsing, not gunzip or I/O, sets the pace); 1,769 MB (one full vCPU, 1.7x the CPU) cuts the time of large
 *   objects by ~40% at about the same price. Beyond one vCPU nothing gains: the ingest parses each object on one
 *   thread (the CLI's worker-thread reader is not used in Lambda).
 * - The report reads one small partial per source object and window for the period (a day of one load balancer
 *   with 4 nodes is ~1,200 objects) with bounded concurrency; it runs once a day, so it gets Lambda's maximum
 *   timeout (900 s) rather than risk a month-long period not finishing.
 */
export const DEFAULT_SIZING = {
  ingestMemorySizeMiB: 1024,
  ingestTimeout: Duration.seconds(300),
  reportMemorySizeMiB: 1024,
  reportTimeout: Duration.seconds(900),
} as const;

export interface LbwatchStackProps extends StackProps {
  /** The access-log bucket: `{ bucketName }` to import the existing one, `{ create: true }` to create one. */
  readonly logBucket: LogBucketSource;
  /**
   * Key prefix of the access logs (LOG_PREFIX): `''` for any key, otherwise ending in `/`.
   * Only keys below it are announced and readable.
   * @default '' - any key of the log bucket
   */
  readonly logPrefix?: string | undefined;
  /**
   * Key suffixes of access-log objects (LOG_SUFFIX); each becomes one S3 notification.
   * @default ['.log', '.log.gz'] - AWS writes `.log.gz`, other tools and OBS copies often plain `.log`
   */
  readonly logSuffixes?: readonly string[] | undefined;
  /**
   * Legacy per-region ELB account ids that may write to a created log bucket. See {@link LogBucketProps}.
   * @default - CDK's region fact for a concrete stack region, none for an environment-agnostic stack
   */
  readonly elbAccountIds?: readonly string[] | undefined;
  /**
   * Prefix of everything lbwatch writes in its state bucket (STATE_PREFIX): non-empty, ending in `/`.
   * @default 'lbwatch/'
   */
  readonly statePrefix?: string | undefined;
  /**
   * Days partials, input records and alert claims are kept.
   * @default 35 - a month-long report period plus late objects
   */
  readonly stateRetentionDays?: number | undefined;
  /**
   * Days rendered reports are kept.
   * @default 400 - compare a month with the same month a year before
   */
  readonly reportRetentionDays?: number | undefined;
  /**
   * What `cdk destroy` does with the state bucket and a created log bucket.
   * @default RemovalPolicy.RETAIN - both buckets and their objects stay; queues, functions, topic and alarms go
   */
  readonly removalPolicy?: RemovalPolicy | undefined;
  /**
   * When the summary report runs: an EventBridge `cron(...)` or `rate(...)` expression in UTC.
   * @default 'cron(5 0 * * ? *)' - daily at 00:05 UTC
   */
  readonly reportSchedule?: string | undefined;
  /**
   * The period each report covers (REPORT_PERIOD), ending at the last closed window; match it to the schedule.
   * @default '1d'
   */
  readonly reportPeriod?: string | undefined;
  /**
   * Window length (WINDOW), e.g. `5m`.
   * @default - unset: the functions' own default window
   */
  readonly window?: string | undefined;
  /**
   * Threshold rules as inline JSON (RULES). Lambda caps all environment variables together at 4 KB: use
   * `rulesUri` for longer rule sets.
   * @default - unset (see rulesUri)
   */
  readonly rules?: string | undefined;
  /**
   * Rules file in S3, `s3://bucket/key`, YAML or JSON (RULES_URI); both functions may read exactly that object.
   * @default - unset: with neither rules nor rulesUri the functions use their built-in default rules
   */
  readonly rulesUri?: string | undefined;
  /**
   * Email address subscribed to the alert topic.
   * @default - no subscription
   */
  readonly alertEmail?: string | undefined;
  /**
   * Secrets Manager secret holding the webhook URL (ALERT_WEBHOOK_SECRET_ARN).
   * @default - no webhook
   */
  readonly webhookSecret?: WebhookSecretRef | undefined;
  /**
   * Encrypt the alert topic with a customer-managed KMS key CloudWatch alarms may use.
   * @default false
   */
  readonly encryptTopic?: boolean | undefined;
  /**
   * X-Ray active tracing on both functions.
   * @default false
   */
  readonly tracing?: boolean | undefined;
  /**
   * Concurrent ingest invocations the queue may start (2 to 1000).
   * @default 10
   */
  readonly maxConcurrency?: number | undefined;
  /**
   * Log objects per ingest invocation.
   * @default 4
   */
  readonly ingestBatchSize?: number | undefined;
  /**
   * Receives of a log object's message before it moves to the dead-letter queue.
   * @default 5
   */
  readonly maxReceiveCount?: number | undefined;
  /**
   * Days the functions' CloudWatch log groups keep logs; one of CloudWatch's allowed values (1, 3, 5, 7, 14, 30, ...).
   * @default 30
   */
  readonly logRetentionDays?: number | undefined;
  /** @default DEFAULT_SIZING.ingestMemorySizeMiB (1024, see DEFAULT_SIZING for why) */
  readonly ingestMemorySizeMiB?: number | undefined;
  /** @default DEFAULT_SIZING.ingestTimeout (300 s, see DEFAULT_SIZING for why) */
  readonly ingestTimeout?: Duration | undefined;
  /** @default DEFAULT_SIZING.reportMemorySizeMiB (1024) */
  readonly reportMemorySizeMiB?: number | undefined;
  /** @default DEFAULT_SIZING.reportTimeout (900 s, Lambda's maximum) */
  readonly reportTimeout?: Duration | undefined;
  /**
   * Directory holding `ingest/index.mjs` and `report/index.mjs` with their source maps.
   * @default `dist/functions` of this repository, as written by `npm run build`
   */
  readonly functionsCodeDirectory?: string | undefined;
}

/** Where `npm run build` writes the function bundles. */
export const DEFAULT_FUNCTIONS_CODE_DIRECTORY = fileURLToPath(new URL('../dist/functions', import.meta.url));

/**
 * lbwatch on AWS: access-log objects -> S3 notifications -> SQS (+DLQ) -> ingest function -> state bucket and
 * alerts on SNS (and a webhook); a scheduled report function; alarms on the pipeline itself.
 */
export class LbwatchStack extends Stack {
  readonly logBucket: LogBucket;
  readonly state: StateBucket;
  readonly alerts: AlertDestinations;
  readonly ingest: LbwatchFunction;
  readonly report: LbwatchFunction;
  readonly delivery: LogDelivery;
  readonly schedule: ReportSchedule;
  readonly alarms: OperationalAlarms;

  constructor(scope: Construct, id: string, props: LbwatchStackProps) {
    super(scope, id, props);
    const logPrefix = props.logPrefix ?? '';
    const logSuffixes = props.logSuffixes ?? ['.log', '.log.gz'];
    const statePrefix = props.statePrefix ?? 'lbwatch/';
    const logRetention = toRetentionDays(props.logRetentionDays ?? 30);
    validate(props, logPrefix, logSuffixes, statePrefix);

    this.logBucket = new LogBucket(this, 'LogBucket', {
      source: props.logBucket,
      logPrefix,
      elbAccountIds: props.elbAccountIds,
      removalPolicy: props.removalPolicy,
    });
    this.state = new StateBucket(this, 'State', {
      prefix: statePrefix,
      stateRetentionDays: props.stateRetentionDays,
      reportRetentionDays: props.reportRetentionDays,
      removalPolicy: props.removalPolicy,
    });
    this.alerts = new AlertDestinations(this, 'Alerts', {
      email: props.alertEmail,
      webhookSecret: props.webhookSecret,
      encryptTopic: props.encryptTopic,
    });

    const environment: Record<string, string> = {
      STATE_BUCKET: this.state.bucket.bucketName,
      STATE_PREFIX: statePrefix,
      LOG_PREFIX: logPrefix,
      LOG_SUFFIX: logSuffixes.join(','),
      ...(props.rules === undefined ? {} : { RULES: props.rules }),
      ...(props.rulesUri === undefined ? {} : { RULES_URI: props.rulesUri }),
      ...(props.window === undefined ? {} : { WINDOW: props.window }),
      ...this.alerts.environment(),
    };
    const codeDirectory = props.functionsCodeDirectory ?? DEFAULT_FUNCTIONS_CODE_DIRECTORY;
    const tracing = props.tracing ?? false;
    const ingestTimeout = props.ingestTimeout ?? DEFAULT_SIZING.ingestTimeout;
    this.ingest = new LbwatchFunction(this, 'Ingest', {
      name: 'ingest',
      codeDirectory,
      memorySizeMiB: props.ingestMemorySizeMiB ?? DEFAULT_SIZING.ingestMemorySizeMiB,
      timeout: ingestTimeout,
      environment,
      logRetention,
      tracing,
    });
    this.report = new LbwatchFunction(this, 'Report', {
      name: 'report',
      codeDirectory,
      memorySizeMiB: props.reportMemorySizeMiB ?? DEFAULT_SIZING.reportMemorySizeMiB,
      timeout: props.reportTimeout ?? DEFAULT_SIZING.reportTimeout,
      environment: { ...environment, REPORT_PERIOD: props.reportPeriod ?? '1d' },
      logRetention,
      tracing,
    });

    this.grantIngest(this.ingest.role, props.rulesUri);
    this.grantReport(this.report.role, props.rulesUri);

    this.delivery = new LogDelivery(this, 'Delivery', {
      bucket: this.logBucket.bucket,
      prefix: logPrefix,
      suffixes: logSuffixes,
      consumer: this.ingest.function,
      consumerTimeout: ingestTimeout,
      batchSize: props.ingestBatchSize,
      maxConcurrency: props.maxConcurrency,
      maxReceiveCount: props.maxReceiveCount,
    });
    this.schedule = new ReportSchedule(this, 'Schedule', {
      report: this.report.function,
      expression: props.reportSchedule,
    });
    this.alarms = new OperationalAlarms(this, 'Alarms', {
      topic: this.alerts.topic,
      ingest: this.ingest.function,
      report: this.report.function,
      queue: this.delivery.queue,
      deadLetterQueue: this.delivery.deadLetterQueue,
    });

    new CfnOutput(this, 'StateBucketName', { value: this.state.bucket.bucketName });
    new CfnOutput(this, 'AlertTopicArn', { value: this.alerts.topic.topicArn });
    new CfnOutput(this, 'IngestQueueUrl', { value: this.delivery.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.delivery.deadLetterQueue.queueUrl });
  }

  /** Reads new log objects, keeps partials, input records and alert claims, publishes alerts. */
  private grantIngest(grantee: IGrantable, rulesUri: string | undefined): void {
    const add = (statement: PolicyStatement) => grantee.grantPrincipal.addToPrincipalPolicy(statement);
    add(
      new PolicyStatement({
        sid: 'ReadAccessLogs',
        actions: ['s3:GetObject'],
        resources: [this.logBucket.logObjectsArn()],
      }),
    );
    add(
      new PolicyStatement({
        sid: 'ReadWriteWindowsAndClaims',
        // PutObject covers the conditional writes (If-None-Match, If-Match) of the alert claims too.
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [this.state.folderObjectsArn('partials'), this.state.folderObjectsArn('alerts')],
      }),
    );
    add(
      new PolicyStatement({
        sid: 'WriteInputRecords',
        actions: ['s3:PutObject'],
        resources: [this.state.folderObjectsArn('inputs')],
      }),
    );
    add(
      new PolicyStatement({
        sid: 'ReleaseAlertClaims',
        actions: ['s3:DeleteObject'],
        resources: [this.state.folderObjectsArn('alerts')],
      }),
    );
    add(this.listStateStatement());
    this.grantRules(grantee, rulesUri);
    this.alerts.grantSend(grantee);
  }

  /** Reads the period's partials and input records, writes and announces the report once. */
  private grantReport(grantee: IGrantable, rulesUri: string | undefined): void {
    const add = (statement: PolicyStatement) => grantee.grantPrincipal.addToPrincipalPolicy(statement);
    add(
      new PolicyStatement({
        sid: 'ReadWindowsAndInputs',
        actions: ['s3:GetObject'],
        resources: [this.state.folderObjectsArn('partials'), this.state.folderObjectsArn('inputs')],
      }),
    );
    add(
      new PolicyStatement({
        sid: 'ReadWriteReports',
        // Reads only its own "announced" marker, so a retried run does not announce twice.
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [this.state.folderObjectsArn('reports')],
      }),
    );
    add(this.listStateStatement());
    this.grantRules(grantee, rulesUri);
    this.alerts.grantSend(grantee);
  }

  /**
   * ListBucket on the dedicated state bucket, without an `s3:prefix` condition: S3 answers a GetObject of a missing
   * key with 404 only to a caller allowed to list the bucket, and that check carries no prefix, so a
   * prefix-conditioned grant turns every "no claim yet" / "not announced yet" read into a 403 that the functions
   * must treat as a failure. The bucket holds nothing but lbwatch state, so the condition would protect nothing.
   */
  private listStateStatement(): PolicyStatement {
    return new PolicyStatement({
      sid: 'ListState',
      actions: ['s3:ListBucket'],
      resources: [this.state.bucket.bucketArn],
    });
  }

  private grantRules(grantee: IGrantable, rulesUri: string | undefined): void {
    if (rulesUri === undefined) return;
    const { bucket, key } = parseS3Uri(rulesUri);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'ReadRules',
        actions: ['s3:GetObject'],
        resources: [Arn.format({ service: 's3', region: '', account: '', resource: bucket, resourceName: key }, this)],
      }),
    );
  }
}

function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/.exec(uri);
  if (match === null) throw new Error(`lbwatch: rulesUri must be s3://bucket/key, got ${JSON.stringify(uri)}`);
  return { bucket: match[1]!, key: match[2]! };
}

const RETENTION_VALUES = new Set<number>(
  Object.values(RetentionDays).filter((value): value is number => typeof value === 'number'),
);

function toRetentionDays(days: number): RetentionDays {
  if (!RETENTION_VALUES.has(days) || days === RetentionDays.INFINITE) {
    const allowed = [...RETENTION_VALUES].filter((value) => value !== RetentionDays.INFINITE).sort((a, b) => a - b);
    throw new Error(`lbwatch: logRetentionDays must be one of ${allowed.join(', ')}; got ${days}`);
  }
  return days as RetentionDays;
}

function validate(props: LbwatchStackProps, logPrefix: string, logSuffixes: readonly string[], statePrefix: string) {
  const problems: string[] = [];
  const prefixOk = (prefix: string) => prefix === '' || (prefix.endsWith('/') && !prefix.startsWith('/'));
  if (!prefixOk(logPrefix)) problems.push(`logPrefix must be '' or end with '/', got ${JSON.stringify(logPrefix)}`);
  // The functions read an empty STATE_PREFIX as the default 'lbwatch/', so '' would split grants from keys.
  if (statePrefix === '' || !prefixOk(statePrefix)) {
    problems.push(`statePrefix must end with '/' (and not start with it), got ${JSON.stringify(statePrefix)}`);
  }
  if (logSuffixes.some((suffix) => suffix === '' || suffix.includes(','))) {
    problems.push(`logSuffixes must be non-empty and contain no comma, got ${JSON.stringify(logSuffixes)}`);
  }
  for (const id of props.elbAccountIds ?? []) {
    if (!/^\d{12}$/.test(id)) problems.push(`elbAccountIds: ${JSON.stringify(id)} is not a 12-digit account id`);
  }
  if (props.rules !== undefined) {
    try {
      JSON.parse(props.rules);
    } catch {
      problems.push('rules must be JSON (or use rulesUri for YAML)');
    }
    if (props.rules.length > 3000) problems.push('rules is too long for a Lambda environment (4 KB): use rulesUri');
  }
  if (props.rules !== undefined && props.rulesUri !== undefined) problems.push('give rules or rulesUri, not both');
  if (props.rulesUri !== undefined) {
    try {
      parseS3Uri(props.rulesUri);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length > 0) throw new Error(`lbwatch: invalid stack props:\n  - ${problems.join('\n  - ')}`);
}
