import { describe, expect, it } from 'vitest';
import { decodeIngestEvent, scheduledTime } from '../../../functions/aws/events.js';
import { decodeS3Key } from '../../../functions/core/object-source.js';
import { isLbwatchError } from '../../../lib/errors.js';
import { fixture } from '../support/factories.js';

describe('decodeS3Key', () => {
  it('turns + into a space before percent-decoding', () => {
    expect(decodeS3Key('my+logs/a%2Bb%20c.log')).toBe('my logs/a+b c.log');
    expect(decodeS3Key('2024%3A05.log')).toBe('2024:05.log');
  });

  it('refuses malformed escapes with EVENT_INVALID', () => {
    expect(() => decodeS3Key('bad%zz.log')).toThrowError(expect.objectContaining({ code: 'EVENT_INVALID' }));
  });
});

describe('decodeIngestEvent', () => {
  it('decodes an S3 notification, key with a space', () => {
    // Prepare
    const event = fixture('s3-object-created.json');
    // Act
    const decoded = decodeIngestEvent(event);
    // Assess
    expect(decoded).toEqual({
      kind: 'objects',
      source: 's3',
      objects: [
        {
          bucket: 'example-elb-logs',
          key: 'AWSLogs/123456789012/elasticloadbalancing/eu-west-1/2024/05/01/my logs/123456789012_elasticloadbalancing_eu-west-1_app.web.50dc6c495c0c9188_20240501T1010Z_10.0.1.12_2soosksi.log.gz',
          etag: 'd41d8cd98f00b204e9800998ecf8427e',
          versionId: null,
          size: 1024,
        },
      ],
    });
  });

  it('ignores records that are not object creations', () => {
    expect(decodeIngestEvent(fixture('s3-object-removed.json'))).toEqual({
      kind: 'objects',
      source: 's3',
      objects: [],
    });
  });

  it('decodes EventBridge Object Created with its version id', () => {
    const decoded = decodeIngestEvent(fixture('eventbridge-object-created.json'));
    expect(decoded).toEqual({
      kind: 'objects',
      source: 'eventbridge',
      objects: [
        {
          bucket: 'example-elb-logs',
          key: 'elb/2024/05/01/node-b.log',
          etag: 'b1946ac92492d2347c6235b4d2611184',
          versionId: 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
          size: 5,
        },
      ],
    });
  });

  it('classifies SQS messages: S3 notification, test event, poison', () => {
    const decoded = decodeIngestEvent(fixture('sqs-batch.json'));
    if (decoded.kind !== 'sqs') throw new Error('expected an SQS batch');
    expect(decoded.items.map((item) => item.kind)).toEqual(['objects', 'test-event', 'poison']);
    const first = decoded.items[0];
    expect(first?.kind === 'objects' ? first.objects[0]?.key : null).toBe('elb/2024/05/01/node-a.log');
  });

  it('unwraps an SNS envelope inside an SQS message', () => {
    // Prepare
    const inner = JSON.stringify(fixture('s3-object-created.json'));
    const batch = fixture<{ Records: { body: string }[] }>('sqs-batch.json');
    const record = batch.Records[0];
    if (record === undefined) throw new Error('fixture has no record');
    record.body = JSON.stringify({
      Type: 'Notification',
      MessageId: 'a1',
      TopicArn: 'arn:aws:sns:eu-west-1:123456789012:t',
      Message: inner,
    });
    // Act
    const decoded = decodeIngestEvent({ Records: [record] });
    // Assess
    expect(decoded.kind === 'sqs' && decoded.items[0]?.kind).toBe('objects');
  });

  it('marks bodies that are not JSON or not S3 as poison with a reason', () => {
    const batch = fixture<{ Records: { body: string }[] }>('sqs-batch.json');
    const [a] = batch.Records;
    if (a === undefined) throw new Error('fixture has no record');
    const decoded = decodeIngestEvent({
      Records: [
        { ...a, body: 'not json' },
        { ...a, messageId: 'm2', body: '{"Records":[{"eventSource":"aws:dynamodb"}]}' },
      ],
    });
    if (decoded.kind !== 'sqs') throw new Error('expected an SQS batch');
    expect(decoded.items).toEqual([
      { messageId: a && (a as unknown as { messageId: string }).messageId, kind: 'poison', reason: 'body is not JSON' },
      { messageId: 'm2', kind: 'poison', reason: 'record is not an aws:s3 event record' },
    ]);
  });

  it('refuses unknown top-level shapes with EVENT_INVALID', () => {
    for (const event of [null, {}, { Records: [] }, { 'detail-type': 'Object Deleted', source: 'aws.s3' }]) {
      let code = '';
      try {
        decodeIngestEvent(event);
      } catch (error) {
        code = isLbwatchError(error) ? error.code : 'other';
      }
      expect(code).toBe('EVENT_INVALID');
    }
  });
});

describe('scheduledTime', () => {
  it('reads the time of an EventBridge scheduled event', () => {
    expect(scheduledTime(fixture('scheduled-event.json'))).toBe(Date.parse('2024-05-02T00:15:00Z'));
    expect(scheduledTime({})).toBeNull();
  });
});
