import { fileURLToPath } from 'node:url';
import {
  Annotations,
  Arn,
  CfnOutput,
  CfnParameter,
  CfnRule,
  Duration,
  Fn,
  type RemovalPolicy,
  Stack,
  type StackProps,
} from 'aws-cdk-lib';
import { type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { AlertDestinations, SECRET_DESTINATIONS, type SecretDestination, type SecretRef } from './alerts.js';
import { INGEST_SIZING_LIMITS, LogDelivery } from './delivery.js';
import { LbwatchFunction } from './lbwatch-function.js';
import { LogBucket, type LogBucketSource } from './log-bucket.js';
import { OperationalAlarms } from './operational-alarms.js';
import {
  emailProblem,
  inlineRulesProblem,
  integerRangeProblem,
  reportLinkTtlProblem,
  reportPeriodProblem,
  scheduleProblem,
  secretArnProblem,
  secretNameProblem,
  windowOptionProblem,
} from './option-checks.js';
import { DEFAULT_CHECK_SCHEDULE, DEFAULT_REPORT_SCHEDULE, FunctionSchedule } from './schedule.js';
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
 * - The check reads incident records and the load-balancer states, and rolls each load balancer's closed hours up:
 *   13 window documents read and one rollup written per (load balancer, hour), about 30 ms of CPU each on the
 *   benchmark machine (`npm run bench:state`), so 500 load balancers' hour is ~15 s of one core, ~26 s at 1,024 MB
 *   (0.58 vCPU). It runs every five minutes with a 120 s timeout and stops starting rollups after 60 s (a backlog
 *   is rolled over several runs); 1,024 MB for the CPU.
 * - The report reads one rollup per (load balancer, hour) with bounded concurrency and folds it as it comes: a day
 *   of 500 load balancers x 20 nodes took 15-19 s of CPU, a month of 500 about 400 s, on the benchmark machine's
 *   core. 1,769 MB gives it one full vCPU, so a month of 500 finishes well inside Lambda's 900 s maximum timeout;
 *   the V8 heap is capped at 384 MB so garbage is collected before it piles up (measured peak RSS 383 MB for the
 *   day of 500 under a 256 MB cap, 212 MB for a month of 50 under 320 MB): the memory is bought for CPU.
 */
export const DEFAULT_SIZING = {
  ingestMemorySizeMiB: 1024,
  ingestTimeout: Duration.seconds(300),
  checkMemorySizeMiB: 1024,
  checkTimeout: Duration.seconds(120),
  reportMemorySizeMiB: 1769,
  reportHeapMiB: 384,
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
   * At most stateRetentionDays: the partials it reads expire then.
   * @default '1d'
   */
  readonly reportPeriod?: string | undefined;
  /**
   * Lifetime of the HTTPS link to report.html in report announcements (REPORT_LINK_TTL): a duration up to `7d`
   * (the longest an S3 presigned URL lives), or `0` for no link (the announcement then names the S3 key only).
   * @default '7d'
   */
  readonly reportLinkTtl?: string | undefined;
  /**
   * When the incident check runs: an EventBridge `cron(...)` or `rate(...)` expression in UTC.
   * @default 'rate(5 minutes)' - once per default window
   */
  readonly checkSchedule?: string | undefined;
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
  readonly webhookSecret?: SecretRef | undefined;
  /**
   * Secrets Manager secret holding the Slack incoming-webhook URL (SLACK_WEBHOOK_SECRET_ARN).
   * @default - no Slack messages
   */
  readonly slackSecret?: SecretRef | undefined;
  /**
   * Secrets Manager secret holding the Microsoft Teams workflow webhook URL (TEAMS_WEBHOOK_SECRET_ARN).
   * @default - no Teams messages
   */
  readonly teamsSecret?: SecretRef | undefined;
  /**
   * Secrets Manager secret holding the PagerDuty Events API v2 routing key (PAGERDUTY_ROUTING_KEY_SECRET_ARN).
   * @default - no PagerDuty events
   */
  readonly pagerDutySecret?: SecretRef | undefined;
  /**
   * Deploy although nothing but the bare SNS topic receives alerts (no email, webhook, Slack, Teams or PagerDuty),
   * e.g. because you subscribe to the topic yourself. Without it such a stack still synthesizes, with a warning,
   * but carries a CloudFormation rule that refuses to create or update it.
   * @default false
   */
  readonly allowNoDestination?: boolean | undefined;
  /**
   * Encrypt the alert topic with a customer-managed KMS key CloudWatch alarms may use.
   * @default false
   */
  readonly encryptTopic?: boolean | undefined;
  /**
   * X-Ray active tracing on the functions.
   * @default false
   */
  readonly tracing?: boolean | undefined;
  /**
   * Concurrent ingest invocations the queue may start (2 to 1000). Raise it when the queue's oldest message ages
   * (the OldestMessageAge alarm): larger estates, larger objects or slower S3 answers.
   * @default DEFAULT_INGEST_SIZING.maxConcurrency (60: 500 load balancers x 20 nodes with 2x headroom, see there)
   */
  readonly maxConcurrency?: number | undefined;
  /**
   * Log objects per ingest invocation (1 to 10), ingested one after another.
   * @default DEFAULT_INGEST_SIZING.batchSize (4, see there)
   */
  readonly ingestBatchSize?: number | undefined;
  /**
   * Seconds SQS may wait for a fuller batch before invoking ingest (0 to 300); every page waits as long.
   * @default DEFAULT_INGEST_SIZING.batchingWindowSeconds (0: no wait, see there)
   */
  readonly ingestBatchingWindowSeconds?: number | undefined;
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
  /** @default DEFAULT_SIZING.checkMemorySizeMiB (512, see DEFAULT_SIZING for why) */
  readonly checkMemorySizeMiB?: number | undefined;
  /** @default DEFAULT_SIZING.checkTimeout (120 s, inside the five-minute schedule) */
  readonly checkTimeout?: Duration | undefined;
  /** @default DEFAULT_SIZING.reportMemorySizeMiB (1769: one vCPU for month-long reports) */
  readonly reportMemorySizeMiB?: number | undefined;
  /** @default DEFAULT_SIZING.reportTimeout (900 s, Lambda's maximum) */
  readonly reportTimeout?: Duration | undefined;
  /**
   * Directory holding `ingest/index.mjs`, `check/index.mjs` and `report/index.mjs` with their source maps.
   * Without `check/index.mjs` the stack has no check function (a synth warning says so).
   * @default `dist/functions` of this repository, as written by `npm run build`
   */
  readonly functionsCodeDirectory?: string | undefined;
}

/** Where `npm run build` writes the function bundles. */
export const DEFAULT_FUNCTIONS_CODE_DIRECTORY = fileURLToPath(new URL('../dist/functions', import.meta.url));

/**
 * lbwatch on AWS: access-log objects -> S3 notifications -> SQS (+DLQ) -> ingest function -> state bucket and
 * alerts on SNS (and webhook, Slack, Teams, PagerDuty); a scheduled check function that opens, reminds and resolves
 * incidents; a scheduled report function; alarms on the pipeline itself.
 */
export class LbwatchStack extends Stack {
  readonly logBucket: LogBucket;
  readonly state: StateBucket;
  readonly alerts: AlertDestinations;
  readonly ingest: LbwatchFunction;
  /** Undefined while its bundle has not been built (see functionsCodeDirectory). */
  readonly check: LbwatchFunction;
  readonly report: LbwatchFunction;
  readonly delivery: LogDelivery;
  readonly schedule: FunctionSchedule;
  readonly checkSchedule: FunctionSchedule;
  readonly alarms: OperationalAlarms;

  constructor(scope: Construct, id: string, props: LbwatchStackProps) {
    super(scope, id, props);
    const logPrefix = props.logPrefix ?? '';
    const logSuffixes = props.logSuffixes ?? ['.log', '.log.gz'];
    const statePrefix = props.statePrefix ?? 'lbwatch/';
    const problems = stackPropsProblems(props);
    if (problems.length > 0) throw new Error(`lbwatch: invalid stack props:\n  - ${problems.join('\n  - ')}`);
    const logRetention = (props.logRetentionDays ?? 30) as RetentionDays;

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
      slackSecret: props.slackSecret,
      teamsSecret: props.teamsSecret,
      pagerDutySecret: props.pagerDutySecret,
      encryptTopic: props.encryptTopic,
    });
    if (!this.alerts.hasDestination) this.flagMissingDestination(props.allowNoDestination ?? false);

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
      heapMiB: DEFAULT_SIZING.reportHeapMiB,
      timeout: props.reportTimeout ?? DEFAULT_SIZING.reportTimeout,
      environment: {
        ...environment,
        REPORT_PERIOD: props.reportPeriod ?? '1d',
        REPORT_LINK_TTL: props.reportLinkTtl ?? '7d',
      },
      logRetention,
      tracing,
    });
    this.check = new LbwatchFunction(this, 'Check', {
      name: 'check',
      codeDirectory,
      memorySizeMiB: props.checkMemorySizeMiB ?? DEFAULT_SIZING.checkMemorySizeMiB,
      timeout: props.checkTimeout ?? DEFAULT_SIZING.checkTimeout,
      environment,
      logRetention,
      tracing,
    });

    this.grantIngest(this.ingest.role, props.rulesUri);
    this.grantCheck(this.check.role, props.rulesUri);
    this.grantReport(this.report.role, props.rulesUri);

    this.delivery = new LogDelivery(this, 'Delivery', {
      bucket: this.logBucket.bucket,
      prefix: logPrefix,
      suffixes: logSuffixes,
      consumer: this.ingest.function,
      consumerTimeout: ingestTimeout,
      batchSize: props.ingestBatchSize,
      maxBatchingWindow:
        props.ingestBatchingWindowSeconds === undefined
          ? undefined
          : Duration.seconds(props.ingestBatchingWindowSeconds),
      maxConcurrency: props.maxConcurrency,
      maxReceiveCount: props.maxReceiveCount,
    });
    this.schedule = new FunctionSchedule(this, 'Schedule', {
      target: this.report.function,
      expression: props.reportSchedule ?? DEFAULT_REPORT_SCHEDULE,
      description: 'lbwatch summary report',
      option: 'reportSchedule',
    });
    this.checkSchedule = new FunctionSchedule(this, 'CheckSchedule', {
      target: this.check.function,
      expression: props.checkSchedule ?? DEFAULT_CHECK_SCHEDULE,
      description: 'lbwatch incident check',
      option: 'checkSchedule',
      // A retry later than this would only run beside the next scheduled check.
      maxEventAge: Duration.minutes(5),
    });
    this.alarms = new OperationalAlarms(this, 'Alarms', {
      topic: this.alerts.topic,
      functions: {
        Ingest: this.ingest.function,
        Check: this.check.function,
        Report: this.report.function,
      },
      queue: this.delivery.queue,
      deadLetterQueue: this.delivery.deadLetterQueue,
    });

    new CfnOutput(this, 'StateBucketName', { value: this.state.bucket.bucketName });
    new CfnOutput(this, 'AlertTopicArn', { value: this.alerts.topic.topicArn });
    new CfnOutput(this, 'IngestQueueUrl', { value: this.delivery.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.delivery.deadLetterQueue.queueUrl });
  }

  /**
   * Without any destination the stack still synthesizes (offline checks, a first look at the template) with a
   * warning naming the options. Deploying it needs the opt-in: a CloudFormation rule refuses to create or update
   * the stack before any resource is touched. The CDK CLI runs the same app for synth and deploy and tells it
   * nothing about which it is, so the refusal has to live in the template.
   */
  private flagMissingDestination(allowed: boolean): void {
    const options = (Object.keys(SECRET_DESTINATIONS) as SecretDestination[])
      .map((destination) => `${destination}SecretName/${destination}SecretArn`)
      .join(', ');
    Annotations.of(this).addWarningV2(
      'lbwatch:no-alert-destination',
      `no alert destination: alerts, report announcements and alarms reach only the SNS topic (output AlertTopicArn), which nothing subscribes to. Set alertEmail or one of ${options} (cdk.json or -c key=value). ${
        allowed
          ? 'allowNoDestination=true: deploying anyway.'
          : 'To deploy without one (subscribing to the topic yourself), add -c allowNoDestination=true; until then CloudFormation refuses to deploy this stack.'
      }`,
    );
    if (allowed) return;
    const optIn = new CfnParameter(this, 'AllowNoAlertDestination', {
      type: 'String',
      default: 'false',
      allowedValues: ['true', 'false'],
      description: 'lbwatch has no alert destination; synthesize with -c allowNoDestination=true to deploy anyway',
    });
    new CfnRule(this, 'AlertDestinationRequired', {
      assertions: [
        {
          assert: Fn.conditionEquals(optIn.valueAsString, 'true'),
          assertDescription: `lbwatch has no alert destination. Set alertEmail or one of ${options}, or deploy with -c allowNoDestination=true.`,
        },
      ],
    });
  }

  /** Reads new log objects, keeps partials, input records, alert claims and incident state, publishes alerts. */
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
    add(this.incidentStateStatement());
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

  /**
   * Reads the partials, opens, reminds and resolves incidents (reading and writing their state), rolls closed hours
   * up (writes rollups/), pages.
   */
  private grantCheck(grantee: IGrantable, rulesUri: string | undefined): void {
    const add = (statement: PolicyStatement) => grantee.grantPrincipal.addToPrincipalPolicy(statement);
    add(
      new PolicyStatement({
        sid: 'ReadWindowPartials',
        actions: ['s3:GetObject'],
        resources: [this.state.folderObjectsArn('partials')],
      }),
    );
    add(
      new PolicyStatement({
        sid: 'WriteRollups',
        actions: ['s3:PutObject'],
        resources: [this.state.folderObjectsArn('rollups')],
      }),
    );
    add(this.incidentStateStatement());
    add(this.listStateStatement());
    this.grantRules(grantee, rulesUri);
    this.alerts.grantSend(grantee);
  }

  /**
   * Reads the period's rollups, window documents (hours not rolled), load-balancer states (which hours are rolled),
   * partials and input records; writes and announces the report once. GetObject on reports/ also lets it sign the
   * HTTPS link to report.html (REPORT_LINK_TTL): a presigned URL carries its signer's rights.
   */
  private grantReport(grantee: IGrantable, rulesUri: string | undefined): void {
    const add = (statement: PolicyStatement) => grantee.grantPrincipal.addToPrincipalPolicy(statement);
    add(
      new PolicyStatement({
        sid: 'ReadWindowsAndInputs',
        actions: ['s3:GetObject'],
        resources: (['partials', 'inputs', 'windows', 'lbs', 'rollups'] as const).map((folder) =>
          this.state.folderObjectsArn(folder),
        ),
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

  /** Merged windows, incident records and load balancer records, written with conditional puts. */
  private incidentStateStatement(): PolicyStatement {
    return new PolicyStatement({
      sid: 'ReadWriteIncidentState',
      actions: ['s3:GetObject', 's3:PutObject'],
      resources: (['incidents', 'lbs', 'windows'] as const).map((folder) => this.state.folderObjectsArn(folder)),
    });
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
    const parsed = parseS3Uri(rulesUri);
    if (parsed === null) return; // stackPropsProblems reported it
    const { bucket, key } = parsed;
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'ReadRules',
        actions: ['s3:GetObject'],
        resources: [Arn.format({ service: 's3', region: '', account: '', resource: bucket, resourceName: key }, this)],
      }),
    );
  }
}

