import { describe, expect, it } from 'vitest';
import { type ContextKey, propsFromContext } from '../../infra/context.js';
import { cdkJsonContext } from './support.js';

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
      window: undefined,
      rules: undefined,
      rulesUri: undefined,
      alertEmail: undefined,
      webhookSecret: undefined,
      encryptTopic: false,
      tracing: false,
      maxConcurrency: 10,
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
        webhookSecretName: 'lbwatch/webhook',
        alertEmail: 'oncall@example.com',
        rulesUri: 's3://team-config/rules.yaml',
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
      webhookSecret: { secretName: 'lbwatch/webhook' },
      alertEmail: 'oncall@example.com',
      rulesUri: 's3://team-config/rules.yaml',
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
