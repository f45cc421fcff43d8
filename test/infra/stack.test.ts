import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { propsFromContext } from '../../infra/context.js';
import { nonOverlappingSuffixes } from '../../infra/delivery.js';
import { LbwatchStack } from '../../infra/lbwatch-stack.js';
import { LogBucket } from '../../infra/log-bucket.js';
import {
  bareStack,
  broadGrants,
  cdkJsonContext,
  functionsCodeDirectory,
  getArn,
  namedObjects,
  objectsOf,
  ref,
  removeFunctionsCopy,
  roleStatements,
  rolesWithManagedPolicies,
  type Synthesized,
  sortedStatements,
  synthesize,
} from './support.js';

const WEBHOOK_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:lbwatch/webhook-AbCdEf';
const SLACK_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:lbwatch/slack-GhIjKl';
const TEAMS_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:lbwatch/teams-MnOpQr';
const PAGERDUTY_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:lbwatch/pagerduty-StUvWx';

// Four stacks cover the options; each synthesis stages the function bundles, so they are built once.
let existing: Synthesized; // the common case: the load balancers' bucket exists
let fresh: Synthesized; // `cdk synth` on a fresh clone: cdk.json defaults, log bucket created
let everything: Synthesized; // every option set
let secretByName: Synthesized;

beforeAll(() => {
  functionsCodeDirectory();
  existing = synthesize({ logBucket: { bucketName: 'my-alb-logs' }, logPrefix: 'alb/' });
  fresh = synthesize(propsFromContext((key) => cdkJsonContext[key]));
  everything = synthesize({
    logBucket: { create: true, expireAfterDays: 30 },
    logPrefix: 'prod/',
    logSuffixes: ['.log.gz'],
    elbAccountIds: ['156460612806'],
    statePrefix: 'state/',
    stateRetentionDays: 40,
    reportRetentionDays: 90,
    reportSchedule: 'rate(1 hour)',
    reportPeriod: '1h',
    reportLinkTtl: '12h',
    checkSchedule: 'rate(1 minute)',
    window: '1m',
    rulesUri: 's3://team-config/lbwatch/rules.yaml',
    alertEmail: 'oncall@example.com',
    webhookSecret: { secretArn: WEBHOOK_SECRET_ARN },
    slackSecret: { secretArn: SLACK_SECRET_ARN },
    teamsSecret: { secretArn: TEAMS_SECRET_ARN },
    pagerDutySecret: { secretArn: PAGERDUTY_SECRET_ARN },
    encryptTopic: true,
    tracing: true,
    maxConcurrency: 3,
    ingestBatchSize: 2,
    ingestBatchingWindowSeconds: 20,
    maxReceiveCount: 3,
    logRetentionDays: 7,
    ingestMemorySizeMiB: 1769,
    ingestTimeout: Duration.seconds(120),
  });
  secretByName = synthesize({
    logBucket: { bucketName: 'my-alb-logs' },
    webhookSecret: { secretName: 'lbwatch/hook' },
  });
}, 240_000);

afterAll(removeFunctionsCopy);

describe('S3 event notifications', () => {
  it('announces new objects of the imported log bucket, one notification per suffix, below the log prefix only', () => {
    // Prepare
    const queueArn = getArn(existing.id(existing.stack.delivery.queue));

    // Act
    const notifications = existing.template.findResources('Custom::S3BucketNotifications');

    // Assess
    expect(Object.values(notifications).map((r) => r.Properties)).toEqual([
      {
        ServiceToken: expect.anything(),
        BucketName: 'my-alb-logs',
        // Imported: the handler merges with the bucket's existing notifications instead of replacing them.
        Managed: false,
        SkipDestinationValidation: false,
        NotificationConfiguration: {
          QueueConfigurations: [
            {
              Events: ['s3:ObjectCreated:*'],
              Filter: {
                Key: {
                  FilterRules: [
                    { Name: 'suffix', Value: '.log' },
                    { Name: 'prefix', Value: 'alb/' },
                  ],
                },
              },
              QueueArn: queueArn,
            },
            {
              Events: ['s3:ObjectCreated:*'],
              Filter: {
                Key: {
                  FilterRules: [
                    { Name: 'suffix', Value: '.log.gz' },
                    { Name: 'prefix', Value: 'alb/' },
                  ],
                },
              },
              QueueArn: queueArn,
            },
          ],
        },
      },
    ]);
  });

  it('never watches the state bucket, whatever the log prefix (an empty prefix included)', () => {
    for (const { template, stack, id } of [existing, fresh, everything]) {
      // Act
      const notifications = Object.values(template.findResources('Custom::S3BucketNotifications'));

      // Assess
      expect(notifications).toHaveLength(1);
      const bucketName = JSON.stringify(notifications[0]?.Properties?.BucketName);
      expect(bucketName).not.toContain(id(stack.state.bucket));
      const rules = JSON.stringify(notifications[0]?.Properties?.NotificationConfiguration);
      expect(rules).not.toContain(stack.state.prefix);
    }
  });

  it('uses only suffix filters when the log prefix is empty (the created bucket of a fresh clone)', () => {
    // Act
    const [notification] = Object.values(fresh.template.findResources('Custom::S3BucketNotifications'));

    // Assess
    expect(notification?.Properties?.BucketName).toEqual(ref(fresh.id(fresh.stack.logBucket.bucket)));
    expect(
      notification?.Properties?.NotificationConfiguration.QueueConfigurations.map((q: { Filter: unknown }) => q.Filter),
    ).toEqual([
      { Key: { FilterRules: [{ Name: 'suffix', Value: '.log' }] } },
      { Key: { FilterRules: [{ Name: 'suffix', Value: '.log.gz' }] } },
    ]);
  });

  it('drops suffixes another suffix already covers (S3 rejects overlapping notifications)', () => {
    expect(nonOverlappingSuffixes(['.log', '.log.gz', '.gz', '.log'])).toEqual(['.log', '.gz']);
    expect(nonOverlappingSuffixes(['.log', '.log.gz'])).toEqual(['.log', '.log.gz']);
  });
});

