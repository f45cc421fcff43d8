import { LbwatchError } from '../errors.js';
import { LOG_FORMATS, type LogFormat } from '../formats/record.js';
import { MAX_WINDOW_MS, MIN_WINDOW_MS } from './aggregator.js';
import { emptyHistogram, type Histogram, MAX_BUCKET } from './histogram.js';
import {
  type CodeMember,
  type CodeStats,
  dict,
  type MemberStats,
  type PathCount,
  WINDOW_VERSION,
  type WindowAggregate,
} from './window.js';

/** Compact JSON for one window aggregate (what the functions store as a partial). */
export function serializeWindow(w: WindowAggregate): string {
  return JSON.stringify(w);
}

class Invalid extends Error {}

function fail(path: string, expected: string, found: unknown): never {
  const shown = typeof found === 'string' ? JSON.stringify(found.slice(0, 40)) : JSON.stringify(found)?.slice(0, 40);
  throw new Invalid(`${path}: expected ${expected}, found ${shown ?? typeof found}`);
}

function obj(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'an object', v);
  return v as Record<string, unknown>;
}

function count(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(path, 'a non-negative integer', v);
  return v;
}

function time(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(path, 'an integer epoch time in ms', v);
  return v;
}

function statusKey(k: string, path: string): void {
  if (!/^[0-9]{1,3}$/.test(k)) fail(path, 'a status code key', k);
}

function counts(v: unknown, path: string, keyCheck?: (k: string, path: string) => void): Record<string, number> {
  const src = obj(v, path);
  const out = dict<number>();
  for (const [k, n] of Object.entries(src)) {
    keyCheck?.(k, `${path}.${k}`);
    out[k] = count(n, `${path}[${JSON.stringify(k)}]`);
  }
  return out;
}

function histogram(v: unknown, path: string): Histogram {
  const src = obj(v, path);
  const out = emptyHistogram();
  for (const [k, n] of Object.entries(src)) {
    const b = Number(k);
    if (!/^[0-9]+$/.test(k) || b > MAX_BUCKET) fail(`${path}.${k}`, `a bucket index 0..${MAX_BUCKET}`, k);
    out[b] = count(n, `${path}.${k}`);
  }
  return out;
}

function tuples<T extends number[]>(v: unknown, path: string, length: number): Record<string, T> {
  const src = obj(v, path);
  const out = dict<T>();
  for (const [k, t] of Object.entries(src)) {
    const p = `${path}[${JSON.stringify(k)}]`;
    if (!Array.isArray(t) || t.length !== length) fail(p, `an array of ${length} counts`, t);
    out[k] = t.map((n, i) => count(n, `${p}[${i}]`)) as T;
  }
  return out;
}

function codeStats(v: unknown, path: string): CodeStats {
  const s = obj(v, path);
  return {
    count: count(s.count, `${path}.count`),
    lb: count(s.lb, `${path}.lb`),
    noConnection: count(s.noConnection, `${path}.noConnection`),
    connectedNoHeader: count(s.connectedNoHeader, `${path}.connectedNoHeader`),
    withHeader: count(s.withHeader, `${path}.withHeader`),
    malformed: count(s.malformed, `${path}.malformed`),
    plainHttpOnTlsPort: count(s.plainHttpOnTlsPort, `${path}.plainHttpOnTlsPort`),
    requestTime: histogram(s.requestTime, `${path}.requestTime`),
    requestTimeNoConnection: histogram(s.requestTimeNoConnection, `${path}.requestTimeNoConnection`),
    requestTimeConnectedNoHeader: histogram(s.requestTimeConnectedNoHeader, `${path}.requestTimeConnectedNoHeader`),
    backendTime: histogram(s.backendTime, `${path}.backendTime`),
    requestBytes: histogram(s.requestBytes, `${path}.requestBytes`),
    uriLength: histogram(s.uriLength, `${path}.uriLength`),
    members: tuples<CodeMember>(s.members, `${path}.members`, 2),
    hostPaths: counts(s.hostPaths, `${path}.hostPaths`),
    reasons: counts(s.reasons, `${path}.reasons`),
    classifications: counts(s.classifications, `${path}.classifications`),
  };
}