function parseS3Uri(uri: string): { bucket: string; key: string } | null {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/.exec(uri);
  return match === null ? null : { bucket: match[1] as string, key: match[2] as string };
}

const RETENTION_VALUES = new Set<number>(
  Object.values(RetentionDays).filter(
    (value): value is number => typeof value === 'number' && value !== RetentionDays.INFINITE,
  ),
);

/** The option names of each secret destination (`webhookSecretArn`, `slackSecretName`...). */
function secretOption(destination: SecretDestination, ref: SecretRef): string {
  return `${destination}Secret${'secretArn' in ref ? 'Arn' : 'Name'}`;
}

/**
 * Every problem of the stack props, each naming its option as the CDK context spells it, so the context reader
 * can report them together with its own (a deploy that fails on one option, then on the next, wastes a round trip
 * each time). Values the functions parse are checked with the functions' parsers (see option-checks.ts).
 */
export function stackPropsProblems(props: LbwatchStackProps): string[] {
  const problems: string[] = [];
  const check = (option: string, problem: string | null) => {
    if (problem !== null) problems.push(`${option}: ${problem}`);
  };
  const logPrefix = props.logPrefix ?? '';
  const statePrefix = props.statePrefix ?? 'lbwatch/';
  const prefixOk = (prefix: string) => prefix === '' || (prefix.endsWith('/') && !prefix.startsWith('/'));
  if (!prefixOk(logPrefix))
    check('logPrefix', `expected '' or a prefix ending with '/', got ${JSON.stringify(logPrefix)}`);
  // The functions read an empty STATE_PREFIX as the default 'lbwatch/', so '' would split grants from keys.
  if (statePrefix === '' || !prefixOk(statePrefix)) {
    check(
      'statePrefix',
      `expected a prefix ending with '/' (and not starting with it), got ${JSON.stringify(statePrefix)}`,
    );
  }
  const logSuffixes = props.logSuffixes ?? ['.log', '.log.gz'];
  if (logSuffixes.some((suffix) => suffix === '' || suffix.includes(','))) {
    check('logSuffixes', `expected non-empty suffixes without commas, got ${JSON.stringify(logSuffixes)}`);
  }
  for (const id of props.elbAccountIds ?? []) {
    if (!/^\d{12}$/.test(id)) check('elbAccountIds', `${JSON.stringify(id)} is not a 12-digit account id`);
  }
  const logRetentionDays = props.logRetentionDays ?? 30;
  if (!RETENTION_VALUES.has(logRetentionDays)) {
    const allowed = [...RETENTION_VALUES].sort((a, b) => a - b);
    check('logRetentionDays', `expected one of ${allowed.join(', ')}; got ${logRetentionDays}`);
  }
  const sizing: [string, number | undefined, { min: number; max: number }][] = [
    ['maxConcurrency', props.maxConcurrency, INGEST_SIZING_LIMITS.maxConcurrency],
    ['ingestBatchSize', props.ingestBatchSize, INGEST_SIZING_LIMITS.batchSize],
    ['ingestBatchingWindowSeconds', props.ingestBatchingWindowSeconds, INGEST_SIZING_LIMITS.batchingWindowSeconds],
  ];
  for (const [option, value, { min, max }] of sizing) {
    if (value !== undefined) check(option, integerRangeProblem(value, min, max));
  }
  check('reportSchedule', scheduleProblem(props.reportSchedule ?? DEFAULT_REPORT_SCHEDULE));
  check('checkSchedule', scheduleProblem(props.checkSchedule ?? DEFAULT_CHECK_SCHEDULE));
  check('reportPeriod', reportPeriodProblem(props.reportPeriod ?? '1d', props.stateRetentionDays ?? 35));
  check('reportLinkTtl', reportLinkTtlProblem(props.reportLinkTtl ?? '7d'));
  if (props.window !== undefined) check('window', windowOptionProblem(props.window));
  if (props.rules !== undefined) {
    check('rules', inlineRulesProblem(props.rules));
    if (props.rules.length > 3000) check('rules', 'too long for a Lambda environment (4 KB in all): use rulesUri');
    if (props.rulesUri !== undefined) check('rules', 'give rules or rulesUri, not both');
  }
  if (props.rulesUri !== undefined && parseS3Uri(props.rulesUri) === null) {
    check('rulesUri', `expected s3://bucket/key, got ${JSON.stringify(props.rulesUri)}`);
  }
  if (props.alertEmail !== undefined) check('alertEmail', emailProblem(props.alertEmail));
  const secrets: Record<SecretDestination, SecretRef | undefined> = {
    webhook: props.webhookSecret,
    slack: props.slackSecret,
    teams: props.teamsSecret,
    pagerDuty: props.pagerDutySecret,
  };
  for (const [destination, ref] of Object.entries(secrets) as [SecretDestination, SecretRef | undefined][]) {
    if (ref === undefined) continue;
    const problem = 'secretArn' in ref ? secretArnProblem(ref.secretArn) : secretNameProblem(ref.secretName);
    check(secretOption(destination, ref), problem);
  }
  return problems;
}
