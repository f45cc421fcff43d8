/**
 * The report flow, cloud-neutral: for REPORT_PERIOD ending at the last closed window, read every load balancer's
 * hours — its hourly rollup where the scheduled check has rolled the hour, else the hour's window documents (and
 * partials stored before them) — in time order, fold them into the streaming analysis and the report builder as they
 * come, render HTML/Markdown/JSON with lib/report, store them under `reports/` and announce the headline figures.
 * Memory holds the load balancers' running figures and one batch of hours, never the period's windows or objects.
 */
import { mergeAll, type WindowAggregate } from '../../lib/aggregate/index.js';
import { createStreamingAnalysis, type StreamingAnalysis } from '../../lib/analysis/index.js';
import type { CodeSummary, InputSummary, ReportAnnouncement } from '../../lib/model.js';
import { createReportBuilder, type ReportBuilder } from '../../lib/report/builder.js';
import { type ReportModel, renderHtml, renderJson, renderMarkdown, summarizeRules } from '../../lib/report/index.js';
import { HOUR_MS, hourOf, type RolledHour } from '../../lib/rollup/index.js';
import { type RuleSet, rulesDigest } from '../../lib/rules/index.js';
import { mapLimit } from './concurrency.js';
import type { FunctionConfig } from './config.js';
import { describe } from './failures.js';
import { arrivedBy, type LbState, lbStatesPrefix, parseLbState } from './lb-state.js';
import type { Log } from './logger.js';
import { CLOCK_SKEW_MS, readHourWindows, readRollup, rollupKey, rollupsHourPrefix } from './rollups.js';
import type { Runtime } from './runtime.js';
import { inputsDayPrefix, isoKey, latestReportKey, reportKeys } from './state-keys.js';
import type { StateStore } from './state-store.js';
import { type InputRecord, LATENESS_MS, READ_CONCURRENCY, readPartials } from './window-store.js';

/** An HTTPS URL that opens the object at `key` for `ttlSeconds` (a presigned GET). */
export type ReportLink = (key: string, ttlSeconds: number) => Promise<string>;

/**
 * For pages: a link to the newest report (from `reports/latest.json`), or null when there is none yet, links are off
 * (REPORT_LINK_TTL=0) or it cannot be made. Never fails a page.
 */
export function latestReportUrl(
  store: StateStore,
  config: Readonly<FunctionConfig>,
  link: ReportLink,
  log: Log,
): () => Promise<string | null> {
  return async () => {
    if (config.reportLinkTtlMs === 0) return null;
    try {
      const latest = await store.get(latestReportKey(config.statePrefix));
      if (latest === null) return null;
      const html = (JSON.parse(latest.text) as { html?: unknown }).html;
      const base = `s3://${config.stateBucket}/`;
      if (typeof html !== 'string' || !html.startsWith(base)) return null;
      return await link(html.slice(base.length), Math.floor(config.reportLinkTtlMs / 1000));
    } catch (error) {
      log.warn('no report link for the page', describe(error));
      return null;
    }
  };
}

export interface ReportFlowDeps {
  config: Readonly<FunctionConfig>;
  store: StateStore;
  /** Makes the announcement's link; without it (or with REPORT_LINK_TTL=0) there is none. */
  link?: ReportLink;
  log: Log;
  now?: () => number;
}

export interface ReportResult {
  period: { from: string; to: string };
  locations: { html: string; md: string; json: string };
  requests: number;
  windows: number;
  incidents: number;
  announced: boolean;
  /** The link the announcement carried, or null. */
  url: string | null;
}

const DAY_MS = 86_400_000;
const MAX_TOP_CODES = 5;
/**
 * Load balancers of one hour read at once and fed together. A month of 500 load balancers is 360,000 rollups: at
 * tens of milliseconds per S3 GET, 32 in flight keep the reading within minutes; memory holds 32 parsed rollups (a
 * few hundred KB each) or, for hours not rolled, 32 hours of window documents (a few MB each).
 */
const LBS_IN_FLIGHT = 32;