function memberStats(v: unknown, path: string): MemberStats {
  const m = obj(v, path);
  return {
    requests: count(m.requests, `${path}.requests`),
    connected: count(m.connected, `${path}.connected`),
    answered: count(m.answered, `${path}.answered`),
    ok: count(m.ok, `${path}.ok`),
    noConnection: count(m.noConnection, `${path}.noConnection`),
    errors: counts(m.errors, `${path}.errors`, statusKey),
  };
}

function validate(v: unknown): WindowAggregate {
  const w = obj(v, 'window');
  if (w.version !== WINDOW_VERSION) fail('window.version', String(WINDOW_VERSION), w.version);
  if (typeof w.loadBalancer !== 'string' || w.loadBalancer.length === 0 || w.loadBalancer.length > 1024) {
    fail('window.loadBalancer', 'a non-empty string', w.loadBalancer);
  }
  if (w.format !== null && !LOG_FORMATS.includes(w.format as LogFormat)) {
    fail('window.format', `null or one of ${LOG_FORMATS.join(', ')}`, w.format);
  }
  const windowMs = count(w.windowMs, 'window.windowMs');
  if (windowMs < MIN_WINDOW_MS || windowMs > MAX_WINDOW_MS) fail('window.windowMs', '60000..3600000', windowMs);
  const start = time(w.start, 'window.start');
  if (start % windowMs !== 0) fail('window.start', `a multiple of windowMs (${windowMs})`, start);
  const maxKeys = count(w.maxKeys, 'window.maxKeys');
  if (maxKeys < 1) fail('window.maxKeys', 'a positive integer', maxKeys);
  const firstTime = time(w.firstTime, 'window.firstTime');
  const lastTime = time(w.lastTime, 'window.lastTime');
  if (firstTime > lastTime) fail('window.firstTime', 'at most lastTime', firstTime);
  const codesIn = obj(w.codes, 'window.codes');
  const codes = dict<CodeStats>();
  for (const [k, c] of Object.entries(codesIn)) {
    statusKey(k, `window.codes.${k}`);
    codes[k] = codeStats(c, `window.codes.${k}`);
  }
  const membersIn = obj(w.members, 'window.members');
  const members = dict<MemberStats>();
  for (const [k, m] of Object.entries(membersIn)) members[k] = memberStats(m, `window.members[${JSON.stringify(k)}]`);
  return {
    version: WINDOW_VERSION,
    loadBalancer: w.loadBalancer as string,
    format: w.format as LogFormat | null,
    start,
    windowMs,
    maxKeys,
    requests: count(w.requests, 'window.requests'),
    withoutStatus: count(w.withoutStatus, 'window.withoutStatus'),
    firstTime,
    lastTime,
    statusCodes: counts(w.statusCodes, 'window.statusCodes', statusKey),
    lbGenerated: counts(w.lbGenerated, 'window.lbGenerated', statusKey),
    connected: count(w.connected, 'window.connected'),
    answered: count(w.answered, 'window.answered'),
    malformed: count(w.malformed, 'window.malformed'),
    plainHttpOnTlsPort: count(w.plainHttpOnTlsPort, 'window.plainHttpOnTlsPort'),
    backendTime: histogram(w.backendTime, 'window.backendTime'),
    codes,
    members,
    hostPaths: tuples<PathCount>(w.hostPaths, 'window.hostPaths', 2),
  };
}

/**
 * Parses and validates a stored window aggregate. Partials are untrusted (another version, a truncated write,
 * a hand-edited object), so every field is checked and the result is rebuilt without prototypes.
 *
 * @throws LbwatchError `PARTIAL_INVALID` with `context.field` naming the first bad field.
 */
export function parseWindow(json: string): WindowAggregate {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (cause) {
    throw new LbwatchError('PARTIAL_INVALID', 'window aggregate is not valid JSON', {
      cause,
      context: { reason: 'invalid-window', field: null },
    });
  }
  try {
    return validate(value);
  } catch (error) {
    if (!(error instanceof Invalid)) throw error;
    throw new LbwatchError('PARTIAL_INVALID', `invalid window aggregate: ${error.message}`, {
      context: { reason: 'invalid-window', field: error.message.split(':')[0] ?? null },
    });
  }
}
