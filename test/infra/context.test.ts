import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type ContextKey, propsFromContext } from '../../infra/context.js';
import { cdkJsonContext } from './support.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Context as `cdk` gives it: cdk.json's values, overridden by `-c key=value` strings. */
const context =
  (overrides: Partial<Record<ContextKey, unknown>> = {}) =>
  (key: ContextKey): unknown =>
    key in overrides ? overrides[key] : cdkJsonContext[key];

describe('propsFromContext', () => {
  it('cdk.json alone (a fresh clone) creates the log bucket and keeps the documented defaults', () => {
    // Act
    const props = propsFromContext(context());

    // Assess
    expect(props).toEqual({
      logBucket: { create: true, expireAfterDays: undefined },
      logPrefix: undefined,
      logSuffixes: ['.log', '.log.gz'],
      elbAccountIds: [],
      stateRetentionDays: 35,
      reportRetentionDays: 400,
      reportSchedule: 'cron(5 0 * * ? *)',
      reportPeriod: '1d',
      reportLinkTtl: '7d',
      checkSchedule: 'rate(5 minutes)',
      window: undefined,
      rules: undefined,
      rulesUri: undefined,
      alertEmail: undefined,
      webhookSecret: undefined,
      slackSecret: undefined,
      teamsSecret: undefined,
      pagerDutySecret: undefined,
      allowNoDestination: false,
      encryptTopic: false,
      tracing: false,
      maxConcurrency: 60,
      ingestBatchSize: 4,
      ingestBatchingWindowSeconds: 0,
      logRetentionDays: 30,
    });
  });

  it('reads -c strings: an existing bucket, prefix, suffixes, numbers, booleans and the secret', () => {
    // Act
    const props = propsFromContext(
      context({
        logBucketName: 'my-alb-logs',
        logPrefix: 'alb/',
        logSuffixes: '.log.gz, .log',
        elbAccountIds: '127311923021',
        stateRetentionDays: '40',
        xray: 'true',
        maxConcurrency: '25',
        ingestBatchSize: '10',
        ingestBatchingWindowSeconds: '30',
        webhookSecretName: 'lbwatch/webhook',
        alertEmail: 'oncall@example.com',
        rulesUri: 's3://team-config/rules.yaml',
        slackSecretName: 'lbwatch/slack',
        teamsSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:lbwatch/teams-AbCdEf',
        pagerDutySecretName: 'lbwatch/pagerduty',
        reportLinkTtl: '0',
        checkSchedule: 'rate(1 minute)',
        allowNoDestination: 'true',
        window: '10m',
      }),
    );

    // Assess
    expect(props).toMatchObject({
      logBucket: { bucketName: 'my-alb-logs' },
      logPrefix: 'alb/',
      logSuffixes: ['.log.gz', '.log'],
      elbAccountIds: ['127311923021'],
      stateRetentionDays: 40,
      tracing: true,
      maxConcurrency: 25,
      ingestBatchSize: 10,
      ingestBatchingWindowSeconds: 30,
      webhookSecret: { secretName: 'lbwatch/webhook' },
      alertEmail: 'oncall@example.com',
      rulesUri: 's3://team-config/rules.yaml',
      slackSecret: { secretName: 'lbwatch/slack' },
      teamsSecret: { secretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:lbwatch/teams-AbCdEf' },
      pagerDutySecret: { secretName: 'lbwatch/pagerduty' },
      reportLinkTtl: '0',
      checkSchedule: 'rate(1 minute)',
      allowNoDestination: true,
      window: '10m',
    });
  });

  it('reports every invalid key at once', () => {
    // Prepare
    const read = context({
      logBucketName: 'my-alb-logs',
      createLogBucket: 'true',
      xray: 'yes',
      maxConcurrency: '1',
      stateRetentionDays: '3.5',
      webhookSecretArn: 'arn:x',
      webhookSecretName: 'y',
    });

    // Act
    const run = () => propsFromContext(read);

    // Assess
    expect(run).toThrow(/logBucketName and createLogBucket=true/);
    expect(run).toThrow(/xray: expected true or false, got "yes"/);
    expect(run).toThrow(/maxConcurrency: expected an integer from 2 to 1000, got "1"/);
    expect(run).toThrow(/stateRetentionDays: expected an integer from 1 to 36500, got "3.5"/);
    expect(run).toThrow(/webhookSecretArn and webhookSecretName/);
  });

  it('refuses createLogBucket=false without a bucket name: there would be nothing to read', () => {
    expect(() => propsFromContext(context({ createLogBucket: 'false' }))).toThrow(
      /createLogBucket=false needs logBucketName/,
    );
  });
});

describe("synth-time validation with the functions' parsers", () => {
  it.each([
    ['reportPeriod', 'banana', /reportPeriod: expected a duration such as 1h, 1d or 7d, got "banana"/],
    ['reportPeriod', '40d', /reportPeriod: "40d" is longer than stateRetentionDays \(35 days\)/],
    ['alertEmail', 'notanemail', /alertEmail: expected one email address such as oncall@example.com, got "notanemail"/],
    ['alertEmail', 'a@b.com, c@d.com', /alertEmail: expected one email address/],
    ['window', '90m', /window: expected a window from 1m to 1h, got "90m"/],
    ['window', '5 minutes', /window: expected a duration such as 5m/],
    ['reportLinkTtl', '8d', /reportLinkTtl: expected 0 \(no link\) or a duration/],
    ['reportLinkTtl', '1.5s', /reportLinkTtl: expected 0 \(no link\) or a duration of whole seconds/],
    ['checkSchedule', 'every 5 minutes', /checkSchedule: expected rate\(5 minutes\) or cron/],
    ['reportSchedule', 'cron(5 0 * * *)', /reportSchedule: .*cron takes 6 fields, got 5/],
    ['reportSchedule', 'cron(5 0 1 * MON *)', /reportSchedule: .*day-of-month or day-of-week must be \?/],
    [
      'slackSecretName',
      'arn:aws:secretsmanager:eu-west-1:111122223333:secret:x-AbCdEf',
      /slackSecretName: this is an ARN/,
    ],
    ['teamsSecretArn', 'lbwatch/teams', /teamsSecretArn: expected a complete secret ARN/],
    ['pagerDutySecretName', 'bad name!', /pagerDutySecretName: expected a secret name/],
    ['allowNoDestination', 'yes', /allowNoDestination: expected true or false, got "yes"/],
    ['maxConcurrency', 'ten', /maxConcurrency: expected an integer from 2 to 1000, got "ten"/],
    ['maxConcurrency', '1001', /maxConcurrency: expected an integer from 2 to 1000, got "1001"/],
    ['ingestBatchSize', '0', /ingestBatchSize: expected an integer from 1 to 10, got "0"/],
    ['ingestBatchSize', '11', /ingestBatchSize: expected an integer from 1 to 10, got "11"/],
    ['ingestBatchingWindowSeconds', '301', /ingestBatchingWindowSeconds: expected an integer from 0 to 300, got "301"/],
    ['ingestBatchingWindowSeconds', '0.5', /ingestBatchingWindowSeconds: expected an integer from 0 to 300, got "0.5"/],
    ['logRetentionDays', '31', /logRetentionDays: expected one of 1, 3, 5, 7, 14, 30,/],
    [
      'rules',
      '{"rules":[{"id":"x","codes":[502],"rate":5}]}',
      /rules: .*rules\[0\] \(id "x"\) field "rate": expected a fraction/,
    ],
    ['rulesUri', 'https://example.com/rules.yaml', /rulesUri: expected s3:\/\/bucket\/key/],
  ] as const)('rejects %s=%j naming the option', (key, value, message) => {
    // Act
    const run = () => propsFromContext(context({ [key]: value }));

    // Assess
    expect(run).toThrow(message);
  });

  it('accepts the documented forms: 0 for no link, cron with ?, rates in singular and plural', () => {
    // Act
    const props = propsFromContext(
      context({ reportLinkTtl: '0', reportSchedule: 'cron(0 6 ? * MON *)', checkSchedule: 'rate(1 minute)' }),
    );

    // Assess
    expect(props).toMatchObject({ reportLinkTtl: '0', reportSchedule: 'cron(0 6 ? * MON *)' });
  });

  it('reports the problems of the context reader and of the stack props together, one line each', () => {
    // Prepare
    const read = context({ xray: 'yes', reportPeriod: 'banana', alertEmail: 'notanemail', logPrefix: 'alb' });

    // Act
    let message = '';
    try {
      propsFromContext(read);
    } catch (error) {
      message = error instanceof Error ? error.message : String(error);
    }

    // Assess
    const lines = message.split('\n').filter((line) => line.startsWith('  - '));
    expect(lines.map((line) => line.slice(4).split(':')[0])).toEqual([
      'xray',
      'logPrefix',
      'reportPeriod',
      'alertEmail',
    ]);
  });
});

describe('misspelt options', () => {
  it("names a key one or two edits (or a case) away from an option, and leaves other tools' keys alone", () => {
    // Prepare
    const keys = [
      ...Object.keys(cdkJsonContext),
      'alertEmial',
      'reportperiod',
      'slackSecret',
      'acknowledged-issue-numbers',
      'availability-zones:account=111122223333:region=eu-west-1',
      'myTeam',
    ];

    // Act
    const run = () => propsFromContext(context(), keys);

    // Assess
    expect(run).toThrow(/alertEmial: not an lbwatch option; did you mean alertEmail\?/);
    expect(run).toThrow(/reportperiod: not an lbwatch option; did you mean reportPeriod\?/);
    expect(run).toThrow(/slackSecret: not an lbwatch option; did you mean slackSecretArn or slackSecretName\?/);
    expect(run).not.toThrow(/acknowledged-issue-numbers|availability-zones|myTeam|cli-telemetry/);
  });

  it("cdk.json's own keys are all known", () => {
    expect(() => propsFromContext(context(), Object.keys(cdkJsonContext))).not.toThrow();
  });
});

describe('the CDK app on invalid context', () => {
  it('exits 1 with one line per bad option and no stack trace (before any synthesis)', () => {
    // Prepare
    const outdir = mkdtempSync(join(tmpdir(), 'lbwatch-app-'));

    // Act
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
      cwd: root,
      env: {
        ...process.env,
        CDK_CONTEXT_JSON: JSON.stringify({
          ...cdkJsonContext,
          reportPeriod: 'banana',
          alertEmail: 'notanemail',
          windw: '5m',
        }),
        CDK_OUTDIR: outdir,
      },
      encoding: 'utf8',
      timeout: 60_000,
    });

    // Assess
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/reportPeriod: expected a duration/);
    expect(run.stderr).toMatch(/alertEmail: expected one email address/);
    expect(run.stderr).toMatch(/windw: not an lbwatch option; did you mean window\?/);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(readdirSync(outdir)).toEqual([]);
    rmSync(outdir, { recursive: true, force: true });
  });

  it('stops on out-of-range ingest sizing with one line per option and an empty cloud assembly', () => {
    // Prepare
    const outdir = mkdtempSync(join(tmpdir(), 'lbwatch-app-'));

    // Act
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
      cwd: root,
      env: {
        ...process.env,
        CDK_CONTEXT_JSON: JSON.stringify({
          ...cdkJsonContext,
          maxConcurrency: '5000',
          ingestBatchSize: '50',
          ingestBatchingWindowSeconds: '600',
        }),
        CDK_OUTDIR: outdir,
      },
      encoding: 'utf8',
      timeout: 60_000,
    });

    // Assess
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^ {2}- maxConcurrency: expected an integer from 2 to 1000, got "5000"$/m);
    expect(run.stderr).toMatch(/^ {2}- ingestBatchSize: expected an integer from 1 to 10, got "50"$/m);
    expect(run.stderr).toMatch(/^ {2}- ingestBatchingWindowSeconds: expected an integer from 0 to 300, got "600"$/m);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(readdirSync(outdir)).toEqual([]);
    rmSync(outdir, { recursive: true, force: true });
  });
});
