/**
 * Two ingest invocations at once on objects of the same (load balancer, window), against s3rver behind the
 * counting proxy, which honours the conditional writes s3rver ignores (`If-None-Match: *`, `If-Match`): every
 * window document holds both objects (no lost update) and the incident is paged as opened exactly once.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../../functions/aws/ingest/handler.js';
import { parseConfig } from '../../../functions/core/config.js';
import { memoryLogger } from '../../../functions/core/logger.js';
import type { Runtime } from '../../../functions/core/runtime.js';
import { readWindowDoc } from '../../../functions/core/window-docs.js';
import { S3StateStore } from '../../../functions/s3/state-store.js';
import { parseRules } from '../../../lib/rules/index.js';
import { objectCreatedEvent, RecordingDestination } from '../support/ingest-events.js';
import { type LocalS3, localS3Client, startS3rver } from '../support/local-stack.js';
import { albLines } from '../support/log-lines.js';
import { type CountingProxy, startCountingProxy } from '../support/s3-proxy.js';

const LOG_BUCKET = 'example-elb-logs';
const STATE_BUCKET = 'example-lbwatch-state';
const WEB = 'app/web/50dc6c495c0c9188';
const WINDOW_MS = 300_000;
const at = (hhmm: string): number => Date.parse(`2024-05-01T${hhmm}:00Z`);

/** One node's object for the window starting at `start`: 60 good requests and 30 LB-generated 502s. */
function nodeObject(start: number, target: string): string {
  const from = new Date(start);
  const to = new Date(start + WINDOW_MS - 1000);
  return [
    ...albLines(60, from, to, { loadBalancer: WEB, target, elbStatus: 200, targetStatus: 200 }),
    ...albLines(30, from, to, { loadBalancer: WEB, target, elbStatus: 502, targetStatus: null }),
  ].join('\n');
}

describe('concurrent ingest through a server that honours conditional writes', () => {
  let server: LocalS3;
  let proxy: CountingProxy;
  let direct: S3Client;
  let viaProxy: S3Client;

  beforeAll(async () => {
    server = await startS3rver([LOG_BUCKET, STATE_BUCKET]);
    proxy = await startCountingProxy({ target: server.endpoint });
    direct = localS3Client(server.endpoint);
    viaProxy = localS3Client(proxy.endpoint);
  });

  afterAll(async () => {
    direct?.destroy();
    viaProxy?.destroy();
    await proxy?.stop();
    await server?.stop();
  });

  it('keeps both objects of a window in its document and pages the incident opened once', async () => {
    // Prepare: two nodes' objects for each of three consecutive windows; two cold starts of the ingest function
    const config = parseConfig({
      STATE_BUCKET,
      S3_FORCE_PATH_STYLE: 'true',
      ALERT_WEBHOOK_URL: 'https://hooks.example.com/lbwatch',
    });
    const rules = parseRules('incidents: { resolveAfter: 15m }', 'RULES');
    const pages = new RecordingDestination();
    const runtime: Runtime = { rules, windowMs: rules.windowMs, destinations: [pages] };
    let clock = 0;
    const invocation = () =>
      createHandler({ config, s3: viaProxy, log: memoryLogger(), runtime: async () => runtime, now: () => clock });
    const [first, second] = [invocation(), invocation()];
    const starts = [at('10:00'), at('10:05'), at('10:10')];
    const uploaded: { key: string; etag: string }[][] = [];
    for (const start of starts) {
      const pair: { key: string; etag: string }[] = [];
      for (const [node, target] of [
        ['10.0.0.11', '10.0.1.7:8080'],
        ['10.0.0.12', '10.0.1.8:8080'],
      ] as const) {
        const stamp = new Date(start + WINDOW_MS).toISOString().slice(0, 16).replace(/[-:]/g, '');
        const key = `AWSLogs/123456789012/elasticloadbalancing/eu-west-1/2024/05/01/123456789012_elasticloadbalancing_eu-west-1_app.web.50dc6c495c0c9188_${stamp}Z_${node}_x.log`;
        const put = await direct.send(
          new PutObjectCommand({ Bucket: LOG_BUCKET, Key: key, Body: nodeObject(start, target) }),
        );
        pair.push({ key, etag: (put.ETag ?? '').replace(/"/g, '') });
      }
      uploaded.push(pair);
    }

    // Act: per window, both objects' invocations run at the same time
    for (const [i, start] of starts.entries()) {
      clock = start + WINDOW_MS + 4 * 60_000;
      const [a, b] = uploaded[i] ?? [];
      if (a === undefined || b === undefined) throw new Error('objects not uploaded');
      await Promise.all([
        first(objectCreatedEvent([{ bucket: LOG_BUCKET, ...a }])),
        second(objectCreatedEvent([{ bucket: LOG_BUCKET, ...b }])),
      ]);
    }

    // Assess
    const store = new S3StateStore(direct, STATE_BUCKET);
    const docs = await Promise.all(starts.map((start) => readWindowDoc(store, 'lbwatch/', WEB, start)));
    for (const doc of docs) {
      expect(doc?.sources).toHaveLength(2);
      expect(doc?.aggregate.requests).toBe(2 * 90);
      expect(doc?.aggregate.statusCodes['502']).toBe(2 * 30);
    }
    const opened = pages.sent.filter((p) => p.kind === 'incident' && p.state === 'opened');
    expect(opened).toHaveLength(1);
    expect(proxy.counts().requests.LIST).toBe(0);
  });
});
