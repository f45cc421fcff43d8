import { describe, expect, it } from 'vitest';
import { decodeObsEvent, timerTime } from '../../../functions/otc/events.js';
import { isLbwatchError } from '../../../lib/errors.js';
import { fixture } from '../support/factories.js';

type S3StyleEvent = { Records: { eventName: string; s3: { object: { key: string } } }[] };
type ObsEvent = { Records: { eventName: string; obs: { object: { key: string } } }[] };

function s3Style(name: string, key?: string, eventName?: string): S3StyleEvent {
  const event = fixture<S3StyleEvent>(`otc/${name}`);
  const record = event.Records[0];
  if (record === undefined) throw new Error('fixture has no record');
  if (key !== undefined) record.s3.object.key = key;
  if (eventName !== undefined) record.eventName = eventName;
  return event;
}

function obsShaped(key?: string, eventName?: string): ObsEvent {
  const event = fixture<ObsEvent>('otc/obs-v3.json');
  const record = event.Records[0];
  if (record === undefined) throw new Error('fixture has no record');
  if (key !== undefined) record.obs.object.key = key;
  if (eventName !== undefined) record.eventName = eventName;
  return event;
}

function eventError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return isLbwatchError(error) ? error.code : 'not an LbwatchError';
  }
  return 'no error';
}

describe('decodeObsEvent', () => {
  it('decodes the S3-style record of the OTC docs (eventSource aws:s3, awsRegion)', () => {
    // Act
    const objects = decodeObsEvent(s3Style('obs-s3-style.json'));
    // Assess: versionId "null" is no version
    expect(objects).toEqual([
      {
        bucket: 'fg-sample-obs-go-runtime-sdk',
        key: 'test2.txt',
        etag: '5d41402abc4b2a76b9719d911017c592',
        versionId: null,
        size: 5,
      },
    ]);
  });

  it('decodes the S3-style record without eventSource (the Node.js runtime sample)', () => {
    // Act
    const objects = decodeObsEvent(s3Style('obs-s3-style-nodejs.json'));
    // Assess
    expect(objects).toEqual([
      {
        bucket: 'functionstorage-template',
        key: 'job.png',
        etag: '9d377b10ce778c4938b3c7e2c63a229a',
        versionId: null,
        size: 777835,
      },
    ]);
  });

  it('decodes the Huawei Cloud record (eventVersion 3.0, eventSource OBS, obs, eventRegion)', () => {
    // Act
    const objects = decodeObsEvent(obsShaped());
    // Assess
    expect(objects).toEqual([
      {
        bucket: 'developer-test-example',
        key: 'test.tar',
        etag: '6f9433fb110632de417e2e697dcb1b5f',
        versionId: 'G00101A0F057D2A5FFFFCB8700806592null',
        size: 112,
      },
    ]);
  });

  it.each([
    ['S3-style', () => s3Style('obs-s3-style.json', 'LogTanks/eu-de/2024/05/01/elb+group/access+log%2B1.log')],
    ['OBS', () => obsShaped('LogTanks/eu-de/2024/05/01/elb+group/access+log%2B1.log')],
  ])('decodes URL-encoded keys in the %s shape (+ is a space, %%2B a plus)', (_shape, event) => {
    // Act
    const [object] = decodeObsEvent(event());
    // Assess
    expect(object?.key).toBe('LogTanks/eu-de/2024/05/01/elb group/access log+1.log');
  });

  it.each([
    ['S3-style', () => s3Style('obs-s3-style.json', undefined, 'ObjectRemoved:Delete')],
    ['OBS', () => obsShaped(undefined, 'ObjectRemoved:DeleteMarkerCreated')],
  ])('ignores records that are not creations in the %s shape', (_shape, event) => {
    // Act
    const objects = decodeObsEvent(event());
    // Assess
    expect(objects).toEqual([]);
  });

  it.each([
    ['no object', null],
    ['no Records', { Records: [] }],
    [
      'an S3 notification from elsewhere',
      { Records: [{ eventSource: 'ctyun:s3', eventName: 'ObjectCreated:Put', s3: {} }] },
    ],
    ['a timer event', fixture('otc/timer.json')],
    ['a record without bucket', { Records: [{ eventName: 'ObjectCreated:Put', obs: { object: { key: 'a.log' } } }] }],
    [
      'a key that is not URL encoding',
      { Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' }, object: { key: '%E0%A4%A' } } }] },
    ],
  ])('refuses %s with EVENT_INVALID', (_what, event) => {
    // Act / Assess
    expect(eventError(() => decodeObsEvent(event))).toBe('EVENT_INVALID');
  });
});

describe('timerTime', () => {
  it('reads the time of a timer trigger event, offset included', () => {
    // Act
    const time = timerTime(fixture('otc/timer.json'));
    // Assess
    expect(time).toBe(Date.parse('2023-06-01T00:30:00Z'));
  });

  it('is null for other events and unreadable times', () => {
    // Act / Assess
    expect(timerTime(obsShaped())).toBeNull();
    expect(timerTime({ ...fixture<Record<string, unknown>>('otc/timer.json'), time: 'yesterday' })).toBeNull();
    expect(timerTime({ ...fixture<Record<string, unknown>>('otc/timer.json'), trigger_type: 'APIG' })).toBeNull();
  });
});