/** Legacy partials merged per window, grouped per hour and load balancer. */
function legacyByHour(partials: readonly WindowAggregate[]): Map<number, Map<string, WindowAggregate[]>> {
  const out = new Map<number, Map<string, WindowAggregate[]>>();
  for (const w of mergeAll(partials)) {
    const hour = hourOf(w.start);
    let lbs = out.get(hour);
    if (lbs === undefined) {
      lbs = new Map();
      out.set(hour, lbs);
    }
    const list = lbs.get(w.loadBalancer);
    if (list === undefined) lbs.set(w.loadBalancer, [w]);
    else list.push(w);
  }
  return out;
}

/** What the report reads for one load balancer's hour. */
type HourData =
  | { kind: 'rolled'; hour: RolledHour }
  | { kind: 'windows'; windows: WindowAggregate[]; inputs: InputSummary[] }
  | { kind: 'none' };

/** The period ends at the end of the last closed window before `at`. */
export function reportPeriod(at: number, windowMs: number, periodMs: number): { from: number; to: number } {
  const to = Math.floor((at - LATENESS_MS) / windowMs) * windowMs;
  return { from: to - periodMs, to };
}

export function headline(
  model: ReportModel,
  codes: readonly CodeSummary[],
  period: { from: number; to: number },
  locations: ReportAnnouncement['locations'],
  url: string | null,
): ReportAnnouncement {
  const { requests, errors } = model.overall.headline;
  const errorRates: Record<string, number> = {
    '4xx': requests === 0 ? 0 : errors['4xx'] / requests,
    '5xx': requests === 0 ? 0 : errors['5xx'] / requests,
  };
  const topCodes = [...codes]
    .sort((a, b) => b.count - a.count || a.code - b.code)
    .slice(0, MAX_TOP_CODES)
    .map((c) => ({
      loadBalancer: c.loadBalancer,
      code: c.code,
      count: c.count,
      topCause: c.causes.find((cause) => cause.score > 0)?.id ?? null,
    }));
  return {
    kind: 'report',
    periodStart: isoKey(period.from),
    periodEnd: isoKey(period.to),
    requests,
    loadBalancers: model.loadBalancers.filter((lb) => lb.headline.windows > 0).length,
    errorRates,
    topCodes,
    incidents: model.overall.headline.incidents,
    locations,
    url,
  };
}

/** Writes and announces the report of the period that ends at the last closed window before `at`. */
export type ReportFlow = (at: number, runtime: Runtime) => Promise<ReportResult>;

