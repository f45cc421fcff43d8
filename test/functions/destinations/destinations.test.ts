import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SnsDestination } from '../../../functions/aws/sns.js';
import { HttpPoster } from '../../../functions/destinations/http.js';
import { PagerDutyDestination } from '../../../functions/destinations/pagerduty.js';
import { SlackDestination } from '../../../functions/destinations/slack.js';
import { TeamsDestination } from '../../../functions/destinations/teams.js';
import { WebhookDestination } from '../../../functions/destinations/webhook.js';
import { sanitizeOutgoing } from '../../../lib/notify/index.js';
import { aNotification, aReport } from '../../lib/notify/factories.js';
import { hostileNotification } from '../../lib/notify/hostile.js';
import { SCRIPT } from '../../lib/report/hostile.js';
import { type Recorder, startRecorder } from '../../support/recorder.js';

const ROUTING_KEY = 'R0123456789abcdef0123456789abcde';
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:lbwatch-alerts';

let server: Recorder;
const poster = new HttpPoster({ sleep: async () => {} });
beforeEach(async () => {
  server = await startRecorder([{ status: 200 }]);
});
afterEach(async () => {
  await server.close();
});

describe('WebhookDestination', () => {
  it('POSTs the sanitized Outgoing object itself', async () => {
    // Prepare
    const page = hostileNotification();
    // Act
    await new WebhookDestination(`${server.origin}/lbwatch`, { poster }).send(page);
    // Assess
    expect(server.requests[0]).toMatchObject({ method: 'POST', path: '/lbwatch' });
    expect(server.json(0)).toEqual(sanitizeOutgoing(page));
    expect(server.requests[0]?.body).not.toContain('\u001b');
  });
});

describe('SlackDestination', () => {
  it('POSTs a Block Kit message with a fallback text', async () => {
    await new SlackDestination(`${server.origin}/services/T0/B0/X`, { poster }).send(hostileNotification());
    const body = server.json(0) as { text: string; blocks: { type: string }[] };
    expect(server.requests[0]?.path).toBe('/services/T0/B0/X');
    expect(body.text).toContain('Incident opened');
    expect(body.blocks[0]?.type).toBe('header');
    expect(body.blocks.length).toBeLessThanOrEqual(50);
    expect(server.requests[0]?.body).not.toContain(SCRIPT);
  });
});

describe('TeamsDestination', () => {
  it('POSTs a Workflows message with one Adaptive Card', async () => {
    await new TeamsDestination(`${server.origin}/workflows/abc/triggers/manual/paths/invoke?sig=x`, { poster }).send(
      aNotification(),
    );
    expect(server.requests[0]?.path).toBe('/workflows/abc/triggers/manual/paths/invoke?sig=x');
    expect(server.json(0)).toMatchObject({
      type: 'message',
      attachments: [
        { contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', version: '1.4' } },
      ],
    });
  });
});

describe('PagerDutyDestination', () => {
  it('enqueues a trigger with the incident id as dedup key, then a resolve with the same key', async () => {
    // Prepare
    const pagerduty = new PagerDutyDestination(ROUTING_KEY, { poster, eventsUrl: `${server.origin}/v2/enqueue` });
    // Act
    await pagerduty.send(aNotification());
    await pagerduty.send(aNotification({ state: 'resolved' }, { end: '2026-06-16T06:45:00.000Z' }));
    // Assess
    expect(server.requests.map((r) => r.path)).toEqual(['/v2/enqueue', '/v2/enqueue']);
    expect(server.json(0)).toMatchObject({
      routing_key: ROUTING_KEY,
      event_action: 'trigger',
      dedup_key: 'shop-prod/gateway-errors/2026-06-16T05:40:00.000Z',
      payload: { source: 'shop-prod', severity: 'critical', summary: expect.any(String) },
    });
    expect(server.json(1)).toEqual({
      routing_key: ROUTING_KEY,
      event_action: 'resolve',
      dedup_key: 'shop-prod/gateway-errors/2026-06-16T05:40:00.000Z',
    });
  });

  it('sends nothing for a report announcement', async () => {
    await new PagerDutyDestination(ROUTING_KEY, { poster, eventsUrl: `${server.origin}/v2/enqueue` }).send(aReport());
    expect(server.requests).toEqual([]);
  });

  it('posts to the public Events API by default', async () => {
    // Prepare: no request leaves the machine, the fetch only records where it would go.
    const urls: string[] = [];
    const recordingFetch = async (url: string | URL | Request): Promise<Response> => {
      urls.push(String(url));
      return new Response(null, { status: 202 });
    };
    const offline = new HttpPoster({ fetch: recordingFetch as typeof fetch });
    // Act
    await new PagerDutyDestination(ROUTING_KEY, { poster: offline }).send(aNotification());
    // Assess
    expect(urls).toEqual(['https://events.pagerduty.com/v2/enqueue']);
  });
});

describe('SnsDestination', () => {
  const sns = mockClient(SNSClient);
  beforeEach(() => sns.reset());

  it('publishes subject, text, the JSON in a message attribute and filterable attributes', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const page = aNotification();
    // Act
    await new SnsDestination(new SNSClient({ region: 'eu-west-1' }), TOPIC_ARN).send(page);
    // Assess
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.TopicArn).toBe(TOPIC_ARN);
    expect(input?.Subject).toBe('[CRITICAL] OPENED 502,504 shop-prod 2026-06-16T05:40Z 502.backend-port');
    expect(input?.Message).toContain('Most likely causes:');
    expect(JSON.parse(input?.MessageAttributes?.notification?.StringValue ?? '{}')).toEqual(sanitizeOutgoing(page));
    const attributes = Object.fromEntries(
      Object.entries(input?.MessageAttributes ?? {})
        .filter(([name]) => name !== 'notification')
        .map(([name, value]) => [name, value.StringValue]),
    );
    expect(attributes).toEqual({
      kind: 'incident',
      state: 'opened',
      severity: 'critical',
      rule: 'gateway-errors',
      loadBalancer: 'shop-prod',
      incidentId: 'shop-prod/gateway-errors/2026-06-16T05:40:00.000Z',
    });
  });

  it('marks a report announcement by kind only', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm-2' });
    await new SnsDestination(new SNSClient({ region: 'eu-west-1' }), TOPIC_ARN).send(aReport());
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(Object.keys(input?.MessageAttributes ?? {}).sort()).toEqual(['kind', 'notification']);
    expect(input?.Subject).toMatch(/^lbwatch report /);
  });

  it('turns an SNS failure into PUBLISH_FAILED naming the destination', async () => {
    sns.on(PublishCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottledException' }));
    await expect(
      new SnsDestination(new SNSClient({ region: 'eu-west-1' }), TOPIC_ARN).send(aNotification()),
    ).rejects.toMatchObject({ code: 'PUBLISH_FAILED', context: { destination: 'sns' } });
  });
});
