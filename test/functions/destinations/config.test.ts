import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config.js';
import { needsSecrets, resolveDestinations } from '../../../functions/core/runtime.js';
import { isLbwatchError } from '../../../lib/errors.js';

const SLACK_URL = 'https://hooks.slack.com/services/T000/B000/XXXXSECRETXXXX';
const TEAMS_URL = 'https://prod-00.westeurope.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=SECRETSIG';
const ROUTING_KEY = 'R0123456789abcdef0123456789abcde';
const TOPIC_URN = 'urn:smn:eu-de:0a1b2c3d4e5f60718293a4b5c6d7e8f9:lbwatch-alerts';
const arn = (name: string): string => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}-AbCdEf`;
const base = { STATE_BUCKET: 'example-lbwatch-state' };

function problems(env: Record<string, string>): string {
  try {
    parseConfig(env);
  } catch (error) {
    if (isLbwatchError(error, 'CONFIG_INVALID')) return error.message;
    throw error;
  }
  throw new Error('parseConfig accepted an invalid environment');
}

describe('parseConfig: destinations', () => {
  it('reads every destination variable', () => {
    // Act
    const config = parseConfig({
      ...base,
      SLACK_WEBHOOK_URL: SLACK_URL,
      TEAMS_WEBHOOK_URL: TEAMS_URL,
      PAGERDUTY_ROUTING_KEY: ROUTING_KEY,
      PAGERDUTY_EVENTS_URL: 'http://127.0.0.1:9999/v2/enqueue',
      SMN_TOPIC_URN: TOPIC_URN,
      SMN_ENDPOINT: 'http://127.0.0.1:9998',
    });
    // Assess
    expect(config).toMatchObject({
      slackWebhookUrl: SLACK_URL,
      teamsWebhookUrl: TEAMS_URL,
      pagerDutyRoutingKey: ROUTING_KEY,
      pagerDutyEventsUrl: 'http://127.0.0.1:9999/v2/enqueue',
      smnTopicUrn: TOPIC_URN,
      smnEndpoint: 'http://127.0.0.1:9998',
      slackWebhookSecretArn: null,
    });
    expect(needsSecrets(config)).toBe(false);
  });

  it('accepts any one destination as enough', () => {
    for (const env of [
      { SLACK_WEBHOOK_URL: SLACK_URL },
      { SLACK_WEBHOOK_SECRET_ARN: arn('slack') },
      { TEAMS_WEBHOOK_URL: TEAMS_URL },
      { TEAMS_WEBHOOK_SECRET_ARN: arn('teams') },
      { PAGERDUTY_ROUTING_KEY: ROUTING_KEY },
      { PAGERDUTY_ROUTING_KEY_SECRET_ARN: arn('pagerduty') },
      { SMN_TOPIC_URN: TOPIC_URN },
    ]) {
      expect(() => parseConfig({ ...base, ...env })).not.toThrow();
    }
    expect(problems(base)).toMatch(/no alert destination/);
  });

  it('names every bad variable at once and never echoes a webhook URL or routing key', () => {
    // Act
    const message = problems({
      ...base,
      SLACK_WEBHOOK_URL: 'http://hooks.example.com/services/T0/B0/SECRETTOKEN',
      SLACK_WEBHOOK_SECRET_ARN: arn('slack'),
      TEAMS_WEBHOOK_URL: 'not a url SECRETSIG',
      TEAMS_WEBHOOK_SECRET_ARN: 'teams-secret',
      PAGERDUTY_ROUTING_KEY: 'SHORTSECRETKEY',
      PAGERDUTY_EVENTS_URL: 'ftp://x',
      SMN_TOPIC_URN: 'arn:aws:sns:eu-west-1:1:x',
      SMN_ENDPOINT: 'smn.example',
    });
    // Assess
    for (const name of [
      'SLACK_WEBHOOK_URL is not an https URL',
      'SLACK_WEBHOOK_URL and SLACK_WEBHOOK_SECRET_ARN are both set',
      'TEAMS_WEBHOOK_URL is not an https URL',
      'TEAMS_WEBHOOK_SECRET_ARN=',
      'PAGERDUTY_ROUTING_KEY is not a 32-character integration key',
      'PAGERDUTY_EVENTS_URL=',
      'SMN_TOPIC_URN=',
      'SMN_ENDPOINT=',
    ]) {
      expect(message).toContain(name);
    }
    expect(message).not.toMatch(/SECRETTOKEN|SECRETSIG|SHORTSECRETKEY/);
  });
});

describe('resolveDestinations', () => {
  const secretsMock = mockClient(SecretsManagerClient);
  beforeEach(() => secretsMock.reset());
  const clients = {
    sns: new SNSClient({ region: 'eu-west-1' }),
    secrets: new SecretsManagerClient({ region: 'eu-west-1' }),
    smnCredentials: async () => ({ token: 't' }),
  };

  it('builds every configured destination, reading each secret once', async () => {
    // Prepare
    secretsMock.on(GetSecretValueCommand, { SecretId: arn('slack') }).resolves({ SecretString: ` ${SLACK_URL}\n` });
    secretsMock.on(GetSecretValueCommand, { SecretId: arn('teams') }).resolves({ SecretString: TEAMS_URL });
    secretsMock.on(GetSecretValueCommand, { SecretId: arn('pagerduty') }).resolves({ SecretString: ROUTING_KEY });
    const config = parseConfig({
      ...base,
      ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:lbwatch-alerts',
      ALERT_WEBHOOK_URL: 'https://hooks.example.com/lbwatch',
      SLACK_WEBHOOK_SECRET_ARN: arn('slack'),
      TEAMS_WEBHOOK_SECRET_ARN: arn('teams'),
      PAGERDUTY_ROUTING_KEY_SECRET_ARN: arn('pagerduty'),
      SMN_TOPIC_URN: TOPIC_URN,
    });
    // Act
    const destinations = await resolveDestinations(config, clients);
    // Assess
    expect(needsSecrets(config)).toBe(true);
    expect(destinations.map((d) => d.name)).toEqual(['sns', 'smn', 'webhook', 'slack', 'teams', 'pagerduty']);
    expect(secretsMock.commandCalls(GetSecretValueCommand)).toHaveLength(3);
  });

  it('rejects a secret that is not what its variable needs, without echoing it', async () => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: 'hunter2-not-a-key' });
    const config = parseConfig({ ...base, PAGERDUTY_ROUTING_KEY_SECRET_ARN: arn('pagerduty') });
    const failure = resolveDestinations(config, clients);
    await expect(failure).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      context: { variable: 'PAGERDUTY_ROUTING_KEY_SECRET_ARN' },
    });
    await expect(failure).rejects.not.toThrow(/hunter2/);
  });

  it('rejects a Slack secret holding a plain-http URL to a remote host', async () => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: 'http://hooks.slack.com/services/T0/B0/X' });
    const config = parseConfig({ ...base, SLACK_WEBHOOK_SECRET_ARN: arn('slack') });
    await expect(resolveDestinations(config, clients)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('refuses SMN without the agency credentials', async () => {
    const config = parseConfig({ ...base, SMN_TOPIC_URN: TOPIC_URN });
    await expect(resolveDestinations(config, { sns: clients.sns })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
  });
});
