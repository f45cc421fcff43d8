/**
 * The object-source port: what an event announced (a created object) and how its bytes are opened.
 * Event decoders of each cloud produce {@link ObjectCreated}; the ingest flow opens it through an
 * {@link ObjectSource}.
 */
import { LbwatchError } from '../../lib/errors.js';
import { isRecord, str, unquote } from './event-fields.js';

/** One created object, key already decoded. */
export interface ObjectCreated {
  bucket: string;
  key: string;
  /** ETag without quotes, when the event carries it. */
  etag: string | null;
  versionId: string | null;
  size: number | null;
  /**
   * When it differs from `key`: the key exactly as the event spelled it, tried when the decoded key
   * does not exist (AWS documents URL encoding for notification keys, not for EventBridge ones).
   */
  literalKey?: string;
}

export interface ObjectRef {
  bucket: string;
  key: string;
  /** Open exactly this content (ETag without quotes); null: whatever is there. */
  etag: string | null;
}

export interface OpenedObject {
  body: AsyncIterable<Uint8Array>;
  /** ETag without quotes. */
  etag: string | null;
  versionId: string | null;
  lastModified: Date | null;
}

export interface ObjectSource {
  /**
   * Opens the object's byte stream. Errors are the store's own (the caller maps them to
   * READ_FAILED; `NoSuchKey` and `PreconditionFailed` mean the object is gone or was replaced).
   */
  open(ref: ObjectRef): Promise<OpenedObject>;
}

/**
 * Object keys in storage notifications are URL-encoded the form way (S3, and OBS after it): `+` is
 * a space, then percent-escapes (`red flower.jpg` arrives as `red+flower.jpg`, a real `+` as `%2B`).
 */
export function decodeS3Key(encoded: string): string {
  const spaced = encoded.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    throw new LbwatchError('EVENT_INVALID', 'object key is not valid URL encoding', { context: { key: encoded } });
  }
}

/**
 * The object a storage notification record announces, or null when the record is not a creation
 * (`ObjectRemoved:*` and the like are ignored). `container` names the member holding bucket and
 * object: `s3` in S3 notifications and OTC's OBS trigger events, `obs` in Huawei Cloud's. A
 * version id of `"null"` (unversioned or suspended bucket) is no version: the ETag identifies the
 * content then.
 */
export function createdObjectOf(record: Record<string, unknown>, container: 's3' | 'obs'): ObjectCreated | null {
  const name = str(record.eventName) ?? '';
  if (!name.startsWith('ObjectCreated:')) return null;
  const body = isRecord(record[container]) ? record[container] : null;
  const bucket = body && isRecord(body.bucket) ? str(body.bucket.name) : null;
  const object = body && isRecord(body.object) ? body.object : null;
  const key = object ? str(object.key) : null;
  if (bucket === null || object === null || key === null) {
    throw new LbwatchError('EVENT_INVALID', `${container} event record lacks bucket name or object key`);
  }
  const versionId = str(object.versionId);
  return {
    bucket,
    key: decodeS3Key(key),
    etag: unquote(str(object.eTag)),
    versionId: versionId === 'null' ? null : versionId,
    size: typeof object.size === 'number' ? object.size : null,
  };
}