describe('queue, dead-letter queue and the ingest event source', () => {
  it('redrives to the DLQ after 5 receives and keeps messages invisible for 6x the function timeout', () => {
    // Prepare
    const { template, stack, id } = existing;
    const fn = template.toJSON().Resources[id(stack.ingest.function)].Properties;

    // Assess
    expect(fn.Timeout).toBe(300);
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 6 * fn.Timeout,
      RedrivePolicy: { deadLetterTargetArn: getArn(id(stack.delivery.deadLetterQueue)), maxReceiveCount: 5 },
      SqsManagedSseEnabled: true,
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      MessageRetentionPeriod: 14 * 24 * 3600,
      RedrivePolicy: Match.absent(),
    });
  });

  it('consumes the queue with partial batch responses and the measured sizing: batch 4, no batching window, concurrency 60', () => {
    const { template, stack, id } = existing;
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: getArn(id(stack.delivery.queue)),
      FunctionName: ref(id(stack.ingest.function)),
      BatchSize: 4,
      MaximumBatchingWindowInSeconds: 0,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 60 },
    });
  });

  it("cdk.json's context gives the same sizing as the construct defaults", () => {
    fresh.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 4,
      MaximumBatchingWindowInSeconds: 0,
      ScalingConfig: { MaximumConcurrency: 60 },
    });
  });

  it('follows the options: timeout 120 s gives 720 s visibility, 3 receives, batch 2, window 20 s, concurrency 3', () => {
    const { template, stack, id } = everything;
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 720,
      RedrivePolicy: { deadLetterTargetArn: getArn(id(stack.delivery.deadLetterQueue)), maxReceiveCount: 3 },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 2,
      MaximumBatchingWindowInSeconds: 20,
      ScalingConfig: { MaximumConcurrency: 3 },
    });
  });

  it('takes the sizing options from the CDK context as -c gives them', () => {
    // Prepare
    const given: Record<string, unknown> = {
      maxConcurrency: '120',
      ingestBatchSize: '10',
      ingestBatchingWindowSeconds: '5',
    };
    const read = (key: string): unknown => given[key] ?? cdkJsonContext[key];

    // Act
    const { template } = synthesize(propsFromContext(read));

    // Assess
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 5,
      ScalingConfig: { MaximumConcurrency: 120 },
    });
  });

  it('lets only the log bucket send to the queue', () => {
    const { template, stack, id } = existing;
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [ref(id(stack.delivery.queue))],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Effect: 'Allow',
            Principal: { Service: 's3.amazonaws.com' },
            Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
            Resource: getArn(id(stack.delivery.queue)),
            Condition: { ArnLike: { 'aws:SourceArn': namedObjects('my-alb-logs') } },
          },
        ]),
      },
    });
  });
});

