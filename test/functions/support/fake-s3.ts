/**
 * An in-memory bucket behind aws-sdk-client-mock: enough S3 semantics (conditional puts, listing by
 * prefix, NoSuchKey) for handler unit tests, with hooks to inject failures per command.
 */

import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3ClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-s3';
import type { AwsStub } from 'aws-sdk-client-mock';
import { awsError, s3Body } from './factories.js';

export type S3Mock = AwsStub<ServiceInputTypes, ServiceOutputTypes, S3ClientResolvedConfig>;

export interface FakeObject {
  body: Buffer;
  etag: string;
}

export class FakeS3 {
  readonly objects = new Map<string, FakeObject>();
  /** Return a value to throw it instead of serving the request. */
  failGet: (bucket: string, key: string) => Error | null = () => null;
  failPut: (bucket: string, key: string, conditional: boolean) => Error | null = () => null;
  /** Set by a failPut hook: the write lands before its error is returned (an answer lost on the way back). */
  landNext = false;

  constructor(readonly mock: S3Mock) {
    this.install();
  }

  put(bucket: string, key: string, body: string | Buffer): FakeObject {
    const buffer = Buffer.from(body);
    const object = { body: buffer, etag: createHash('md5').update(buffer).digest('hex') };
    this.objects.set(`${bucket}/${key}`, object);
    return object;
  }

  text(bucket: string, key: string): string | undefined {
    return this.objects.get(`${bucket}/${key}`)?.body.toString('utf8');
  }

  keys(bucket: string, prefix = ''): string[] {
    return [...this.objects.keys()]
      .filter((k) => k.startsWith(`${bucket}/${prefix}`))
      .map((k) => k.slice(bucket.length + 1))
      .sort();
  }

  install(): void {
    this.mock.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string; IfMatch?: string }) => {
      const failure = this.failGet(input.Bucket, input.Key);
      if (failure !== null) throw failure;
      const object = this.objects.get(`${input.Bucket}/${input.Key}`);
      if (object === undefined) throw awsError('NoSuchKey', 404);
      if (input.IfMatch !== undefined && input.IfMatch !== `"${object.etag}"`)
        throw awsError('PreconditionFailed', 412);
      return { Body: s3Body(object.body), ETag: `"${object.etag}"`, LastModified: new Date('2024-05-01T10:10:00Z') };
    });
    this.mock
      .on(PutObjectCommand)
      .callsFake(
        (input: { Bucket: string; Key: string; Body: string | Buffer; IfNoneMatch?: string; IfMatch?: string }) => {
          const conditional = input.IfNoneMatch !== undefined || input.IfMatch !== undefined;
          const failure = this.failPut(input.Bucket, input.Key, conditional);
          if (failure !== null) {
            if (this.landNext) {
              this.landNext = false;
              this.put(input.Bucket, input.Key, input.Body);
            }
            throw failure;
          }
          const existing = this.objects.get(`${input.Bucket}/${input.Key}`);
          if (input.IfNoneMatch === '*' && existing !== undefined) throw awsError('PreconditionFailed', 412);
          if (input.IfMatch !== undefined && (existing === undefined || input.IfMatch !== `"${existing.etag}"`)) {
            throw awsError('PreconditionFailed', 412);
          }
          const stored = this.put(input.Bucket, input.Key, input.Body);
          return { ETag: `"${stored.etag}"` };
        },
      );
    this.mock.on(DeleteObjectCommand).callsFake((input: { Bucket: string; Key: string }) => {
      this.objects.delete(`${input.Bucket}/${input.Key}`);
      return {};
    });
    this.mock.on(ListObjectsV2Command).callsFake((input: { Bucket: string; Prefix?: string; StartAfter?: string }) => {
      const keys = this.keys(input.Bucket, input.Prefix ?? '').filter(
        (k) => input.StartAfter === undefined || k > input.StartAfter,
      );
      return { Contents: keys.map((Key) => ({ Key })), IsTruncated: false, KeyCount: keys.length };
    });
  }
}
