/**
 * lbwatch's functions on a laptop: starts an S3 server (s3rver) and an SNS/SQS server (fauxqs) on
 * 127.0.0.1, creates the buckets, the alert topic and a queue subscribed to it, uploads the example
 * logs as the load balancers would deliver them (in delivery order, simulated clock), invokes the
 * ingest function with one S3 notification per object and the scheduled check every 5 simulated
 * minutes, prints every page as the topic's subscriber receives it (one `opened` and one `resolved`
 * per incident), then runs the report function and prints where the report was written.
 *
 *   npm run dev:stack [-- --logs examples/logs] [--limit N] [--cloud aws|otc]
 *
 * `--cloud otc` replays the OTC examples the way Open Telekom Cloud delivers them instead (see
 * dev-stack-otc.ts).
 *
 * Bounded: a fixed number of objects, every wait has a timeout, servers are stopped at the end.
 */
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createHandler as createCheckHandler } from '../functions/aws/check/handler.js';
import { createHandler as createIngestHandler } from '../functions/aws/ingest/handler.js';
import { createHandler as createReportHandler } from '../functions/aws/report/handler.js';
import { parseConfig } from '../functions/core/config.js';
import { memoryLogger } from '../functions/core/logger.js';
import { once, resolveRuntime } from '../functions/core/runtime.js';
import {
  drainNotifications,
  localS3Client,
  startMessaging,
  startS3rver,
} from '../test/functions/support/local-stack.js';
import { copyReport, intervalEnd, listLogs } from './dev-stack-logs.js';
import { runOtcStack } from './dev-stack-otc.js';

const LOG_BUCKET = 'lbwatch-dev-logs';
const STATE_BUCKET = 'lbwatch-dev-state';
/** Objects land about five minutes after the interval their name ends with. */
const DELIVERY_DELAY_MS = 5 * 60_000;
const TIME_LIMIT_MS = 10 * 60_000;
/** The deployed stack runs the scheduled check every 5 minutes. */
const CHECK_EVERY_MS = 5 * 60_000;
/** Where the report is copied (ignored by git). */
const OUT_DIR = 'dist/dev-stack';

const { values } = parseArgs({
  options: {
    logs: { type: 'string', default: 'examples/logs' },
    limit: { type: 'string', default: '1000' },
    cloud: { type: 'string', default: 'aws' },
  },
});
const logsDir = values.logs;
const limit = Number(values.limit);

function s3Notification(bucket: string, key: string, etag: string, size: number): unknown {
  const encoded = encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:DEVSTACK' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'DEVSTACK', 'x-amz-id-2': 'DEVSTACK' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'lbwatch-dev',
          bucket: { name: bucket, ownerIdentity: { principalId: 'DEVSTACK' }, arn: `arn:aws:s3:::${bucket}` },
          object: { key: encoded, size, eTag: etag, sequencer: '00' },
        },
      },
    ],
  };
}

async function main(): Promise<void> {
  const files = (await listLogs(logsDir))
    .sort((a, b) => intervalEnd(a) - intervalEnd(b) || a.localeCompare(b))
    .slice(0, limit);
  if (files.length === 0) {
    console.log(
      `no *.log or *.log.gz files under ${logsDir}; generate them with: node --import tsx examples/generate/cli.ts`,
    );
    return;
  }
  const started = Date.now();
  const s3Server = await startS3rver([LOG_BUCKET, STATE_BUCKET]);
  const messaging = await startMessaging({ topic: 'lbwatch-alerts', queue: 'lbwatch-alert-inbox' });
  const s3 = localS3Client(s3Server.endpoint);
  console.log(`S3 (s3rver)    ${s3Server.endpoint}  buckets ${LOG_BUCKET}, ${STATE_BUCKET}`);
  console.log(`SNS/SQS        ${messaging.endpoint}  topic ${messaging.topicArn}`);
  try {
    const config = parseConfig({ STATE_BUCKET, ALERT_TOPIC_ARN: messaging.topicArn, S3_FORCE_PATH_STYLE: 'true' });
    const runtime = once(() => resolveRuntime(config, { s3, sns: messaging.sns }));
    let clock = 0;
    const deps = { config, s3, runtime, log: memoryLogger(), now: () => clock };
    const ingest = createIngestHandler(deps);
    const check = createCheckHandler(deps);
    let nextCheck = 0;
    let alerts = 0;
    const print = async (): Promise<void> => {
      for (const n of await drainNotifications(messaging, { quietMs: 0, timeoutMs: 2000 })) {
        alerts++;
        console.log(`${new Date(clock).toISOString().slice(11, 16)}Z  ${n.subject}`);
      }
    };
    /** Runs the scheduled check for every 5-minute mark the clock has passed. */
    const checkUpTo = async (until: number): Promise<void> => {
      if (nextCheck === 0) nextCheck = Math.ceil(until / CHECK_EVERY_MS) * CHECK_EVERY_MS;
      const ingestClock = clock;
      while (nextCheck <= until) {
        clock = nextCheck;
        await check({});
        nextCheck += CHECK_EVERY_MS;
      }
      clock = Math.max(ingestClock, clock);
    };
    let records = 0;
    let done = 0;
    console.log(`replaying ${files.length} objects from ${logsDir} in delivery order\n`);
    for (const file of files) {
      if (Date.now() - started > TIME_LIMIT_MS) {
        console.log(`stopping: time limit of ${TIME_LIMIT_MS / 60_000} minutes reached`);
        break;
      }
      const key = relative(logsDir, file).split('\\').join('/');
      const body = await readFile(file).catch(() => null);
      if (body === null) {
        console.log(`skipped ${key}: no longer readable`);
        continue;
      }
      const put = await s3.send(new PutObjectCommand({ Bucket: LOG_BUCKET, Key: key, Body: body }));
      await checkUpTo(intervalEnd(file) + DELIVERY_DELAY_MS);
      clock = Math.max(clock, intervalEnd(file) + DELIVERY_DELAY_MS);
      const result = (await ingest(
        s3Notification(LOG_BUCKET, key, (put.ETag ?? '').replace(/"/g, ''), body.length),
      )) as {
        objects: { status: string; records?: number }[];
      };
      records += result.objects.reduce((n, o) => n + (o.records ?? 0), 0);
      done++;
      if (done % 100 === 0) console.log(`... ${done} objects ingested`);
      await print();
    }
    // After the last object, the checks of the next quarter hour resolve what is still open (later ones would
    // rightly open logs-missing incidents: the replay has no more logs).
    await checkUpTo(clock + 15 * 60_000);
    await print();
    const report = createReportHandler(deps);
    const written = await report({
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      time: new Date(clock).toISOString(),
    });
    const announcements = await drainNotifications(messaging, { quietMs: 200, timeoutMs: 5000 });
    console.log(`\n${done} objects, ${records} records, ${alerts} incident pages`);
    console.log(
      `report for ${written.period.from} .. ${written.period.to}: ${written.requests} requests, ${written.incidents} incidents`,
    );
    await copyReport(s3, STATE_BUCKET, written.locations, OUT_DIR);
    for (const a of announcements) console.log(`announced: ${a.subject}`);
    console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    s3.destroy();
    await messaging.stop();
    await s3Server.stop();
  }
}

if (values.cloud === 'otc') await runOtcStack({ logsDir, limit });
else if (values.cloud === 'aws') await main();
else {
  console.log(`--cloud: expected aws or otc, got ${JSON.stringify(values.cloud)}`);
  process.exitCode = 2;
}
