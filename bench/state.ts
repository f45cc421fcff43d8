/**
 * `npm run bench:state [-- --save]`
 *
 * What lbwatch's state costs per ingested object: the real ingest handler (functions/aws/ingest/handler.ts) runs
 * against s3rver on loopback through a request-counting proxy that also honours conditional writes, for K objects
 * per (load balancer, 5-minute window), objects that carry a few records of the previous window, and OTC objects
 * holding 1, 5 or 20 load balancers. It prints per object the S3 requests by operation, the state bytes read and
 * the wall time, then $ per million objects and per load-balancer-month at the list prices below; the real
 * scheduled check's requests, wall time and CPU for 50 load balancers with nothing to do and with one closed hour
 * each to roll up; and the report flow's wall time, CPU and peak memory for a synthetic day and month of up to 500
 * load balancers, read from hourly rollups and, for comparison, from window documents (bench/state-report.ts, each
 * in a child process with a heap and a time limit). Every loop is bounded in count and time. With `--save` the
 * Markdown goes to bench/state-results.md; `--only ingest|check|report` runs one part (not with --save).
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHandler as createCheckHandler } from '../functions/aws/check/handler.js';
import { createHandler as createIngestHandler } from '../functions/aws/ingest/handler.js';
import { mapLimit } from '../functions/core/concurrency.js';
import { type FunctionConfig, parseConfig } from '../functions/core/config.js';
import { type LbState, lbStateKey } from '../functions/core/lb-state.js';
import type { Log } from '../functions/core/logger.js';
import type { Runtime } from '../functions/core/runtime.js';
import { serializeWindowDoc, windowDocKey } from '../functions/core/window-docs.js';
import { LATENESS_MS } from '../functions/core/window-store.js';
import { S3StateStore } from '../functions/s3/state-store.js';
import { HOUR_MS, hourClosesAt, windowStartsOfHour } from '../lib/rollup/index.js';
import { DEFAULT_RULES } from '../lib/rules/index.js';
import { objectCreatedEvent, RecordingDestination } from '../test/functions/support/ingest-events.js';
import { type LocalS3, localS3Client, startS3rver } from '../test/functions/support/local-stack.js';
import { albLines } from '../test/functions/support/log-lines.js';
import { type CountingProxy, type RequestCounts, startCountingProxy } from '../test/functions/support/s3-proxy.js';
import type { ReportLayout, ReportMeasurement } from './state-report.js';
import { restampDoc, templateDoc, WINDOW_MS } from './state-synthetic.js';

const RESULTS = 'bench/state-results.md';
const LOG_BUCKET = 'example-elb-logs';
const STATE_BUCKET = 'example-lbwatch-state';
const T0 = Date.parse('2024-05-01T10:00:00Z');
const LINES_PER_OBJECT = 1_600;
/** The ingest part stops starting scenarios after this. */
const INGEST_BUDGET_MS = 300_000;
const REPORT_TIME_LIMIT_S = 150;
/** The report function's heap cap (infra: DEFAULT_SIZING.reportHeapMiB). */
const REPORT_HEAP_MB = 384;

/** List prices, us-east-1, as stated in the README. */
export const PRICES = {
  s3PutListPer1000: 0.005,
  s3GetPer1000: 0.0004,
  lambdaGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  sqsPerMillionRequests: 0.4,
} as const;
/** Ingest memory assumed for the Lambda figure (GB). */
const LAMBDA_GB = 1;
/** Objects per ingest invocation: infra's SQS batch size (infra/delivery.ts, `batchSize` default 4). */
const SQS_BATCH = 4;
/** SQS requests per object: the notification's send, plus one receive and one batch delete per batch. */
const SQS_REQUESTS_PER_OBJECT = 1 + 2 / SQS_BATCH;
/** Objects a node writes per month (one every 5 minutes). */
const OBJECTS_PER_NODE_MONTH = 12 * 24 * 30;

const quiet: Log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