describe('functions', () => {
  it('run the bundles on Node 22, arm64, with source maps and the configuration of issue 5', () => {
    // Prepare
    const { template, stack, id } = existing;
    const common = {
      STATE_BUCKET: ref(id(stack.state.bucket)),
      STATE_PREFIX: 'lbwatch/',
      LOG_PREFIX: 'alb/',
      LOG_SUFFIX: '.log,.log.gz',
      ALERT_TOPIC_ARN: ref(id(stack.alerts.topic)),
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'lbwatch',
    };

    // Assess
    for (const [fn, memory, timeout, variables] of [
      [stack.ingest, 1024, 300, common],
      [stack.check!, 1024, 120, common],
      [
        stack.report,
        1769,
        900,
        {
          ...common,
          REPORT_PERIOD: '1d',
          REPORT_LINK_TTL: '7d',
          // Garbage collected before it piles up: the report's peak stays near 400 MB (README "State and cost").
          NODE_OPTIONS: '--enable-source-maps --max-old-space-size=384',
        },
      ],
    ] as const) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: memory,
        Timeout: timeout,
        Role: getArn(id(fn.role)),
        LoggingConfig: { LogGroup: ref(id(fn.logGroup)) },
        TracingConfig: Match.absent(),
        Environment: { Variables: variables },
      });
    }
  });

  it('pass every option through as environment, each destination by secret ARN only, to every function', () => {
    // Prepare
    const { template, stack, id } = everything;
    const variables = (fn: { function: IConstruct }) =>
      template.toJSON().Resources[id(fn.function)].Properties.Environment.Variables;
    const shared = {
      STATE_BUCKET: ref(id(stack.state.bucket)),
      STATE_PREFIX: 'state/',
      LOG_PREFIX: 'prod/',
      LOG_SUFFIX: '.log.gz',
      RULES_URI: 's3://team-config/lbwatch/rules.yaml',
      WINDOW: '1m',
      ALERT_TOPIC_ARN: ref(id(stack.alerts.topic)),
      ALERT_WEBHOOK_SECRET_ARN: WEBHOOK_SECRET_ARN,
      SLACK_WEBHOOK_SECRET_ARN: SLACK_SECRET_ARN,
      TEAMS_WEBHOOK_SECRET_ARN: TEAMS_SECRET_ARN,
      PAGERDUTY_ROUTING_KEY_SECRET_ARN: PAGERDUTY_SECRET_ARN,
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_SERVICE_NAME: 'lbwatch',
    };

    // Act
    const ingest = variables(stack.ingest);
    const check = variables(stack.check!);
    const report = variables(stack.report);

    // Assess
    expect(ingest).toEqual(shared);
    expect(check).toEqual(shared);
    expect(report).toEqual({
      ...shared,
      REPORT_PERIOD: '1h',
      REPORT_LINK_TTL: '12h',
      NODE_OPTIONS: '--enable-source-maps --max-old-space-size=384',
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 1769,
      Timeout: 120,
      TracingConfig: { Mode: 'Active' },
    });
  });

  it('log to their own log groups with the configured retention', () => {
    for (const [{ template, stack, id }, days] of [
      [existing, 30],
      [everything, 7],
    ] as const) {
      const resources = template.toJSON().Resources;
      for (const fn of [stack.ingest, stack.check!, stack.report]) {
        expect(resources[id(fn.function)].Properties.LoggingConfig).toEqual({ LogGroup: ref(id(fn.logGroup)) });
        expect(resources[id(fn.logGroup)].Properties.RetentionInDays).toBe(days);
      }
    }
  });
});

