/**
 * The FunctionGraph entry points end to end against s3rver on loopback, standing in for OBS's
 * S3-compatible API: OBS trigger events (Huawei Cloud and OTC shapes, a key with spaces, a duplicate
 * delivery, a removal) through the ingest handler with a context carrying temporary credentials,
 * then a timer-triggered report whose presigned link opens the HTML, then the bundled handler
 * from its zip.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../functions/core/config.js';
import { memoryLogger } from '../../../functions/core/logger.js';
import type { Runtime } from '../../../functions/core/runtime.js';
import { parseWindowDoc } from '../../../functions/core/window-docs.js';
import type { Destination } from '../../../functions/destinations/destination.js';
import { createHandler as createIngestHandler } from '../../../functions/otc/ingest/handler.js';
import { obsClients, obsSettings } from '../../../functions/otc/obs-client.js';
import { createHandler as createReportHandler } from '../../../functions/otc/report/handler.js';
import type { Outgoing } from '../../../lib/model.js';
import { renderText } from '../../../lib/notify/index.js';
import { DEFAULT_RULES } from '../../../lib/rules/index.js';
import { otcZip } from '../../../scripts/otc-bundle.mjs';
import { fixture } from '../support/factories.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION, type LocalS3, localS3Client, startS3rver } from '../support/local-stack.js';
import { readZip } from '../support/unzip.js';

const LOG_BUCKET = 'example-lts-transfers';
const STATE_BUCKET = 'example-lbwatch-state';
/** An LTS transfer path with a log group and stream whose names have spaces. */
const KEY = 'LogTanks/eu-de/2022/02/14/elb group/access stream/access log.log';
const OTC_LINES = readFileSync(new URL('../../fixtures/formats/otc-elb.log', import.meta.url), 'utf8');
const NOW = Date.parse('2022-02-14T08:00:00Z');

/** The FunctionGraph context of a function with an agency: temporary credentials (s3rver's, here). */
const context = {
  getSecurityAccessKey: () => LOCAL_CREDENTIALS.accessKeyId,
  getSecuritySecretKey: () => LOCAL_CREDENTIALS.secretAccessKey,
  getSecurityToken: () => 'temporary-session-token',
  getRequestID: () => 'e2e-request',
};

/** Records what the destinations would deliver. */
function recorder(): Destination & { sent: Outgoing[] } {
  const sent: Outgoing[] = [];
  return {
    name: 'webhook',
    sent,
    async send(message) {
      sent.push(message);
    },
  };
}

type ObsRecord = { eventName: string; obs: { bucket: { name: string }; object: Record<string, unknown> } };
type S3Record = { eventName: string; s3: { bucket: { name: string }; object: Record<string, unknown> } };

/** OBS trigger records carry keys URL-encoded the form way: a space becomes "+". */
function encodedKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
}

function obsEvent(key: string, etag: string, eventName = 'ObjectCreated:Put'): unknown {
  const event = fixture<{ Records: ObsRecord[] }>('otc/obs-v3.json');
  const record = event.Records[0];
  if (record === undefined) throw new Error('fixture has no record');
  record.eventName = eventName;
  record.obs.bucket.name = LOG_BUCKET;
  record.obs.object = { key: encodedKey(key), eTag: etag, size: OTC_LINES.length, sequencer: '1' };
  return event;
}

function s3StyleEvent(key: string, etag: string): unknown {
  const event = fixture<{ Records: S3Record[] }>('otc/obs-s3-style.json');
  const record = event.Records[0];
  if (record === undefined) throw new Error('fixture has no record');
  record.s3.bucket.name = LOG_BUCKET;
  record.s3.object = { key: encodedKey(key), eTag: etag, size: OTC_LINES.length, versionId: 'null' };
  return event;
}

