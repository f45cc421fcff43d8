/**
 * The report flow, cloud-neutral: for REPORT_PERIOD ending at the last closed window, read the
 * window documents of every load balancer (and partials stored before them), render HTML/Markdown/JSON with lib/report, store them under
 * `reports/` in the state store and announce the headline figures.
 */
import { mergeAll, type WindowAggregate } from '../../lib/aggregate/index.js';
import { createStreamingAnalysis, type StreamingAnalysis } from '../../lib/analysis/index.js';
import type { AnalysisResult, InputSummary, ReportAnnouncement, WindowSummary } from '../../lib/model.js';
import { buildReportModel, renderHtml, renderJson, renderMarkdown, summarizeRules } from '../../lib/report/index.js';
import { mapLimit } from './concurrency.js';
import type { FunctionConfig } from './config.js';
import { describe } from './failures.js';
import type { Log } from './logger.js';
import type { Runtime } from './runtime.js';
import { inputsDayPrefix, isoKey, latestReportKey, reportKeys } from './state-keys.js';
import type { StateStore } from './state-store.js';
import { parseWindowDoc, type WindowDoc, windowsPrefix } from './window-docs.js';
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
/** Window documents read and parsed at once (~0.3 MB each parsed): bounds the report's memory, not its speed. */
const DOCS_IN_FLIGHT = 4 * READ_CONCURRENCY;

function legacyKey(start: number, loadBalancer: string): string {
  return `${start}\u0000${loadBalancer}`;
}

/** Legacy partials grouped per (start, load balancer), the groups in start order. */
function legacyGroups(partials: readonly WindowAggregate[]): {
  groups: Map<string, WindowAggregate[]>;
  order: { start: number; key: string }[];
} {
  const groups = new Map<string, WindowAggregate[]>();
  const order: { start: number; key: string }[] = [];
  for (const p of partials) {
    const key = legacyKey(p.start, p.loadBalancer);
    const group = groups.get(key);
    if (group !== undefined) group.push(p);
    else {
      groups.set(key, [p]);
      order.push({ start: p.start, key });
    }
  }
  order.sort((a, b) => a.start - b.start);
  return { groups, order };
}

/** The period ends at the end of the last closed window before `at`. */
export function reportPeriod(at: number, windowMs: number, periodMs: number): { from: number; to: number } {
  const to = Math.floor((at - LATENESS_MS) / windowMs) * windowMs;
  return { from: to - periodMs, to };
}

