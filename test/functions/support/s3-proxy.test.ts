/**
 * The request-counting proxy in front of s3rver: every request forwarded and counted by operation and key
 * prefix with its bytes, and the conditional writes s3rver ignores (`If-None-Match: *`, `If-Match`) decided
 * by the proxy, one writer at a time per key.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { S3StateStore } from '../../../functions/s3/state-store.js';
import { type LocalS3, localS3Client, startS3rver } from './local-stack.js';
import { type CountingProxy, classifyRequest, startCountingProxy } from './s3-proxy.js';

const BUCKET = 'example-lbwatch-state';

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function nameOf(error: unknown): string | undefined {
  return (error as { name?: string }).name;
}

describe('classifyRequest', () => {
  it('tells object reads from bucket listings and decodes keys', () => {
    // Prepare / Act
    const get = classifyRequest('GET', '/state/lbwatch/windows/a%20b.json?x-id=GetObject');
    const list = classifyRequest('GET', '/state?list-type=2&prefix=lbwatch%2Flbs%2F');
    const put = classifyRequest('PUT', '/state/k');
    const head = classifyRequest('HEAD', '/state/k');
    const del = classifyRequest('DELETE', '/state/k');
    // Assess
    expect(get).toMatchObject({ bucket: 'state', key: 'lbwatch/windows/a b.json', operation: 'GET' });
    expect(list).toMatchObject({ bucket: 'state', key: '', operation: 'LIST', listPrefix: 'lbwatch/lbs/' });
    expect([put.operation, head.operation, del.operation]).toEqual(['PUT', 'HEAD', 'DELETE']);
  });
});

describe('S3 request-counting proxy (s3rver on loopback)', () => {
  let server: LocalS3;
  let proxy: CountingProxy;
  let s3: S3Client;

  beforeAll(async () => {
    server = await startS3rver([BUCKET]);
    proxy = await startCountingProxy({ target: server.endpoint });
    s3 = localS3Client(proxy.endpoint);
  });

  afterAll(async () => {
    s3?.destroy();
    await proxy?.stop();
    await server?.stop();
  });

  beforeEach(() => proxy.reset());

  it('forwards and counts every operation by key prefix, with the bytes read and written', async () => {
    // Prepare
    const body = 'x'.repeat(1000);
    // Act
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'lbwatch/windows/a.json', Body: body }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'lbwatch/lbs/b.json', Body: '{}' }));
    const read = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'lbwatch/windows/a.json' }));
    const text = await read.Body?.transformToString();
    await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'lbwatch/lbs/b.json' }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'lbwatch/' }));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'lbwatch/lbs/b.json' }));
    // Assess
    const counts = proxy.counts();
    expect(text).toBe(body);
    expect(listed.Contents?.map((c) => c.Key)).toEqual(['lbwatch/lbs/b.json', 'lbwatch/windows/a.json']);
    expect(counts.requests).toEqual({ GET: 1, PUT: 2, LIST: 1, HEAD: 1, DELETE: 1, OTHER: 0 });
    expect(counts.bytesRead).toBe(1000);
    expect(counts.bytesWritten).toBe(1002);
    expect(counts.byPrefix[`${BUCKET}/lbwatch/windows/`]?.requests).toMatchObject({ GET: 1, PUT: 1 });
    expect(counts.byPrefix[`${BUCKET}/lbwatch/lbs/`]?.requests).toMatchObject({ PUT: 1, HEAD: 1, DELETE: 1 });
    expect(counts.byPrefix[`${BUCKET}/lbwatch/`]?.requests.LIST).toBe(1);
  });

  it('answers If-None-Match: * with 412 PreconditionFailed when the object exists, and creates it otherwise', async () => {
    // Prepare
    const key = 'lbwatch/windows/create-once.json';
    // Act
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'first', IfNoneMatch: '*' }));
    const second = await s3
      .send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'second', IfNoneMatch: '*' }))
      .then(
        () => null,
        (error: unknown) => error,
      );
    const stored = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    // Assess
    expect(statusOf(second)).toBe(412);
    expect(nameOf(second)).toBe('PreconditionFailed');
    expect(await stored.Body?.transformToString()).toBe('first');
    expect(proxy.counts().conditionFailed).toBe(1);
  });

  it('answers If-Match with 412 on another version and 404 NoSuchKey on a missing key, and replaces on a match', async () => {
    // Prepare
    const key = 'lbwatch/lbs/versioned.json';
    const first = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'v1' }));
    const second = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'v2' }));
    // Act
    const stale = await s3
      .send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'stale', IfMatch: first.ETag }))
      .then(
        () => null,
        (error: unknown) => error,
      );
    const missing = await s3
      .send(new PutObjectCommand({ Bucket: BUCKET, Key: `${key}.absent`, Body: 'x', IfMatch: first.ETag }))
      .then(
        () => null,
        (error: unknown) => error,
      );
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'v3', IfMatch: second.ETag }));
    const stored = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    // Assess
    expect(first.ETag).not.toBe(second.ETag);
    expect(statusOf(stale)).toBe(412);
    expect(nameOf(stale)).toBe('PreconditionFailed');
    expect(statusOf(missing)).toBe(404);
    expect(await stored.Body?.transformToString()).toBe('v3');
  });

  it('lets exactly one of many concurrent conditional writers of one version win', async () => {
    // Prepare
    const store = new S3StateStore(s3, BUCKET);
    const key = 'lbwatch/windows/race.json';
    await store.put(key, 'v0');
    const read = await store.get(key);
    const writers = Array.from({ length: 8 }, (_, i) => `writer-${i}`);
    // Act
    const outcomes = await Promise.all(writers.map((w) => store.putIfMatch(key, w, read?.etag ?? '')));
    const created = await Promise.all(writers.map((w) => store.putIfAbsent('lbwatch/windows/new.json', w)));
    const stored = await store.get(key);
    // Assess
    expect(outcomes.filter((o) => o === 'written')).toHaveLength(1);
    expect(created.filter((o) => o === 'created')).toHaveLength(1);
    expect(writers[outcomes.indexOf('written')]).toBe(stored?.text);
  });
});
