/**
 * Every claim an evidence sentence makes about times and sizes is checked against the raw values the window was
 * built from, for any thresholds a rules file may set. Claims are allowed the histogram's resolution (one 5%
 * bucket) and the precision they are printed with, nothing more.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucketOf, createAggregator, type WindowAggregate } from '../../../lib/aggregate/index.js';
import { rankCauses, scopePhrase } from '../../../lib/causes/index.js';
import type { LogFormat, LogRecord } from '../../../lib/formats/record.js';
import type { PlatformThresholds } from '../../../lib/rules/index.js';
import { otcNoConnection, otcNoHeader, otcRecord } from '../aggregate/factories.js';

const RUNS = 200;
/** Float slack for bucket edges computed two ways (log vs power). */
const EPS = 1e-9;
const MEMBERS = ['10.0.3.21:8080', '10.0.3.22:8080', '10.0.3.23:8080'];

// ---------------------------------------------------------------------------------------------------------------
// Inputs

/** Any timeout a rules file may set (seconds, > 0, at most 86400), weighted towards common ones. */
const timeoutArb = fc.oneof(
  fc.constantFrom(0.5, 1, 3, 5, 10, 30, 60, 120, 300, 3600),
  fc.integer({ min: 1, max: 3600 }),
  fc.double({ min: 0.01, max: 86_400, noNaN: true, noDefaultInfinity: true }),
);

const thresholdsArb: fc.Arbitrary<PlatformThresholds> = fc.record({
  connectTimeout: timeoutArb,
  responseTimeout: timeoutArb,
  clientTimeout: timeoutArb,
});

/** A factor that lands on and around the edges of the "about" band, or anywhere. */
const factorArb = fc.oneof(
  {
    arbitrary: fc.constantFrom(0.5, 0.85, 0.9 / 1.05, 0.88, 0.9, 0.92, 1, 1.08, 1.1, 1.12, 1.1 * 1.05, 1.2, 2, 5, 60),
    weight: 2,
  },
  { arbitrary: fc.double({ min: 0.8, max: 1.25, noNaN: true }), weight: 2 },
  { arbitrary: fc.double({ min: 0, max: 10, noNaN: true }), weight: 1 },
);

type Anchor = 'connect' | 'response' | 'client' | 'absolute';

/**
 * A request time in seconds, relative to one of the thresholds or absolute, or unrecorded; `same` makes it a
 * jittered copy of the previous one, so values cluster the way timeouts make them.
 */
const timeSpecArb = fc.record({
  time: fc.option(
    fc.record({
      anchor: fc.constantFrom<Anchor>('connect', 'connect', 'response', 'response', 'client', 'client', 'absolute'),
      factor: factorArb,
      absolute: fc.double({ min: 0, max: 4000, noNaN: true }),
    }),
    { freq: 8 },
  ),
  same: fc.constantFrom(true, true, true, false),
  jitter: fc.double({ min: 0.97, max: 1.03, noNaN: true }),
});
type TimeSpec = {
  time: { anchor: Anchor; factor: number; absolute: number } | null;
  same: boolean;
  jitter: number;
};

function base(anchor: Anchor, t: PlatformThresholds): number | null {
  if (anchor === 'connect') return t.connectTimeout;
  if (anchor === 'response') return t.responseTimeout;
  if (anchor === 'client') return t.clientTimeout;
  return null;
}

/** The request times (seconds, microsecond precision like the logs) the specs describe. */
function secondsOf(specs: TimeSpec[], t: PlatformThresholds): Array<number | null> {
  const out: Array<number | null> = [];
  for (const { time, same, jitter } of specs) {
    const previous = out[out.length - 1];
    const seconds =
      same && previous !== undefined && previous !== null
        ? previous * jitter
        : time === null
          ? null
          : (() => {
              const b = base(time.anchor, t);
              return b === null ? time.absolute : b * time.factor;
            })();
    out.push(seconds === null ? null : Math.round(seconds * 1e6) / 1e6);
  }
  return out;
}