export function headline(
  analysis: AnalysisResult,
  windows: readonly Pick<WindowSummary, 'loadBalancer' | 'requests' | 'statusCodes'>[],
  period: { from: number; to: number },
  locations: ReportAnnouncement['locations'],
  url: string | null,
): ReportAnnouncement {
  let requests = 0;
  const byClass: Record<string, number> = { '4xx': 0, '5xx': 0 };
  const lbs = new Set<string>();
  for (const w of windows) {
    requests += w.requests;
    lbs.add(w.loadBalancer);
    for (const [code, count] of Object.entries(w.statusCodes)) {
      const cls = `${code.charAt(0)}xx`;
      if (cls in byClass) byClass[cls] = (byClass[cls] ?? 0) + count;
    }
  }
  const errorRates: Record<string, number> = {};
  for (const [cls, count] of Object.entries(byClass)) errorRates[cls] = requests === 0 ? 0 : count / requests;
  const topCodes = [...(analysis.codes ?? [])]
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
    loadBalancers: lbs.size,
    errorRates,
    topCodes,
    incidents: analysis.incidents?.length ?? 0,
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

  /**
   * Reads the period's window documents page by page in key order (key order is time order), a few at a time, and
   * feeds each window to the analysis, merged with the legacy partials of its (load balancer, start) if any; each
   * document is dropped once fed, only its input summaries are kept. Legacy partials without a document are fed in
   * their turn. Returns the number of windows and partials read.
   */
  async function streamWindows(
    period: { from: number; to: number },
    windowMs: number,
    legacy: readonly WindowAggregate[],
    analysis: StreamingAnalysis,
    inputs: InputSummary[],
  ): Promise<number> {
    const pending = legacyGroups(legacy);
    let next = 0;
    /** Feeds the legacy groups that start before `start` and found no document. */
    function feedLegacyBefore(start: number): void {
      for (let entry = pending.order[next]; entry !== undefined && entry.start < start; entry = pending.order[next]) {
        next += 1;
        const group = pending.groups.get(entry.key);
        if (group === undefined) continue; // merged into its window's document already
        pending.groups.delete(entry.key);
        for (const merged of mergeAll(group)) analysis.add(merged);
      }
    }
    let read = legacy.length;
    const range = {
      startAfter: `${windowsPrefix(prefix)}${isoKey(period.from)}`,
      endBefore: `${windowsPrefix(prefix)}${isoKey(period.to)}`,
    };
    for await (const page of store.listPages(windowsPrefix(prefix), range)) {
      for (let i = 0; i < page.length; i += DOCS_IN_FLIGHT) {
        const docs = await mapLimit(page.slice(i, i + DOCS_IN_FLIGHT), READ_CONCURRENCY, readWindowDoc);
        for (const doc of docs) {
          if (doc === null || doc.windowMs !== windowMs || doc.start < period.from || doc.start >= period.to) continue;
          read += 1;
          // A copy: strings parsed from the document are slices of its whole text and would keep it alive.
          for (const input of Object.values(doc.inputs))
            inputs.push(JSON.parse(JSON.stringify({ ...input.summary, path: input.path })) as InputSummary);
          feedLegacyBefore(doc.start);
          const key = legacyKey(doc.start, doc.loadBalancer);
          const group = pending.groups.get(key);
          pending.groups.delete(key);
          // Merged as analyze() merges them: the document first, then its partials.
          analysis.add(group === undefined ? doc.aggregate : (mergeAll([doc.aggregate, ...group])[0] ?? doc.aggregate));
        }
      }
    }
    feedLegacyBefore(Number.POSITIVE_INFINITY);
    return read;
  }

  async function readWindowDoc(key: string): Promise<WindowDoc | null> {
    const stored = await store.get(key);
    if (stored === null) return null;
    try {
      return parseWindowDoc(stored.text);
    } catch (error) {
      log.warn('ignoring an unreadable window document', { windowKey: key, error: String(error) });
      return null;
    }
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
    const streaming = createStreamingAnalysis(runtime.rules);
    const docInputs: InputSummary[] = [];
    const windowsRead = await streamWindows(period, windowMs, legacy, streaming, docInputs);
    const inputs = [...docInputs, ...(await loadInputs(period.from, period.to, windowMs))];
    const analysis = streaming.finish(inputs);
    const keys = reportKeys(prefix, period.to);
    const locations = {
      html: `s3://${config.stateBucket}/${keys.html}`,
      md: `s3://${config.stateBucket}/${keys.md}`,
      json: `s3://${config.stateBucket}/${keys.json}`,
    };
    const input = {
      title: 'lbwatch summary',
      generatedAt: new Date(now()).toISOString(),
      period: { from: isoKey(period.from), to: isoKey(period.to) },
      windowMs,
      analysis,
      rules: summarizeRules(runtime.rules),
    };
    // One model, three renderings (renderReport would build the model once per format).
    const model = buildReportModel(input);
    await store.put(keys.html, renderHtml(model), 'text/html; charset=utf-8');
    await store.put(keys.md, renderMarkdown(model), 'text/markdown; charset=utf-8');
    await store.put(keys.json, renderJson(model), 'application/json');
    await store.put(latestReportKey(prefix), JSON.stringify({ period: input.period, ...locations }));

    const url = await reportUrl(keys.html);
    const figures = headline(analysis, analysis.windows, period, locations, url);
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
      from: input.period.from,
      to: input.period.to,
      windows: windowsRead,
      inputs: inputs.length,
      requests: figures.requests,
      incidents: figures.incidents,
      report: locations.html,
      announced,
    });
    return {
      period: input.period,
      locations,
      requests: figures.requests,
      windows: windowsRead,
      incidents: figures.incidents,
      announced,
      url,
    };
  };
}
