/**
 * Validates and decodes the event shapes that announce a new access-log object: S3 event
 * notifications, SQS messages that wrap them (directly or inside an SNS envelope), and EventBridge
 * "Object Created" events. Anything else is refused at the boundary with EVENT_INVALID.
 */
import { LbwatchError } from '../../lib/errors.js';
import { isRecord, str, unquote } from '../core/event-fields.js';
import { createdObjectOf, decodeS3Key, type ObjectCreated } from '../core/object-source.js';

/** What one SQS message asks for. */
export type SqsItem =
  | { messageId: string; kind: 'objects'; objects: ObjectCreated[] }
  /** `s3:TestEvent`, sent once when a notification is configured: nothing to do. */
  | { messageId: string; kind: 'test-event' }
  /** Not a notification lbwatch understands: logged and dropped, never redelivered forever. */
  | { messageId: string; kind: 'poison'; reason: string };

export type IngestEvent =
  | { kind: 'objects'; source: 's3' | 'eventbridge'; objects: ObjectCreated[] }
  | { kind: 'sqs'; items: SqsItem[] };

/** Objects of an S3 notification (`{ Records: [...] }`); non-create records are ignored. */
function decodeS3Notification(body: Record<string, unknown>): ObjectCreated[] {
  const records = body.Records;
  if (!Array.isArray(records)) throw new LbwatchError('EVENT_INVALID', 'S3 notification has no Records array');
  const objects: ObjectCreated[] = [];
  for (const record of records) {
    if (!isRecord(record) || record.eventSource !== 'aws:s3') {
      throw new LbwatchError('EVENT_INVALID', 'record is not an aws:s3 event record');
    }
    const object = createdObjectOf(record, 's3');
    if (object !== null) objects.push(object);
  }
  return objects;
}

function isEventBridgeObjectCreated(body: Record<string, unknown>): boolean {
  return body.source === 'aws.s3' && body['detail-type'] === 'Object Created';
}

/**
 * EventBridge "Object Created". The key is decoded like a notification key, and the literal spelling
 * is kept as a fallback (`literalKey`); load-balancer log keys contain no
 * `+`, `%` or space, so both spellings are the same for them.
 */
function decodeEventBridge(body: Record<string, unknown>): ObjectCreated[] {
  const detail = isRecord(body.detail) ? body.detail : null;
  const bucket = detail && isRecord(detail.bucket) ? str(detail.bucket.name) : null;
  const object = detail && isRecord(detail.object) ? detail.object : null;
  const key = object ? str(object.key) : null;
  if (bucket === null || object === null || key === null) {
    throw new LbwatchError('EVENT_INVALID', 'EventBridge Object Created event lacks bucket name or object key');
  }
  let decoded: string;
  try {
    decoded = decodeS3Key(key);
  } catch {
    decoded = key;
  }
  return [
    {
      bucket,
      key: decoded,
      etag: unquote(str(object.etag)),
      versionId: str(object['version-id']),
      size: typeof object.size === 'number' ? object.size : null,
      ...(decoded === key ? {} : { literalKey: key }),
    },
  ];
}

/** Decodes one SQS message body: S3 notification, SNS envelope around one, EventBridge event, or test event. */
function decodeSqsBody(messageId: string, body: string): SqsItem {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { messageId, kind: 'poison', reason: 'body is not JSON' };
  }
  if (isRecord(parsed) && parsed.Type === 'Notification' && typeof parsed.Message === 'string') {
    return decodeSqsBody(messageId, parsed.Message);
  }
  if (!isRecord(parsed)) return { messageId, kind: 'poison', reason: 'body is not a JSON object' };
  if (parsed.Event === 's3:TestEvent') return { messageId, kind: 'test-event' };
  try {
    if (Array.isArray(parsed.Records)) return { messageId, kind: 'objects', objects: decodeS3Notification(parsed) };
    if (isEventBridgeObjectCreated(parsed)) return { messageId, kind: 'objects', objects: decodeEventBridge(parsed) };
  } catch (error) {
    return { messageId, kind: 'poison', reason: error instanceof Error ? error.message : String(error) };
  }
  return { messageId, kind: 'poison', reason: 'body is neither an S3 notification nor an EventBridge event' };
}

/** Classifies and decodes an ingest invocation's event. Throws EVENT_INVALID for unknown shapes. */
export function decodeIngestEvent(event: unknown): IngestEvent {
  if (!isRecord(event)) throw new LbwatchError('EVENT_INVALID', 'event is not an object');
  if (isEventBridgeObjectCreated(event))
    return { kind: 'objects', source: 'eventbridge', objects: decodeEventBridge(event) };
  const records = event.Records;
  if (Array.isArray(records) && records.length > 0) {
    const first = records[0];
    if (isRecord(first) && first.eventSource === 'aws:sqs') {
      const items = records.map((record, index): SqsItem => {
        const messageId = isRecord(record) ? str(record.messageId) : null;
        if (messageId === null || !isRecord(record) || record.eventSource !== 'aws:sqs') {
          throw new LbwatchError('EVENT_INVALID', 'SQS batch record without messageId', { context: { index } });
        }
        return typeof record.body === 'string'
          ? decodeSqsBody(messageId, record.body)
          : { messageId, kind: 'poison', reason: 'body is not a string' };
      });
      return { kind: 'sqs', items };
    }
    return { kind: 'objects', source: 's3', objects: decodeS3Notification(event) };
  }
  throw new LbwatchError('EVENT_INVALID', 'event is neither an S3 notification, an SQS batch nor an EventBridge event');
}

/** The EventBridge scheduled event that triggers a report ("Scheduled Event" from aws.events). */
export function scheduledTime(event: unknown): number | null {
  if (!isRecord(event) || event['detail-type'] !== 'Scheduled Event') return null;
  const ms = typeof event.time === 'string' ? Date.parse(event.time) : Number.NaN;
  return Number.isNaN(ms) ? null : ms;
}