interface Scenario {
  name: string;
  /** Objects per (load balancer, window). */
  k: number;
  /** Load balancers per object. */
  lbs: number;
  format: 'alb' | 'otc';
  /** Records of the previous window per object (ALB objects carry a few). */
  previous: number;
  /** Windows ingested before the measured ones (state exists, as in steady operation). */
  warmWindows: number;
  measuredWindows: number;
}

interface PerObject {
  scenario: Scenario;
  objects: number;
  get: number;
  put: number;
  list: number;
  head: number;
  other: number;
  stateKbRead: number;
  wallMs: number;
  pages: number;
}

/**
 * Three measured windows (15 minutes): the load balancer's state records the last arrival when it moved by 15
 * minutes, so its PUT falls once in them, as in steady operation (once per 3K objects).
 */
function alb(name: string, k: number, previous: number): Scenario {
  return { name, k, lbs: 1, format: 'alb', previous, warmWindows: 1, measuredWindows: 3 };
}

const SCENARIOS: Scenario[] = [
  alb('ALB K=1', 1, 0),
  alb('ALB K=4', 4, 0),
  alb('ALB K=16', 16, 0),
  alb('ALB K=64', 64, 0),
  alb('ALB K=1, two windows', 1, 20),
  alb('ALB K=4, two windows', 4, 20),
  alb('ALB K=16, two windows', 16, 20),
  alb('ALB K=64, two windows', 64, 20),
  { name: 'OTC 1 LB/object', k: 1, lbs: 1, format: 'otc', previous: 0, warmWindows: 1, measuredWindows: 3 },
  { name: 'OTC 5 LBs/object', k: 1, lbs: 5, format: 'otc', previous: 0, warmWindows: 1, measuredWindows: 3 },
  { name: 'OTC 20 LBs/object', k: 1, lbs: 20, format: 'otc', previous: 0, warmWindows: 1, measuredWindows: 3 },
];

/** One ALB node's object for the window at `start`: healthy traffic over 40 paths, a few 404s. */
function albObject(start: number, node: number, previous: number): string {
  const lb = 'app/shop/50dc6c495c0c9188';
  const target = `10.0.${Math.floor(node / 8)}.${10 + (node % 8)}:8080`;
  const from = new Date(start);
  const to = new Date(start + WINDOW_MS - 1);
  const lines: string[] = [];
  if (previous > 0) {
    lines.push(
      ...albLines(previous, new Date(start - 10_000), new Date(start - 1), {
        loadBalancer: lb,
        target,
        elbStatus: 200,
        targetStatus: 200,
      }),
    );
  }
  const per = Math.floor((LINES_PER_OBJECT - previous) / 40);
  for (let p = 0; p < 40; p++) {
    lines.push(
      ...albLines(per - 1, from, to, {
        loadBalancer: lb,
        target,
        elbStatus: 200,
        targetStatus: 200,
        path: `/item/${p}`,
      }),
      ...albLines(1, from, to, { loadBalancer: lb, target, elbStatus: 404, targetStatus: 404, path: `/gone/${p}` }),
    );
  }
  return lines.join('\n');
}

/** Lines of the bundled OTC example, re-stamped (time) and re-addressed (load balancer) for OTC transfers. */
function otcTemplate(): string[] {
  const file =
    'examples/logs/LogTanks/eu-de/2026/06/16/lbwatch-prod/elb-shop-access/elb-shop-access_20260616T0600Z_100.125.4.18_amvzrro0.log.gz';
  return gunzipSync(readFileSync(file))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
}

const OTC_LB_ID = 'loadbalancer_7c1e4a52-3b8d-4f0e-9a61-2d5c8e9b4f13';

