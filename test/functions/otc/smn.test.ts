import { createHash, createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpPoster } from '../../../functions/destinations/http.js';
import { canonicalRequest, sdkDate, signRequest } from '../../../functions/otc/sign.js';
import { contextCredentials, defaultSmnEndpoint, parseTopicUrn, SmnDestination } from '../../../functions/otc/smn.js';
import { renderSubject, sanitizeOutgoing } from '../../../lib/notify/index.js';
import { aNotification } from '../../lib/notify/factories.js';
import { hostileNotification } from '../../lib/notify/hostile.js';
import { type Recorder, startRecorder } from '../../support/recorder.js';

const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const TOPIC_URN = `urn:smn:eu-de:${PROJECT}:lbwatch-alerts`;
const NOW = new Date('2026-06-16T05:56:12.000Z');

let server: Recorder;
const poster = new HttpPoster({ sleep: async () => {} });
beforeEach(async () => {
  server = await startRecorder([{ status: 200, body: '{"request_id":"r","message_id":"m"}' }]);
});
afterEach(async () => {
  await server.close();
});

interface PublishBody {
  subject: string;
  message: string;
  message_structure: string;
  time_to_live: string;
}

describe('SmnDestination', () => {
  it('publishes subject, message and a message structure to the topic path with X-Auth-Token', async () => {
    // Prepare
    const page = hostileNotification();
    const smn = new SmnDestination({
      topicUrn: TOPIC_URN,
      endpoint: server.origin,
      credentials: async () => ({ token: 'agency-token' }),
      poster,
    });
    // Act
    await smn.send(page);
    // Assess
    const request = server.requests[0];
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(`/v2/${PROJECT}/notifications/topics/${TOPIC_URN}/publish`);
    expect(request?.headers['x-auth-token']).toBe('agency-token');
    expect(request?.headers['content-type']).toBe('application/json;charset=UTF-8');
    const body = server.json(0) as PublishBody;
    expect(Object.keys(body).sort()).toEqual(['message', 'message_structure', 'subject', 'time_to_live']);
    expect(body.subject).toBe(renderSubject(sanitizeOutgoing(page)));
    expect(Buffer.byteLength(body.subject)).toBeLessThanOrEqual(512);
    const structure = JSON.parse(body.message_structure) as Record<string, string>;
    expect(structure.default).toBe(body.message);
    expect(structure.email).toBe(body.message);
    expect(JSON.parse(structure.https ?? '{}')).toEqual(sanitizeOutgoing(page));
    expect(Number(body.time_to_live)).toBeLessThanOrEqual(3600 * 24 * 7);
  });

  it('signs with the temporary AK/SK and security token when there is no token', async () => {
    // Prepare
    const smn = new SmnDestination({
      topicUrn: TOPIC_URN,
      endpoint: server.origin,
      credentials: async () => ({ accessKey: 'AKTEMP', secretKey: 'sk-secret', securityToken: 'sts-token' }),
      poster,
      now: () => NOW,
    });
    // Act
    await smn.send(aNotification());
    // Assess: the server recomputes the signature from what it received.
    const request = server.requests[0];
    expect(request?.headers['x-auth-token']).toBeUndefined();
    expect(request?.headers['x-sdk-date']).toBe('20260616T055612Z');
    expect(request?.headers['x-security-token']).toBe('sts-token');
    const authorization = String(request?.headers.authorization);
    expect(authorization).toMatch(
      /^SDK-HMAC-SHA256 Access=AKTEMP, SignedHeaders=content-type;host;x-sdk-date;x-security-token, Signature=[0-9a-f]{64}$/,
    );
    const signed = ['content-type', 'host', 'x-sdk-date', 'x-security-token'];
    const headers = Object.fromEntries(signed.map((name) => [name, String(request?.headers[name])]));
    const canonical = canonicalRequest(
      'POST',
      new URL(`${server.origin}${request?.path}`),
      headers,
      request?.body ?? '',
    );
    const stringToSign = `SDK-HMAC-SHA256\n20260616T055612Z\n${createHash('sha256').update(canonical).digest('hex')}`;
    const expected = createHmac('sha256', 'sk-secret').update(stringToSign).digest('hex');
    expect(authorization.endsWith(`Signature=${expected}`)).toBe(true);
    expect(canonical.split('\n')[1]).toBe(
      `/v2/${PROJECT}/notifications/topics/urn%3Asmn%3Aeu-de%3A${PROJECT}%3Albwatch-alerts/publish/`,
    );
  });

  it('retries 500 and 429 with the same body', async () => {
    await server.close();
    server = await startRecorder([{ status: 500 }, { status: 429 }, { status: 200 }]);
    const smn = new SmnDestination({
      topicUrn: TOPIC_URN,
      endpoint: server.origin,
      credentials: async () => ({ token: 't' }),
      poster,
    });
    await smn.send(aNotification());
    expect(server.requests).toHaveLength(3);
    expect(new Set(server.requests.map((r) => r.body)).size).toBe(1);
  });

  it('fails at once on 400 and without credentials, naming the destination', async () => {
    await server.close();
    server = await startRecorder([{ status: 400 }]);
    const failing = new SmnDestination({
      topicUrn: TOPIC_URN,
      endpoint: server.origin,
      credentials: async () => ({ token: 't' }),
      poster,
    });
    await expect(failing.send(aNotification())).rejects.toMatchObject({
      code: 'PUBLISH_FAILED',
      context: { destination: 'smn' },
    });
    expect(server.requests).toHaveLength(1);
    const anonymous = new SmnDestination({
      topicUrn: TOPIC_URN,
      endpoint: server.origin,
      credentials: async () => ({}),
      poster,
    });
    await expect(anonymous.send(aNotification())).rejects.toMatchObject({
      code: 'PUBLISH_FAILED',
      context: { destination: 'smn' },
    });
    expect(server.requests).toHaveLength(1);
  });
});

