/**
 * Ingest-side test helpers shared by the end-to-end tests and the state benchmark: S3 notifications in their
 * real shape, and a destination that records what it is given instead of sending it.
 */
import type { Destination } from '../../../functions/destinations/destination.js';
import type { Outgoing } from '../../../lib/model.js';

export interface CreatedObject {
  bucket: string;
  key: string;
  /** ETag without quotes. */
  etag: string;
  size?: number;
}

/** An S3 `ObjectCreated:Put` notification naming the objects (keys form-encoded, as S3 sends them). */
export function objectCreatedEvent(objects: readonly CreatedObject[]): { Records: Record<string, unknown>[] } {
  return {
    Records: objects.map((o, i) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'eu-west-1',
      eventTime: '2024-05-01T10:10:12.345Z',
      eventName: 'ObjectCreated:Put',
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'lbwatch-access-logs',
        bucket: { name: o.bucket, arn: `arn:aws:s3:::${o.bucket}` },
        object: {
          key: encodeURIComponent(o.key).replace(/%2F/g, '/').replace(/%20/g, '+'),
          size: o.size ?? 1,
          eTag: o.etag,
          sequencer: String(i).padStart(18, '0'),
        },
      },
    })),
  };
}

/** Keeps every page and announcement it is asked to send. */
export class RecordingDestination implements Destination {
  readonly name = 'webhook';
  readonly sent: Outgoing[] = [];

  async send(outgoing: Outgoing): Promise<void> {
    this.sent.push(outgoing);
  }
}