function otcObject(template: readonly string[], start: number, lbs: number): string {
  const lines: string[] = [];
  for (let i = 0; i < LINES_PER_OBJECT; i++) {
    const line = template[i % template.length] ?? '';
    const ms = start + Math.floor((WINDOW_MS * i) / LINES_PER_OBJECT);
    const lb = `loadbalancer_7c1e4a52-3b8d-4f0e-9a61-${(0x2d5c8e9b4f13 + (i % lbs)).toString(16)}`;
    const stamp = `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}`;
    const local = `[${new Date(Math.floor(ms / 1000) * 1000 + 7_200_000).toISOString().slice(0, 19)}+02:00]`;
    lines.push(
      line
        .replace(/^\S+/, stamp)
        .replace(/\[[^\]]+\]/, local)
        .replace(OTC_LB_ID, lb),
    );
  }
  return lines.join('\n');
}

interface Stack {
  server: LocalS3;
  proxy: CountingProxy;
  direct: S3Client;
  viaProxy: S3Client;
}

async function upload(stack: Stack, key: string, body: string): Promise<{ key: string; etag: string }> {
  const put = await stack.direct.send(new PutObjectCommand({ Bucket: LOG_BUCKET, Key: key, Body: body }));
  return { key, etag: (put.ETag ?? '').replace(/"/g, '') };
}

function configFor(prefix: string): Readonly<FunctionConfig> {
  return parseConfig({
    STATE_BUCKET,
    STATE_PREFIX: prefix,
    S3_FORCE_PATH_STYLE: 'true',
    ALERT_WEBHOOK_URL: 'https://hooks.example.com/lbwatch',
  });
}

async function runScenario(
  stack: Stack,
  scenario: Scenario,
  index: number,
  otc: readonly string[],
): Promise<PerObject> {
  const config = configFor(`bench-${index}/`);
  const pages = new RecordingDestination();
  const runtime: Runtime = { rules: DEFAULT_RULES, windowMs: WINDOW_MS, destinations: [pages] };
  let clock = 0;
  const ingest = createIngestHandler({
    config,
    s3: stack.viaProxy,
    log: quiet,
    runtime: async () => runtime,
    now: () => clock,
  });
  const totals: PerObject = {
    scenario,
    objects: 0,
    get: 0,
    put: 0,
    list: 0,
    head: 0,
    other: 0,
    stateKbRead: 0,
    wallMs: 0,
    pages: 0,
  };
  for (let w = 0; w < scenario.warmWindows + scenario.measuredWindows; w++) {
    const start = T0 + w * WINDOW_MS;
    const objects: { key: string; etag: string }[] = [];
    for (let node = 0; node < scenario.k; node++) {
      const stamp = new Date(start + WINDOW_MS).toISOString().slice(0, 16).replace(/[-:]/g, '');
      const body =
        scenario.format === 'alb' ? albObject(start, node, scenario.previous) : otcObject(otc, start, scenario.lbs);
      objects.push(await upload(stack, `bench-${index}/${stamp}Z_node-${node}.log`, body));
    }
    // Delivered 4 minutes after the interval they cover.
    clock = start + WINDOW_MS + 240_000;
    const measured = w >= scenario.warmWindows;
    for (const object of objects) {
      stack.proxy.reset();
      const began = performance.now();
      await ingest(objectCreatedEvent([{ bucket: LOG_BUCKET, ...object }]));
      const wall = performance.now() - began;
      if (!measured) continue;
      const counts: RequestCounts = stack.proxy.counts();
      const state = Object.entries(counts.byPrefix)
        .filter(([prefix]) => prefix.startsWith(`${STATE_BUCKET}/`))
        .reduce((sum, [, t]) => sum + t.bytesRead, 0);
      totals.objects += 1;
      totals.get += counts.requests.GET;
      totals.put += counts.requests.PUT;
      totals.list += counts.requests.LIST;
      totals.head += counts.requests.HEAD;
      totals.other += counts.requests.DELETE + counts.requests.OTHER;
      totals.stateKbRead += state / 1024;
      totals.wallMs += wall;
    }
  }
  totals.pages = pages.sent.length;
  return totals;
}

function mean(total: number, n: number): number {
  return n === 0 ? 0 : total / n;
}

/** $ per object: S3 requests, Lambda GB-s of the measured wall time and its share of an invocation, SQS. */
function dollarsPerObject(r: PerObject): number {
  const n = r.objects;
  const s3 =
    (mean(r.put + r.list + r.other, n) * PRICES.s3PutListPer1000) / 1000 +
    (mean(r.get + r.head, n) * PRICES.s3GetPer1000) / 1000;
  const lambda =
    (mean(r.wallMs, n) / 1000) * LAMBDA_GB * PRICES.lambdaGbSecond +
    ((1 / SQS_BATCH) * PRICES.lambdaPerMillionRequests) / 1e6;
  const sqs = (SQS_REQUESTS_PER_OBJECT * PRICES.sqsPerMillionRequests) / 1e6;
  return s3 + lambda + sqs;
}

/** Objects one load balancer causes per month: K nodes' objects for ALB; a share of each transfer for OTC. */
function objectsPerLbMonth(s: Scenario): number {
  return s.format === 'alb' ? s.k * OBJECTS_PER_NODE_MONTH : OBJECTS_PER_NODE_MONTH / s.lbs;
}

interface CheckRun {
  counts: RequestCounts;
  wallMs: number;
  /** CPU of this process during the run: the check and the counting proxy (s3rver runs in its own process). */
  cpuMs: number;
  hoursRolled: number;
  loadBalancers: number;
}

function lbName(i: number): string {
  return `app/shop-${String(i).padStart(3, '0')}/${(0x50dc6c495c0c + i).toString(16)}`;
}

/**
 * Runs the real check handler once, at `now`, through the counting proxy, or straight to s3rver (`direct`: no
 * requests counted, and this process's CPU is the check's alone).
 */
async function runCheck(
  stack: Stack,
  config: Readonly<FunctionConfig>,
  now: number,
  direct = false,
): Promise<CheckRun> {
  const check = createCheckHandler({
    config,
    s3: direct ? stack.direct : stack.viaProxy,
    log: quiet,
    runtime: async () => ({ rules: DEFAULT_RULES, windowMs: WINDOW_MS, destinations: [] }),
    now: () => now,
  });
  stack.proxy.reset();
  const cpu = process.cpuUsage();
  const began = performance.now();
  const result = await check({});
  const wallMs = performance.now() - began;
  const used = process.cpuUsage(cpu);
  return {
    counts: stack.proxy.counts(),
    wallMs,
    cpuMs: (used.user + used.system) / 1000,
    hoursRolled: result.hoursRolled,
    loadBalancers: result.loadBalancers,
  };
}

function stateText(loadBalancer: string, lastArrival: number, rolledUntil: number): string {
  const state: LbState = {
    version: 1,
    loadBalancer,
    lastArrival,
    lastObjectKey: 'AWSLogs/node-19.log.gz',
    intervalMs: WINDOW_MS,
    openRules: [],
    rolledFrom: rolledUntil - 86_400_000,
    rolledUntil,
    dirtyHours: [],
  };
  return JSON.stringify(state);
}

/** The check when nothing is open and no hour has closed since the last roll: its cost every 5 minutes. */
async function idleCheck(stack: Stack, loadBalancers: number): Promise<CheckRun> {
  const config = configFor('bench-check/');
  const store = new S3StateStore(stack.direct, STATE_BUCKET);
  const now = T0 + 3_600_000;
  for (let i = 0; i < loadBalancers; i++) {
    // Rolled up to the hour still open (T0's, which closes at T0 + 1 h + the lateness allowance).
    await store.put(lbStateKey(config.statePrefix, lbName(i)), stateText(lbName(i), now - 120_000, T0));
  }
  return runCheck(stack, config, now);
}

/**
 * The check that rolls: every load balancer has the hour T0 in window documents (twelve 20-node documents and the
 * next hour's first, written with the real serializer) and a state rolled up to that hour with its last arrival inside it; the check runs when
 * the hour has closed (its last window's end plus the lateness allowance), so it rolls one hour per load balancer.
 */
async function rollingCheck(stack: Stack, loadBalancers: number, direct = false): Promise<CheckRun> {
  const config = configFor(direct ? 'bench-roll-direct/' : 'bench-roll/');
  const prefix = config.statePrefix;
  const store = new S3StateStore(stack.direct, STATE_BUCKET);
  const template = await templateDoc(lbName(0), T0);
  const writes: { key: string; text: string }[] = [];
  for (let i = 0; i < loadBalancers; i++) {
    const lb = lbName(i);
    // The hour's twelve documents and the next hour's first (the check reads it for its carry, which ends the hour).
    for (const start of [...windowStartsOfHour(T0, WINDOW_MS), T0 + HOUR_MS])
      writes.push({ key: windowDocKey(prefix, lb, start), text: serializeWindowDoc(restampDoc(template, lb, start)) });
    writes.push({ key: lbStateKey(prefix, lb), text: stateText(lb, T0 + 59 * 60_000, T0) });
  }
  await mapLimit(writes, 8, (w) => store.put(w.key, w.text));
  return runCheck(stack, config, hourClosesAt(T0, WINDOW_MS, LATENESS_MS), direct);
}

interface ReportRow {
  layout: ReportLayout;
  loadBalancers: number;
  days: number;
  heapMb: number;
  timeLimitS: number;
}

function reportRow(
  layout: ReportLayout,
  loadBalancers: number,
  days: number,
  more: Partial<ReportRow> = {},
): ReportRow {
  return { layout, loadBalancers, days, heapMb: REPORT_HEAP_MB, timeLimitS: REPORT_TIME_LIMIT_S, ...more };
}

const REPORT_ROWS: ReportRow[] = [
  reportRow('rollups', 5, 1),
  reportRow('rollups', 50, 1),
  reportRow('rollups', 500, 1),
  // The same report without the deployed cap: how much of a peak is the garbage collector's slack.
  reportRow('rollups', 500, 1, { heapMb: 3072 }),
  reportRow('rollups', 50, 30),
  // Raised to the report function's timeout: a month of 500 load balancers takes minutes on this machine.
  reportRow('rollups', 500, 30, { timeLimitS: 900 }),
  // The path before rollups (or for hours not rolled): the hour's window documents and the next one's read by key.
  reportRow('windows', 50, 1),
];

/** Runs bench/state-report.ts in a child with a heap limit and a time limit. */
function measureReport(row: ReportRow): Promise<ReportMeasurement | string> {
  return new Promise((resolve) => {
    const args = [
      '--import',
      'tsx',
      `--max-old-space-size=${row.heapMb}`,
      'bench/state-report.ts',
      String(row.loadBalancers),
      '--days',
      String(row.days),
      '--layout',
      row.layout,
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timedOut = false;
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      err = (err + c.toString('utf8')).slice(-4000);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, row.timeLimitS * 1000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) return resolve(JSON.parse(line) as ReportMeasurement);
      if (timedOut) return resolve(`did not finish within ${row.timeLimitS} s`);
      if (/heap out of memory|Allocation failed/.test(err))
        return resolve(`exceeded ${row.heapMb} MB of heap (JavaScript heap out of memory)`);
      resolve(`failed (exit ${code}): ${err.trim().split('\n').slice(-1)[0] ?? ''}`);
    });
  });
}

