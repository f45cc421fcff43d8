/**
 * End to end against real protocol servers on loopback: s3rver (S3) and fauxqs (SNS + SQS). Several
 * load-balancer nodes' objects for overlapping windows are delivered as S3 notifications (one
 * twice), an SQS message, and an EventBridge event (out of order); the test reads back the state
 * bucket and the pages an SQS subscriber of the alert topic received: one `opened` and one `resolved`
 * for the incident, the resolved one with the diagnosis `lbwatch analyze` gives for the same data.
 */
import { existsSync } from 'node:fs';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler as createCheckHandler } from '../../../functions/aws/check/handler.js';
import { createHandler as createIngestHandler } from '../../../functions/aws/ingest/handler.js';
import { createHandler as createReportHandler } from '../../../functions/aws/report/handler.js';
import { type FunctionConfig, parseConfig } from '../../../functions/core/config.js';
import { memoryLogger } from '../../../functions/core/logger.js';
import { once, resolveRuntime } from '../../../functions/core/runtime.js';
import { parseWindowDoc, viewOf } from '../../../functions/core/window-docs.js';
import { createAggregator } from '../../../lib/aggregate/index.js';
import { analyze } from '../../../lib/analysis/index.js';
import { readLogStream } from '../../../lib/input/read-log.js';
import type { Incident, IncidentNotification } from '../../../lib/model.js';
import { parseRules } from '../../../lib/rules/index.js';
import { fixture, gz } from '../support/factories.js';
import {
  drainNotifications,
  type LocalMessaging,
  type LocalS3,
  localS3Client,
  startMessaging,
  startS3rver,
} from '../support/local-stack.js';
import { albLines } from '../support/log-lines.js';

const LOG_BUCKET = 'example-elb-logs';
const STATE_BUCKET = 'example-lbwatch-state';
const WEB = 'app/web/50dc6c495c0c9188';
const API = 'app/api/7d2f1a0c3b4e5f60';
/** Objects arrive a few minutes after their interval; the scheduled check runs once the windows have closed. */
let clock = Date.parse('2024-05-01T10:12:00Z');
const at = (hhmmss: string): Date => new Date(`2024-05-01T${hhmmss}Z`);

/** node-a, 10:00-10:05: 60 good requests and 30 fast LB-generated 502s from one member that otherwise answers. */
const nodeAFirst = [
  ...albLines(60, at('10:00:00'), at('10:04:59'), {
    loadBalancer: WEB,
    target: '10.0.1.7:8080',
    elbStatus: 200,
    targetStatus: 200,
  }),
  ...albLines(30, at('10:00:10'), at('10:04:50'), {
    loadBalancer: WEB,
    target: '10.0.1.7:8080',
    elbStatus: 502,
    targetStatus: null,
  }),
].join('\n');
/** node-b, 10:02-10:07 (spans two windows), gzip: 40 good, 10 more 502s in the first window. */
const nodeBFirst = [
  ...albLines(40, at('10:02:00'), at('10:07:00'), {
    loadBalancer: WEB,
    target: '10.0.1.8:8080',
    elbStatus: 200,
    targetStatus: 200,
  }),
  ...albLines(10, at('10:02:00'), at('10:04:00'), {
    loadBalancer: WEB,
    target: '10.0.1.7:8080',
    elbStatus: 502,
    targetStatus: null,
  }),
].join('\n');
/** node-a, 10:05-10:10: healthy again. */
const nodeASecond = albLines(80, at('10:05:00'), at('10:09:59'), {
  loadBalancer: WEB,
  target: '10.0.1.7:8080',
  elbStatus: 200,
  targetStatus: 200,
}).join('\n');
/** Another load balancer, healthy; its query strings must never reach a message. */
const apiFirst = albLines(50, at('10:00:00'), at('10:04:59'), {
  loadBalancer: API,
  target: '10.0.2.5:9000',
  elbStatus: 200,
  targetStatus: 200,
  path: '/v1/items?token=s3cr3t',
}).join('\n');

/** Resolve after one quiet window, so the test's one healthy window resolves the incident. */
const RULES = 'incidents: { resolveAfter: 5m }';

interface Uploaded {
  key: string;
  etag: string;
}

