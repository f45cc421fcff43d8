/**
 * Hourly rollups in the functions: when the scheduled check rolls an hour, what it reads to do it, that an ingest of
 * a late object marks the hour dirty, and that nothing is lost when a late object lands between the check's reads of
 * the hour and its rollup write.
 */
import { describe, expect, it } from 'vitest';
import { createCheckFlow } from '../../../functions/core/check.js';
import { createIngestFlow } from '../../../functions/core/ingest.js';
import { ARRIVAL_RESOLUTION_MS, type LbState } from '../../../functions/core/lb-state.js';
import { memoryLogger } from '../../../functions/core/logger.js';
import { createReportFlow } from '../../../functions/core/report.js';
import {
  CLOCK_SKEW_MS,
  INVOCATION_BOUND_MS,
  MAX_HOURS_PER_RUN,
  rollDue,
  rollupKey,
} from '../../../functions/core/rollups.js';
import type { Runtime } from '../../../functions/core/runtime.js';
import { reportKeys } from '../../../functions/core/state-keys.js';
import { windowDocKey } from '../../../functions/core/window-docs.js';
import { createAggregator } from '../../../lib/aggregate/index.js';
import { analyze } from '../../../lib/analysis/index.js';
import { readLogStream } from '../../../lib/input/read-log.js';
import { buildReportModel, renderJson, summarizeRules } from '../../../lib/report/index.js';
import { HOUR_MS, parseRolledHour } from '../../../lib/rollup/index.js';
import { DEFAULT_RULES } from '../../../lib/rules/index.js';
import { testConfig } from '../support/factories.js';
import { albLines } from '../support/log-lines.js';
import { MemoryStore, memorySource } from '../support/memory-store.js';

const W = 300_000;
const MIN = 60_000;
const PREFIX = 'lbwatch/';
const LOGS = 'example-elb-logs';
const WEB = 'app/web/50dc6c495c0c9188';
const H = Date.parse('2024-05-01T10:00:00Z');
/** Hour H closes when its last window (10:55) has ended and the 10-minute lateness allowance has passed. */
const CLOSE = H + HOUR_MS + 10 * MIN;
const RUNTIME: Runtime = { rules: DEFAULT_RULES, windowMs: W, destinations: [] };

/** One 5-minute window of healthy ALB traffic (and `errors` 502s) of WEB, starting `minute` minutes into H. */
function windowLines(minute: number, count: number, errors = 0): string {
  const start = H + minute * MIN;
  const spec = { loadBalancer: WEB, target: '10.0.1.7:8080', elbStatus: 200, targetStatus: 200 };
  return [
    ...albLines(count, new Date(start + 1000), new Date(start + 200_000), spec),
    ...albLines(errors, new Date(start + 2000), new Date(start + 250_000), {
      ...spec,
      elbStatus: 502,
      targetStatus: null,
    }),
  ].join('\n');
}

function setup() {
  const store = new MemoryStore();
  const logs = new Map<string, string>();
  let clock = H;
  const deps = { store, log: memoryLogger(), now: () => clock };
  const ingest = createIngestFlow({ config: testConfig(), source: memorySource(logs), ...deps });
  const check = createCheckFlow({ prefix: PREFIX, ...deps });
  const report = createReportFlow({ config: testConfig({ REPORT_PERIOD: '1h' }), ...deps });
  return {
    store,
    logs,
    at(t: number) {
      clock = t;
    },
    async deliver(key: string, text: string) {
      logs.set(key, text);
      await ingest.ingest([{ bucket: LOGS, key, etag: `etag-${key}`, versionId: null, size: text.length }], RUNTIME);
    },
    check: () => check(RUNTIME),
    report: () => report(clock, RUNTIME),
  };
}

/** The report analyze() gives for these log texts over hour H. */
async function expectedReport(texts: string[], generatedAt: number): Promise<string> {
  const aggregator = createAggregator({ windowMs: W });
  const inputs = [];
  for (const [i, text] of texts.entries()) {
    const read = await readLogStream(
      (async function* () {
        yield Buffer.from(text);
      })(),
      (r) => aggregator.add(r),
      { name: `s3://${LOGS}/${i}` },
    );
    inputs.push(read.summary);
  }
  const analysis = analyze({ inputs, windows: aggregator.windows(), rules: DEFAULT_RULES });
  const model = buildReportModel({
    title: 'lbwatch summary',
    generatedAt: new Date(generatedAt).toISOString(),
    period: { from: new Date(H).toISOString(), to: new Date(H + HOUR_MS).toISOString() },
    windowMs: W,
    analysis,
    rules: summarizeRules(DEFAULT_RULES),
  });
  return JSON.stringify({ ...JSON.parse(renderJson(model)), inputs: null });
}

const withoutInputs = (json: string | undefined): string =>
  JSON.stringify({ ...JSON.parse(json ?? '{}'), inputs: null });