describe('topic URN, endpoint and context credentials', () => {
  it('reads region and project from the topic URN', () => {
    expect(parseTopicUrn(TOPIC_URN)).toEqual({
      region: 'eu-de',
      projectId: PROJECT,
      name: 'lbwatch-alerts',
      urn: TOPIC_URN,
    });
    expect(parseTopicUrn('arn:aws:sns:eu-west-1:1:x')).toBeNull();
    expect(defaultSmnEndpoint('eu-de')).toBe('https://smn.eu-de.otc.t-systems.com');
  });

  it('reads the agency credentials from the FunctionGraph context', async () => {
    const context = {
      getToken: () => '',
      getSecurityAccessKey: () => 'AK',
      getSecuritySecretKey: () => 'SK',
      getSecurityToken: () => 'ST',
    };
    expect(await contextCredentials(() => context)()).toEqual({
      token: undefined,
      accessKey: 'AK',
      secretKey: 'SK',
      securityToken: 'ST',
    });
  });
});

describe('signRequest', () => {
  it('reproduces the signing guide example (GET vpcs, 20191115T033655Z)', () => {
    // Prepare: the documented request, key and expected results.
    const url =
      'https://service.region.example.com/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs?limit=2&marker=13551d6b-755d-4757-b956-536f674975c0';
    const now = new Date('2019-11-15T03:36:55Z');
    // Act
    const headers = signRequest({
      method: 'GET',
      url,
      headers: { 'Content-Type': 'application/json' },
      body: '',
      key: { accessKey: 'QTWAOYTTINDUT2QVKYUC', secretKey: 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc' },
      now,
    });
    // Assess
    expect(sdkDate(now)).toBe('20191115T033655Z');
    expect(
      createHash('sha256')
        .update(
          canonicalRequest(
            'GET',
            new URL(url),
            {
              'content-type': 'application/json',
              host: 'service.region.example.com',
              'x-sdk-date': '20191115T033655Z',
            },
            '',
          ),
        )
        .digest('hex'),
    ).toBe('b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a');
    expect(headers.authorization).toBe(
      'SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe',
    );
  });
});