describe('functions end to end (s3rver + fauxqs on loopback)', () => {
  let s3Server: LocalS3;
  let messaging: LocalMessaging;
  let s3: S3Client;

  beforeAll(async () => {
    s3Server = await startS3rver([LOG_BUCKET, STATE_BUCKET]);
    messaging = await startMessaging({ topic: 'lbwatch-alerts', queue: 'alert-inbox' });
    s3 = localS3Client(s3Server.endpoint);
  });

  afterAll(async () => {
    s3?.destroy();
    await messaging?.stop();
    await s3Server?.stop();
  });

  function deps(config: Readonly<FunctionConfig>) {
    return {
      config,
      s3,
      log: memoryLogger(),
      now: () => clock,
      runtime: once(() => resolveRuntime(config, { s3, sns: messaging.sns })),
    };
  }

  async function upload(key: string, body: string | Buffer): Promise<Uploaded> {
    const response = await s3.send(new PutObjectCommand({ Bucket: LOG_BUCKET, Key: key, Body: body }));
    return { key, etag: (response.ETag ?? '').replace(/"/g, '') };
  }

  function s3Event(object: Uploaded): Record<string, unknown> {
    const event = fixture<{ Records: { s3: { bucket: { name: string }; object: Record<string, unknown> } }[] }>(
      's3-object-created.json',
    );
    const record = event.Records[0];
    if (record === undefined) throw new Error('fixture has no record');
    record.s3.bucket.name = LOG_BUCKET;
    // Notifications carry form-encoded keys: a space becomes "+".
    record.s3.object = {
      key: encodeURIComponent(object.key).replace(/%2F/g, '/').replace(/%20/g, '+'),
      size: 1,
      eTag: object.etag,
      sequencer: '00',
    };
    return event;
  }

  async function listKeys(prefix: string): Promise<string[]> {
    const response = await s3.send(new ListObjectsV2Command({ Bucket: STATE_BUCKET, Prefix: prefix }));
    return (response.Contents ?? []).map((c) => c.Key ?? '').sort();
  }

  async function readState(key: string): Promise<string> {
    const response = await s3.send(new GetObjectCommand({ Bucket: STATE_BUCKET, Key: key }));
    return (await response.Body?.transformToString('utf-8')) ?? '';
  }

  /** The incidents `lbwatch analyze` finds in the given log texts (the pages must carry the same diagnosis). */
  async function expectedIncidents(...texts: string[]): Promise<Incident[]> {
    const rules = parseRules(RULES, 'RULES');
    const aggregator = createAggregator({ windowMs: rules.windowMs });
    async function* source() {
      yield Buffer.from(texts.join('\n'));
    }
    await readLogStream(source(), (r) => aggregator.add(r), { name: 'expected' });
    return analyze({ inputs: [], windows: aggregator.windows(), rules }).incidents ?? [];
  }

  it('merges every object once into its window documents, pages opened and resolved once each, and reports', async () => {
    // Prepare
    const config = parseConfig({
      STATE_BUCKET,
      ALERT_TOPIC_ARN: messaging.topicArn,
      S3_FORCE_PATH_STYLE: 'true',
      RULES,
    });
    const ingest = createIngestHandler(deps(config));
    const day = 'AWSLogs/123456789012/elasticloadbalancing/eu-west-1/2024/05/01';
    const a1 = await upload(
      `${day}/123456789012_elasticloadbalancing_eu-west-1_app.web.50dc6c495c0c9188_20240501T1005Z_10.0.0.11_a1.log`,
      nodeAFirst,
    );
    const b1 = await upload(
      `${day}/node b/123456789012_elasticloadbalancing_eu-west-1_app.web.50dc6c495c0c9188_20240501T1007Z_10.0.0.12_b1.log.gz`,
      gz(nodeBFirst),
    );
    const a2 = await upload(
      `${day}/123456789012_elasticloadbalancing_eu-west-1_app.web.50dc6c495c0c9188_20240501T1010Z_10.0.0.11_a2.log`,
      nodeASecond,
    );
    const api = await upload(
      `${day}/123456789012_elasticloadbalancing_eu-west-1_app.api.7d2f1a0c3b4e5f60_20240501T1005Z_10.0.0.21_c1.log`,
      apiFirst,
    );
    const notLog = await upload(`${day}/ELBAccessLogTestFile`, 'Enable AccessLog for ELB: web');
    const eventBridge = fixture<{ detail: { bucket: { name: string }; object: Record<string, unknown> } }>(
      'eventbridge-object-created.json',
    );
    eventBridge.detail.bucket.name = LOG_BUCKET;
    eventBridge.detail.object = { key: a2.key, size: nodeASecond.length, etag: a2.etag, sequencer: '01' };
    const sqsBatch = fixture<{ Records: { body: string; messageId: string }[] }>('sqs-batch.json');
    const [expected] = await expectedIncidents(nodeAFirst, nodeBFirst, nodeASecond);
    const started = Date.now();

    // Act: a1, then a2 out of order (EventBridge) before node-b's older data, a1 again, b1 via SQS
    // (with the batch's test event and poison message), the other LB, and a key that is no log.
    const results = [
      await ingest(s3Event(a1)),
      await ingest(eventBridge),
      await ingest(s3Event(a1)),
      await ingest({
        Records: sqsBatch.Records.map((r, i) => (i === 0 ? { ...r, body: JSON.stringify(s3Event(b1)) } : r)),
      }),
      await ingest(s3Event(api)),
      await ingest(s3Event(notLog)),
    ];
    const beforeClose = await drainNotifications(messaging, { quietMs: 500, timeoutMs: 10_000 });
    // 10:21: the quiet 10:05 window has closed (end + 10 minutes of lateness): the scheduled check resolves.
    clock = Date.parse('2024-05-01T10:21:00Z');
    const check = createCheckHandler(deps(config));
    await check({});
    await check({});
    const notifications = [
      ...beforeClose,
      ...(await drainNotifications(messaging, { quietMs: 500, timeoutMs: 10_000 })),
    ];
    const ingestMs = Date.now() - started;

    // Assess: the SQS batch reports no failure (test event ignored, poison dropped and logged)
    expect(results[3]).toEqual({ batchItemFailures: [] });
    expect(results[5]).toMatchObject({ objects: [{ status: 'skipped', reason: 'suffix' }] });

    // Window documents: one per (load balancer, window), every object merged once despite the duplicate
    const docs = await listKeys('lbwatch/windows/');
    expect(docs).toEqual([
      'lbwatch/windows/2024-05-01T10:00:00.000Z/app~2fapi~2f7d2f1a0c3b4e5f60.json',
      'lbwatch/windows/2024-05-01T10:00:00.000Z/app~2fweb~2f50dc6c495c0c9188.json',
      'lbwatch/windows/2024-05-01T10:05:00.000Z/app~2fweb~2f50dc6c495c0c9188.json',
    ]);
    const parsed = await Promise.all(docs.map(async (k) => parseWindowDoc(await readState(k))));
    const webW1 = parsed.find((d) => d.loadBalancer === WEB && d.start === at('10:00:00').getTime());
    const webW2 = parsed.find((d) => d.loadBalancer === WEB && d.start === at('10:05:00').getTime());
    // A window's records are its document plus the next one's carry (objects spanning two windows live in the
    // newer one's document)
    const w1 = viewOf(webW1 ?? null, webW2 ?? null);
    expect(w1?.statusCodes['502']).toBe(40);
    expect(new Set(parsed.flatMap((d) => d.sources)).size).toBe(4);
    expect((w1?.requests ?? 0) + (webW2?.aggregate.requests ?? 0)).toBe(90 + 50 + 80);
    expect(parsed.flatMap((d) => Object.keys(d.inputs))).toHaveLength(4);

    // Exactly one opened and one resolved page, for the same incident; the resolved one carries the final
    // diagnosis, equal to what `lbwatch analyze` finds in the same logs
    expect(beforeClose).toHaveLength(1);
    const pages = notifications.map((n) => JSON.parse(n.attributes.notification ?? '{}') as IncidentNotification);
    expect(pages.map((p) => `${p.state} ${p.incident.rule} ${p.incident.loadBalancer} ${p.incident.start}`)).toEqual([
      `opened gateway-errors ${WEB} 2024-05-01T10:00:00.000Z`,
      `resolved gateway-errors ${WEB} 2024-05-01T10:00:00.000Z`,
    ]);
    expect(new Set(pages.map((p) => p.incidentId)).size).toBe(1);
    const resolved = pages[1]?.incident;
    expect(resolved).toMatchObject({
      id: expected?.id,
      end: '2024-05-01T10:05:00.000Z',
      statusCodes: expected?.statusCodes,
      matched: expected?.matched,
      requests: expected?.requests,
    });
    expect(resolved?.causes).toEqual(expected?.causes);
    expect(resolved?.causes[0]?.id).toBe('502.backend-reset');
    const opened = notifications[0];
    expect(opened?.subject).toBe(`[CRITICAL] OPENED 502 ${WEB} 2024-05-01T10:00Z 502.backend-reset`);
    expect(opened?.message).toContain('502.backend-reset');
    expect(JSON.stringify(notifications)).not.toContain('s3cr3t');
    expect(await listKeys('lbwatch/incidents/')).toEqual([
      'lbwatch/incidents/app~2fweb~2f50dc6c495c0c9188/gateway-errors.json',
    ]);

    // Report: the hour ending at the last closed window before 11:10 is 10:00-11:00
    const report = createReportHandler(
      deps(
        parseConfig({
          STATE_BUCKET,
          ALERT_TOPIC_ARN: messaging.topicArn,
          S3_FORCE_PATH_STYLE: 'true',
          REPORT_PERIOD: '1h',
          RULES,
        }),
      ),
    );
    clock = Date.parse('2024-05-01T11:10:00Z');
    const scheduled = { ...fixture<Record<string, unknown>>('scheduled-event.json'), time: '2024-05-01T11:10:00Z' };
    const written = await report(scheduled);
    const again = await report(scheduled);
    const announcements = await drainNotifications(messaging, { quietMs: 500, timeoutMs: 10_000 });

    expect(written).toMatchObject({
      period: { from: '2024-05-01T10:00:00.000Z', to: '2024-05-01T11:00:00.000Z' },
      requests: 90 + 50 + 80 + 50,
      incidents: 1,
      announced: true,
    });
    expect(again.announced).toBe(false);
    expect(await listKeys('lbwatch/reports/2024-05-01T11:00:00.000Z/')).toEqual([
      'lbwatch/reports/2024-05-01T11:00:00.000Z/announced.json',
      'lbwatch/reports/2024-05-01T11:00:00.000Z/report.html',
      'lbwatch/reports/2024-05-01T11:00:00.000Z/report.json',
      'lbwatch/reports/2024-05-01T11:00:00.000Z/report.md',
    ]);
    expect(await readState('lbwatch/reports/2024-05-01T11:00:00.000Z/report.html')).toContain('<html');
    const link = await fetch(written.url ?? 'http://127.0.0.1:1/', { signal: AbortSignal.timeout(10_000) });
    expect(await link.text()).toBe(await readState('lbwatch/reports/2024-05-01T11:00:00.000Z/report.html'));
    expect(announcements[0]?.message).toContain(`Open: ${written.url}`);
    expect(announcements).toHaveLength(1);
    expect(announcements[0]?.subject).toContain('270 req');
    expect(announcements[0]?.message).toContain('502');
    expect(JSON.parse(await readState('lbwatch/reports/latest.json'))).toMatchObject({
      html: `s3://${STATE_BUCKET}/lbwatch/reports/2024-05-01T11:00:00.000Z/report.html`,
    });
    expect(ingestMs).toBeLessThan(20_000);
  });

  it('reports a period without data as such, not as an error', async () => {
    const report = createReportHandler(
      deps(
        parseConfig({
          STATE_BUCKET,
          ALERT_TOPIC_ARN: messaging.topicArn,
          S3_FORCE_PATH_STYLE: 'true',
          REPORT_PERIOD: '1h',
        }),
      ),
    );
    const result = await report({
      ...fixture<Record<string, unknown>>('scheduled-event.json'),
      time: '2024-04-01T06:10:00Z',
    });
    const announcements = await drainNotifications(messaging, { quietMs: 300, timeoutMs: 10_000 });
    expect(result).toMatchObject({ requests: 0, windows: 0, incidents: 0, announced: true });
    expect(announcements.map((a) => a.subject)).toEqual([
      'lbwatch report 2024-04-01T05:00Z..2024-04-01T06:00Z: no data',
    ]);
  });

  const bundle = new URL('../../../dist/functions/ingest/index.mjs', import.meta.url);
  it.runIf(existsSync(bundle))(
    'the bundled handlers run from dist with configuration from the environment',
    async () => {
      // Prepare: the SDK's own variables point the bundled clients at the local servers
      const env: Record<string, string> = {
        STATE_BUCKET,
        STATE_PREFIX: 'bundled/',
        ALERT_TOPIC_ARN: messaging.topicArn,
        S3_FORCE_PATH_STYLE: 'true',
        REPORT_PERIOD: '1h',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        AWS_ENDPOINT_URL_S3: s3Server.endpoint,
        AWS_ENDPOINT_URL_SNS: messaging.endpoint,
        AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
        AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
        POWERTOOLS_LOG_LEVEL: 'ERROR',
      };
      const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
      Object.assign(process.env, env);
      try {
        const object = await upload('bundled/api.log', apiFirst);
        const ingest = (await import(bundle.href)) as { handler: (event: unknown) => Promise<unknown> };
        const reportModule = (await import(
          new URL('../../../dist/functions/report/index.mjs', import.meta.url).href
        )) as {
          handler: (event: unknown) => Promise<{ requests: number }>;
        };
        // Act
        const result = await ingest.handler(s3Event(object));
        const report = await reportModule.handler({
          ...fixture<Record<string, unknown>>('scheduled-event.json'),
          time: '2024-05-01T11:10:00Z',
        });
        await drainNotifications(messaging, { quietMs: 300, timeoutMs: 10_000 });
        // Assess
        expect(result).toMatchObject({ objects: [{ status: 'processed', records: 50 }] });
        expect(await listKeys('bundled/windows/')).toHaveLength(1);
        expect(report.requests).toBe(50);
      } finally {
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }
    },
  );
});