function fmt(x: number, digits = 1): string {
  return x.toFixed(digits);
}

function money(x: number): string {
  return x >= 100 ? `$${x.toFixed(0)}` : x >= 1 ? `$${x.toFixed(2)}` : `$${x.toFixed(3)}`;
}

function machine(): string {
  const model = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} CPUs (${model.trim()}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

function ingestLines(results: readonly PerObject[], skipped: readonly string[]): string[] {
  const lines: string[] = [];
  lines.push('### Ingest: S3 requests, state read and wall time per object');
  lines.push('');
  lines.push(
    '| scenario | objects measured | GET | PUT | LIST | HEAD | S3 requests | state read (KB) | wall (ms) | $ / million objects | objects / LB-month | $ / LB-month |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const n = r.objects;
    const total = mean(r.get + r.put + r.list + r.head + r.other, n);
    const perObject = dollarsPerObject(r);
    const perLbMonth = objectsPerLbMonth(r.scenario);
    lines.push(
      `| ${r.scenario.name} | ${n} | ${fmt(mean(r.get, n))} | ${fmt(mean(r.put, n))} | ${fmt(mean(r.list, n))} | ${fmt(mean(r.head, n))} | ${fmt(total)} | ${fmt(mean(r.stateKbRead, n))} | ${fmt(mean(r.wallMs, n), 0)} | ${money(perObject * 1e6)} | ${perLbMonth.toFixed(0)} | ${money(perObject * perLbMonth)} |`,
    );
  }
  for (const name of skipped)
    lines.push(
      `| ${name} | not run: the ingest part's ${INGEST_BUDGET_MS / 1000} s budget was spent | | | | | | | | | | |`,
    );
  lines.push('');
  lines.push(
    `GET includes the log object's own read (one per object). Traffic is healthy (no rule fires: ${results.reduce((s, r) => s + r.pages, 0)} pages sent in all); objects arrive 4 minutes after their interval; each scenario ingests ${SCENARIOS[0]?.warmWindows ?? 1} window before the ${SCENARIOS[0]?.measuredWindows ?? 3} measured ones so state exists (15 minutes measured: the load balancer's state records its last arrival once in them). "two windows": each object also carries 20 records of the previous window. OTC: ${LINES_PER_OBJECT} lines per object shared by its load balancers, one object per window.`,
  );
  lines.push('');
  lines.push(
    `Prices (us-east-1 list): S3 Standard PUT/LIST $${PRICES.s3PutListPer1000} per 1,000, GET/HEAD $${PRICES.s3GetPer1000} per 1,000; Lambda arm64 $${PRICES.lambdaGbSecond} per GB-s (measured wall time x ${LAMBDA_GB} GB) and $${PRICES.lambdaPerMillionRequests} per million requests (one invocation per ${SQS_BATCH} objects, infra's SQS batch size); SQS $${PRICES.sqsPerMillionRequests} per million requests (${SQS_REQUESTS_PER_OBJECT} per object: the notification, and a receive and a batch delete per batch of ${SQS_BATCH}; empty polls left out). LB-month: ${OBJECTS_PER_NODE_MONTH} objects per node (one every 5 minutes for 30 days), K nodes for ALB; for OTC one transfer object every 5 minutes shared by its load balancers.`,
  );
  lines.push('');
  return lines;
}

function perRun(c: RequestCounts): string {
  return `${c.requests.GET} | ${c.requests.PUT} | ${c.requests.LIST} | ${c.requests.HEAD}`;
}

/** S3 list price of a set of requests ($). */
function s3Dollars(c: RequestCounts['requests']): number {
  return (
    ((c.PUT + c.LIST + c.DELETE + c.OTHER) * PRICES.s3PutListPer1000 + (c.GET + c.HEAD) * PRICES.s3GetPer1000) / 1000
  );
}

function checkLines(idle: CheckRun, rolling: CheckRun, direct: CheckRun): string[] {
  const lines: string[] = [];
  lines.push('### Scheduled check: its cost every 5 minutes, and rolling hours up');
  lines.push('');
  lines.push('| run | load balancers | hours rolled | GET | PUT | LIST | HEAD | wall (s) | CPU (s) |');
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const [name, run] of [
    ['nothing open, no hour closed', idle],
    ['one closed hour per load balancer to roll', rolling],
  ] as const) {
    lines.push(
      `| ${name} | ${run.loadBalancers} | ${run.hoursRolled} | ${perRun(run.counts)} | ${fmt(run.wallMs / 1000, 2)} | ${fmt(run.cpuMs / 1000, 2)} |`,
    );
  }
  lines.push(
    `| the same, straight to s3rver (no proxy: the CPU is the check's own) | ${direct.loadBalancers} | ${direct.hoursRolled} | | | | | ${fmt(direct.wallMs / 1000, 2)} | ${fmt(direct.cpuMs / 1000, 2)} |`,
  );
  lines.push('');
  const n = Math.max(1, rolling.hoursRolled);
  const r = rolling.counts.requests;
  const i = idle.counts.requests;
  const extra = {
    GET: (r.GET - i.GET) / n,
    PUT: (r.PUT - i.PUT) / n,
    LIST: (r.LIST - i.LIST) / n,
    HEAD: (r.HEAD - i.HEAD) / n,
    DELETE: 0,
    OTHER: 0,
  };
  const rollups = Object.entries(rolling.counts.byPrefix)
    .filter(([prefix]) => prefix.startsWith(`${STATE_BUCKET}/`) && prefix.endsWith('/rollups/'))
    .reduce((sum, [, t]) => sum + t.bytesWritten, 0);
  const windows = Object.entries(rolling.counts.byPrefix)
    .filter(([prefix]) => prefix.startsWith(`${STATE_BUCKET}/`) && prefix.endsWith('/windows/'))
    .reduce((sum, [, t]) => sum + t.bytesRead, 0);
  lines.push(
    `Per rolled (load balancer, hour): ${fmt(r.GET / n, 2)} GET, ${fmt(r.PUT / n, 2)} PUT, ${fmt(r.LIST / n, 2)} LIST, ${fmt(r.HEAD / n, 2)} HEAD in the rolling run; beyond the run with nothing to roll ${fmt(extra.GET, 2)} GET and ${fmt(extra.PUT, 2)} PUT (the hour's window documents and the next hour's first read by key; the rollup and the state written), ${money(s3Dollars(extra) * 720)} of S3 per load-balancer-month (720 hours). ${fmt(windows / n / 1024)} KB of window documents read and ${fmt(rollups / n / 1024)} KB of rollup written per hour. Each hour: twelve 20-node window documents and the next hour's first written beforehand with the real serializer (no carry), states rolled up to that hour with the last arrival inside it, the check run when the hour has closed (its end + the 10 min lateness allowance). Nothing to roll: states rolled up to the hour still open, the last object 2 minutes ago; every 5 minutes that costs ${money(s3Dollars(i) * 12 * 24 * 30)} of S3 a month for 50 load balancers. CPU is this process's: the check and, but in the last row, the counting proxy (s3rver runs in its own process).`,
  );
  lines.push('');
  return lines;
}