const formatArb = fc.constantFrom<LogFormat>('otc-elb', 'alb', 'clb');
const memberArb = fc.constantFrom(...MEMBERS);

function windowOf(records: LogRecord[]): WindowAggregate {
  const agg = createAggregator({ windowMs: 300_000 });
  for (const r of records) agg.add(r);
  const [w] = agg.windows();
  if (w === undefined) throw new Error('no window');
  return w;
}

// ---------------------------------------------------------------------------------------------------------------
// Raw populations

interface Raw {
  code: number;
  n: number;
  platform: LogFormat;
  thresholds: PlatformThresholds;
  scope: string;
  /** Request times (ms) of every occurrence with a recorded time. */
  times: number[];
  /** Request times (ms) of the occurrences without a backend connection. */
  noConnectionTimes: number[];
  /** Occurrences without a backend connection and without a recorded time. */
  untimedNoConnection: number;
  /** Connected, no response header. */
  connectedNoHeader: number;
  /** Request times (ms) of those. */
  connectedNoHeaderTimes: number[];
  noConnection: number;
  /** Request sizes (bytes) and URI lengths (characters). */
  bytes: number[];
  uriLengths: number[];
  /** Backend header times (ms) of every answered request in the window. */
  backendTimes: number[];
}

function rawOf(records: LogRecord[], code: number, thresholds: PlatformThresholds, scope: string): Raw {
  const mine = records.filter((r) => r.status === code);
  const noConn = mine.filter((r) => r.backendConnected === false);
  return {
    code,
    n: mine.length,
    platform: records[0]?.format ?? 'otc-elb',
    thresholds,
    scope,
    times: mine.flatMap((r) => (r.requestTime === null ? [] : [r.requestTime * 1000])),
    noConnectionTimes: noConn.flatMap((r) => (r.requestTime === null ? [] : [r.requestTime * 1000])),
    untimedNoConnection: noConn.filter((r) => r.requestTime === null).length,
    connectedNoHeader: mine.filter((r) => r.backendConnected === true && r.headerTime === null).length,
    connectedNoHeaderTimes: mine.flatMap((r) =>
      r.backendConnected === true && r.headerTime === null && r.requestTime !== null ? [r.requestTime * 1000] : [],
    ),
    noConnection: noConn.length,
    bytes: mine.flatMap((r) => (r.requestBytes === null ? [] : [r.requestBytes])),
    uriLengths: mine.map((r) => r.uriLength),
    backendTimes: records.flatMap((r) => (r.headerTime === null ? [] : [r.headerTime * 1000])),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the figures back

interface Shown {
  value: number;
  /** Half the unit the figure is printed in. */
  half: number;
}

function shownDuration(text: string): Shown {
  const [num = '', unit] = text.split(' ');
  const v = Number(num);
  if (unit === 'ms') return { value: v, half: 0.5 };
  const decimals = num.split('.')[1]?.length ?? 0;
  return { value: v * 1000, half: (0.5 * 1000) / 10 ** decimals };
}

const BYTE_UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

function shownBytes(text: string): Shown {
  const [num = '', unit = 'B'] = text.split(' ');
  const decimals = num.split('.')[1]?.length ?? 0;
  const scale = BYTE_UNITS[unit] ?? Number.NaN;
  return { value: Number(num) * scale, half: (0.5 * scale) / 10 ** decimals };
}

/** The value a quantile claim is about: the ceil(q·n)-th smallest, like the histogram's. */
function orderStatistic(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] ?? null;
}

/** A printed figure agrees with a raw value to one bucket and the precision it is printed with. */
function withinBucket(shown: Shown, raw: number): boolean {
  const low = raw < 1 ? 0 : raw / 1.05 - shown.half;
  const high = Math.max(raw, 1) * 1.05 + shown.half;
  return shown.value >= low * (1 - EPS) && shown.value <= high * (1 + EPS);
}

const count = (values: number[], keep: (v: number) => boolean): number => values.filter(keep).length;

/** "k of n 504s" / "all n 504s": the k, after checking the n and the code. */
function kOf(g: Record<string, string | undefined>, raw: Raw, problems: string[]): number {
  const n = Number(g.all ?? g.n);
  if (n !== raw.n) problems.push(`says ${n} occurrences, there were ${raw.n}`);
  if (Number(g.code) !== raw.code) problems.push(`names code ${g.code}, not ${raw.code}`);
  return g.all !== undefined ? n : Number(g.k);
}

/** The threshold a sentence names is the one configured, to the precision it is printed with. */
function namedThreshold(text: string | undefined, seconds: number, problems: string[]): number {
  const shown = Number(text);
  const decimals = text?.split('.')[1]?.length ?? 0;
  if (!(Math.abs(shown - seconds) <= 0.5 / 10 ** decimals + EPS * seconds) || Math.abs(shown - seconds) > 5e-4)
    problems.push(`names a ${text} s timeout, the threshold is ${seconds} s`);
  return seconds * 1000;
}

/** "k values about T": every value inside [0.9·T, 1.1·T] is counted, and nothing outside it widened by a bucket. */
function checkAbout(k: number, values: number[], t: number, what: string, problems: string[]): void {
  const strict = count(values, (v) => v >= 0.9 * t && v <= 1.1 * t);
  const wide = count(values, (v) => v >= ((0.9 * t) / 1.05) * (1 - EPS) && v < 1.1 * t * 1.05 * (1 + EPS));
  if (k < strict || k > wide)
    problems.push(
      `${what}: claims ${k} about ${t} ms, raw values give ${strict} (strict) to ${wide} (one bucket wider)`,
    );
}

/** The values the "about" claim is made of: those in the band's buckets. */
function aboutValues(values: number[], t: number): number[] {
  return values.filter((v) => bucketOf(v) >= bucketOf(0.9 * t) && bucketOf(v) <= bucketOf(1.1 * t));
}

function checkLonger(k: number, values: number[], t: number, what: string, problems: string[]): void {
  const most = count(values, (v) => v > 1.1 * t * (1 - EPS));
  const least = count(values, (v) => v >= 1.1 * t * 1.05 * (1 + EPS));
  if (k < least || k > most)
    problems.push(`${what}: claims ${k} longer than ${t} ms, raw values give ${least}..${most}`);
}

function checkNone(values: number[], t: number, what: string, problems: string[]): void {
  const reached = count(values, (v) => v >= 0.9 * t);
  if (reached > 0) problems.push(`${what}: claims none reached ${t} ms, ${reached} took at least 0.9 of it`);
}

/** "k values at least L": every value from L·1.05 up is counted, and nothing below L. */
function checkAtLeast(k: number, values: number[], limit: number, what: string, problems: string[]): void {
  const most = count(values, (v) => v >= limit * (1 - EPS));
  const least = count(values, (v) => v >= limit * 1.05 * (1 + EPS));
  if (k < least || k > most) problems.push(`${what}: claims ${k} at least ${limit}, raw values give ${least}..${most}`);
}

function checkFigure(label: string, shown: Shown, values: number[], q: number, what: string, problems: string[]): void {
  const raw = orderStatistic(values, q);
  if (raw === null) problems.push(`${what}: ${label} of no values`);
  else if (!withinBucket(shown, raw)) problems.push(`${what}: ${label} shown as ${shown.value}, raw ${raw}`);
}

/**
 * "none of the n 504s" speaks of every occurrence, so each must have a recorded time (`untimed`: how many of those
 * the claim is about lack one); "none of the m 504s with a recorded time" speaks of the m that have one.
 */
function checkNoneOf(g: Record<string, string | undefined>, raw: Raw, untimed: number, problems: string[]): void {
  const n = Number(g.n);
  if (g.recorded === undefined) {
    if (n !== raw.n) problems.push(`"none of the ${n}": there were ${raw.n}`);
    if (untimed > 0) problems.push(`"none of the ${n}": ${untimed} of them have no recorded time`);
  } else if (n !== raw.times.length) problems.push(`"none of the ${n} with a recorded time": ${raw.times.length} had`);
}

// ---------------------------------------------------------------------------------------------------------------
// The claims

const KN = String.raw`(?:all (?<all>\d+)|(?<k>\d+) of (?<n>\d+)) (?<code>\d{3})s?`;
const DUR = String.raw`\d+(?:\.\d+)? (?:ms|s)`;
const BYTES = String.raw`\d+(?:\.\d+)? (?:B|KB|MB|GB)`;
const T = String.raw`(?<t>\d+(?:\.\d+)?) s`;
const LB = '(?:ELB|ALB|CLB)';
const MEDIAN = String.raw`\(median (?:of the (?<of>\d+): )?(?<m>${DUR})\)`;
const SET_LONGER = "the timeout set on the load balancer may be longer than lbwatch's thresholds say";
const NONE = String.raw`none of the (?<n>\d+) (?<code>\d{3})s?(?<recorded> with a recorded time)?`;

interface Claim {
  re: RegExp;
  check(g: Record<string, string | undefined>, raw: Raw, problems: string[]): void;
}

function checkMedianOf(g: Record<string, string | undefined>, k: number, values: number[], problems: string[]) {
  if (g.of !== undefined && Number(g.of) !== k) problems.push(`median of ${g.of}, claim is about ${k}`);
  checkFigure('median', shownDuration(g.m ?? ''), values, 0.5, 'median', problems);
}

const CLAIMS: Claim[] = [
  {
    re: new RegExp(`${KN} never connected to a backend and took about the ${T} ${LB} connect timeout ${MEDIAN}`, 'g'),
    check(g, raw, problems) {
      const k = kOf(g, raw, problems);
      const t = namedThreshold(g.t, raw.thresholds.connectTimeout, problems);
      checkAbout(k, raw.noConnectionTimes, t, 'connect timeout', problems);
      checkMedianOf(g, k, aboutValues(raw.noConnectionTimes, t), problems);
    },
  },
  {
    re: new RegExp(
      `${KN} never connected to a backend and took longer than the ${T} ${LB} connect timeout ${MEDIAN}: ${SET_LONGER}`,
      'g',
    ),
    check(g, raw, problems) {
      const k = kOf(g, raw, problems);
      const t = namedThreshold(g.t, raw.thresholds.connectTimeout, problems);
      checkLonger(k, raw.noConnectionTimes, t, 'connect timeout', problems);
      const longer = raw.noConnectionTimes.filter((v) => bucketOf(v) > bucketOf(1.1 * t));
      checkMedianOf(g, k, longer, problems);
    },
  },
  {
    re: new RegExp(`${NONE} waited for the ${T} connect timeout without a connection`, 'g'),
    check(g, raw, problems) {
      // Connected ones did not wait without a connection, whatever their time.
      checkNoneOf(g, raw, raw.untimedNoConnection, problems);
      const t = namedThreshold(g.t, raw.thresholds.connectTimeout, problems);
      checkNone(raw.noConnectionTimes, t, 'connect timeout', problems);
    },
  },
  {
    re: new RegExp(
      `${KN} took about the ${T} ${LB} (?:response|idle) timeout(?:; (?<c>\\d+) had connected without getting a response header)?`,
      'g',
    ),
    check(g, raw, problems) {
      const k = kOf(g, raw, problems);
      const t = namedThreshold(g.t, raw.thresholds.responseTimeout, problems);
      checkAbout(k, raw.times, t, 'response timeout', problems);
      // Of the requests the claim counts: connected ones without a header, in the same band.
      const connected = aboutValues(raw.connectedNoHeaderTimes, t).length;
      if (g.c !== undefined && (Number(g.c) !== connected || Number(g.c) > k))
        problems.push(`${g.c} of the ${k} connected without a header, raw ${connected}`);
    },
  },
  {
    re: new RegExp(`${KN} took longer than the ${T} ${LB} (?:response|idle) timeout ${MEDIAN}: ${SET_LONGER}`, 'g'),
    check(g, raw, problems) {
      const k = kOf(g, raw, problems);
      const t = namedThreshold(g.t, raw.thresholds.responseTimeout, problems);
      checkLonger(k, raw.times, t, 'response timeout', problems);
      checkMedianOf(
        g,
        k,
        raw.times.filter((v) => bucketOf(v) > bucketOf(1.1 * t)),
        problems,
      );
    },
  },
  {
    re: new RegExp(`${NONE} reached the ${T} ${LB} (?:response|idle) timeout \\(longest about (?<l>${DUR})\\)`, 'g'),
    check(g, raw, problems) {
      checkNoneOf(g, raw, raw.n - raw.times.length, problems);
      const t = namedThreshold(g.t, raw.thresholds.responseTimeout, problems);
      checkNone(raw.times, t, 'response timeout', problems);
      checkFigure('longest', shownDuration(g.l ?? ''), raw.times, 1, 'response timeout', problems);
    },
  },
  {
    re: new RegExp(`${KN} came after about the ${T} (?:client|idle) timeout ${MEDIAN}`, 'g'),
    check(g, raw, problems) {
      const k = kOf(g, raw, problems);
      const t = namedThreshold(g.t, raw.thresholds.clientTimeout, problems);
      checkAbout(k, raw.times, t, 'client timeout', problems);
      checkMedianOf(g, k, aboutValues(raw.times, t), problems);
    },
  },
  {
    re: new RegExp(`${KN} took longer than the ${T} (?:client|idle) timeout ${MEDIAN}: ${SET_LONGER}`, 'g'),
    check(g, raw, problems) {
      const k = kOf(g, raw, problems);
      const t = namedThreshold(g.t, raw.thresholds.clientTimeout, problems);
      checkLonger(k, raw.times, t, 'client timeout', problems);
      checkMedianOf(
        g,
        k,
        raw.times.filter((v) => bucketOf(v) > bucketOf(1.1 * t)),
        problems,
      );
    },
  },
  {
    re: new RegExp(`${NONE} waited for the ${T} (?:client|idle) timeout ${MEDIAN}`, 'g'),
    check(g, raw, problems) {
      checkNoneOf(g, raw, raw.n - raw.times.length, problems);
      const t = namedThreshold(g.t, raw.thresholds.clientTimeout, problems);
      checkNone(raw.times, t, 'client timeout', problems);
      checkFigure('median', shownDuration(g.m ?? ''), raw.times, 0.5, 'client timeout', problems);
    },
  },
  {
    re: new RegExp(
      `${KN} got no backend connection(?:, (?<f>\\d+) of them failing within (?<w>${DUR}) \\(well under the ${T} connect timeout\\))?`,
      'g',
    ),
    check(g, raw, problems) {
      const k = kOf(g, raw, problems);
      if (k !== raw.noConnection) problems.push(`${k} without a connection, raw ${raw.noConnection}`);
      if (g.w === undefined) return;
      const t = namedThreshold(g.t, raw.thresholds.connectTimeout, problems);
      const w = shownDuration(g.w).value;
      if (w > 0.55 * t) problems.push(`"within ${g.w}" is not well under ${t} ms`);
      const f = Number(g.f);
      const most = count(raw.noConnectionTimes, (v) => v < w * (1 + EPS));
      const least = count(raw.noConnectionTimes, (v) => v < (w / 1.05) * (1 - EPS));
      if (f < least || f > most) problems.push(`claims ${f} within ${w} ms, raw values give ${least}..${most}`);
    },
  },
  {
    re: new RegExp(
      `${KN} were requests of (?<b>${BYTES}) or more \\((?:ALB limits: 16 KB per request line or header, 64 KB in all|limit 64 KB)\\)`,
      'g',
    ),
    check(g, raw, problems) {
      checkAtLeast(kOf(g, raw, problems), raw.bytes, shownBytes(g.b ?? '').value, 'request size', problems);
    },
  },
  {
    re: new RegExp(`no (?<code>\\d{3}) request reached (?<b>${BYTES}) \\(largest about (?<l>${BYTES})\\)`, 'g'),
    check(g, raw, problems) {
      checkNone(raw.bytes, shownBytes(g.b ?? '').value / 0.9, 'request size', problems);
      checkFigure('largest', shownBytes(g.l ?? ''), raw.bytes, 1, 'request size', problems);
    },
  },
  {
    re: new RegExp(`${KN} carried at least (?<b>${BYTES}) \\((?:1 MB limit for Lambda targets|10 GB limit)\\)`, 'g'),
    check(g, raw, problems) {
      checkAtLeast(kOf(g, raw, problems), raw.bytes, shownBytes(g.b ?? '').value, 'body size', problems);
    },
  },
  {
    re: new RegExp(
      `no (?<code>\\d{3}) request came near the (?<limit>1 MB limit for Lambda targets|10 GB limit) \\(largest received about (?<l>${BYTES}); the body may have been refused on its Content-Length\\)`,
      'g',
    ),
    check(g, raw, problems) {
      const limit = g.limit?.startsWith('1 MB') ? 1024 ** 2 : 10 * 1024 ** 3;
      checkNone(raw.bytes, limit / 2 / 0.9, 'body size', problems);
      checkFigure('largest', shownBytes(g.l ?? ''), raw.bytes, 1, 'body size', problems);
    },
  },
  {
    re: new RegExp(`${KN} had URIs of (?<c>\\d+) characters or more \\(longest about (?<l>\\d+)\\)`, 'g'),
    check(g, raw, problems) {
      checkAtLeast(kOf(g, raw, problems), raw.uriLengths, Number(g.c), 'URI length', problems);
      checkFigure('longest', { value: Number(g.l), half: 0.5 }, raw.uriLengths, 1, 'URI length', problems);
    },
  },
  {
    re: /no (?<code>\d{3}) URI reached (?<c>\d+) characters \(longest about (?<l>\d+)\)/g,
    check(g, raw, problems) {
      checkNone(raw.uriLengths, Number(g.c) / 0.9, 'URI length', problems);
      checkFigure('longest', { value: Number(g.l), half: 0.5 }, raw.uriLengths, 1, 'URI length', problems);
    },
  },
  {
    re: new RegExp(
      `clients (?:waited|closed after) a median (?<m>${DUR}) \\(p95 (?<p>${DUR})\\)(?: before closing)?(?:; (?<w>\\d+) of (?<n>\\d+) were still waiting for a backend response header)?; (?:backend p95 (?<scope>.+?) (?<b>${DUR})|no backend answered (?<none>.+?)): (?<verdict>the backend was slow|clients gave up early rather than a slow backend|clients gave up rather than a slow backend)`,
      'g',
    ),
    check(g, raw, problems) {
      checkFigure('median', shownDuration(g.m ?? ''), raw.times, 0.5, 'client wait', problems);
      checkFigure('p95', shownDuration(g.p ?? ''), raw.times, 0.95, 'client wait', problems);
      if (g.n !== undefined && Number(g.n) !== raw.n) problems.push(`says ${g.n} occurrences, there were ${raw.n}`);
      if (g.w !== undefined && Number(g.w) !== raw.noConnection + raw.connectedNoHeader)
        problems.push(`${g.w} still waiting, raw ${raw.noConnection + raw.connectedNoHeader}`);
      if ((g.scope ?? g.none) !== raw.scope) problems.push(`scope "${g.scope ?? g.none}", expected "${raw.scope}"`);
      if (g.b !== undefined)
        checkFigure('backend p95', shownDuration(g.b), raw.backendTimes, 0.95, 'backend', problems);
      else if (raw.backendTimes.length > 0) problems.push(`"no backend answered", ${raw.backendTimes.length} did`);
      const median = orderStatistic(raw.times, 0.5) ?? 0;
      if (g.verdict?.includes('early') && median >= 1000 * 1.05)
        problems.push(`"gave up early" after a median ${median} ms`);
    },
  },
];

/** A figure with a unit, or a word that goes with one: each must sit inside a checked claim. */
const FIGURES = new RegExp(
  `${DUR}|${BYTES}|\\bcharacters\\b|\\bmedian\\b|\\bp95\\b|\\blongest about\\b|\\blargest (?:received )?about\\b|\\btimeout\\b`,
  'g',
);

/** Every problem with the claims in an evidence text; [] when each claim agrees with the raw values. */
function problemsWith(evidence: string, raw: Raw): string[] {
  const problems: string[] = [];
  const spans: Array<[number, number]> = [];
  for (const claim of CLAIMS) {
    for (const m of evidence.matchAll(claim.re)) {
      const start = m.index;
      spans.push([start, start + m[0].length]);
      const found: string[] = [];
      claim.check(m.groups ?? {}, raw, found);
      problems.push(...found.map((p) => `${p} in "${m[0]}"`));
    }
  }
  for (const m of evidence.matchAll(FIGURES)) {
    if (!spans.some(([s, e]) => m.index >= s && m.index < e))
      problems.push(`unchecked claim "${m[0]}" at ${m.index} in "${evidence}"`);
  }
  return problems;
}

/** Scopes a caller may pass; sentences must name the one given and never "this window" for another. */
const SCOPES = [
  undefined,
  scopePhrase(3, Date.UTC(2026, 2, 1, 5, 40), Date.UTC(2026, 2, 1, 5, 55), 300_000),
  'in this incident',
  'in the period',
];

function allProblems(records: LogRecord[], code: number, thresholds: PlatformThresholds): string[] {
  const scope = SCOPES[records.length % SCOPES.length];
  const raw = rawOf(records, code, thresholds, scope ?? 'in this window');
  const causes = rankCauses(windowOf(records), code, thresholds, scope);
  const problems = causes.flatMap((c) => problemsWith(c.evidence, raw));
  if (scope !== undefined && causes.some((c) => c.evidence.includes('this window')))
    problems.push(`"this window" said of ${scope}`);
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Properties

const okArb = fc.array(fc.tuple(memberArb, fc.double({ min: 0, max: 600, noNaN: true })), { maxLength: 15 });

function okRecords(ok: Array<[string, number]>, format: LogFormat): LogRecord[] {
  return ok.map(([member, header]) =>
    otcRecord({ format, member, headerTime: Math.round(header * 1e6) / 1e6, requestTime: header }),
  );
}

/** 502/504 occurrences: unconnected, connected without a header, or with a header. */
const gatewayArb = fc.array(
  fc.record({
    kind: fc.constantFrom('noConnection', 'noConnection', 'noHeader', 'header'),
    time: timeSpecArb,
    member: memberArb,
  }),
  { minLength: 1, maxLength: 40 },
);

function gatewayRecords(
  code: number,
  specs: Array<{ kind: string; time: TimeSpec; member: string }>,
  t: PlatformThresholds,
  format: LogFormat,
): LogRecord[] {
  const times = secondsOf(
    specs.map((s) => s.time),
    t,
  );
  // A copied time keeps the kind too: a timeout hits one kind of request many times.
  let kind = specs[0]?.kind ?? 'noConnection';
  return specs.map((spec, i) => {
    if (!spec.time.same) kind = spec.kind;
    const member = spec.member;
    const seconds = times[i] ?? null;
    const common = { format, member, requestTime: seconds };
    if (kind === 'noConnection') return otcNoConnection(code, seconds ?? 0, common);
    if (kind === 'noHeader') return otcNoHeader(code, seconds ?? 0, common);
    return otcRecord({ ...common, status: code, backendStatus: code, generatedBy: 'lb', headerTime: 0.01 });
  });
}

describe('evidence sentences are true for any thresholds', () => {
  it.each([504, 502])('%i: timeout and "well under" claims agree with the raw request times', (code) => {
    fc.assert(
      fc.property(thresholdsArb, formatArb, gatewayArb, okArb, (thresholds, format, specs, ok) => {
        // Prepare
        const records = [...gatewayRecords(code, specs, thresholds, format), ...okRecords(ok, format)];
        // Act
        const problems = allProblems(records, code, thresholds);
        // Assess
        expect(problems).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('408: client-timeout claims agree with the raw request times', () => {
    const arb = fc.array(fc.record({ time: timeSpecArb, lb: fc.boolean() }), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(thresholdsArb, formatArb, arb, (thresholds, format, specs) => {
        // Prepare
        const times = secondsOf(
          specs.map((s) => s.time),
          thresholds,
        );
        const records = specs.map(({ lb }, i) =>
          otcRecord({
            format,
            status: 408,
            generatedBy: lb ? 'lb' : 'backend',
            backendStatus: lb ? null : 408,
            requestTime: times[i] ?? null,
          }),
        );
        // Act
        const problems = allProblems(records, 408, thresholds);
        // Assess
        expect(problems).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('499: waits and backend times agree with the raw values', () => {
    const arb = fc.array(fc.record({ time: timeSpecArb, connected: fc.option(fc.boolean()), header: fc.boolean() }), {
      minLength: 1,
      maxLength: 40,
    });
    fc.assert(
      fc.property(thresholdsArb, arb, okArb, (thresholds, specs, ok) => {
        // Prepare
        const times = secondsOf(
          specs.map((s) => s.time),
          thresholds,
        );
        const records = [
          ...specs.map(({ connected, header }, i) => {
            const seconds = times[i] ?? null;
            return otcRecord({
              status: 499,
              generatedBy: 'lb',
              backendStatus: null,
              backendConnected: connected ?? false,
              headerTime: connected === true && header ? Math.min(seconds ?? 0, 0.5) : null,
              requestTime: seconds,
            });
          }),
          ...okRecords(ok, 'otc-elb'),
        ];
        // Act
        const problems = allProblems(records, 499, thresholds);
        // Assess
        expect(problems).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  /** Sizes on and around the limits the rules name, or anywhere. */
  const sizeArb = (anchors: number[]) =>
    fc.oneof(
      fc.tuple(fc.constantFrom(...anchors), factorArb).map(([a, f]) => Math.round(a * f)),
      fc.integer({ min: 0, max: 2 ** 31 }),
    );
  /** Sizes that cluster: each either new or a jittered copy of the previous one. */
  const sizesArb = (anchors: number[], unrecorded: boolean) =>
    fc
      .array(
        fc.record({
          size: unrecorded ? fc.option(sizeArb(anchors), { freq: 8 }) : sizeArb(anchors),
          same: fc.constantFrom(true, true, true, false),
          jitter: fc.double({ min: 0.97, max: 1.03, noNaN: true }),
        }),
        { minLength: 1, maxLength: 30 },
      )
      .map((specs) => {
        const out: Array<number | null> = [];
        for (const { size, same, jitter } of specs) {
          const previous = out[out.length - 1];
          out.push(same && previous !== undefined && previous !== null ? Math.round(previous * jitter) : size);
        }
        return out;
      });

  it.each([
    [400, [16 * 1024, 64 * 1024]],
    [413, [512 * 1024, 1024 ** 2, 5 * 1024 ** 3, 10 * 1024 ** 3]],
  ])('%i: size claims agree with the raw request sizes', (code, anchors) => {
    const arb = sizesArb(anchors, true);
    fc.assert(
      fc.property(thresholdsArb, formatArb, arb, (thresholds, format, sizes) => {
        // Prepare
        const records = sizes.map((requestBytes) =>
          otcRecord({ format, status: code, generatedBy: 'lb', backendStatus: null, member: null, requestBytes }),
        );
        // Act
        const problems = allProblems(records, code, thresholds);
        // Assess
        expect(problems).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('414: URI-length claims agree with the raw lengths', () => {
    const arb = sizesArb([4096, 8192], false).map((sizes) => sizes.map((v) => v ?? 0));
    fc.assert(
      fc.property(thresholdsArb, formatArb, arb, (thresholds, format, lengths) => {
        // Prepare
        const records = lengths.map((uriLength) =>
          otcRecord({ format, status: 414, generatedBy: 'lb', backendStatus: null, uriLength }),
        );
        // Act
        const problems = allProblems(records, 414, thresholds);
        // Assess
        expect(problems).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });
});
