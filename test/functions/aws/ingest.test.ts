import { Readable } from 'node:stream';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { sdkStreamMixin } from '@smithy/util-stream';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createHandler as createCheckHandler } from '../../../functions/aws/check/handler.js';
import { createHandler, type IngestDeps } from '../../../functions/aws/ingest/handler.js';
import { SnsDestination } from '../../../functions/aws/sns.js';
import { memoryLogger } from '../../../functions/core/logger.js';
import { parseWindowDoc } from '../../../functions/core/window-docs.js';
import { DEFAULT_RULES } from '../../../lib/rules/index.js';
import { awsError, fixture, gz, s3Body, TOPIC_ARN, testConfig } from '../support/factories.js';
import { FakeS3 } from '../support/fake-s3.js';
import { albLines } from '../support/log-lines.js';

const s3Mock = mockClient(S3Client);
const snsMock = mockClient(SNSClient);
const LOGS = 'example-elb-logs';
const STATE = 'example-lbwatch-state';
const WEB = 'app/web/50dc6c495c0c9188';
const NOW = Date.parse('2024-05-01T12:00:00Z');
const at = (t: string): Date => new Date(`2024-05-01T${t}Z`);

const healthy = albLines(50, at('10:00:00'), at('10:04:59'), {
  loadBalancer: WEB,
  target: '10.0.1.7:8080',
  elbStatus: 200,
  targetStatus: 200,
});
const failing = [
  ...healthy,
  ...albLines(30, at('10:00:10'), at('10:04:50'), {
    loadBalancer: WEB,
    target: '10.0.1.7:8080',
    elbStatus: 502,
    targetStatus: null,
  }),
].join('\n');

/** A healthy window of 60 requests between the two times. */
const quiet = (from: string, to: string) =>
  albLines(60, at(from), at(to), {
    loadBalancer: WEB,
    target: '10.0.1.7:8080',
    elbStatus: 200,
    targetStatus: 200,
  }).join('\n');

let fake: FakeS3;
let log: ReturnType<typeof memoryLogger>;

function runtimeOf() {
  const sns = new SNSClient({ region: 'eu-west-1', maxAttempts: 1 });
  return async () => ({
    rules: DEFAULT_RULES,
    windowMs: DEFAULT_RULES.windowMs,
    destinations: [new SnsDestination(sns, TOPIC_ARN)],
  });
}

function handler(overrides: Partial<IngestDeps> = {}) {
  // One attempt: the SDK's own retries are not what these tests are about. Credentials only sign report links.
  const s3 = new S3Client({
    region: 'eu-west-1',
    maxAttempts: 1,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
  });
  return createHandler({
    config: testConfig(),
    s3,
    log,
    now: () => NOW,
    runtime: runtimeOf(),
    ...overrides,
  });
}

/** An S3 notification for `key` with the ETag the fake bucket gave it. */
function s3Event(key: string, etag: string, bucket = LOGS): unknown {
  const event = fixture<{ Records: { s3: { bucket: { name: string }; object: Record<string, unknown> } }[] }>(
    's3-object-created.json',
  );
  const record = event.Records[0];
  if (record === undefined) throw new Error('fixture has no record');
  record.s3.bucket.name = bucket;
  record.s3.object = { key: key.replace(/ /g, '+'), size: 1, eTag: etag, sequencer: '00' };
  return event;
}

function sqsEvent(bodies: string[]): unknown {
  const [template] = fixture<{ Records: Record<string, unknown>[] }>('sqs-batch.json').Records;
  return { Records: bodies.map((body, i) => ({ ...template, messageId: `m-${i}`, body })) };
}