describe('IAM: exact statements', () => {
  it('ingest reads the log prefix, reads/writes only its state folders, publishes only to the topic', () => {
    // Prepare
    const { template, stack, id } = existing;
    const state = id(stack.state.bucket);

    // Act
    const statements = roleStatements(template, id(stack.ingest.role));

    // Assess
    expect(sortedStatements(statements)).toEqual(
      sortedStatements([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: getArn(id(stack.ingest.logGroup)),
        },
        { Sid: 'ReadAccessLogs', Effect: 'Allow', Action: 's3:GetObject', Resource: namedObjects('my-alb-logs/alb/*') },
        {
          Sid: 'ReadWriteWindowsAndClaims',
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:PutObject'],
          Resource: [objectsOf(state, 'lbwatch/partials/*'), objectsOf(state, 'lbwatch/alerts/*')],
        },
        {
          Sid: 'ReadWriteIncidentState',
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:PutObject'],
          Resource: [
            objectsOf(state, 'lbwatch/incidents/*'),
            objectsOf(state, 'lbwatch/lbs/*'),
            objectsOf(state, 'lbwatch/windows/*'),
          ],
        },
        {
          Sid: 'WriteInputRecords',
          Effect: 'Allow',
          Action: 's3:PutObject',
          Resource: objectsOf(state, 'lbwatch/inputs/*'),
        },
        {
          Sid: 'ReleaseAlertClaims',
          Effect: 'Allow',
          Action: 's3:DeleteObject',
          Resource: objectsOf(state, 'lbwatch/alerts/*'),
        },
        { Sid: 'ListState', Effect: 'Allow', Action: 's3:ListBucket', Resource: getArn(state) },
        { Sid: 'PublishAlerts', Effect: 'Allow', Action: 'sns:Publish', Resource: ref(id(stack.alerts.topic)) },
        {
          Effect: 'Allow',
          Action: [
            'sqs:ReceiveMessage',
            'sqs:ChangeMessageVisibility',
            'sqs:GetQueueUrl',
            'sqs:DeleteMessage',
            'sqs:GetQueueAttributes',
          ],
          Resource: getArn(id(stack.delivery.queue)),
        },
      ]),
    );
  });

  it('check reads partials, reads/writes incidents, load balancers and windows, writes rollups, publishes only to the topic', () => {
    // Prepare
    const { template, stack, id } = existing;
    const state = id(stack.state.bucket);
    const check = stack.check!;

    // Act
    const statements = roleStatements(template, id(check.role));

    // Assess
    expect(sortedStatements(statements)).toEqual(
      sortedStatements([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: getArn(id(check.logGroup)),
        },
        {
          Sid: 'ReadWindowPartials',
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: objectsOf(state, 'lbwatch/partials/*'),
        },
        {
          Sid: 'WriteRollups',
          Effect: 'Allow',
          Action: 's3:PutObject',
          Resource: objectsOf(state, 'lbwatch/rollups/*'),
        },
        {
          Sid: 'ReadWriteIncidentState',
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:PutObject'],
          Resource: [
            objectsOf(state, 'lbwatch/incidents/*'),
            objectsOf(state, 'lbwatch/lbs/*'),
            objectsOf(state, 'lbwatch/windows/*'),
          ],
        },
        { Sid: 'ListState', Effect: 'Allow', Action: 's3:ListBucket', Resource: getArn(state) },
        { Sid: 'PublishAlerts', Effect: 'Allow', Action: 'sns:Publish', Resource: ref(id(stack.alerts.topic)) },
      ]),
    );
  });

  it('report reads rollups, window documents, load-balancer states, partials and input records, reads/writes reports (GetObject signs the link), publishes only to the topic', () => {
    // Prepare
    const { template, stack, id } = existing;
    const state = id(stack.state.bucket);

    // Act
    const statements = roleStatements(template, id(stack.report.role));

    // Assess
    expect(sortedStatements(statements)).toEqual(
      sortedStatements([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: getArn(id(stack.report.logGroup)),
        },
        {
          Sid: 'ReadWindowsAndInputs',
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: [
            objectsOf(state, 'lbwatch/partials/*'),
            objectsOf(state, 'lbwatch/inputs/*'),
            objectsOf(state, 'lbwatch/windows/*'),
            objectsOf(state, 'lbwatch/lbs/*'),
            objectsOf(state, 'lbwatch/rollups/*'),
          ],
        },
        {
          Sid: 'ReadWriteReports',
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:PutObject'],
          Resource: objectsOf(state, 'lbwatch/reports/*'),
        },
        { Sid: 'ListState', Effect: 'Allow', Action: 's3:ListBucket', Resource: getArn(state) },
        { Sid: 'PublishAlerts', Effect: 'Allow', Action: 'sns:Publish', Resource: ref(id(stack.alerts.topic)) },
      ]),
    );
  });

  it('with every option: the rules object, exactly the webhook secret, X-Ray; state folders follow the prefix', () => {
    // Prepare
    const { template, stack, id } = everything;
    const state = id(stack.state.bucket);
    const logs = id(stack.logBucket.bucket);
    const extra = [
      {
        Sid: 'ReadRules',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: namedObjects('team-config/lbwatch/rules.yaml'),
      },
      ...(
        [
          ['ReadWebhookSecret', WEBHOOK_SECRET_ARN],
          ['ReadSlackSecret', SLACK_SECRET_ARN],
          ['ReadTeamsSecret', TEAMS_SECRET_ARN],
          ['ReadPagerDutySecret', PAGERDUTY_SECRET_ARN],
        ] as const
      ).map(([Sid, Resource]) => ({ Sid, Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource })),
      { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
      {
        Sid: 'EncryptAlerts',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: getArn(id(stack.alerts.topicKey!)),
      },
    ] as const;

    // Act
    const ingest = roleStatements(template, id(stack.ingest.role));
    const check = roleStatements(template, id(stack.check!.role));
    const report = roleStatements(template, id(stack.report.role));

    // Assess
    for (const statements of [ingest, check, report]) {
      for (const statement of extra) expect(statements).toContainEqual(statement);
      // One statement per secret, naming exactly that secret: no other statement may read any secret.
      const secretReads = statements.filter((s) => JSON.stringify(s.Action).includes('secretsmanager'));
      expect(secretReads).toHaveLength(4);
    }
    expect(ingest).toContainEqual({
      Sid: 'ReadAccessLogs',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: objectsOf(logs, 'prod/*'),
    });
    expect(ingest).toContainEqual({
      Sid: 'ReleaseAlertClaims',
      Effect: 'Allow',
      Action: 's3:DeleteObject',
      Resource: objectsOf(state, 'state/alerts/*'),
    });
    expect(report).toContainEqual({
      Sid: 'ReadWriteReports',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject'],
      Resource: objectsOf(state, 'state/reports/*'),
    });
    expect(ingest).toHaveLength(16);
    expect(check).toHaveLength(13);
    expect(report).toHaveLength(12);
  });

  it('a secret given by name is granted by its name and the 6-character suffix pattern, nothing wider', () => {
    // Prepare
    const { template, stack, id } = secretByName;

    // Act
    const statements = roleStatements(template, id(stack.ingest.role));

    // Assess
    expect(statements).toContainEqual({
      Sid: 'ReadWebhookSecret',
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':secretsmanager:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ':secret:lbwatch/hook-??????',
          ],
        ],
      },
    });
  });

  it('no policy of any variant grants a wildcard action or Resource * for data access', () => {
    for (const { template } of [existing, fresh, everything, secretByName]) {
      expect(broadGrants(template)).toEqual([]);
    }
  });

  it('the broad-grant check itself flags s3:*, sns:* and Resource *', () => {
    // Prepare
    const stack = bareStack();
    const role = new Role(stack, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:*'], resources: ['arn:aws:s3:::b/*'] }));
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['sns:*'], resources: ['*'] }));
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));

    // Act
    const found = broadGrants(Template.fromStack(stack));

    // Assess
    expect(found).toHaveLength(4);
    expect(found.join('\n')).toMatch(/wildcard action s3:\*[\s\S]*wildcard action sns:\*/);
    expect(found.filter((f) => f.includes('Resource *'))).toHaveLength(2);
  });

  it('only the CDK notifications handler role carries a managed policy (basic Lambda logging)', () => {
    for (const { template } of [existing, fresh]) {
      expect(rolesWithManagedPolicies(template)).toEqual([
        expect.stringMatching(/^BucketNotificationsHandler050a0587b7544547bf325f094a3db834Role/),
      ]);
    }
  });

  it('the notifications handler may change the notifications of the log bucket only', () => {
    existing.template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: 's3:PutBucketNotification', Resource: namedObjects('my-alb-logs') },
          { Effect: 'Allow', Action: 's3:GetBucketNotification', Resource: namedObjects('my-alb-logs') },
        ],
      },
    });
  });

  it('the template contains no arn:aws: literal (ARNs use the stack partition)', () => {
    for (const { template } of [existing, fresh, secretByName]) {
      expect(JSON.stringify(template.toJSON())).not.toContain('arn:aws:');
    }
  });
});

