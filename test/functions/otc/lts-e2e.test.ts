/**
 * The OTC path end to end on loopback: LTS transfer objects (JSON and RAW lines, gzip and zip, a zip
 * with two entries, two load balancers in each object) land in s3rver standing in for OBS; OBS
 * trigger events invoke the FunctionGraph ingest handler with a context carrying the agency's
 * credentials and token; its timer events run the scheduled check; pages go to SMN and a webhook,
 * both on a loopback recorder; a duplicate delivery changes nothing; a timer-triggered report
 * counts every record. The tests run in order on one stack: each starts where the previous one left it.
 */
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../../functions/core/check.js';
import { parseConfig } from '../../../functions/core/config.js';
import type { IngestResult } from '../../../functions/core/ingest.js';
import { memoryLogger } from '../../../functions/core/logger.js';
import { createHandler as createIngestHandler } from '../../../functions/otc/ingest/handler.js';
import { obsClients, obsSettings } from '../../../functions/otc/obs-client.js';
import { createHandler as createReportHandler } from '../../../functions/otc/report/handler.js';
import { runtimeOnce } from '../../../functions/otc/runtime.js';
import type { IncidentNotification, Outgoing } from '../../../lib/model.js';
import { zipFiles } from '../../../scripts/zip.mjs';
import { type RecordedRequest, type Recorder, startRecorder } from '../../support/recorder.js';
import { fixture, gz } from '../support/factories.js';
import {
  LOCAL_REGION,
  type LocalS3,
  listObjectKeys,
  localS3Client,
  readObjectText,
  startS3rver,
} from '../support/local-stack.js';
import { otcLines } from '../support/log-lines.js';
import {
  agencyContext,
  encodedKey,
  ltsJsonLines,
  obsCreatedEvent,
  timerEvent,
  transferText,
} from '../support/lts-transfer.js';

const LOG_BUCKET = 'example-lts-transfers';
const STATE_BUCKET = 'example-lbwatch-state';
const PROJECT = '0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const TOPIC_URN = `urn:smn:eu-de:${PROJECT}:lbwatch-alerts`;
const SMN_PATH = `/v2/${PROJECT}/notifications/topics/${TOPIC_URN}/publish`;
const WEBHOOK_PATH = '/hooks/lbwatch';
const SHOP = 'loadbalancer_7c1e4a52-3b8d-4f0e-9a61-2d5c8e9b4f13';
const IOT = 'loadbalancer_a41f5d08-7e2c-4b93-8d61-3f0e9c2b7a54';
const STREAM = { logGroup: 'lbwatch-prod', logStream: 'elb-access', region: 'eu-de' };
const DIR = 'LogTanks/eu-de/2026/03/10/lbwatch-prod/elb-access';
/** Resolve after one quiet window, so the second window resolves the incident. */
const RULES = 'incidents: { resolveAfter: 5m }';

const at = (hhmmss: string): Date => new Date(`2026-03-10T${hhmmss}Z`);
const ok = (loadBalancer: string, member: string) => ({ loadBalancer, member, status: 200, backendStatus: 200 });
/** Member 10.0.1.14 refuses connections: the load balancer answers 502 itself. */
const refused = { loadBalancer: SHOP, member: '10.0.1.14:8080', status: 502, backendStatus: null };

/** Node 1, 10:00-10:05, JSON lines, gzip: the shop's 502s begin; the IoT balancer is healthy. */
const node1First = [
  ...otcLines(60, at('10:00:00'), at('10:04:59'), ok(SHOP, '10.0.1.12:8080')),
  ...otcLines(30, at('10:00:10'), at('10:04:50'), refused),
  ...otcLines(50, at('10:00:00'), at('10:04:59'), ok(IOT, '10.0.2.21:8080')),
];
/** Node 2, 10:00-10:05, RAW lines, a zip with two entries. */
const node2FirstA = [
  ...otcLines(40, at('10:00:00'), at('10:04:59'), ok(SHOP, '10.0.1.12:8080')),
  ...otcLines(10, at('10:01:00'), at('10:04:00'), refused),
];
const node2FirstB = otcLines(30, at('10:00:00'), at('10:04:59'), ok(IOT, '10.0.2.22:8080'));
/** Node 1, 10:05-10:10, JSON lines, a zip with one entry: healthy again. */
const node1Second = [
  ...otcLines(80, at('10:05:00'), at('10:09:59'), ok(SHOP, '10.0.1.12:8080')),
  ...otcLines(40, at('10:05:00'), at('10:09:59'), ok(IOT, '10.0.2.21:8080')),
];
/** Node 2, 10:05-10:10, RAW lines, gzip. */
const node2Second = [
  ...otcLines(20, at('10:05:00'), at('10:09:59'), ok(SHOP, '10.0.1.12:8080')),
  ...otcLines(20, at('10:05:00'), at('10:09:59'), ok(IOT, '10.0.2.22:8080')),
];
const TOTAL = 140 + 80 + 120 + 40;

