import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { alertMessage } from '../../../functions/core/messages.js';
import { SnsDestination, WebhookDestination } from '../../../functions/core/publishers.js';
import { alertFactory, TOPIC_ARN } from '../support/factories.js';

const sns = mockClient(SNSClient);
const message = alertMessage({ ...alertFactory(), state: 'firing' }, { keepQueryStrings: false });

function scriptedFetch(steps: (number | 'network' | 'timeout')[]): { fetch: typeof fetch; calls: RequestInit[] } {
  const calls: RequestInit[] = [];
  const fetchFn = async (_url: string | URL | Request, init?: RequestInit): Promise<Response> => {
    calls.push(init ?? {});
    const step = steps[Math.min(calls.length - 1, steps.length - 1)];
    if (step === 'network') throw Object.assign(new TypeError('fetch failed'), { name: 'TypeError' });
    if (step === 'timeout') throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    const status = step ?? 200;
    return new Response(status === 204 ? null : 'ok', { status });
  };
  return { fetch: fetchFn as typeof fetch, calls };
}

const noSleep = async (): Promise<void> => {};

describe('SnsDestination', () => {
  beforeEach(() => sns.reset());

  it('publishes subject, text body and the alert JSON as a message attribute', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    // Act
    await new SnsDestination(new SNSClient({ region: 'eu-west-1' }), TOPIC_ARN).send(message);
    // Assess
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.TopicArn).toBe(TOPIC_ARN);
    expect(input?.Subject).toBe(message.subject);
    expect(input?.Message).toBe(message.text);
    expect(JSON.parse(input?.MessageAttributes?.alert?.StringValue ?? '{}')).toEqual(message.json);
    expect(input?.MessageAttributes?.state?.StringValue).toBe('firing');
  });

  it('turns an SNS failure into PUBLISH_FAILED', async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottledException' }));
    await expect(
      new SnsDestination(new SNSClient({ region: 'eu-west-1' }), TOPIC_ARN).send(message),
    ).rejects.toMatchObject({
      code: 'PUBLISH_FAILED',
    });
  });
});

describe('WebhookDestination', () => {
  it('POSTs the alert JSON with a timeout signal', async () => {
    const { fetch, calls } = scriptedFetch([204]);
    await new WebhookDestination('https://hooks.example.com/x', { fetch, sleep: noSleep }).send(message);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.method).toBe('POST');
    expect(JSON.parse(String(calls[0]?.body))).toEqual(message.json);
    expect(calls[0]?.signal).toBeInstanceOf(AbortSignal);
  });

  it('retries network errors, timeouts, 5xx and 429, then succeeds', async () => {
    const { fetch, calls } = scriptedFetch(['network', 'timeout', 503, 429, 200]);
    await new WebhookDestination('https://hooks.example.com/x', { fetch, sleep: noSleep, attempts: 5 }).send(message);
    expect(calls).toHaveLength(5);
  });

  it('gives up after the attempts with PUBLISH_FAILED naming the host only', async () => {
    const { fetch, calls } = scriptedFetch([500]);
    const sent = new WebhookDestination('https://hooks.example.com/T0/secret-token', {
      fetch,
      sleep: noSleep,
      attempts: 3,
    }).send(message);
    await expect(sent).rejects.toMatchObject({ code: 'PUBLISH_FAILED', context: { host: 'hooks.example.com' } });
    await expect(sent).rejects.not.toThrow(/secret-token/);
    expect(calls).toHaveLength(3);
  });

  it('does not retry other 4xx', async () => {
    const { fetch, calls } = scriptedFetch([404, 200]);
    await expect(
      new WebhookDestination('https://hooks.example.com/x', { fetch, sleep: noSleep }).send(message),
    ).rejects.toMatchObject({
      code: 'PUBLISH_FAILED',
    });
    expect(calls).toHaveLength(1);
  });
});
