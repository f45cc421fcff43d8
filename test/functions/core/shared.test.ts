import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { mapLimit } from '../../../functions/core/concurrency.js';
import { disposition } from '../../../functions/core/failures.js';
import { reportPeriod } from '../../../functions/core/report.js';
import { once, resolveRuntime } from '../../../functions/core/runtime.js';
import {
  alertClaimKey,
  keySegment,
  objectId,
  partialKey,
  windowStartOfPartialKey,
} from '../../../functions/core/state-keys.js';
import { LbwatchError } from '../../../lib/errors.js';
import { awsError, s3Body, testConfig } from '../support/factories.js';

const s3Mock = mockClient(S3Client);
const secretsMock = mockClient(SecretsManagerClient);

describe('state keys', () => {
  it('derive the object id from bucket, key and version, nothing else', () => {
    const base = { bucket: 'logs', key: 'a.log', etag: 'e1', versionId: null };
    expect(objectId(base)).toMatch(/^[0-9a-f]{32}$/);
    expect(objectId(base)).toBe(objectId({ ...base }));
    expect(objectId({ ...base, etag: 'e2' })).not.toBe(objectId(base));
    expect(objectId({ ...base, versionId: 'v1' })).not.toBe(objectId(base));
  });

  it('make any load-balancer id one safe key segment', () => {
    expect(keySegment('app/web/50dc6c495c0c9188')).toBe('app~2fweb~2f50dc6c495c0c9188');
    expect(keySegment('..')).toBe('~..');
    expect(keySegment('ü ')).toBe('~c3~bc~20');
    const long = keySegment('x'.repeat(500));
    expect(long.length).toBeLessThanOrEqual(160);
    expect(long).not.toBe(keySegment(`${'x'.repeat(499)}y`));
  });

  it('lay out partials and claims by time so that listings are ranges', () => {
    const start = Date.parse('2024-05-01T10:05:00Z');
    const key = partialKey('lbwatch/', start, 'app/web/1', 'abc');
    expect(key).toBe('lbwatch/partials/2024-05-01T10:05:00.000Z/app~2fweb~2f1/abc.json');
    expect(windowStartOfPartialKey('lbwatch/', key)).toBe(start);
    expect(alertClaimKey('lbwatch/', 'app/web/1', start, 'gateway-errors', 'resolved')).toBe(
      'lbwatch/alerts/app~2fweb~2f1/2024-05-01T10:05:00.000Z/gateway-errors.resolved.json',
    );
  });
});

describe('mapLimit', () => {
  it('never runs more than the limit at once and keeps order', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit(
      Array.from({ length: 50 }, (_, i) => i),
      4,
      async (n) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 1));
        running--;
        return n * 2;
      },
    );
    expect(peak).toBe(4);
    expect(out).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
  });
});

describe('disposition', () => {
  it('drops what retrying cannot fix and retries the rest', () => {
    expect(disposition(new LbwatchError('GZIP_CORRUPT', 'x'))).toBe('drop');
    expect(disposition(new LbwatchError('EVENT_INVALID', 'x'))).toBe('drop');
    expect(disposition(new LbwatchError('READ_FAILED', 'x', { cause: awsError('NoSuchKey', 404) }))).toBe('drop');
    expect(disposition(new LbwatchError('READ_FAILED', 'x', { cause: awsError('SlowDown', 503) }))).toBe('retry');
    expect(disposition(new LbwatchError('PUBLISH_FAILED', 'x'))).toBe('retry');
    expect(disposition(new LbwatchError('STATE_FAILED', 'x'))).toBe('retry');
    expect(disposition(new Error('unexpected'))).toBe('retry');
  });
});

describe('reportPeriod', () => {
  it('ends at the last closed window (window end + 10 minutes lateness)', () => {
    const at = Date.parse('2024-05-02T00:15:00Z');
    expect(reportPeriod(at, 300_000, 86_400_000)).toEqual({
      from: Date.parse('2024-05-01T00:05:00Z'),
      to: Date.parse('2024-05-02T00:05:00Z'),
    });
  });
});

describe('resolveRuntime', () => {
  beforeEach(() => {
    s3Mock.reset();
    secretsMock.reset();
  });
  const clients = () => ({
    s3: new S3Client({ region: 'eu-west-1', maxAttempts: 1 }),
    sns: new SNSClient({ region: 'eu-west-1' }),
    secrets: new SecretsManagerClient({ region: 'eu-west-1' }),
  });

  it('loads RULES_URI once per cold start and lets WINDOW override the rules window', async () => {
    // Prepare
    s3Mock.on(GetObjectCommand).callsFake(() => ({
      Body: s3Body('window: 5m\nrules:\n  - id: only-5xx\n    codes: [5xx]\n    rate: 0.1\n    severity: critical\n'),
    }));
    const config = testConfig({ RULES_URI: 's3://config-bucket/lbwatch/rules.yaml', WINDOW: '1m' });
    const runtime = once(() => resolveRuntime(config, clients()));
    // Act
    const first = await runtime();
    const second = await runtime();
    // Assess
    expect(first).toBe(second);
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(1);
    expect(s3Mock.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
      Bucket: 'config-bucket',
      Key: 'lbwatch/rules.yaml',
    });
    expect(first.rules.rules.map((r) => r.id)).toEqual(['only-5xx']);
    expect(first.windowMs).toBe(60_000);
    expect(first.destinations.map((d) => d.name)).toEqual(['sns']);
  });

  it('reports invalid inline rules as RULES_INVALID and retries a failed cold start', async () => {
    const bad = once(() => resolveRuntime(testConfig({ RULES: '{"rules":[{"id":1}]}' }), clients()));
    await expect(bad()).rejects.toMatchObject({ code: 'RULES_INVALID' });
    s3Mock
      .on(GetObjectCommand)
      .rejectsOnce(awsError('SlowDown', 503))
      .resolves({ Body: s3Body('{"rules":[{"id":"bad-gateway","codes":[502],"rate":0.1,"severity":"critical"}]}') });
    const flaky = once(() => resolveRuntime(testConfig({ RULES_URI: 's3://config-bucket/rules.json' }), clients()));
    await expect(flaky()).rejects.toMatchObject({ code: 'STATE_FAILED' });
    await expect(flaky()).resolves.toMatchObject({ windowMs: 300_000 });
  });

  it('resolves the webhook URL from Secrets Manager, never echoing a bad secret', async () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:lbwatch-webhook-AbCdEf';
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: 'https://hooks.example.com/services/T0/B0/token' });
    const runtime = await resolveRuntime(testConfig({ ALERT_WEBHOOK_SECRET_ARN: arn }), clients());
    expect(runtime.destinations.map((d) => d.name)).toEqual(['sns', 'webhook']);
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: 'not-a-url-but-a-password' });
    const failure = resolveRuntime(testConfig({ ALERT_WEBHOOK_SECRET_ARN: arn }), clients());
    await expect(failure).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(failure).rejects.not.toThrow(/password/);
  });
});