const context = agencyContext('agency-iam-token', 'lts-e2e-request');

interface Uploaded {
  key: string;
  etag: string;
  size: number;
}

/** What SMN's HTTP subscribers get: the `http` member of the published message structure. */
function smnOutgoing(request: RecordedRequest): Outgoing {
  const body = JSON.parse(request.body) as { message_structure: string };
  const structure = JSON.parse(body.message_structure) as { http: string };
  return JSON.parse(structure.http) as Outgoing;
}

function pagesOf(requests: readonly RecordedRequest[], path: string): IncidentNotification[] {
  return requests
    .filter((r) => r.path === path)
    .map((r) => (path === SMN_PATH ? smnOutgoing(r) : (JSON.parse(r.body) as Outgoing)))
    .filter((o): o is IncidentNotification => o.kind === 'incident');
}

const summary = (pages: readonly IncidentNotification[]): string[] =>
  pages.map((p) => `${p.state} ${p.incident.rule} ${p.incident.loadBalancer} ${p.incident.start}`);

describe('OTC end to end: LTS transfers in OBS, FunctionGraph, SMN and a webhook (loopback)', () => {
  let s3Server: LocalS3;
  let s3: S3Client;
  let recorder: Recorder;
  let clock = at('10:12:00').getTime();

  beforeAll(async () => {
    s3Server = await startS3rver([LOG_BUCKET, STATE_BUCKET]);
    s3 = localS3Client(s3Server.endpoint);
    recorder = await startRecorder([{ status: 200, body: '{"request_id":"6a63a18b8bab40ffb71ebd9cb80d0085"}' }], {
      maxRequests: 40,
      lifetimeMs: 120_000,
    });
  });

  afterAll(async () => {
    s3?.destroy();
    await recorder?.close();
    await s3Server?.stop();
  });

  async function upload(key: string, body: Buffer): Promise<Uploaded> {
    const response = await s3.send(new PutObjectCommand({ Bucket: LOG_BUCKET, Key: key, Body: body }));
    return { key, etag: (response.ETag ?? '').replace(/"/g, ''), size: body.length };
  }

  const listKeys = (prefix: string): Promise<string[]> => listObjectKeys(s3, STATE_BUCKET, prefix);
  const readState = (key: string): Promise<string> => readObjectText(s3, STATE_BUCKET, key);

  /** Every state object under `prefix` with its content. */
  async function snapshot(prefix: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const key of await listKeys(prefix)) out[key] = await readState(key);
    return out;
  }

  function deps(env: Record<string, string> = {}) {
    const config = parseConfig({
      STATE_BUCKET,
      S3_FORCE_PATH_STYLE: 'true',
      LOG_PREFIX: 'LogTanks/eu-de/',
      LOG_SUFFIX: '.log,.log.gz,.gz,.zip',
      SMN_TOPIC_URN: TOPIC_URN,
      SMN_ENDPOINT: recorder.origin,
      ALERT_WEBHOOK_URL: `${recorder.origin}${WEBHOOK_PATH}`,
      RULES,
      ...env,
    });
    const log = memoryLogger();
    return {
      config,
      s3For: obsClients(obsSettings({ AWS_ENDPOINT_URL_S3: s3Server.endpoint, AWS_REGION: LOCAL_REGION }, true)),
      runtime: runtimeOnce(config, log),
      log,
      now: () => clock,
    };
  }

  it('counts every object exactly and pages the incident once opened and once resolved on SMN and the webhook', async () => {
    // Prepare: four transfers of two nodes, each with both load balancers
    const json = (lines: string[], first: Date) => transferText(ltsJsonLines(lines, STREAM, first.getTime()));
    const objects = {
      jsonGzip: await upload(
        `${DIR}/elb-access_2026-03-10T10-05-00Z_node1.log.gz`,
        gz(json(node1First, at('10:05:00'))),
      ),
      rawZipTwoEntries: await upload(
        `${DIR}/elb-access_2026-03-10T10-05-00Z_node2.zip`,
        zipFiles([
          { name: 'elb-access_part1.log', data: Buffer.from(transferText(node2FirstA)) },
          { name: 'elb-access_part2.log', data: Buffer.from(transferText(node2FirstB)) },
        ]),
      ),
      jsonZip: await upload(
        `${DIR}/elb-access_2026-03-10T10-10-00Z_node1.zip`,
        zipFiles([{ name: 'elb-access.log', data: Buffer.from(json(node1Second, at('10:10:00'))) }]),
      ),
      rawGzip: await upload(`${DIR}/elb-access_2026-03-10T10-10-00Z_node2.log.gz`, gz(transferText(node2Second))),
    };
    const ingest = createIngestHandler(deps());
    const records = (result: IngestResult | CheckResult): number[] =>
      'objects' in result ? result.objects.map((o) => (o.status === 'processed' ? o.records : -1)) : [];

    // Act: the first interval's transfers at 10:12, the second's at 10:17, the check's timer every 5 minutes
    const first = [
      await ingest(obsCreatedEvent(LOG_BUCKET, objects.jsonGzip), context),
      await ingest(obsCreatedEvent(LOG_BUCKET, objects.rawZipTwoEntries), context),
    ];
    const pagedAtFirst = recorder.requests.length;
    clock = at('10:15:00').getTime();
    await ingest(timerEvent(clock), context);
    clock = at('10:17:00').getTime();
    const second = [
      await ingest(obsCreatedEvent(LOG_BUCKET, objects.jsonZip), context),
      await ingest(obsCreatedEvent(LOG_BUCKET, objects.rawGzip), context),
    ];
    const pagedBeforeClose = recorder.requests.length;
    clock = at('10:20:00').getTime();
    const closing = await ingest(timerEvent(clock), context);
    clock = at('10:25:00').getTime();
    await ingest(timerEvent(clock), context);

    // Assess: exact record counts per object (both entries of the zip)
    expect([...first, ...second].map(records)).toEqual([[140], [80], [120], [40]]);
    expect('loadBalancers' in closing && closing.loadBalancers).toBe(2);
    const docs = await listKeys('lbwatch/windows/');
    expect(docs).toHaveLength(4);
    expect(docs.filter((k) => k.includes('2026-03-10T10:00:00.000Z'))).toHaveLength(2);

    // One opened page at the first transfer, one resolved page once the quiet window closed (10:20), on each
    // destination, for the same incident
    expect(pagedAtFirst).toBe(2);
    expect(pagedBeforeClose).toBe(2);
    const smnPages = pagesOf(recorder.requests, SMN_PATH);
    const webhookPages = pagesOf(recorder.requests, WEBHOOK_PATH);
    const expected = [
      `opened gateway-errors ${SHOP} 2026-03-10T10:00:00.000Z`,
      `resolved gateway-errors ${SHOP} 2026-03-10T10:00:00.000Z`,
    ];
    expect(summary(smnPages)).toEqual(expected);
    expect(summary(webhookPages)).toEqual(expected);
    expect(new Set([...smnPages, ...webhookPages].map((p) => p.incidentId)).size).toBe(1);
    expect(smnPages[1]?.incident).toMatchObject({ end: '2026-03-10T10:05:00.000Z', requests: 60 + 30 + 40 + 10 });
    expect(smnPages[1]?.incident.statusCodes['502']).toBe(40);
    expect(recorder.requests).toHaveLength(4);

    // The SMN request as documented: the topic's publish path, the agency token, a JSON body with subject and message
    const smn = recorder.requests.filter((r) => r.path === SMN_PATH);
    expect(smn).toHaveLength(2);
    for (const request of smn) {
      expect(request.method).toBe('POST');
      expect(request.headers['x-auth-token']).toBe('agency-iam-token');
      expect(request.headers['content-type']).toMatch(/^application\/json/);
      const body = JSON.parse(request.body) as Record<string, unknown>;
      expect(body.subject).toEqual(expect.stringContaining('9a61-2d5c8e9b4f13 2026-03-10T10:00Z 502.backend-port'));
      expect(body.message).toEqual(expect.stringContaining(`Load balancer: ${SHOP}`));
    }
    expect(smn.map((r) => (JSON.parse(r.body) as { subject: string }).subject)).toEqual([
      '[CRITICAL] OPENED 502 loadbalancer_7c1e4a5...0e-9a61-2d5c8e9b4f13 2026-03-10T10:00Z 502.backend-port',
      '[CRITICAL] RESOLVED 502 loadbalancer_7c1e4a...e-9a61-2d5c8e9b4f13 2026-03-10T10:00Z 502.backend-port',
    ]);
    expect(await listKeys('lbwatch/incidents/')).toEqual([`lbwatch/incidents/${SHOP}/gateway-errors.json`]);
  });

  it('changes nothing on a duplicate delivery, in either event shape', async () => {
    // Prepare: the zip with two entries delivered again, once as Huawei Cloud's event, once as OTC's S3-style one
    const key = `${DIR}/elb-access_2026-03-10T10-05-00Z_node2.zip`;
    const head = await s3.send(new ListObjectsV2Command({ Bucket: LOG_BUCKET, Prefix: key }));
    const object = { key, etag: (head.Contents?.[0]?.ETag ?? '').replace(/"/g, ''), size: 0 };
    const s3Style = fixture<{ Records: { s3: { bucket: { name: string }; object: Record<string, unknown> } }[] }>(
      'otc/obs-s3-style.json',
    );
    const record = s3Style.Records[0];
    if (record === undefined) throw new Error('fixture has no record');
    record.s3.bucket.name = LOG_BUCKET;
    record.s3.object = { key: encodedKey(key), eTag: object.etag, size: 0, versionId: 'null' };
    const windowsBefore = await snapshot('lbwatch/windows/');
    const incidentsBefore = await snapshot('lbwatch/incidents/');
    const requestsBefore = recorder.requests.length;
    const ingest = createIngestHandler(deps());
    clock = at('10:27:00').getTime();
    // Act
    const again = await ingest(obsCreatedEvent(LOG_BUCKET, object), context);
    const s3Again = await ingest(s3Style, context);
    await ingest(timerEvent(at('10:30:00').getTime()), context);
    // Assess: read and counted again, merged nowhere, no page, window documents and incident record unchanged
    expect(again).toMatchObject({ objects: [{ status: 'processed', records: 80, windows: 0, pages: [] }] });
    expect(s3Again).toMatchObject({ objects: [{ status: 'processed', records: 80, windows: 0, pages: [] }] });
    expect(await snapshot('lbwatch/windows/')).toEqual(windowsBefore);
    expect(await snapshot('lbwatch/incidents/')).toEqual(incidentsBefore);
    expect(recorder.requests).toHaveLength(requestsBefore);
  });

  it('writes the timer-triggered report whose JSON counts every record, and announces it on both destinations', async () => {
    // Prepare: the report function's timer at 11:10 reports 10:00-11:00
    const report = createReportHandler(deps({ REPORT_PERIOD: '1h', REPORT_LINK_TTL: '0' }));
    clock = at('11:10:00').getTime();
    const requestsBefore = recorder.requests.length;
    // Act
    const result = await report(timerEvent(clock), context);
    const json = JSON.parse(await readState(`lbwatch/reports/${result.period.to}/report.json`)) as {
      inputs: { total: number; failed: number; records: number; rejected: number; formats: Record<string, number> };
      overall: { headline: { requests: number } };
      loadBalancers: { name: string; headline: { requests: number } }[];
    };
    // Assess
    expect(result).toMatchObject({
      period: { from: '2026-03-10T10:00:00.000Z', to: '2026-03-10T11:00:00.000Z' },
      requests: TOTAL,
      windows: 4,
      incidents: 1,
      announced: true,
    });
    // Four transfers, each counted once although one was delivered three times
    expect(json.inputs).toMatchObject({ total: 4, failed: 0, records: TOTAL, rejected: 0, formats: { 'otc-elb': 4 } });
    expect(json.overall.headline.requests).toBe(TOTAL);
    expect(Object.fromEntries(json.loadBalancers.map((lb) => [lb.name, lb.headline.requests]))).toEqual({
      [SHOP]: 140 + 100,
      [IOT]: 80 + 60,
    });
    const announced = recorder.requests.slice(requestsBefore);
    expect(announced.map((r) => r.path).sort()).toEqual([SMN_PATH, WEBHOOK_PATH].sort());
    expect(announced.map((r) => (r.path === SMN_PATH ? smnOutgoing(r) : JSON.parse(r.body)).kind)).toEqual([
      'report',
      'report',
    ]);
  });
});
