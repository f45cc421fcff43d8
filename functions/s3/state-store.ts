/**
 * The state store on S3, or on any store speaking its API (OBS through its S3-compatible endpoint,
 * local servers). Storage failures become STATE_FAILED (transient: the invocation is retried); the
 * SDK has already retried throttling by then.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { LbwatchError } from '../../lib/errors.js';
import { errorName, httpStatus } from '../core/failures.js';
import { type KeyRange, MAX_LISTED_KEYS, type StateStore, type StoredText } from '../core/state-store.js';

export class S3StateStore implements StateStore {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  async put(key: string, body: string, contentType = 'application/json'): Promise<void> {
    try {
      await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
    } catch (error) {
      throw this.failure('write', key, error);
    }
  }

  /** Creates the object only if no object exists at `key` (`If-None-Match: *`). */
  async putIfAbsent(key: string, body: string): Promise<'created' | 'exists'> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
          IfNoneMatch: '*',
        }),
      );
      return 'created';
    } catch (error) {
      // 412: another writer created it first. 409: a concurrent conditional write is in flight; the
      // other writer owns the key exactly as with a 412.
      if (isConditionFailure(error)) return 'exists';
      throw this.failure('conditional write', key, error);
    }
  }

  /** Replaces the object only if it is still the version we read (`If-Match: <etag>`). */
  async putIfMatch(key: string, body: string, etag: string): Promise<'written' | 'changed'> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
          IfMatch: etag,
        }),
      );
      return 'written';
    } catch (error) {
      if (isConditionFailure(error) || errorName(error) === 'NoSuchKey' || httpStatus(error) === 404) return 'changed';
      throw this.failure('conditional write', key, error);
    }
  }

  /** The object's text and ETag, or null when it does not exist. */
  async get(key: string): Promise<StoredText | null> {
    try {
      const response = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const text = response.Body === undefined ? '' : await response.Body.transformToString('utf-8');
      return { text, etag: response.ETag ?? '' };
    } catch (error) {
      if (errorName(error) === 'NoSuchKey' || httpStatus(error) === 404) return null;
      throw this.failure('read', key, error);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      throw this.failure('delete', key, error);
    }
  }

  /**
   * Keys under `prefix`, in key order, optionally starting after `startAfter` and stopping at the
   * first key >= `endBefore`. Bounded by {@link MAX_LISTED_KEYS}.
   */
  async list(prefix: string, range: KeyRange = {}): Promise<string[]> {
    const keys: string[] = [];
    for await (const page of this.listPages(prefix, range)) {
      keys.push(...page);
      if (keys.length >= MAX_LISTED_KEYS) {
        throw new LbwatchError('STATE_FAILED', `more than ${MAX_LISTED_KEYS} state objects under one prefix`, {
          context: { bucket: this.bucket, prefix },
        });
      }
    }
    return keys;
  }

  /** One ListObjectsV2 page at a time (up to 1,000 keys), cut at `endBefore`; see {@link StateStore.listPages}. */
  async *listPages(prefix: string, range: KeyRange = {}): AsyncGenerator<string[]> {
    let token: string | undefined;
    do {
      let response: ListObjectsV2CommandOutput;
      try {
        response = await this.s3.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            ContinuationToken: token,
            StartAfter: token === undefined ? range.startAfter : undefined,
          }),
        );
      } catch (error) {
        throw this.failure('list', prefix, error);
      }
      const page: string[] = [];
      let ended = false;
      for (const item of response.Contents ?? []) {
        if (item.Key === undefined) continue;
        if (range.endBefore !== undefined && item.Key >= range.endBefore) {
          ended = true;
          break;
        }
        page.push(item.Key);
      }
      if (page.length > 0) yield page;
      if (ended) return;
      token = response.IsTruncated ? response.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  private failure(action: string, key: string, cause: unknown): LbwatchError {
    return new LbwatchError(
      'STATE_FAILED',
      `state ${action} failed for s3://${this.bucket}/${key}: ${errorName(cause) || 'error'}`,
      {
        cause,
        context: { bucket: this.bucket, key, status: httpStatus(cause) },
      },
    );
  }
}

function isConditionFailure(error: unknown): boolean {
  const status = httpStatus(error);
  const name = errorName(error);
  return status === 412 || status === 409 || name === 'PreconditionFailed' || name === 'ConditionalRequestConflict';
}
