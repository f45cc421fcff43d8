/**
 * lbwatch's FunctionGraph functions on a laptop (`npm run dev:stack -- --cloud otc`): starts an S3
 * server (s3rver) standing in for OBS and an HTTP recorder standing in for SMN, both on 127.0.0.1,
 * turns every OTC example object into an LTS transfer (JSON lines gzip-compressed and RAW lines in a
 * zip, alternately), uploads it under `LogTanks/eu-de/...` in delivery order on a simulated clock,
 * invokes the OTC ingest handler with one OBS trigger event per object and with a timer event every
 * 5 simulated minutes (the scheduled check runs in the ingest function on OTC), prints the subject of
 * every SMN publish as the recorder receives it, then runs the OTC report handler on its timer and
 * copies the report out.
 *
 * Bounded: a fixed number of objects, a time limit, every wait has a timeout, servers are stopped at the end.
 */
import { readFile } from 'node:fs/promises';
import { basename, relative } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { parseConfig } from '../functions/core/config.js';
import type { IngestResult } from '../functions/core/ingest.js';
import { memoryLogger } from '../functions/core/logger.js';
import { createHandler as createIngestHandler } from '../functions/otc/ingest/handler.js';
import { obsClients, obsSettings } from '../functions/otc/obs-client.js';
import { createHandler as createReportHandler } from '../functions/otc/report/handler.js';
import { runtimeOnce } from '../functions/otc/runtime.js';
import { LOCAL_REGION, localS3Client, startS3rver } from '../test/functions/support/local-stack.js';
import {
  agencyContext,
  ltsJsonLines,
  obsCreatedEvent,
  timerEvent,
  transferText,
} from '../test/functions/support/lts-transfer.js';
import { type RecordedRequest, startRecorder } from '../test/support/recorder.js';
import { copyReport, intervalEnd, listLogs } from './dev-stack-logs.js';
import { zipFiles } from './zip.mjs';

const LOG_BUCKET = 'lbwatch-dev-lts';
const STATE_BUCKET = 'lbwatch-dev-state';
const TOPIC_URN = 'urn:smn:eu-de:0a1b2c3d4e5f60718293a4b5c6d7e8f9:lbwatch-alerts';
/** Transfers land about five minutes after the interval their name ends with. */
const DELIVERY_DELAY_MS = 5 * 60_000;
const TIME_LIMIT_MS = 10 * 60_000;
/** The check's timer trigger fires every 5 minutes (`@every 5m`). */
const CHECK_EVERY_MS = 5 * 60_000;
/** SMN publishes answered before the recorder cuts off (pages and one announcement). */
const MAX_PUBLISHES = 200;
/** Where the report is copied (ignored by git). */
const OUT_DIR = 'dist/dev-stack/otc';

const context = agencyContext('local-agency-token', 'dev-stack');

export interface OtcStackOptions {
  logsDir: string;
  limit: number;
}

/** One example object as an LTS transfer: even positions JSON lines gzip-compressed, odd ones RAW lines in a zip. */
function asTransfer(
  key: string,
  gzipped: Buffer,
  index: number,
  deliveredAt: number,
): { key: string; body: Buffer; kind: string } {
  const text = gunzipSync(gzipped).toString('utf8');
  const lines = text.split('\n').filter((line) => line !== '');
  const [, region = 'eu-de', , , , logGroup = 'lbwatch-prod', logStream = 'elb-access'] = key.split('/');
  if (index % 2 === 0) {
    const json = transferText(ltsJsonLines(lines, { region, logGroup, logStream }, deliveredAt));
    return { key, body: gzipSync(json), kind: 'JSON gzip' };
  }
  const name = basename(key).replace(/\.gz$/, '');
  const zipped = zipFiles([{ name, data: Buffer.from(transferText(lines)) }]);
  return { key: key.replace(/\.log\.gz$/, '.zip'), body: zipped, kind: 'RAW zip' };
}

function subjectOf(request: RecordedRequest): string {
  try {
    return String((JSON.parse(request.body) as { subject?: unknown }).subject ?? '(no subject)');
  } catch {
    return '(not JSON)';
  }
}