export function createReportFlow(deps: ReportFlowDeps): ReportFlow {
  const { config, store, log } = deps;
  const now = deps.now ?? Date.now;
  const prefix = config.statePrefix;

  /** Every load balancer's state (its rolled hours and last arrival). */
  async function loadStates(): Promise<Map<string, LbState>> {
    const states = new Map<string, LbState>();
    for await (const page of store.listPages(lbStatesPrefix(prefix))) {
      const read = await mapLimit(page, READ_CONCURRENCY, async (key) => {
        const stored = await store.get(key);
        return stored === null ? null : parseLbState(stored.text);
      });
      for (const state of read) if (state !== null) states.set(state.loadBalancer, state);
    }
    return states;
  }

  /**
   * One load balancer's hour: its rollup when the hour lies whole in the period, was rolled with these rules and has
   * not changed since; nothing when it was rolled and had no data (or no object came since it began); else its
   * window documents, merged with legacy partials, restricted to the period.
   */
  async function readHour(
    lb: string,
    hour: number,
    ctx: {
      period: { from: number; to: number };
      rules: RuleSet;
      digest: string;
      state: LbState | undefined;
      rollups: ReadonlySet<string>;
      legacy: readonly WindowAggregate[];
    },
  ): Promise<HourData> {
    const { period, state, legacy } = ctx;
    const whole = hour >= period.from && hour + HOUR_MS <= period.to;
    // Legacy partials are never in a rollup (they predate them): an hour that has some is read whole.
    const clean = whole && state !== undefined && !state.dirtyHours.includes(hour) && legacy.length === 0;
    const key = rollupKey(prefix, lb, hour);
    if (clean && ctx.rollups.has(key)) {
      const rolled = await readRollup(store, key, log);
      if (rolled !== null && rolled.rules === ctx.digest && rolled.windowMs === ctx.rules.windowMs)
        return { kind: 'rolled', hour: rolled };
    } else if (clean && state.rolledFrom !== 0 && hour >= state.rolledFrom && hour < state.rolledUntil) {
      return { kind: 'none' };
    }
    const quiet = state === undefined || arrivedBy(state) + CLOCK_SKEW_MS < hour;
    const read = quiet ? [] : await readHourWindows(store, prefix, lb, hour, ctx.rules.windowMs, log);
    const inPeriod = (start: number): boolean => start >= period.from && start < period.to;
    const used = read.filter((w) => inPeriod(w.start));
    // Merged as analyze() merges them: the document first, then its partials.
    const windows = mergeAll([...used.map((w) => w.aggregate), ...legacy.filter((w) => inPeriod(w.start))]);
    if (windows.length === 0) return { kind: 'none' };
    return { kind: 'windows', windows, inputs: used.flatMap((w) => w.inputs) };
  }

  /**
   * Feeds the period hour by hour, every load balancer's hour before the next hour, a batch of load balancers at a
   * time. Returns the number of windows fed.
   */
  async function streamHours(
    period: { from: number; to: number },
    rules: RuleSet,
    legacy: readonly WindowAggregate[],
    analysis: StreamingAnalysis,
    builder: ReportBuilder,
  ): Promise<number> {
    const states = await loadStates();
    const legacyHours = legacyByHour(legacy);
    const digest = rulesDigest(rules);
    let fed = 0;
    for (let hour = hourOf(period.from); hour < period.to; hour += HOUR_MS) {
      const whole = hour >= period.from && hour + HOUR_MS <= period.to;
      const rollups = new Set(whole ? await store.list(rollupsHourPrefix(prefix, hour)) : []);
      const legacyLbs = legacyHours.get(hour) ?? new Map<string, WindowAggregate[]>();
      const lbs = [...new Set([...states.keys(), ...legacyLbs.keys()])].sort();
      for (let i = 0; i < lbs.length; i += LBS_IN_FLIGHT) {
        const batch = lbs.slice(i, i + LBS_IN_FLIGHT);
        const data = await mapLimit(batch, LBS_IN_FLIGHT, (lb) =>
          readHour(lb, hour, {
            period,
            rules,
            digest,
            state: states.get(lb),
            rollups,
            legacy: legacyLbs.get(lb) ?? [],
          }),
        );
        for (const d of data) {
          if (d.kind === 'rolled') {
            analysis.addRolled(d.hour);
            builder.inputs(d.hour.inputs);
            fed += d.hour.windows.length;
          } else if (d.kind === 'windows') {
            for (const w of d.windows) analysis.add(w);
            for (const input of d.inputs) builder.input(input);
            fed += d.windows.length;
          }
        }
      }
    }
    return fed;
  }

  /** Partials stored per object before window documents existed (read so older periods still report). */
  async function loadWindows(from: number, to: number, windowMs: number): Promise<WindowAggregate[]> {
    // Partial keys sort by window start: one listing covers the whole period.
    const keys = await store.list(`${prefix}partials/`, {
      startAfter: `${prefix}partials/${isoKey(from)}`,
      endBefore: `${prefix}partials/${isoKey(to)}`,
    });
    const partials = await readPartials(store, keys, log);
    return partials.filter((w) => w.windowMs === windowMs && w.start >= from && w.start < to);
  }

  async function loadInputs(from: number, to: number, windowMs: number): Promise<InputSummary[]> {
    const keys: string[] = [];
    for (let day = Math.floor(from / DAY_MS) * DAY_MS - DAY_MS; day < to; day += DAY_MS) {
      keys.push(...(await store.list(inputsDayPrefix(prefix, day))));
    }
    const records = await mapLimit(keys, READ_CONCURRENCY, async (key) => {
      const stored = await store.get(key);
      if (stored === null) return null;
      try {
        return JSON.parse(stored.text) as InputRecord;
      } catch {
        log.warn('ignoring an unreadable input record', { inputKey: key });
        return null;
      }
    });
    return records
      .filter((r): r is InputRecord => r !== null)
      .filter((r) => {
        if (r.windows.length === 0) {
          // An object without records (empty, or corrupt from its first byte) belongs where it landed.
          const landed = r.lastModified === null ? Number.NaN : Date.parse(r.lastModified);
          return landed >= from && landed < to + windowMs;
        }
        return r.windows.some((w) => Date.parse(w.start) >= from && Date.parse(w.start) < to);
      })
      .map((r) => ({ ...r.summary, path: `s3://${r.bucket}/${r.key}` }));
  }

  /** The link is a convenience: a failure to sign leaves it out rather than failing the report. */
  async function reportUrl(key: string): Promise<string | null> {
    if (deps.link === undefined || config.reportLinkTtlMs === 0) return null;
    try {
      return await deps.link(key, Math.floor(config.reportLinkTtlMs / 1000));
    } catch (error) {
      log.warn('report link not signed', describe(error));
      return null;
    }
  }

  return async function report(at: number, runtime: Runtime): Promise<ReportResult> {
    const windowMs = runtime.windowMs;
    // A period that is not a whole number of windows is rounded up to one.
    const periodMs = Math.max(windowMs, Math.round(config.reportPeriodMs / windowMs) * windowMs);
    const period = reportPeriod(at, windowMs, periodMs);
    // Partials stored before window documents existed: few, read whole and merged in as their window comes.
    const legacy = await loadWindows(period.from, period.to, windowMs);
    const keys = reportKeys(prefix, period.to);
    const locations = {
      html: `s3://${config.stateBucket}/${keys.html}`,
      md: `s3://${config.stateBucket}/${keys.md}`,
      json: `s3://${config.stateBucket}/${keys.json}`,
    };
    const frame = {
      title: 'lbwatch summary',
      generatedAt: new Date(now()).toISOString(),
      period: { from: isoKey(period.from), to: isoKey(period.to) },
      windowMs,
      rules: summarizeRules(runtime.rules),
    };
    const builder = createReportBuilder(frame);
    const streaming = createStreamingAnalysis(runtime.rules, {
      onWindow: (summary, alerts) => {
        builder.window(summary);
        for (const a of alerts) builder.alert(a);
      },
    });
    const windowsRead = await streamHours(period, runtime.rules, legacy, streaming, builder);
    // Objects without records are kept apart (they have no window to be counted with).
    const withoutWindows = await loadInputs(period.from, period.to, windowMs);
    for (const input of withoutWindows) builder.input(input);
    const parts = streaming.finish([]);
    // One model, three renderings.
    const model = builder.finish({ incidents: parts.incidents, codes: parts.codes });
    await store.put(keys.html, renderHtml(model), 'text/html; charset=utf-8');
    await store.put(keys.md, renderMarkdown(model), 'text/markdown; charset=utf-8');
    await store.put(keys.json, renderJson(model), 'application/json');
    await store.put(latestReportKey(prefix), JSON.stringify({ period: frame.period, ...locations }));

    const url = await reportUrl(keys.html);
    const figures = headline(model, parts.codes ?? [], period, locations, url);
    // Announce once per period: the marker is written after a successful announcement, so a failed
    // one is retried and a re-run for the same period stays quiet.
    const marker = `${prefix}reports/${isoKey(period.to)}/announced.json`;
    let announced = false;
    if ((await store.get(marker)) === null) {
      // Every destination, in order; a failure fails the invocation before the marker, so the retry announces.
      for (const destination of runtime.destinations) await destination.send(figures);
      await store.put(marker, JSON.stringify({ at: new Date(now()).toISOString() }));
      announced = true;
    }
    log.info(windowsRead === 0 ? 'report written: no data in the period' : 'report written', {
      from: frame.period.from,
      to: frame.period.to,
      windows: windowsRead,
      inputs: model.inputs.total,
      requests: figures.requests,
      incidents: figures.incidents,
      report: locations.html,
      announced,
    });
    return {
      period: frame.period,
      locations,
      requests: figures.requests,
      windows: windowsRead,
      incidents: figures.incidents,
      announced,
      url,
    };
  };
}