describe('buckets', () => {
  it('state bucket: SSE-S3, all public access blocked, TLS only, retained, lifecycle per folder', () => {
    // Prepare
    const { template, stack, id } = existing;
    const state = id(stack.state.bucket);

    // Assess
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LifecycleConfiguration: {
          Rules: [
            { Id: 'expire-partials', Prefix: 'lbwatch/partials/', ExpirationInDays: 35, Status: 'Enabled' },
            { Id: 'expire-inputs', Prefix: 'lbwatch/inputs/', ExpirationInDays: 35, Status: 'Enabled' },
            { Id: 'expire-alerts', Prefix: 'lbwatch/alerts/', ExpirationInDays: 35, Status: 'Enabled' },
            { Id: 'expire-windows', Prefix: 'lbwatch/windows/', ExpirationInDays: 35, Status: 'Enabled' },
            { Id: 'expire-rollups', Prefix: 'lbwatch/rollups/', ExpirationInDays: 35, Status: 'Enabled' },
            { Id: 'expire-reports', Prefix: 'lbwatch/reports/', ExpirationInDays: 400, Status: 'Enabled' },
            { Id: 'expire-incidents', Prefix: 'lbwatch/incidents/', ExpirationInDays: 400, Status: 'Enabled' },
            {
              Id: 'abort-incomplete-uploads',
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
              Status: 'Enabled',
            },
          ],
        },
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref(state),
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: [getArn(state), objectsOf(state, '*')],
          },
        ],
      },
    });
    // Imported log bucket: nothing of it is created or changed but its notifications.
    template.resourceCountIs('AWS::S3::Bucket', 1);
  });

  it('state lifecycle follows the options', () => {
    everything.template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          { Id: 'expire-partials', Prefix: 'state/partials/', ExpirationInDays: 40, Status: 'Enabled' },
          { Id: 'expire-reports', Prefix: 'state/reports/', ExpirationInDays: 90, Status: 'Enabled' },
        ]),
      },
    });
  });

  it('created log bucket: SSE-S3 (what ELB supports), private, retained, old logs expire, ELB may write its keys', () => {
    // Prepare
    const { template, stack, id } = fresh;
    const logs = id(stack.logBucket.bucket);

    // Assess
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LifecycleConfiguration: {
          Rules: [
            {
              Id: 'expire-access-logs',
              ExpirationInDays: 90,
              AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
              Status: 'Enabled',
            },
          ],
        },
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref(logs),
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Resource: [getArn(logs), objectsOf(logs, '*')],
          },
          {
            Sid: 'ElbLogDelivery',
            Effect: 'Allow',
            Principal: { Service: 'logdelivery.elasticloadbalancing.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: { 'Fn::Join': ['', [getArn(logs), '/AWSLogs/', { Ref: 'AWS::AccountId' }, '/*']] },
          },
        ],
      },
    });
  });

  it('created log bucket with legacy ELB account ids: those accounts may write below the prefix too', () => {
    // Prepare
    const { template, stack, id } = everything;
    const logs = id(stack.logBucket.bucket);
    const deliveryKeys = { 'Fn::Join': ['', [getArn(logs), '/prod/AWSLogs/', { Ref: 'AWS::AccountId' }, '/*']] };

    // Assess
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref(logs),
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'ElbLogDeliveryLegacyRegions',
            Effect: 'Allow',
            Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::156460612806:root']] } },
            Action: 's3:PutObject',
            Resource: deliveryKeys,
          },
        ]),
      },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ Id: 'expire-access-logs', ExpirationInDays: 30 })] },
    });
  });
});

describe('created log bucket in a stack with a concrete region', () => {
  it.each([
    ['eu-west-1', ['ElbLogDelivery', 'ElbLogDeliveryLegacyRegions'], '156460612806'],
    ['us-east-1', ['ElbLogDelivery', 'ElbLogDeliveryLegacyRegions'], '127311923021'],
  ])('%s: allows the service principal and the region ELB account CDK knows', (region, sids, account) => {
    // Prepare
    const stack = new Stack(new App(), 'Regional', { env: { region } });

    // Act
    new LogBucket(stack, 'Logs', { source: { create: true }, logPrefix: '' });
    const policy = Object.values(Template.fromStack(stack).findResources('AWS::S3::BucketPolicy'))[0];

    // Assess
    const allows = policy?.Properties.PolicyDocument.Statement.filter((s: { Effect: string }) => s.Effect === 'Allow');
    expect(allows.map((s: { Sid: string }) => s.Sid)).toEqual(sids);
    expect(JSON.stringify(allows[1].Principal)).toContain(`:iam::${account}:root`);
  });
});

describe('alerts, schedule and alarms', () => {
  it('the topic is TLS-only; an email subscription only when asked for', () => {
    existing.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ],
      },
    });
    existing.template.resourceCountIs('AWS::SNS::Subscription', 0);
    everything.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: ref(everything.id(everything.stack.alerts.topic)),
    });
  });

  it('an encrypted topic uses its own key, which CloudWatch alarms may use', () => {
    // Prepare
    const { template, stack, id } = everything;
    const key = id(stack.alerts.topicKey!);

    // Assess
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: getArn(key) });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'CloudWatchAlarmsPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: '*',
          },
        ]),
      },
    });
    existing.template.resourceCountIs('AWS::KMS::Key', 0);
    existing.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.absent() });
  });

  it('runs the report daily at 00:05 UTC by default, or on the configured schedule, with retries', () => {
    for (const [{ template, stack, id }, expression] of [
      [existing, 'cron(5 0 * * ? *)'],
      [fresh, 'cron(5 0 * * ? *)'],
      [everything, 'rate(1 hour)'],
    ] as const) {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: expression,
        State: 'ENABLED',
        Targets: [
          {
            Arn: getArn(id(stack.report.function)),
            Id: Match.anyValue(),
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
          },
        ],
      });
    }
  });

  it('runs the check every five minutes by default, or on the configured schedule, retrying within 5 minutes', () => {
    for (const [{ template, stack, id }, expression] of [
      [existing, 'rate(5 minutes)'],
      [everything, 'rate(1 minute)'],
    ] as const) {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: expression,
        State: 'ENABLED',
        Targets: [
          {
            Arn: getArn(id(stack.check!.function)),
            Id: Match.anyValue(),
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 300 },
          },
        ],
      });
    }
  });

  it('alarms on DLQ depth, queue age, and errors and throttles of every function, to the alert topic', () => {
    // Prepare
    const { template, stack, id } = existing;
    const topic = ref(id(stack.alerts.topic));
    const queueDimension = (queue: string) => [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }];
    const functionDimension = (fn: string) => [{ Name: 'FunctionName', Value: ref(fn) }];
    const expected = [
      [
        'AWS/SQS',
        'ApproximateNumberOfMessagesVisible',
        'Maximum',
        0,
        queueDimension(id(stack.delivery.deadLetterQueue)),
      ],
      ['AWS/SQS', 'ApproximateAgeOfOldestMessage', 'Maximum', 900, queueDimension(id(stack.delivery.queue))],
      ['AWS/Lambda', 'Errors', 'Sum', 0, functionDimension(id(stack.ingest.function))],
      ['AWS/Lambda', 'Throttles', 'Sum', 0, functionDimension(id(stack.ingest.function))],
      ['AWS/Lambda', 'Errors', 'Sum', 0, functionDimension(id(stack.check!.function))],
      ['AWS/Lambda', 'Throttles', 'Sum', 0, functionDimension(id(stack.check!.function))],
      ['AWS/Lambda', 'Errors', 'Sum', 0, functionDimension(id(stack.report.function))],
      ['AWS/Lambda', 'Throttles', 'Sum', 0, functionDimension(id(stack.report.function))],
    ] as const;

    // Assess
    template.resourceCountIs('AWS::CloudWatch::Alarm', expected.length);
    for (const [namespace, metric, statistic, threshold, dimensions] of expected) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: namespace,
        MetricName: metric,
        Statistic: statistic,
        Dimensions: dimensions,
        Period: 300,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: threshold,
        TreatMissingData: 'notBreaching',
        AlarmActions: [topic],
      });
    }
  });
});

describe('validation', () => {
  const base = { logBucket: { bucketName: 'my-alb-logs' } } as const;
  const build = (props: Partial<ConstructorParameters<typeof LbwatchStack>[2]>) => () =>
    synthesizeOnly({ ...base, ...props });

  it.each([
    [{ logPrefix: 'alb' }, /logPrefix: expected '' or a prefix ending with '\/'/],
    [{ statePrefix: '' }, /statePrefix: expected a prefix ending with '\/'/],
    [{ logRetentionDays: 31 }, /logRetentionDays: expected one of 1, 3, 5, 7, 14, 30,/],
    [{ reportSchedule: 'daily' }, /reportSchedule: expected rate\(5 minutes\) or cron/],
    [{ checkSchedule: 'rate(5 minute)' }, /checkSchedule: expected rate\(5 minutes\).*rate\(2 minutes\)/],
    [{ rulesUri: 'https://example.com/rules.yaml' }, /rulesUri: expected s3:\/\/bucket\/key/],
    [{ rules: '{not json' }, /rules: expected JSON/],
    [{ rules: JSON.stringify({ rules: 'x'.repeat(3100) }) }, /rules: too long for a Lambda environment/],
    [{ elbAccountIds: ['12345'] }, /elbAccountIds: "12345" is not a 12-digit account id/],
    [{ reportPeriod: 'banana' }, /reportPeriod: expected a duration such as 1h, 1d or 7d, got "banana"/],
    [{ reportLinkTtl: '8d' }, /reportLinkTtl: expected 0 \(no link\) or a duration .* up to 7d/],
    [{ alertEmail: 'notanemail' }, /alertEmail: expected one email address/],
    [
      { slackSecret: { secretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:x' } },
      /slackSecretArn: expected a complete secret ARN/,
    ],
    [{ maxConcurrency: 1 }, /maxConcurrency: expected an integer from 2 to 1000, got 1/],
    [{ maxConcurrency: 1001 }, /maxConcurrency: expected an integer from 2 to 1000, got 1001/],
    [{ ingestBatchSize: 0 }, /ingestBatchSize: expected an integer from 1 to 10, got 0/],
    [{ ingestBatchSize: 11 }, /ingestBatchSize: expected an integer from 1 to 10, got 11/],
    [{ ingestBatchSize: 2.5 }, /ingestBatchSize: expected an integer from 1 to 10, got 2.5/],
    [{ ingestBatchingWindowSeconds: -1 }, /ingestBatchingWindowSeconds: expected an integer from 0 to 300, got -1/],
    [{ ingestBatchingWindowSeconds: 301 }, /ingestBatchingWindowSeconds: expected an integer from 0 to 300, got 301/],
  ])('rejects %j', (props, message) => {
    expect(build(props)).toThrow(message);
  });

  it('names a missing function bundle and the command that builds it', () => {
    expect(() => synthesizeOnly({ ...base }, '/nonexistent/functions')).toThrow(
      /ingest\/index\.mjs is missing; run `npm run build`/,
    );
  });

  it('lists every problem at once', () => {
    // Act
    const run = () => synthesizeOnly({ ...base, logPrefix: 'alb', reportPeriod: 'banana', alertEmail: 'x' });

    // Assess
    expect(run).toThrow(/logPrefix: [^\n]*\n {2}- reportPeriod: [^\n]*\n {2}- alertEmail: /);
  });
});

describe('alert destinations: warned at synth, refused at deploy unless opted in', () => {
  it('no destination: a warning naming the options, and a CloudFormation rule that refuses the deployment', () => {
    // Prepare
    const { stack, template } = existing;

    // Act
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('no alert destination'));
    const json = template.toJSON();

    // Assess
    expect(warnings).toHaveLength(1);
    const text = JSON.stringify(warnings[0]?.entry.data);
    for (const option of [
      'alertEmail',
      'webhookSecretName',
      'slackSecretArn',
      'teamsSecretName',
      'pagerDutySecretArn',
    ]) {
      expect(text).toContain(option);
    }
    expect(text).toContain('-c allowNoDestination=true');
    // The rule holds unless the parameter is 'true', and the parameter defaults to 'false': a plain deploy fails
    // in CloudFormation's validation, before any resource is created.
    expect(json.Parameters.AllowNoAlertDestination).toMatchObject({ Type: 'String', Default: 'false' });
    expect(json.Rules.AlertDestinationRequired).toEqual({
      Assertions: [
        {
          Assert: { 'Fn::Equals': [{ Ref: 'AllowNoAlertDestination' }, 'true'] },
          AssertDescription: expect.stringContaining('-c allowNoDestination=true'),
        },
      ],
    });
  });

  it('allowNoDestination=true: the warning stays, the deploy-time refusal goes', () => {
    // Act
    const { stack, template } = synthesize({ logBucket: { bucketName: 'my-alb-logs' }, allowNoDestination: true });

    // Assess
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('no alert destination'))).toHaveLength(
      1,
    );
    expect(template.toJSON().Rules?.AlertDestinationRequired).toBeUndefined();
    expect(template.toJSON().Parameters?.AllowNoAlertDestination).toBeUndefined();
  });

  it.each([
    ['alertEmail', { alertEmail: 'oncall@example.com' }],
    ['slackSecretName', { slackSecret: { secretName: 'lbwatch/slack' } }],
    ['pagerDutySecretArn', { pagerDutySecret: { secretArn: PAGERDUTY_SECRET_ARN } }],
  ] as const)('any destination (%s) needs no opt-in and warns of nothing', (_option, props) => {
    // Act
    const { stack, template } = synthesize({ logBucket: { bucketName: 'my-alb-logs' }, ...props });

    // Assess
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
    expect(template.toJSON().Rules?.AlertDestinationRequired).toBeUndefined();
  });
});

describe('the check function', () => {
  it('is required like ingest and report: a missing bundle stops the synth', () => {
    // Prepare
    const withoutCheck = mkdtempSync(join(tmpdir(), 'lbwatch-no-check-'));
    try {
      for (const name of ['ingest', 'report'])
        cpSync(join(functionsCodeDirectory(), name), join(withoutCheck, name), { recursive: true });
      // Act + Assess
      expect(() =>
        synthesize({
          logBucket: { bucketName: 'my-alb-logs' },
          alertEmail: 'oncall@example.com',
          functionsCodeDirectory: withoutCheck,
        }),
      ).toThrow(/check/);
    } finally {
      rmSync(withoutCheck, { recursive: true, force: true });
    }
  });
});

/** Constructs the stack without template assertions (validation runs in the constructor). */
function synthesizeOnly(
  props: ConstructorParameters<typeof LbwatchStack>[2],
  codeDirectory = functionsCodeDirectory(),
) {
  return new LbwatchStack(new App(), 'Validation', { ...props, functionsCodeDirectory: codeDirectory });
}
