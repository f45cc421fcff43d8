/**
 * Source objects read through the S3 API: AWS S3, and OBS through its S3-compatible endpoint.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { LbwatchError } from '../../lib/errors.js';
import type { ObjectRef, ObjectSource, OpenedObject } from '../core/object-source.js';

function stripQuotes(etag: string | undefined): string | null {
  return etag === undefined ? null : etag.replace(/^"+|"+$/g, '');
}

export class S3ObjectSource implements ObjectSource {
  constructor(private readonly s3: S3Client) {}

  async open(ref: ObjectRef): Promise<OpenedObject> {
    // Read exactly the content the event announced (If-Match on its ETag, which needs only
    // s3:GetObject, unlike VersionId): an overwritten object has its own event.
    const response = await this.s3.send(
      new GetObjectCommand({
        Bucket: ref.bucket,
        Key: ref.key,
        ...(ref.etag !== null ? { IfMatch: `"${ref.etag}"` } : {}),
      }),
    );
    const body = response.Body as unknown;
    if (body === null || typeof body !== 'object' || !(Symbol.asyncIterator in body)) {
      throw new LbwatchError('READ_FAILED', 'object body is not a stream');
    }
    return {
      body: body as AsyncIterable<Uint8Array>,
      etag: stripQuotes(response.ETag),
      versionId: response.VersionId ?? null,
      lastModified: response.LastModified ?? null,
    };
  }
}