export async function runOtcStack(options: OtcStackOptions): Promise<void> {
  const files = (await listLogs(options.logsDir))
    .filter((file) => relative(options.logsDir, file).split('\\').join('/').startsWith('LogTanks/'))
    .sort((a, b) => intervalEnd(a) - intervalEnd(b) || a.localeCompare(b))
    .slice(0, options.limit);
  if (files.length === 0) {
    console.log(
      `no OTC example objects under ${options.logsDir}/LogTanks; generate them with: node --import tsx examples/generate/cli.ts`,
    );
    return;
  }
  const started = Date.now();
  const s3Server = await startS3rver([LOG_BUCKET, STATE_BUCKET]);
  const smn = await startRecorder([{ status: 200, body: '{"request_id":"dev-stack"}' }], {
    maxRequests: MAX_PUBLISHES,
    lifetimeMs: TIME_LIMIT_MS + 60_000,
  });
  const s3 = localS3Client(s3Server.endpoint);
  console.log(`OBS (s3rver)   ${s3Server.endpoint}  buckets ${LOG_BUCKET}, ${STATE_BUCKET}`);
  console.log(`SMN (recorder) ${smn.origin}  topic ${TOPIC_URN}`);
  try {
    const config = parseConfig({
      STATE_BUCKET,
      S3_FORCE_PATH_STYLE: 'true',
      LOG_PREFIX: 'LogTanks/',
      LOG_SUFFIX: '.log,.log.gz,.gz,.zip',
      SMN_TOPIC_URN: TOPIC_URN,
      SMN_ENDPOINT: smn.origin,
    });
    let clock = 0;
    const log = memoryLogger();
    const deps = {
      config,
      s3For: obsClients(obsSettings({ AWS_ENDPOINT_URL_S3: s3Server.endpoint, AWS_REGION: LOCAL_REGION }, true)),
      runtime: runtimeOnce(config, log),
      log,
      now: () => clock,
    };
    const ingest = createIngestHandler(deps);
    let printed = 0;
    let pages = 0;
    const print = (): void => {
      for (const request of smn.requests.slice(printed)) {
        pages++;
        console.log(`${new Date(clock).toISOString().slice(11, 16)}Z  ${subjectOf(request)}`);
      }
      printed = smn.requests.length;
    };
    let nextCheck = 0;
    /** Fires the check's timer for every 5-minute mark the clock has passed. */
    const checkUpTo = async (until: number): Promise<void> => {
      if (nextCheck === 0) nextCheck = Math.ceil(until / CHECK_EVERY_MS) * CHECK_EVERY_MS;
      const ingestClock = clock;
      while (nextCheck <= until) {
        clock = nextCheck;
        await ingest(timerEvent(clock), context);
        print();
        nextCheck += CHECK_EVERY_MS;
      }
      clock = Math.max(ingestClock, clock);
    };
    let records = 0;
    let done = 0;
    const kinds: Record<string, number> = {};
    console.log(`replaying ${files.length} OTC objects from ${options.logsDir} as LTS transfers in delivery order\n`);
    for (const [index, file] of files.entries()) {
      if (Date.now() - started > TIME_LIMIT_MS) {
        console.log(`stopping: time limit of ${TIME_LIMIT_MS / 60_000} minutes reached`);
        break;
      }
      const gzipped = await readFile(file).catch(() => null);
      if (gzipped === null) {
        console.log(`skipped ${file}: no longer readable`);
        continue;
      }
      const delivered = intervalEnd(file) + DELIVERY_DELAY_MS;
      const transfer = asTransfer(relative(options.logsDir, file).split('\\').join('/'), gzipped, index, delivered);
      kinds[transfer.kind] = (kinds[transfer.kind] ?? 0) + 1;
      const put = await s3.send(new PutObjectCommand({ Bucket: LOG_BUCKET, Key: transfer.key, Body: transfer.body }));
      await checkUpTo(delivered);
      clock = Math.max(clock, delivered);
      const event = obsCreatedEvent(LOG_BUCKET, {
        key: transfer.key,
        etag: (put.ETag ?? '').replace(/"/g, ''),
        size: transfer.body.length,
      });
      const result = (await ingest(event, context)) as IngestResult;
      records += result.objects.reduce((n, o) => n + (o.status === 'processed' ? o.records : 0), 0);
      done++;
      if (done % 50 === 0) console.log(`... ${done} transfers ingested`);
      print();
    }
    // After the last transfer, the checks of the next quarter hour resolve what is still open (later ones would
    // rightly open logs-missing incidents: the replay has no more logs).
    await checkUpTo(clock + 15 * 60_000);
    const report = createReportHandler(deps);
    const written = await report(timerEvent(clock), context);
    const announcements = smn.requests.slice(printed).map(subjectOf);
    const mix = Object.entries(kinds)
      .map(([kind, n]) => `${n} ${kind}`)
      .join(', ');
    console.log(`\n${done} transfers (${mix}), ${records} records, ${pages} incident pages on SMN`);
    console.log(
      `report for ${written.period.from} .. ${written.period.to}: ${written.requests} requests, ${written.incidents} incidents`,
    );
    await copyReport(s3, STATE_BUCKET, written.locations, OUT_DIR);
    for (const subject of announcements) console.log(`announced on SMN: ${subject}`);
    console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    s3.destroy();
    await smn.close();
    await s3Server.stop();
  }
}
