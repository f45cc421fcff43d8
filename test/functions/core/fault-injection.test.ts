/**
 * A crash at any step loses nothing and doubles nothing: the same three objects (an incident opens in the first,
 * two quiet windows resolve it) are ingested once cleanly, then once per S3 call with that call failing — before it
 * takes effect, or after it landed with its answer lost — and the failed invocation delivered again, as SQS or
 * FunctionGraph would; the objects come after their hour closed, so the check also rolls the hour up. The final
 * state (rollup included) must equal the clean run's, every page of the clean run must go out, and a
 * page may go out twice only when the failed call was part of recording a publish that had just succeeded (the read
 * and conditional write of the incident record after it: the one duplicate the README documents).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createHandler as createCheckHandler } from '../../../functions/aws/check/handler.js';
import { createHandler as createIngestHandler } from '../../../functions/aws/ingest/handler.js';
import { SnsDestination } from '../../../functions/aws/sns.js';
import { memoryLogger } from '../../../functions/core/logger.js';
import { parseWindowDoc } from '../../../functions/core/window-docs.js';
import { serializeWindow } from '../../../lib/aggregate/index.js';
import { DEFAULT_RULES } from '../../../lib/rules/index.js';
import { awsError, fixture, TOPIC_ARN, testConfig } from '../support/factories.js';
import { FakeS3 } from '../support/fake-s3.js';
import { albLines } from '../support/log-lines.js';

const s3Mock = mockClient(S3Client);
const snsMock = mockClient(SNSClient);
const LOGS = 'example-elb-logs';
const STATE = 'example-lbwatch-state';
const WEB = 'app/web/50dc6c495c0c9188';
const NOW = Date.parse('2024-05-01T12:00:00Z');
const at = (t: string): Date => new Date(`2024-05-01T${t}Z`);
const ok = (from: string, to: string, n: number) =>
  albLines(n, at(from), at(to), { loadBalancer: WEB, target: '10.0.1.7:8080', elbStatus: 200, targetStatus: 200 });
const OBJECTS: [string, string][] = [
  [
    'elb/w1.log',
    [
      ...ok('10:00:00', '10:04:59', 50),
      ...albLines(30, at('10:00:10'), at('10:04:50'), {
        loadBalancer: WEB,
        target: '10.0.1.7:8080',
        elbStatus: 502,
        targetStatus: null,
      }),
    ].join('\n'),
  ],
  ['elb/w2.log', ok('10:05:00', '10:09:59', 60).join('\n')],
  ['elb/w3.log', ok('10:10:00', '10:14:59', 60).join('\n')],
];

function s3Event(key: string, etag: string): unknown {
  const event = fixture<{ Records: { s3: { bucket: { name: string }; object: Record<string, unknown> } }[] }>(
    's3-object-created.json',
  );
  const record = event.Records[0];
  if (record === undefined) throw new Error('fixture has no record');
  record.s3.bucket.name = LOGS;
  record.s3.object = { key, size: 1, eTag: etag, sequencer: '00' };
  return event;
}

interface Run {
  state: Record<string, unknown>;
  pages: string[];
}

/** State with what legitimately differs between runs (writers, times of pages) left out. */
function normalized(fake: FakeS3): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of fake.keys(STATE)) {
    const text = fake.text(STATE, key) ?? '';
    if (key.includes('/windows/')) {
      const doc = parseWindowDoc(text);
      out[key] = {
        sources: [...doc.sources].sort(),
        inputs: Object.keys(doc.inputs).sort(),
        aggregate: serializeWindow(doc.aggregate),
        carry: doc.carry == null ? null : serializeWindow(doc.carry),
      };
    } else if (key.includes('/incidents/')) {
      const record = JSON.parse(text);
      const current = record.current;
      out[key] = {
        ...current,
        pages: current.pages.map((p: Record<string, unknown>) => ({
          state: p.state,
          sequence: p.sequence,
          status: p.status,
          delivered: p.delivered,
        })),
      };
    } else out[key] = JSON.parse(text);
  }
  return out;
}

function pagesSent(): string[] {
  return snsMock.commandCalls(PublishCommand).map((c) => {
    const page = JSON.parse(c.args[0].input.MessageAttributes?.notification?.StringValue ?? '{}');
    return `${page.state} ${page.incidentId}`;
  });
}

