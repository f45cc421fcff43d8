import { S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createHandler } from '../../../functions/aws/report/handler.js';
import { SnsDestination } from '../../../functions/aws/sns.js';
import { lbStateKey } from '../../../functions/core/lb-state.js';
import { memoryLogger } from '../../../functions/core/logger.js';
import { partialKey } from '../../../functions/core/state-keys.js';
import { serializeWindowDoc, WINDOW_DOC_VERSION, windowDocKey } from '../../../functions/core/window-docs.js';
import { createAggregator, serializeWindow } from '../../../lib/aggregate/index.js';
import { readLogStream } from '../../../lib/input/read-log.js';
import { DEFAULT_RULES } from '../../../lib/rules/index.js';
import { awsError, fixture, TOPIC_ARN, testConfig } from '../support/factories.js';
import { FakeS3 } from '../support/fake-s3.js';
import { albLines } from '../support/log-lines.js';

const s3Mock = mockClient(S3Client);
const snsMock = mockClient(SNSClient);
const STATE = 'example-lbwatch-state';
const WEB = 'app/web/50dc6c495c0c9188';
const at = (t: string): Date => new Date(`2024-05-01T${t}Z`);

function handler() {
  const sns = new SNSClient({ region: 'eu-west-1', maxAttempts: 1 });
  return createHandler({
    config: testConfig({ REPORT_PERIOD: '1h' }),
    s3: new S3Client({ region: 'eu-west-1', maxAttempts: 1 }),
    log: memoryLogger(),
    now: () => Date.parse('2024-05-01T11:12:00Z'),
    runtime: async () => ({
      rules: DEFAULT_RULES,
      windowMs: 300_000,
      destinations: [new SnsDestination(sns, TOPIC_ARN)],
    }),
  });
}

async function storePartial(fake: FakeS3, text: string, id: string): Promise<void> {
  const aggregator = createAggregator({ windowMs: 300_000 });
  async function* source() {
    yield Buffer.from(text);
  }
  await readLogStream(source(), (r) => aggregator.add(r), { name: id });
  for (const w of aggregator.windows())
    fake.put(STATE, partialKey('lbwatch/', w.start, w.loadBalancer, id), serializeWindow(w));
}

async function storeWindowDoc(fake: FakeS3, text: string, id: string): Promise<void> {
  const aggregator = createAggregator({ windowMs: 300_000 });
  async function* source() {
    yield Buffer.from(text);
  }
  const read = await readLogStream(source(), (r) => aggregator.add(r), { name: id });
  for (const w of aggregator.windows()) {
    const doc = {
      version: WINDOW_DOC_VERSION,
      loadBalancer: w.loadBalancer,
      start: w.start,
      windowMs: w.windowMs,
      sources: [id],
      inputs: { [id]: { path: `s3://logs/${id}`, summary: read.summary, failure: null } },
      lastArrival: 0,
      lastObjectKey: id,
      aggregate: w,
    } as const;
    fake.put(STATE, windowDocKey('lbwatch/', w.loadBalancer, w.start), serializeWindowDoc({ ...doc, sources: [id] }));
    // The load balancer's state, as ingest leaves it beside its window documents.
    const arrival = w.start + w.windowMs + 4 * 60_000;
    fake.put(
      STATE,
      lbStateKey('lbwatch/', w.loadBalancer),
      JSON.stringify({ version: 1, loadBalancer: w.loadBalancer, lastArrival: arrival, intervalMs: w.windowMs }),
    );
  }
}

describe('report handler', () => {
  let fake: FakeS3;
  beforeEach(() => {
    s3Mock.reset();
    snsMock.reset();
    fake = new FakeS3(s3Mock);
  });

  it('reads the period (window documents and partials stored before them), writes three formats and announces once; a failed announcement is retried', async () => {
    // Prepare: a partial of an older version and a window document in the period, one partial before it
    const lines = (from: string, to: string, status: number) =>
      albLines(40, at(from), at(to), {
        loadBalancer: WEB,
        target: '10.0.1.7:8080',
        elbStatus: status,
        targetStatus: status,
      }).join('\n');
    await storePartial(fake, lines('10:00:00', '10:04:00', 200), 'a'.repeat(32));
    await storeWindowDoc(fake, lines('10:30:00', '10:34:00', 503), 'b'.repeat(32));
    await storePartial(fake, lines('09:00:00', '09:04:00', 200), 'c'.repeat(32));
    snsMock.on(PublishCommand).rejectsOnce(awsError('InternalError', 500)).resolves({ MessageId: 'm' });
    const event = fixture<Record<string, unknown>>('scheduled-event.json');
    const report = handler();
    // Act
    const failed = report({ ...event, time: '2024-05-01T11:12:00Z' });
    await expect(failed).rejects.toMatchObject({ code: 'PUBLISH_FAILED' });
    const markerAfterFailure = fake.keys(STATE, 'lbwatch/reports/2024-05-01T11:00:00.000Z/announced.json');
    const result = await report({ ...event, time: '2024-05-01T11:12:00Z' });
    // Assess
    expect(markerAfterFailure).toEqual([]);
    expect(result).toMatchObject({
      period: { from: '2024-05-01T10:00:00.000Z', to: '2024-05-01T11:00:00.000Z' },
      requests: 80,
      windows: 2,
      announced: true,
    });
    expect(fake.keys(STATE, 'lbwatch/reports/')).toEqual([
      'lbwatch/reports/2024-05-01T11:00:00.000Z/announced.json',
      'lbwatch/reports/2024-05-01T11:00:00.000Z/report.html',
      'lbwatch/reports/2024-05-01T11:00:00.000Z/report.json',
      'lbwatch/reports/2024-05-01T11:00:00.000Z/report.md',
      'lbwatch/reports/latest.json',
    ]);
    const subject = snsMock.commandCalls(PublishCommand)[1]?.args[0].input.Subject ?? '';
    expect(subject).toMatch(
      /^lbwatch report 2024-05-01T10:00Z\.\.2024-05-01T11:00Z: 80 req, 4xx 0%, 5xx 50\.0%, 1 incident$/,
    );
  });
});