describe('rolling hours in the scheduled check', () => {
  it('starts a new load balancer at the hour before its first arrival, rolls each hour once it closes, not before', async () => {
    // Prepare: objects of the hour's twelve windows, each on time
    const t = setup();
    const texts = Array.from({ length: 12 }, (_, i) => windowLines(5 * i, 40, i === 3 ? 30 : 0));
    t.at(H + 5 * MIN);
    await t.deliver('w00.log', texts[0] as string);
    await t.check();
    const started = t.store.state(WEB);
    for (let i = 1; i < 12; i++) {
      t.at(H + (5 * i + 4) * MIN);
      await t.deliver(`w${i}.log`, texts[i] as string);
    }
    t.at(CLOSE - 1000);
    await t.check();
    const beforeClose = t.store.objects.has(rollupKey(PREFIX, WEB, H));
    t.store.reads.length = 0;
    // Act
    t.at(CLOSE);
    const result = await t.check();
    // Assess
    expect(started).toMatchObject({ rolledFrom: H - HOUR_MS, rolledUntil: H - HOUR_MS, dirtyHours: [] });
    expect(beforeClose).toBe(false);
    expect(result.hoursRolled).toBe(1);
    expect(t.store.state(WEB)).toMatchObject({ rolledFrom: H - HOUR_MS, rolledUntil: H + HOUR_MS, dirtyHours: [] });
    // The hour's twelve documents and the next hour's first (its carry ends the hour) were read by key, no more.
    expect(t.store.reads.filter((k) => k.includes('/windows/')).sort()).toEqual(
      Array.from({ length: 13 }, (_, i) => windowDocKey(PREFIX, WEB, H + i * W)).sort(),
    );
    const rolled = parseRolledHour(t.store.objects.get(rollupKey(PREFIX, WEB, H))?.text ?? '');
    expect(rolled.windows).toHaveLength(12);
    expect(rolled.inputs.total).toBe(12);
    // The report of the hour now reads the rollup, and says what analyze() says of the same logs.
    t.store.reads.length = 0;
    t.at(CLOSE + MIN);
    await t.report();
    expect(t.store.reads.filter((k) => k.includes('/windows/'))).toEqual([]);
    expect(withoutInputs(t.store.objects.get(reportKeys(PREFIX, H + HOUR_MS).json)?.text)).toBe(
      await expectedReport(texts, CLOSE + MIN),
    );
  });

  it('passes over an hour without arrivals only once any invocation that could write it has ended', async () => {
    // Prepare: the last object arrived well before the hour (its recorded arrival can be 15 minutes behind)
    const store = new MemoryStore();
    const state: LbState = {
      version: 1,
      loadBalancer: WEB,
      lastArrival: H - ARRIVAL_RESOLUTION_MS - 3 * MIN,
      lastObjectKey: 'a.log',
      intervalMs: W,
      openRules: [],
      rolledFrom: H - HOUR_MS,
      rolledUntil: H,
      dirtyHours: [],
    };
    // Act
    const early = await rollDue(store, PREFIX, state, DEFAULT_RULES, CLOSE + INVOCATION_BOUND_MS - 1, memoryLogger());
    const late = await rollDue(store, PREFIX, state, DEFAULT_RULES, CLOSE + INVOCATION_BOUND_MS, memoryLogger());
    const recent = await rollDue(
      store,
      PREFIX,
      { ...state, lastArrival: H - ARRIVAL_RESOLUTION_MS - CLOCK_SKEW_MS + 1 },
      DEFAULT_RULES,
      CLOSE,
      memoryLogger(),
    );
    // Assess: nothing read for the quiet hour; an arrival close to the hour's start is read
    expect(early.delta.rolledUntil).toBe(H);
    expect(late.delta.rolledUntil).toBe(H + HOUR_MS);
    expect(recent.delta.rolledUntil).toBe(H + HOUR_MS);
    expect(store.reads.filter((k) => k.includes('/windows/'))).toHaveLength(13);
  });

  it('rolls at most MAX_HOURS_PER_RUN hours a run, the rest in the next', async () => {
    // Prepare: a load balancer the check has not seen for two days, with logs until now
    const store = new MemoryStore();
    const at = H + 48 * HOUR_MS + 20 * MIN;
    const state: LbState = {
      version: 1,
      loadBalancer: WEB,
      lastArrival: at,
      lastObjectKey: 'a.log',
      intervalMs: W,
      openRules: [],
      rolledFrom: H,
      rolledUntil: H,
      dirtyHours: [],
    };
    // Act
    const first = await rollDue(store, PREFIX, state, DEFAULT_RULES, at, memoryLogger());
    const second = await rollDue(
      store,
      PREFIX,
      { ...state, rolledUntil: first.delta.rolledUntil ?? 0 },
      DEFAULT_RULES,
      at,
      memoryLogger(),
    );
    // Assess
    expect(first.delta.rolledUntil).toBe(H + MAX_HOURS_PER_RUN * HOUR_MS);
    expect(second.delta.rolledUntil).toBe(H + 48 * HOUR_MS);
  });
});