describe('a crash at any S3 call, then redelivery', () => {
  let fake: FakeS3;

  beforeEach(() => {
    s3Mock.reset();
    snsMock.reset();
    fake = new FakeS3(s3Mock);
    snsMock.on(PublishCommand).resolves({ MessageId: 'x' });
  });

  function deps(now: number) {
    const s3 = new S3Client({ region: 'eu-west-1', maxAttempts: 1 });
    const sns = new SNSClient({ region: 'eu-west-1', maxAttempts: 1 });
    return {
      config: testConfig(),
      s3,
      log: memoryLogger(),
      now: () => now,
      runtime: async () => ({
        rules: DEFAULT_RULES,
        windowMs: DEFAULT_RULES.windowMs,
        destinations: [new SnsDestination(sns, TOPIC_ARN)],
      }),
    };
  }

  /** Ingests every object (each failed invocation delivered again), then runs the scheduled check twice. */
  async function run(): Promise<{ deliveries: number }> {
    const ingest = createIngestHandler(deps(NOW));
    let deliveries = 0;
    for (const [key, body] of OBJECTS) {
      const object = fake.objects.get(`${LOGS}/${key}`) ?? fake.put(LOGS, key, body);
      for (let attempt = 0; ; attempt++) {
        deliveries++;
        try {
          await ingest(s3Event(key, object.etag));
          break;
        } catch (error) {
          if (attempt >= 3) throw error;
        }
      }
    }
    // Pages a dead invocation left pending are taken over once stale; a failed check is simply the next one's work.
    const check = createCheckHandler(deps(NOW + 150_000));
    for (let runs = 0, ok = 0; ok < 2 && runs < 5; runs++) {
      try {
        await check({});
        ok++;
      } catch {
        // the next scheduled run
      }
    }
    return { deliveries };
  }

  async function cleanRun(): Promise<Run & { calls: number }> {
    await run();
    const calls = s3Mock.calls().length;
    return { state: normalized(fake), pages: pagesSent(), calls };
  }

  it('ends in the clean run’s state with every page sent, whichever call fails and however', async () => {
    // Prepare: the clean run
    const clean = await cleanRun();
    expect(clean.pages.map((p) => p.split(' ')[0])).toEqual(['opened', 'resolved']);
    // The objects came after their hour closed: ingest marked it dirty and the check rolled it (so every call of
    // rolling is failed in turn too).
    expect(Object.keys(clean.state).filter((k) => k.includes('/rollups/'))).toEqual([
      `lbwatch/rollups/1h/2024-05-01T10:00:00.000Z/app~2fweb~2f50dc6c495c0c9188.json`,
    ]);
    const failures: string[] = [];

    for (let target = 0; target < clean.calls; target++) {
      for (const mode of ['before', 'lost-answer'] as const) {
        s3Mock.reset();
        snsMock.reset();
        snsMock.on(PublishCommand).resolves({ MessageId: 'x' });
        fake = new FakeS3(s3Mock);
        let call = 0;
        let injected: { key: string; put: boolean; afterPublish: boolean } | null = null;
        let publishesAtLastIncidentPut = 0;
        const inject = (key: string, put: boolean): Error | null => {
          const n = call++;
          const published = snsMock.commandCalls(PublishCommand).length;
          if (n !== target || injected !== null) {
            if (put && key.includes('/incidents/')) publishesAtLastIncidentPut = published;
            return null;
          }
          injected = {
            key,
            put,
            afterPublish: key.includes('/incidents/') && published > publishesAtLastIncidentPut,
          };
          if (put && mode === 'lost-answer') fake.landNext = true;
          return awsError('InternalError', 500);
        };
        fake.failGet = (bucket, key) => (bucket === STATE || bucket === LOGS ? inject(key, false) : null);
        fake.failPut = (_bucket, key) => inject(key, true);

        // Act
        await run();

        // Assess
        const state = normalized(fake);
        const pages = pagesSent();
        const where = `call ${target} (${mode}) ${JSON.stringify(injected)}`;
        if (JSON.stringify(state) !== JSON.stringify(clean.state)) failures.push(`${where}: state differs`);
        const missing = clean.pages.filter((p) => !pages.includes(p));
        if (missing.length > 0) failures.push(`${where}: lost ${missing.join(', ')}`);
        const duplicates = pages.length - new Set(pages).size;
        const allowed = (injected as { afterPublish: boolean } | null)?.afterPublish === true ? 1 : 0;
        if (duplicates > allowed) failures.push(`${where}: ${duplicates} duplicate pages`);
      }
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