describe('FunctionGraph functions end to end (s3rver as OBS on loopback)', () => {
  let s3Server: LocalS3;
  let s3: S3Client;
  const scratch = mkdtempSync(join(tmpdir(), 'lbwatch-otc-e2e-'));

  beforeAll(async () => {
    s3Server = await startS3rver([LOG_BUCKET, STATE_BUCKET]);
    s3 = localS3Client(s3Server.endpoint);
  });

  afterAll(async () => {
    s3?.destroy();
    await s3Server?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  async function upload(key: string, body: string): Promise<string> {
    const response = await s3.send(new PutObjectCommand({ Bucket: LOG_BUCKET, Key: key, Body: body }));
    return (response.ETag ?? '').replace(/"/g, '');
  }

  async function listKeys(prefix: string): Promise<string[]> {
    const response = await s3.send(new ListObjectsV2Command({ Bucket: STATE_BUCKET, Prefix: prefix }));
    return (response.Contents ?? []).map((c) => c.Key ?? '').sort();
  }

  async function readState(key: string): Promise<string> {
    const response = await s3.send(new GetObjectCommand({ Bucket: STATE_BUCKET, Key: key }));
    return (await response.Body?.transformToString('utf-8')) ?? '';
  }

  function deps(env: Record<string, string>, destination: Destination) {
    const config = parseConfig({
      STATE_BUCKET,
      ALERT_WEBHOOK_URL: 'https://hooks.example.com/lbwatch',
      S3_FORCE_PATH_STYLE: 'true',
      ...env,
    });
    const runtime: Runtime = { rules: DEFAULT_RULES, windowMs: DEFAULT_RULES.windowMs, destinations: [destination] };
    return {
      config,
      s3For: obsClients(obsSettings({ AWS_ENDPOINT_URL_S3: s3Server.endpoint, AWS_REGION: LOCAL_REGION }, true)),
      runtime: async () => runtime,
      log: memoryLogger(),
      now: () => NOW,
    };
  }

  it('ingests OBS-triggered objects with the context credentials and writes the same state as on AWS', async () => {
    // Prepare
    const etag = await upload(KEY, OTC_LINES);
    const ingest = createIngestHandler(deps({}, recorder()));
    // Act: Huawei Cloud shape, the same object again in OTC's shape, then its removal
    const first = await ingest(obsEvent(KEY, etag), context);
    const again = await ingest(s3StyleEvent(KEY, etag), context);
    const removed = await ingest(obsEvent(KEY, etag, 'ObjectRemoved:Delete'), context);
    // Assess: one window document per (load balancer, window); the second delivery merges nothing
    expect(first).toMatchObject({ objects: [{ status: 'processed', key: KEY, records: 3, windows: 2 }] });
    expect(again).toMatchObject({ objects: [{ status: 'processed', key: KEY, records: 3, windows: 0 }] });
    expect(removed).toEqual({ objects: [] });
    const docs = await listKeys('lbwatch/windows/');
    expect(docs).toHaveLength(2);
    expect(docs.some((k) => k.startsWith('lbwatch/windows/2022-02-14T06:20:00.000Z/'))).toBe(true);
    expect(docs.some((k) => k.startsWith('lbwatch/windows/2019-04-11T01:00:00.000Z/'))).toBe(true);
    const inputs = (await Promise.all(docs.map(async (k) => parseWindowDoc(await readState(k))))).flatMap((d) =>
      Object.values(d.inputs),
    );
    expect(inputs).toHaveLength(1);
    expect(inputs[0]).toMatchObject({
      path: `s3://${LOG_BUCKET}/${KEY}`,
      summary: { format: 'otc-elb', records: 3, rejected: 0 },
    });
  });

  it('refuses a malformed event without touching state', async () => {
    // Prepare
    const before = await listKeys('lbwatch/');
    const log = memoryLogger();
    const ingest = createIngestHandler({ ...deps({}, recorder()), log });
    // Act
    const result = await ingest({ Records: [{ eventSource: 'elsewhere', eventName: 'ObjectCreated:Put' }] }, context);
    // Assess
    expect(result).toEqual({ objects: [] });
    expect(log.entries.map((e) => e.message)).toContain('event refused');
    expect(await listKeys('lbwatch/')).toEqual(before);
  });

  it('writes the timer-triggered report and announces a link that opens it', async () => {
    // Prepare: one object ingested under its own prefix; the timer fires at 09:30 +02:00, so the hour is
    // 06:10-07:10 UTC
    const env = { STATE_PREFIX: 'reported/', REPORT_PERIOD: '1h', REPORT_LINK_TTL: '1h' };
    const key = 'LogTanks/eu-de/2022/02/14/reported/access.log';
    await createIngestHandler(deps(env, recorder()))(obsEvent(key, await upload(key, OTC_LINES)), context);
    const destination = recorder();
    const report = createReportHandler(deps(env, destination));
    const timer = { ...fixture<Record<string, unknown>>('otc/timer.json'), time: '2022-02-14T09:30:00+02:00' };
    // Act
    const result = await report(timer, context);
    const opened = await fetch(result.url ?? 'http://127.0.0.1:1/', { signal: AbortSignal.timeout(10_000) });
    const html = await opened.text();
    // Assess
    expect(result).toMatchObject({ requests: 2, windows: 1, announced: true });
    expect(result.url).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/example-lbwatch-state\/reported\/reports\/.+report\.html\?/,
    );
    // Signed with the invocation's temporary credentials (s3rver serves it without checking signatures)
    const query = new URL(result.url ?? 'http://127.0.0.1/').searchParams;
    expect(query.get('X-Amz-Expires')).toBe('3600');
    expect(query.get('X-Amz-Credential')).toMatch(/^S3RVER\/\d{8}\/us-east-1\/s3\/aws4_request$/);
    expect(query.get('X-Amz-Security-Token')).toBe('temporary-session-token');
    expect(query.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(opened.status).toBe(200);
    expect(html).toContain('<html');
    expect(html).toBe(await readState(`reported/reports/${result.period.to}/report.html`));
    expect(destination.sent).toHaveLength(1);
    expect(renderText(destination.sent[0] as Outgoing)).toContain(`Open: ${result.url}`);
  });

  it('announces no link with REPORT_LINK_TTL=0', async () => {
    // Prepare
    const destination = recorder();
    const report = createReportHandler(deps({ REPORT_PERIOD: '1h', REPORT_LINK_TTL: '0' }, destination));
    // Act
    const result = await report(
      { ...fixture<Record<string, unknown>>('otc/timer.json'), time: '2022-02-14T12:30:00Z' },
      context,
    );
    // Assess
    expect(result.url).toBeNull();
    expect(renderText(destination.sent[0] as Outgoing)).not.toContain('Open:');
  });

  it('runs the bundled ingest handler from its zip with configuration from the environment', async () => {
    // Prepare
    const key = 'LogTanks/eu-de/2022/02/14/bundled/access log.log';
    const etag = await upload(key, OTC_LINES);
    const env: Record<string, string> = {
      STATE_BUCKET,
      STATE_PREFIX: 'bundled/',
      ALERT_WEBHOOK_URL: 'https://hooks.example.com/lbwatch',
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ENDPOINT_URL_S3: s3Server.endpoint,
      AWS_REGION: LOCAL_REGION,
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      const folder = join(scratch, 'ingest');
      mkdirSync(folder);
      for (const entry of readZip(await otcZip('ingest'))) writeFileSync(join(folder, entry.name), entry.data);
      const file = join(folder, 'index.js');
      const bundled = createRequire(file)(file) as {
        handler: (event: unknown, context: unknown) => Promise<unknown>;
      };
      // Act
      const result = await bundled.handler(obsEvent(key, etag), context);
      // Assess
      expect(result).toMatchObject({ objects: [{ status: 'processed', key, records: 3 }] });
      expect(await listKeys('bundled/windows/')).toHaveLength(2);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }, 60_000);
});