describe('the rolling budget of a check run', () => {
  it('starts no hour once a run has spent its budget; the next run rolls it', async () => {
    // Prepare: the hour's objects on time, a check run with no time left for rolling
    const t = setup();
    t.at(H + 5 * MIN);
    await t.check();
    for (let i = 0; i < 12; i++) {
      t.at(H + (5 * i + 4) * MIN);
      await t.deliver(`w${i}.log`, windowLines(5 * i, 40));
    }
    const deps = { prefix: PREFIX, store: t.store, log: memoryLogger(), now: () => CLOSE };
    // Act
    const spent = await createCheckFlow({ ...deps, rollingBudgetMs: 0 })(RUNTIME);
    const stateAfterSpent = t.store.state(WEB);
    const next = await createCheckFlow(deps)(RUNTIME);
    // Assess
    expect(spent.hoursRolled).toBe(0);
    expect(stateAfterSpent.rolledUntil).toBe(H - HOUR_MS);
    expect(next.hoursRolled).toBe(1);
    expect(t.store.state(WEB).rolledUntil).toBe(H + HOUR_MS);
  });
});

describe('late objects and rolled hours', () => {
  it('an object that comes after its hour closed marks the hour dirty; the next check rolls it again', async () => {
    // Prepare: the hour rolled with eleven windows
    const t = setup();
    const texts = Array.from({ length: 12 }, (_, i) => windowLines(5 * i, 40));
    t.at(H + 5 * MIN);
    await t.check();
    for (let i = 0; i < 11; i++) {
      t.at(H + (5 * i + 4) * MIN);
      await t.deliver(`w${i}.log`, texts[i] as string);
    }
    t.at(CLOSE);
    await t.check();
    const before = parseRolledHour(t.store.objects.get(rollupKey(PREFIX, WEB, H))?.text ?? '');
    // Act: the twelfth window's object, 20 minutes late
    t.at(CLOSE + 20 * MIN);
    await t.deliver('w11.log', `${texts[11]}\n${windowLines(20, 0, 25)}`);
    const dirty = t.store.state(WEB).dirtyHours;
    await t.check();
    // Assess
    expect(before.windows).toHaveLength(11);
    expect(dirty).toEqual([H]);
    expect(t.store.state(WEB).dirtyHours).toEqual([]);
    const after = parseRolledHour(t.store.objects.get(rollupKey(PREFIX, WEB, H))?.text ?? '');
    expect(after.windows).toHaveLength(12);
    expect(
      after.windows.find((w) => w.summary.start === new Date(H + 20 * MIN).toISOString())?.summary.statusCodes,
    ).toEqual({
      '200': 40,
      '502': 25,
    });
  });

  it('an on-time object marks nothing', async () => {
    // Prepare
    const t = setup();
    t.at(H + 9 * MIN);
    // Act
    await t.deliver('w5.log', windowLines(0, 40));
    // Assess
    expect(t.store.state(WEB).dirtyHours).toEqual([]);
  });

  it('loses nothing when a late object lands between the check reading the hour and writing its rollup', async () => {
    // Prepare: the hour's objects on time, the check about to roll it
    const t = setup();
    const texts = Array.from({ length: 12 }, (_, i) => windowLines(5 * i, 40));
    t.at(H + 5 * MIN);
    await t.check();
    for (let i = 0; i < 12; i++) {
      t.at(H + (5 * i + 4) * MIN);
      await t.deliver(`w${i}.log`, texts[i] as string);
    }
    const lateText = windowLines(30, 0, 33);
    const target = windowDocKey(PREFIX, WEB, H + 30 * MIN);
    let landed = false;
    t.store.afterRead = async (key) => {
      if (key !== target || landed) return;
      landed = true;
      t.store.afterRead = null;
      // The check has its snapshot of the 10:30 window; the late object is merged now.
      await t.deliver('late.log', lateText);
    };
    // Act
    t.at(CLOSE + MIN);
    await t.check();
    const firstRoll = parseRolledHour(t.store.objects.get(rollupKey(PREFIX, WEB, H))?.text ?? '');
    const dirty = t.store.state(WEB).dirtyHours;
    t.at(CLOSE + 2 * MIN);
    await t.check();
    t.at(CLOSE + 3 * MIN);
    await t.report();
    // Assess: the first roll missed it, the hour was marked, rolled again, and the report counts the late 502s
    expect(landed).toBe(true);
    expect(
      firstRoll.windows.find((w) => w.summary.start === new Date(H + 30 * MIN).toISOString())?.summary.statusCodes,
    ).toEqual({ '200': 40 });
    expect(dirty).toEqual([H]);
    expect(withoutInputs(t.store.objects.get(reportKeys(PREFIX, H + HOUR_MS).json)?.text)).toBe(
      await expectedReport([...texts, lateText], CLOSE + 3 * MIN),
    );
  });
});
