import { describe, expect, it } from 'vitest';
import { parseConfig, skipReason } from '../../../functions/core/config.js';
import { isLbwatchError } from '../../../lib/errors.js';
import { TOPIC_ARN, testConfig } from '../support/factories.js';

function configError(env: Record<string, string>): { code: string; message: string } {
  try {
    parseConfig(env);
  } catch (error) {
    if (isLbwatchError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('parseConfig accepted an invalid environment');
}

describe('parseConfig', () => {
  it('applies the documented defaults and freezes the result', () => {
    // Prepare / Act
    const config = parseConfig({ STATE_BUCKET: 'state-bucket', ALERT_TOPIC_ARN: TOPIC_ARN });
    // Assess
    expect(config).toMatchObject({
      stateBucket: 'state-bucket',
      statePrefix: 'lbwatch/',
      logPrefix: '',
      logSuffixes: ['.log', '.log.gz', '.gz', '.zip'],
      rules: { kind: 'default' },
      windowMs: null,
      reportPeriodMs: 86_400_000,
      reportLinkTtlMs: 7 * 86_400_000,
      keepQueryStrings: false,
      s3ForcePathStyle: false,
      webhookUrl: null,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('normalises the state prefix, splits suffixes and reads RULES_URI', () => {
    const config = parseConfig({
      STATE_BUCKET: 'state-bucket',
      STATE_PREFIX: 'state/lbwatch',
      LOG_SUFFIX: '.log.gz, .txt ,',
      RULES_URI: 's3://config-bucket/rules/lbwatch.yaml',
      WINDOW: '1m',
      REPORT_PERIOD: '1h',
      ALERT_WEBHOOK_URL: 'https://hooks.example.com/T000/B000',
      QUERY_STRINGS: 'keep',
      S3_FORCE_PATH_STYLE: 'true',
    });
    expect(config.statePrefix).toBe('state/lbwatch/');
    expect(config.logSuffixes).toEqual(['.log.gz', '.txt']);
    expect(config.rules).toEqual({
      kind: 'uri',
      bucket: 'config-bucket',
      key: 'rules/lbwatch.yaml',
      uri: 's3://config-bucket/rules/lbwatch.yaml',
    });
    expect(config.windowMs).toBe(60_000);
    expect(config.reportPeriodMs).toBe(3_600_000);
    expect(config.keepQueryStrings).toBe(true);
    expect(config.s3ForcePathStyle).toBe(true);
  });

  it('names every bad variable at once', () => {
    // Prepare
    const env = {
      RULES: '{}',
      RULES_URI: 'https://example.com/rules.yaml',
      WINDOW: 'soon',
      REPORT_PERIOD: '-1d',
      ALERT_WEBHOOK_URL: 'ftp://example.com',
      QUERY_STRINGS: 'maybe',
      S3_FORCE_PATH_STYLE: 'yes',
    };
    // Act
    const error = configError(env);
    // Assess
    expect(error.code).toBe('CONFIG_INVALID');
    for (const name of [
      'STATE_BUCKET',
      'RULES_URI',
      'WINDOW',
      'REPORT_PERIOD',
      'ALERT_WEBHOOK_URL',
      'QUERY_STRINGS',
      'S3_FORCE_PATH_STYLE',
    ]) {
      expect(error.message).toContain(name);
    }
  });

  it('requires at least one destination and refuses two webhook sources', () => {
    expect(configError({ STATE_BUCKET: 'state-bucket' }).message).toContain('no alert destination');
    const both = configError({
      STATE_BUCKET: 'state-bucket',
      ALERT_WEBHOOK_URL: 'https://hooks.example.com/x',
      ALERT_WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hook-AbCdEf',
    });
    expect(both.message).toContain('ALERT_WEBHOOK_SECRET_ARN');
    expect(() =>
      parseConfig({
        STATE_BUCKET: 'state-bucket',
        ALERT_WEBHOOK_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hook',
      }),
    ).not.toThrow();
  });

  it.each([
    ['0', 0],
    ['12h', 12 * 3_600_000],
    ['7d', 7 * 86_400_000],
  ])('reads REPORT_LINK_TTL=%s', (text, ms) => {
    // Act
    const config = parseConfig({ STATE_BUCKET: 'state-bucket', ALERT_TOPIC_ARN: TOPIC_ARN, REPORT_LINK_TTL: text });
    // Assess
    expect(config.reportLinkTtlMs).toBe(ms);
  });

  it.each(['8d', 'soon', '-1h'])('refuses REPORT_LINK_TTL=%s, naming it', (text) => {
    // Act
    const error = configError({ STATE_BUCKET: 'state-bucket', ALERT_TOPIC_ARN: TOPIC_ARN, REPORT_LINK_TTL: text });
    // Assess
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('REPORT_LINK_TTL');
  });

  it('rejects an SNS ARN that is not a topic ARN', () => {
    expect(configError({ STATE_BUCKET: 'state-bucket', ALERT_TOPIC_ARN: 'my-topic' }).message).toContain(
      'ALERT_TOPIC_ARN',
    );
  });
});

describe('skipReason', () => {
  const config = testConfig({ LOG_PREFIX: 'AWSLogs/', STATE_PREFIX: 'lbwatch/' });

  it('accepts access-log keys and refuses others by prefix and suffix', () => {
    expect(skipReason(config, 'logs', 'AWSLogs/1/elb/a.log.gz')).toBeNull();
    expect(skipReason(config, 'logs', 'AWSLogs/1/elb/a.log')).toBeNull();
    expect(skipReason(config, 'logs', 'other/a.log')).toBe('prefix');
    expect(skipReason(config, 'logs', 'AWSLogs/1/ELBAccessLogTestFile')).toBe('suffix');
  });

  it('never processes its own state, so it cannot trigger itself', () => {
    const open = testConfig({ LOG_SUFFIX: '.json' });
    expect(skipReason(open, 'example-lbwatch-state', 'lbwatch/partials/x.json')).toBe('state-prefix');
    expect(skipReason(open, 'another-bucket', 'lbwatch/partials/x.json')).toBeNull();
  });
});
