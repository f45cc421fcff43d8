import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AlertClaims, CLAIM_STALE_MS, type ClaimBody } from '../../../functions/core/claims.js';
import { memoryLogger } from '../../../functions/core/logger.js';
import type { Notification } from '../../../functions/core/messages.js';
import { type Destination, SnsDestination } from '../../../functions/core/publishers.js';
import { S3StateStore } from '../../../functions/s3/state-store.js';
import { alertFactory, awsError, s3Body, TOPIC_ARN } from '../support/factories.js';

const s3 = mockClient(S3Client);
const sns = mockClient(SNSClient);
const NOW = Date.parse('2024-05-01T10:20:00Z');
const firing: Notification = { ...alertFactory(), state: 'firing' };
const CLAIM_KEY = 'lbwatch/alerts/app~2fweb~2f50dc6c495c0c9188/2024-05-01T10:05:00.000Z/5xx-rate.firing.json';

function claims(
  destinations: Destination[] = [new SnsDestination(new SNSClient({ region: 'eu-west-1' }), TOPIC_ARN)],
): AlertClaims {
  const store = new S3StateStore(new S3Client({ region: 'eu-west-1' }), 'example-lbwatch-state');
  return new AlertClaims(store, 'lbwatch/', destinations, {
    keepQueryStrings: false,
    now: () => NOW,
    log: memoryLogger(),
  });
}

function claimBody(status: ClaimBody['status'], at: number, delivered: string[] = []): string {
  return JSON.stringify({ status, at: new Date(at).toISOString(), claimant: 'x', delivered, notification: firing });
}

function putInputs(): { Key?: string; IfNoneMatch?: string; IfMatch?: string; Body?: unknown }[] {
  return s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
}

describe('AlertClaims.deliverOnce', () => {
  beforeEach(() => {
    s3.reset();
    sns.reset();
  });

  it('claims with If-None-Match: *, publishes, then marks the claim sent', async () => {
    // Prepare
    s3.on(GetObjectCommand).rejects(awsError('NoSuchKey', 404));
    s3.on(PutObjectCommand).resolves({ ETag: '"e1"' });
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    // Act
    const outcome = await claims().deliverOnce(firing, 'object-1');
    // Assess
    expect(outcome).toBe('sent');
    expect(claims().keyOf(firing)).toBe(CLAIM_KEY);
    const puts = putInputs();
    expect(puts[0]).toMatchObject({ Key: CLAIM_KEY, IfNoneMatch: '*' });
    expect(JSON.parse(String(puts[1]?.Body))).toMatchObject({ status: 'sent', delivered: ['sns'] });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  });

  it('sends nothing when it loses the conditional-write race (412)', async () => {
    // Prepare: nothing there at first read, the create loses, the winner's claim is fresh
    s3.on(GetObjectCommand)
      .rejectsOnce(awsError('NoSuchKey', 404))
      .resolves({ Body: s3Body(claimBody('pending', NOW - 1000)), ETag: '"w1"' });
    s3.on(PutObjectCommand).rejects(awsError('PreconditionFailed', 412));
    // Act
    const outcome = await claims().deliverOnce(firing, 'object-2');
    // Assess
    expect(outcome).toBe('in-progress');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(putInputs()).toHaveLength(1);
  });

  it('does not page again when the claim says sent', async () => {
    s3.on(GetObjectCommand).resolves({ Body: s3Body(claimBody('sent', NOW - 3_600_000, ['sns'])), ETag: '"s1"' });
    expect(await claims().deliverOnce(firing, 'object-3')).toBe('already-sent');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(putInputs()).toHaveLength(0);
  });

  it('deletes the claim when SNS fails, so the retry delivers exactly once', async () => {
    // Prepare: first attempt, SNS down
    s3.on(GetObjectCommand).rejects(awsError('NoSuchKey', 404));
    s3.on(PutObjectCommand).resolves({});
    s3.on(DeleteObjectCommand).resolves({});
    sns.on(PublishCommand).rejectsOnce(awsError('InternalError', 500)).resolves({ MessageId: 'm-2' });
    // Act 1
    await expect(claims().deliverOnce(firing, 'object-4')).rejects.toMatchObject({ code: 'PUBLISH_FAILED' });
    // Assess 1: the claim is gone, nothing was delivered
    expect(s3.commandCalls(DeleteObjectCommand)[0]?.args[0].input.Key).toBe(CLAIM_KEY);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    // Act 2: the platform retries
    expect(await claims().deliverOnce(firing, 'object-4')).toBe('sent');
    // Assess 2: one successful publish in total, claim created twice with If-None-Match
    expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
    expect(putInputs().filter((p) => p.IfNoneMatch === '*')).toHaveLength(2);
  });

  it('on a partial failure records what was delivered and resumes only the rest', async () => {
    // Prepare: SNS works, the webhook fails once
    let webhookCalls = 0;
    const webhook: Destination = {
      name: 'webhook',
      send: async () => {
        webhookCalls++;
        if (webhookCalls === 1) throw new Error('connection reset');
      },
    };
    const stored: Record<string, string> = {};
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
      const body = stored[input.Key];
      if (body === undefined) throw awsError('NoSuchKey', 404);
      return { Body: s3Body(body), ETag: '"v"' };
    });
    s3.on(PutObjectCommand).callsFake((input: { Key: string; Body: string }) => {
      stored[input.Key] = input.Body;
      return {};
    });
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    const both = () => claims([new SnsDestination(new SNSClient({ region: 'eu-west-1' }), TOPIC_ARN), webhook]);
    // Act
    await expect(both().deliverOnce(firing, 'o')).rejects.toMatchObject({ code: 'PUBLISH_FAILED' });
    const afterFailure = JSON.parse(stored[CLAIM_KEY] ?? '{}') as ClaimBody;
    const outcome = await both().deliverOnce(firing, 'o');
    // Assess
    expect(afterFailure).toMatchObject({ status: 'failed', delivered: ['sns'] });
    expect(outcome).toBe('sent');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(webhookCalls).toBe(2);
    expect(putInputs().some((p) => p.IfMatch === '"v"')).toBe(true);
  });

  it('takes over a pending claim whose owner crashed (older than the stale limit) with If-Match', async () => {
    s3.on(GetObjectCommand).resolves({ Body: s3Body(claimBody('pending', NOW - CLAIM_STALE_MS - 1)), ETag: '"old"' });
    s3.on(PutObjectCommand).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    expect(await claims().deliverOnce(firing, 'o')).toBe('sent');
    expect(putInputs()[0]).toMatchObject({ IfMatch: '"old"' });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
  });

  it('sends nothing when another invocation took the stale claim over first', async () => {
    s3.on(GetObjectCommand).resolves({ Body: s3Body(claimBody('failed', NOW - 5000)), ETag: '"old"' });
    s3.on(PutObjectCommand).rejects(awsError('PreconditionFailed', 412));
    expect(await claims().deliverOnce(firing, 'o')).toBe('in-progress');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('fails with STATE_FAILED (retried) when the claim cannot be read', async () => {
    s3.on(GetObjectCommand).rejects(awsError('SlowDown', 503));
    await expect(claims().deliverOnce(firing, 'o')).rejects.toMatchObject({ code: 'STATE_FAILED' });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });
});