describe('ingest handler', () => {
  beforeEach(() => {
    s3Mock.reset();
    snsMock.reset();
    fake = new FakeS3(s3Mock);
    log = memoryLogger();
    snsMock.on(PublishCommand).resolves({ MessageId: 'x' });
  });

  it('decodes the key, reads the announced ETag, merges into the window document once, deterministically', async () => {
    // Prepare
    const object = fake.put(LOGS, 'elb/my logs/node-a.log', healthy.join('\n'));
    const ingest = handler();
    // Act
    const first = await ingest(s3Event('elb/my logs/node-a.log', object.etag));
    const stateAfterFirst = fake.keys(STATE).map((k) => [k, fake.text(STATE, k)]);
    const again = await ingest(s3Event('elb/my logs/node-a.log', object.etag));
    // Assess
    expect(first).toMatchObject({ objects: [{ status: 'processed', records: 50, windows: 1, pages: [] }] });
    expect(again).toMatchObject({ objects: [{ status: 'processed', records: 50, windows: 0, pages: [] }] });
    expect(s3Mock.commandCalls(GetObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: LOGS,
      Key: 'elb/my logs/node-a.log',
      IfMatch: `"${object.etag}"`,
    });
    const docs = fake.keys(STATE, 'lbwatch/windows/');
    expect(docs).toEqual(['lbwatch/windows/2024-05-01T10:00:00.000Z/app~2fweb~2f50dc6c495c0c9188.json']);
    expect(fake.keys(STATE).map((k) => [k, fake.text(STATE, k)])).toEqual(stateAfterFirst);
    const doc = parseWindowDoc(fake.text(STATE, docs[0] ?? '') ?? '');
    expect(doc.sources).toHaveLength(1);
    expect(doc.aggregate.requests).toBe(50);
    const [input] = Object.values(doc.inputs);
    expect(input).toMatchObject({ path: `s3://${LOGS}/elb/my logs/node-a.log`, failure: null });
    expect(input?.summary).toMatchObject({ format: 'alb', records: 50 });
    expect(fake.keys(STATE, 'lbwatch/inputs/')).toEqual([]);
    const ingested = log.entries.filter((e) => e.message === 'object ingested');
    expect(ingested[0]?.extra).toMatchObject({ key: 'elb/my logs/node-a.log', records: 50 });
    expect(log.entries.length).toBeLessThan(10);
  });

  it('handles EventBridge Object Created like a notification', async () => {
    const object = fake.put(LOGS, 'elb/2024/05/01/node-b.log', healthy.join('\n'));
    const event = fixture<{ detail: { bucket: { name: string }; object: Record<string, unknown> } }>(
      'eventbridge-object-created.json',
    );
    event.detail.bucket.name = LOGS;
    event.detail.object.etag = object.etag;
    expect(await handler()(event)).toMatchObject({ objects: [{ status: 'processed', records: 50 }] });
  });

  it('skips keys outside the filters and its own state without reading them', async () => {
    const ingest = handler({ config: testConfig({ LOG_PREFIX: 'elb/', LOG_SUFFIX: '.log,.json' }) });
    const results = [
      await ingest(s3Event('other/node-a.log', 'e')),
      await ingest(s3Event('elb/ELBAccessLogTestFile', 'e')),
      await ingest(s3Event('lbwatch/partials/x.json', 'e', STATE)),
    ];
    expect(results.map((r) => (r as { objects: { reason: string }[] }).objects[0]?.reason)).toEqual([
      'prefix',
      'suffix',
      'state-prefix',
    ]);
    expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);
  });

  it('pages opened once per incident with a triageable SNS message, whatever the duplicates', async () => {
    // Prepare
    const object = fake.put(LOGS, 'elb/node-a.log', failing);
    const ingest = handler();
    // Act
    await ingest(s3Event('elb/node-a.log', object.etag));
    await ingest(s3Event('elb/node-a.log', object.etag));
    // Assess
    const published = snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(published).toHaveLength(1);
    expect(published[0]?.Subject).toMatch(/^\[CRITICAL\] OPENED 502 app\/web\/50dc6c495c0c9188 2024-05-01T10:00Z /);
    const page = JSON.parse(published[0]?.MessageAttributes?.notification?.StringValue ?? '{}');
    expect(page).toMatchObject({
      kind: 'incident',
      state: 'opened',
      incident: { rule: 'gateway-errors', loadBalancer: WEB, statusCodes: { '502': 30 }, end: null },
    });
    expect(page.incidentId).toBe(page.incident.id);
    expect(fake.keys(STATE, 'lbwatch/incidents/')).toEqual([
      'lbwatch/incidents/app~2fweb~2f50dc6c495c0c9188/gateway-errors.json',
    ]);
    const record = JSON.parse(
      fake.text(STATE, 'lbwatch/incidents/app~2fweb~2f50dc6c495c0c9188/gateway-errors.json') ?? '{}',
    );
    expect(record.current.pages).toMatchObject([{ state: 'opened', status: 'sent', delivered: ['sns'] }]);
  });

  it('links the page to the newest report with a presigned URL', async () => {
    // Prepare
    const object = fake.put(LOGS, 'elb/node-a.log', failing);
    const html = 'lbwatch/reports/2024-05-01T00:00:00.000Z/report.html';
    fake.put(STATE, 'lbwatch/reports/latest.json', JSON.stringify({ html: `s3://${STATE}/${html}` }));
    // Act
    await handler()(s3Event('elb/node-a.log', object.etag));
    // Assess
    const page = JSON.parse(
      snsMock.commandCalls(PublishCommand)[0]?.args[0].input.MessageAttributes?.notification?.StringValue ?? '{}',
    );
    const url = new URL(page.reportUrl);
    expect(decodeURIComponent(url.pathname)).toContain(html);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('604800');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('sends nothing while another invocation holds the page, and the scheduled check finishes it once stale', async () => {
    // Prepare: the other invocation marks the page pending between our read and our conditional write.
    const object = fake.put(LOGS, 'elb/node-a.log', failing);
    let raced = false;
    fake.failPut = (_bucket, key, conditional) => {
      if (raced || !conditional || !key.includes('/incidents/')) return null;
      const text = fake.text(STATE, key);
      if (text === undefined) return null;
      const record = JSON.parse(text);
      record.current.pages = [
        {
          state: 'opened',
          sequence: 0,
          status: 'pending',
          writer: 'other',
          at: new Date(NOW).toISOString(),
          delivered: [],
        },
      ];
      fake.put(STATE, key, JSON.stringify(record));
      raced = true;
      return awsError('PreconditionFailed', 412);
    };
    // Act
    const result = await handler()(s3Event('elb/node-a.log', object.etag));
    const sentByIngest = snsMock.commandCalls(PublishCommand).length;
    const check = createCheckHandler({
      config: testConfig(),
      s3: new S3Client({ region: 'eu-west-1', maxAttempts: 1 }),
      log,
      now: () => NOW + 150_000,
      runtime: runtimeOf(),
    });
    await check({});
    await check({});
    // Assess
    expect(result).toMatchObject({
      objects: [{ status: 'processed', pages: [{ state: 'opened', outcome: 'in-progress' }] }],
    });
    expect(sentByIngest).toBe(0);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(1);
  });

  it('a write whose answer was lost is recognised as its own: the page goes out once, at once', async () => {
    // Prepare: every first conditional write lands, then answers 412 as the SDK's retry of it would see.
    const object = fake.put(LOGS, 'elb/node-a.log', failing);
    const seen = new Set<string>();
    fake.failPut = (_bucket, key, conditional) => {
      if (!conditional || seen.has(key)) return null;
      seen.add(key);
      fake.landNext = true;
      return awsError('PreconditionFailed', 412);
    };
    // Act
    const result = await handler()(s3Event('elb/node-a.log', object.etag));
    // Assess
    expect(result).toMatchObject({ objects: [{ status: 'processed', pages: [{ state: 'opened', outcome: 'sent' }] }] });
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(1);
    const doc = parseWindowDoc(fake.text(STATE, fake.keys(STATE, 'lbwatch/windows/')[0] ?? '') ?? '');
    expect(doc.aggregate.requests).toBe(80);
  });

  it('an SNS failure fails the invocation and the retry pages exactly once', async () => {
    // Prepare
    const object = fake.put(LOGS, 'elb/node-a.log', failing);
    snsMock.reset();
    snsMock.on(PublishCommand).rejectsOnce(awsError('InternalError', 500)).resolves({ MessageId: 'ok' });
    const ingest = handler();
    // Act
    const failed = ingest(s3Event('elb/node-a.log', object.etag));
    await expect(failed).rejects.toMatchObject({ code: 'PUBLISH_FAILED' });
    await ingest(s3Event('elb/node-a.log', object.etag));
    await ingest(s3Event('elb/node-a.log', object.etag));
    // Assess
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(2);
    const record = JSON.parse(fake.text(STATE, fake.keys(STATE, 'lbwatch/incidents/')[0] ?? '') ?? '{}');
    expect(record.current.pages).toMatchObject([{ state: 'opened', status: 'sent', delivered: ['sns'] }]);
  });

  it('in an SQS batch: ignores the test event, drops poison, retries only the throttled object', async () => {
    // Prepare
    const good = fake.put(LOGS, 'elb/good.log', healthy.join('\n'));
    fake.put(LOGS, 'elb/throttled.log', healthy.join('\n'));
    fake.failGet = (bucket, key) => (bucket === LOGS && key === 'elb/throttled.log' ? awsError('SlowDown', 503) : null);
    const test = JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: LOGS });
    const event = sqsEvent([
      JSON.stringify(s3Event('elb/good.log', good.etag)),
      test,
      'not json',
      JSON.stringify(s3Event('elb/throttled.log', 'x')),
    ]);
    // Act
    const result = await handler()(event);
    // Assess
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-3' }] });
    expect(fake.keys(STATE, 'lbwatch/windows/')).toHaveLength(1);
    expect(log.entries.some((e) => e.level === 'error' && e.message.startsWith('SQS message dropped'))).toBe(true);
  });

  it('a throttled read in a direct invocation throws so the platform retries', async () => {
    fake.put(LOGS, 'elb/throttled.log', healthy.join('\n'));
    fake.failGet = () => awsError('SlowDown', 503);
    await expect(handler()(s3Event('elb/throttled.log', 'x'))).rejects.toMatchObject({ code: 'READ_FAILED' });
  });

  it('a state write failure is retried (STATE_FAILED)', async () => {
    const object = fake.put(LOGS, 'elb/a.log', healthy.join('\n'));
    fake.failPut = () => awsError('ServiceUnavailable', 503);
    await expect(handler()(s3Event('elb/a.log', object.etag))).rejects.toMatchObject({ code: 'STATE_FAILED' });
  });

  it('records a corrupt gzip object with what it read, without retrying', async () => {
    // Prepare: a truncated gzip member
    const whole = gz(failing);
    const object = fake.put(LOGS, 'elb/broken.log.gz', whole.subarray(0, Math.floor(whole.length * 0.6)));
    // Act
    const result = await handler()(s3Event('elb/broken.log.gz', object.etag));
    // Assess
    expect(result).toMatchObject({ objects: [{ status: 'processed', failure: 'GZIP_TRUNCATED' }] });
    const doc = parseWindowDoc(fake.text(STATE, fake.keys(STATE, 'lbwatch/windows/')[0] ?? '') ?? '');
    const [input] = Object.values(doc.inputs);
    expect(input?.failure?.code).toBe('GZIP_TRUNCATED');
    expect(input?.summary.error).not.toBeNull();
  });

  it('drops an object that is gone or was overwritten since the event', async () => {
    const result = await handler()(s3Event('elb/deleted.log', 'abc'));
    expect(result).toMatchObject({
      objects: [{ status: 'dropped', error: { code: 'READ_FAILED', cause: 'NoSuchKey' } }],
    });
    fake.put(LOGS, 'elb/overwritten.log', healthy.join('\n'));
    const overwritten = await handler()(s3Event('elb/overwritten.log', 'an-older-etag'));
    expect(overwritten).toMatchObject({ objects: [{ status: 'dropped' }] });
  });

  it('refuses an unknown event without throwing (retrying cannot fix it)', async () => {
    expect(await handler()({ hello: 'world' })).toEqual({ objects: [] });
    expect(log.entries[0]).toMatchObject({
      level: 'error',
      message: 'event refused',
      extra: { code: 'EVENT_INVALID' },
    });
  });

  it('resolves once after two closed quiet windows, with the incident’s figures', async () => {
    // Prepare
    const first = fake.put(LOGS, 'elb/w1.log', failing);
    const second = fake.put(LOGS, 'elb/w2.log', quiet('10:05:00', '10:09:59'));
    const third = fake.put(LOGS, 'elb/w3.log', quiet('10:10:00', '10:14:59'));
    const ingest = handler();
    // Act
    await ingest(s3Event('elb/w1.log', first.etag));
    await ingest(s3Event('elb/w2.log', second.etag));
    await ingest(s3Event('elb/w3.log', third.etag));
    await ingest(s3Event('elb/w3.log', third.etag));
    // Assess
    const pages = snsMock
      .commandCalls(PublishCommand)
      .map((c) => JSON.parse(c.args[0].input.MessageAttributes?.notification?.StringValue ?? '{}'));
    expect(pages.map((p) => p.state)).toEqual(['opened', 'resolved']);
    expect(pages[1]).toMatchObject({
      state: 'resolved',
      incidentId: pages[0].incidentId,
      incident: {
        rule: 'gateway-errors',
        start: '2024-05-01T10:00:00.000Z',
        end: '2024-05-01T10:05:00.000Z',
        windows: 1,
        matched: 30,
      },
    });
    expect(pages[1].incident.causes[0].evidence).not.toContain('in this incident');
  });

  it('does not resolve while the quiet windows are still open; the scheduled check resolves once they close', async () => {
    const first = fake.put(LOGS, 'elb/w1.log', failing);
    const second = fake.put(LOGS, 'elb/w2.log', quiet('10:05:00', '10:09:59'));
    const third = fake.put(LOGS, 'elb/w3.log', quiet('10:10:00', '10:14:59'));
    // 10:16 is before 10:10 + the 10-minute lateness allowance
    let clock = Date.parse('2024-05-01T10:16:00Z');
    const ingest = handler({ now: () => clock });
    await ingest(s3Event('elb/w1.log', first.etag));
    await ingest(s3Event('elb/w2.log', second.etag));
    await ingest(s3Event('elb/w3.log', third.etag));
    const states = () =>
      snsMock.commandCalls(PublishCommand).map((c) => c.args[0].input.MessageAttributes?.state?.StringValue);
    const before = states();
    clock = Date.parse('2024-05-01T10:30:00Z');
    const check = createCheckHandler({
      config: testConfig(),
      s3: new S3Client({ region: 'eu-west-1', maxAttempts: 1 }),
      log,
      now: () => clock,
      runtime: runtimeOf(),
    });
    await check({});
    await check({});
    expect(before).toEqual(['opened']);
    expect(states()).toEqual(['opened', 'resolved']);
  });

  it('reads a 0-byte .log.gz (written on node replacement) as an empty object, not an error', async () => {
    const object = fake.put(LOGS, 'elb/empty.log.gz', Buffer.alloc(0));
    const result = await handler()(s3Event('elb/empty.log.gz', object.etag));
    expect(result).toMatchObject({ objects: [{ status: 'processed', records: 0, windows: 0 }] });
    expect(fake.keys(STATE, 'lbwatch/inputs/')).toHaveLength(1);
  });

  it('counts every gzip member of a multi-member object, whatever the chunking', async () => {
    // Prepare: two gzip members back to back, served 7 bytes at a time
    const lines = failing.split('\n');
    const body = Buffer.concat([gz(`${lines.slice(0, 40).join('\n')}\n`), gz(lines.slice(40).join('\n'))]);
    const object = fake.put(LOGS, 'elb/multi.log.gz', body);
    s3Mock
      .on(GetObjectCommand, { Bucket: LOGS, Key: 'elb/multi.log.gz' })
      .resolves({ Body: s3Body(body, 7), ETag: `"${object.etag}"` });
    // Act
    const result = await handler()(s3Event('elb/multi.log.gz', object.etag));
    // Assess
    expect(result).toMatchObject({ objects: [{ status: 'processed', records: 80 }] });
  });

  it('streams a large object without holding it in memory', async () => {
    // Prepare: ~64 MB of log text generated lazily in 64 KiB chunks
    const line = `${healthy[0]}\n`;
    const chunk = Buffer.from(line.repeat(Math.floor(65_536 / line.length)));
    const chunks = Math.ceil((64 * 1024 * 1024) / chunk.length);
    // Buffers live outside the JS heap: count both, sampled as the handler pulls chunks.
    const used = (): number => {
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    let peak = 0;
    function* generate(): Generator<Buffer> {
      for (let i = 0; i < chunks; i++) {
        if (i % 16 === 0) peak = Math.max(peak, used());
        yield chunk;
      }
      peak = Math.max(peak, used());
    }
    fake.put(LOGS, 'elb/big.log', 'placeholder');
    s3Mock.on(GetObjectCommand, { Bucket: LOGS, Key: 'elb/big.log' }).callsFake(() => ({
      Body: sdkStreamMixin(Readable.from(generate())),
      ETag: '"big"',
    }));
    const before = used();
    // Act
    const result = await handler()(s3Event('elb/big.log', 'big'));
    // Assess: every record counted, heap growth far below the object size
    const records = chunks * Math.floor(65_536 / line.length);
    expect(result).toMatchObject({ objects: [{ status: 'processed', records }] });
    expect(peak - before).toBeLessThan(40 * 1024 * 1024);
  }, 60_000);

  it('falls back to the literal EventBridge key when the decoded one does not exist', async () => {
    // Prepare: a key with a literal "+" that EventBridge did not encode
    const object = fake.put(LOGS, 'elb/a+b.log', healthy.join('\n'));
    const event = fixture<{ detail: { bucket: { name: string }; object: Record<string, unknown> } }>(
      'eventbridge-object-created.json',
    );
    event.detail.bucket.name = LOGS;
    event.detail.object.key = 'elb/a+b.log';
    event.detail.object.etag = object.etag;
    // Act
    const result = await handler()(event);
    // Assess
    expect(result).toMatchObject({ objects: [{ status: 'processed', key: 'elb/a+b.log', records: 50 }] });
    const sourceReads = s3Mock.commandCalls(GetObjectCommand).filter((c) => c.args[0].input.Bucket === LOGS);
    expect(sourceReads.map((c) => c.args[0].input.Key)).toEqual(['elb/a b.log', 'elb/a+b.log']);
  });
});