async function reportLines(): Promise<string[]> {
  const lines: string[] = [];
  lines.push('### Report: a day and a month of 20-node load balancers');
  lines.push('');
  lines.push(
    '| state read | load balancers | days | rollups read | bytes per rollup | window documents read | windows fed | wall (s) | CPU (s) | peak RSS (MB) | RSS before the report (MB) | heap limit (MB) |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
  const digests = new Map<string, string>();
  for (const row of REPORT_ROWS) {
    const m = await measureReport(row);
    const label = row.layout === 'rollups' ? 'rollups' : 'window documents (nothing rolled)';
    const head = `| ${label} | ${row.loadBalancers} | ${row.days}`;
    if (typeof m === 'string') lines.push(`${head} | ${m} | | | | | | | | ${row.heapMb} |`);
    else if (m.error !== null)
      lines.push(`${head} | failed after ${fmt(m.wallMs / 1000)} s: ${m.error} | | | | | | | | ${row.heapMb} |`);
    else {
      digests.set(`${row.layout} ${row.loadBalancers} ${row.days} ${row.heapMb}`, m.reportDigest);
      lines.push(
        `${head} | ${m.rollupsRead} | ${m.rollupBytes.toFixed(0)} | ${m.windowDocsRead} | ${m.windows} | ${fmt(m.wallMs / 1000)} | ${fmt(m.cpuMs / 1000)} | ${fmt(m.maxRssKb / 1024, 0)} | ${fmt(m.baselineRssKb / 1024, 0)} | ${row.heapMb} |`,
      );
    }
    process.stderr.write(`report ${row.layout} ${row.loadBalancers} x ${row.days} d (heap ${row.heapMb} MB): done\n`);
  }
  lines.push('');
  const fromRollups = digests.get(`rollups 50 1 ${REPORT_HEAP_MB}`);
  const fromWindows = digests.get(`windows 50 1 ${REPORT_HEAP_MB}`);
  const same =
    fromRollups === undefined || fromWindows === undefined
      ? 'not compared (a run failed)'
      : fromRollups === fromWindows
        ? 'yes, byte for byte'
        : 'NO: the reports differ';
  const raised = REPORT_ROWS.filter((r) => r.timeLimitS !== REPORT_TIME_LIMIT_S)
    .map((r) => `${r.loadBalancers} x ${r.days} days: ${r.timeLimitS} s, the report function's timeout`)
    .join('; ');
  lines.push(
    `Report runs: functions/core/report.ts in a child process (--max-old-space-size as in the last column; ${REPORT_TIME_LIMIT_S} s limit${raised === '' ? '' : `, raised for ${raised}`}) over a store that makes each document on read; the CPU of the making (and of hashing the report written) is left out, its wall time is not. "rollups": every load balancer's state says its hours were rolled over the period, and each (load balancer, hour) has a rollup: the first load balancer's hours are rolled once, before the measurement, with the real rollHour from twelve re-stamped 20-node window documents each (healthy traffic, no rule fires, so no window keeps its aggregate), and load balancer i's rollup is that text with the first's name replaced by i's. "window documents": states with rolledUntil 0, so the report reads each hour's twelve documents and the next hour's first (for its carry) by key, each the same 20-node document re-stamped, without carry. Peak RSS is the whole child's, a high-water mark: the RSS before the report holds the tsx loader, the template document and, for rollups, the first load balancer's rolled hours (720 texts for a month). The report of 50 load balancers' day from rollups is the same as from window documents: ${same}.`,
  );
  lines.push('');
  return lines;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { save: { type: 'boolean', default: false }, only: { type: 'string' } },
  });
  const only = values.only;
  if (only !== undefined && !['ingest', 'check', 'report'].includes(only))
    throw new Error('--only takes ingest, check or report');
  if (only !== undefined && values.save === true) throw new Error('--save writes the whole benchmark: drop --only');
  const part = (name: string): boolean => only === undefined || only === name;
  const began = performance.now();
  const server = await startS3rver([LOG_BUCKET, STATE_BUCKET]);
  const proxy = await startCountingProxy({ target: server.endpoint });
  const stack: Stack = {
    server,
    proxy,
    direct: localS3Client(server.endpoint),
    viaProxy: localS3Client(proxy.endpoint),
  };
  const results: PerObject[] = [];
  const skipped: string[] = [];
  let checks: { idle: CheckRun; rolling: CheckRun; direct: CheckRun } | null = null;
  try {
    const otc = otcTemplate();
    for (const [i, scenario] of SCENARIOS.entries()) {
      if (!part('ingest')) break;
      if (performance.now() - began > INGEST_BUDGET_MS) {
        skipped.push(scenario.name);
        continue;
      }
      const r = await runScenario(stack, scenario, i, otc);
      results.push(r);
      process.stderr.write(`${scenario.name}: ${r.objects} objects measured\n`);
    }
    if (part('check'))
      checks = {
        idle: await idleCheck(stack, 50),
        rolling: await rollingCheck(stack, 50),
        direct: await rollingCheck(stack, 50, true),
      };
  } finally {
    stack.direct.destroy();
    stack.viaProxy.destroy();
    await proxy.stop();
    await server.stop();
  }

  const lines: string[] = [];
  if (part('ingest')) lines.push(...ingestLines(results, skipped));
  if (checks !== null) lines.push(...checkLines(checks.idle, checks.rolling, checks.direct));
  if (part('report')) lines.push(...(await reportLines()));
  lines.push(`Machine: ${machine()}. Command: \`npm run bench:state\`.`);
  const text = lines.join('\n');
  process.stdout.write(`${text}\n`);
  if (values.save) writeFileSync(RESULTS, `# lbwatch state and cost benchmark\n\n${text}\n`);
}

await main();
