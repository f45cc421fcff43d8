import type { LogRecord } from '../formats/record.js';
import { addValue } from './histogram.js';
import {
  boundWindow,
  byStartThenLoadBalancer,
  type CodeMember,
  type CodeStats,
  copyWindow,
  DEFAULT_MAX_KEYS,
  emptyCodeStats,
  emptyMemberStats,
  emptyWindow,
  MAX_KEY_LENGTH,
  OTHER_KEY,
  type PathCount,
  selectTop,
  type WindowAggregate,
} from './window.js';

export const MIN_WINDOW_MS = 60_000;
export const MAX_WINDOW_MS = 3_600_000;
/** Maps may grow to this many times `maxKeys` between two bounding passes while aggregating. */
const SLACK = 4;
/** Records a window takes between two checks of its map sizes. */
const CHECK_EVERY = 4096;
/** Records between two passes that compact the windows time has moved past. */
const SETTLE_EVERY = 65_536;
/**
 * A window this many window lengths older than its load balancer's newest is compacted to `maxKeys` per map:
 * objects cover a few minutes and ALB lines are only roughly ordered, so older windows rarely get more records,
 * and compacting them keeps memory proportional to the windows' bounded size rather than to their slack.
 */
const SETTLE_AFTER_WINDOWS = 2;

export interface AggregatorOptions {
  /** Window length, 1 min to 1 h; windows are aligned to the epoch. */
  windowMs: number;
  /** Bound on each top-N map (members, host+path, reasons); default 64. */
  maxKeys?: number;
}

export interface Aggregator {
  /** Adds one record to its (load balancer, window) aggregate. */
  add(record: LogRecord): void;
  /** Copies of every window seen so far, bounded, sorted by start then load balancer. */
  windows(): WindowAggregate[];
  /**
   * Every window seen so far, bounded and sorted like `windows()`, handed over without copying: the aggregator is
   * empty afterwards. Use it when aggregation is finished; it avoids holding every window twice at the peak.
   */
  takeWindows(): WindowAggregate[];
  /**
   * Hands over, bounded and without copying, the windows time has moved past (older than the newest window of their
   * load balancer by more than two window lengths) and forgets them; a later record for one of them starts a new
   * partial, to be merged by the caller. Lets a long-running reader pass windows on as it goes instead of holding
   * every window of the object.
   */
  takeSettled(): WindowAggregate[];
  /** Records ignored because their time was not a finite number. */
  dropped(): number;
}

function cut(value: string): string {
  return value.length > MAX_KEY_LENGTH ? value.slice(0, MAX_KEY_LENGTH) : value;
}

/** Plain HTTP on the HTTPS port: the classic cause of an LB-generated 400. */
function isPlainHttpOnTlsPort(r: LogRecord): boolean {
  return r.scheme === 'http' && (r.frontendPort === 443 || r.frontendPort === 8443);
}

interface Slot {
  window: WindowAggregate;
  sinceCheck: number;
  /**
   * host -> path -> [requests, ok] for the window-level map, kept as Maps while aggregating: a lookup by two
   * short keys is several times cheaper than concatenating them and looking the result up in an object.
   * Flushed into `window.hostPaths` when bounding and when windows are taken.
   */
  paths: Map<string, Map<string, PathCount>>;
  pathCount: number;
  /** What bounding the staged paths folded away, not yet added to `window.hostPaths` under `(other)`. */
  otherPaths: PathCount | null;
  /** Reached through a window switch since the last settle pass (a compacted window may be fed again). */
  touched: boolean;
}

function addPathCount(into: WindowAggregate, key: string, counts: PathCount): void {
  const dst = into.hostPaths[key];
  if (dst === undefined) into.hostPaths[key] = [counts[0], counts[1]];
  else {
    dst[0] += counts[0];
    dst[1] += counts[1];
  }
}

/** Adds the Map-held host+path counts (and what bounding them folded away) into a window's `hostPaths`. */
function flushPaths(into: WindowAggregate, slot: Slot): void {
  if (slot.pathCount > into.maxKeys) boundStagedPaths(slot, into.maxKeys);
  for (const [host, byPath] of slot.paths) {
    for (const [path, counts] of byPath) addPathCount(into, cut(host + path), counts);
  }
  if (slot.otherPaths !== null) addPathCount(into, OTHER_KEY, slot.otherPaths);
}

/** Compares the `hostPaths` keys of two staged entries without building them when the hosts are equal. */
function compareKeys(hostA: string, pathA: string, hostB: string, pathB: string): number {
  if (
    hostA === hostB &&
    hostA.length + pathA.length <= MAX_KEY_LENGTH &&
    hostB.length + pathB.length <= MAX_KEY_LENGTH
  ) {
    return pathA < pathB ? -1 : pathA > pathB ? 1 : 0;
  }
  const a = cut(hostA + pathA);
  const b = cut(hostB + pathB);
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Keeps the `maxKeys` heaviest staged host+path entries of a slot, in `boundPaths` order (requests, then
 * answered, then key), and folds the rest into `slot.otherPaths`, without building a key for each entry: with
 * paths that carry ids most entries are seen once, and flushing and sorting them all cost more than the rest of
 * the aggregation.
 */
function boundStagedPaths(slot: Slot, maxKeys: number): void {
  const hosts: string[] = [];
  const paths: string[] = [];
  const counts: PathCount[] = [];
  for (const [host, byPath] of slot.paths) {
    for (const [path, c] of byPath) {
      hosts.push(host);
      paths.push(path);
      counts.push(c);
    }
  }
  const order = (a: number, b: number): number => {
    const ca = counts[a] as PathCount;
    const cb = counts[b] as PathCount;
    return (
      cb[0] - ca[0] ||
      cb[1] - ca[1] ||
      compareKeys(hosts[a] as string, paths[a] as string, hosts[b] as string, paths[b] as string)
    );
  };
  const keep = new Uint8Array(counts.length);
  const indices = Array.from(counts, (_, i) => i);
  for (const i of selectTop(indices, maxKeys, order)) keep[i] = 1;
  const kept = new Map<string, Map<string, PathCount>>();
  let other = slot.otherPaths;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] as PathCount;
    if (keep[i] === 1) {
      const host = hosts[i] as string;
      let byPath = kept.get(host);
      if (byPath === undefined) {
        byPath = new Map();
        kept.set(host, byPath);
      }
      byPath.set(paths[i] as string, c);
    } else {
      other ??= [0, 0] as PathCount;
      other[0] += c[0];
      other[1] += c[1];
    }
  }
  slot.paths = kept;
  slot.pathCount = Math.min(maxKeys, counts.length);
  slot.otherPaths = other;
}

function tooBig(map: object, limit: number): boolean {
  let n = 0;
  for (const _ in map) if (++n > limit) return true;
  return false;
}

/**
 * Builds window aggregates from records in any order (late and out-of-order records land in their own
 * window by `record.time`). The hot path keeps the current window cached and allocates only for new keys.
 *
 * @example
 * const agg = createAggregator({ windowMs: 300_000 });
 * for (const r of records) agg.add(r);
 * const partials = agg.windows().map(serializeWindow);
 */
export function createAggregator(options: AggregatorOptions): Aggregator {
  const windowMs = options.windowMs;
  const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  if (!Number.isInteger(windowMs) || windowMs < MIN_WINDOW_MS || windowMs > MAX_WINDOW_MS) {
    throw new RangeError(`windowMs must be an integer from ${MIN_WINDOW_MS} to ${MAX_WINDOW_MS}, got ${windowMs}`);
  }
  if (!Number.isInteger(maxKeys) || maxKeys < 1) throw new RangeError(`maxKeys must be a positive integer`);
  const byLb = new Map<string, Map<number, Slot>>();
  /** Newest window start seen per load balancer. */
  const newest = new Map<string, number>();
  let sinceSettle = 0;
  let lastLb: string | null = null;
  let lastStart = 0;
  let last: Slot | null = null;
  let dropped = 0;
  const limit = maxKeys * SLACK;

  function slotFor(r: LogRecord): Slot {
    const start = Math.floor(r.time / windowMs) * windowMs;
    let starts = byLb.get(r.loadBalancer);
    if (starts === undefined) {
      starts = new Map();
      byLb.set(r.loadBalancer, starts);
    }
    let slot = starts.get(start);
    if (slot === undefined) {
      slot = {
        window: emptyWindow(r.loadBalancer, r.format, start, windowMs, maxKeys),
        sinceCheck: 0,
        paths: new Map(),
        pathCount: 0,
        otherPaths: null,
        touched: true,
      };
      starts.set(start, slot);
    }
    slot.touched = true;
    if (start > (newest.get(r.loadBalancer) ?? Number.NEGATIVE_INFINITY)) newest.set(r.loadBalancer, start);
    lastLb = r.loadBalancer;
    lastStart = start;
    last = slot;
    return slot;
  }

  function check(slot: Slot): void {
    const w = slot.window;
    if (slot.pathCount > limit) boundStagedPaths(slot, maxKeys);
    let big = tooBig(w.members, limit) || tooBig(w.hostPaths, limit);
    for (const key in w.codes) {
      const c = w.codes[key] as CodeStats;
      big ||= tooBig(c.members, limit) || tooBig(c.hostPaths, limit) || tooBig(c.reasons, limit);
      big ||= tooBig(c.classifications, limit);
    }
    if (big) boundWindow(w);
  }

  /** Compacts the windows time has moved past; they stay valid aggregates and may still be fed. */
  function settle(): void {
    for (const [lb, starts] of byLb) {
      const before = (newest.get(lb) ?? 0) - SETTLE_AFTER_WINDOWS * windowMs;
      for (const slot of starts.values()) {
        if (!slot.touched || slot.window.start >= before) continue;
        flushPaths(slot.window, slot);
        slot.paths = new Map();
        slot.pathCount = 0;
        slot.otherPaths = null;
        boundWindow(slot.window);
        slot.touched = false;
      }
    }
  }

  function add(r: LogRecord): void {
    const time = r.time;
    if (!Number.isFinite(time)) {
      dropped++;
      return;
    }
    const slot =
      last !== null && r.loadBalancer === lastLb && time >= lastStart && time < lastStart + windowMs
        ? last
        : slotFor(r);
    const w = slot.window;
    if (++slot.sinceCheck >= CHECK_EVERY) {
      slot.sinceCheck = 0;
      check(slot);
    }
    if (++sinceSettle >= SETTLE_EVERY) {
      sinceSettle = 0;
      settle();
    }
    if (time < w.firstTime) w.firstTime = time;
    if (time > w.lastTime) w.lastTime = time;
    const status = r.status;
    if (status === null) {
      w.withoutStatus++;
      return;
    }
    w.requests++;
    w.statusCodes[status] = (w.statusCodes[status] ?? 0) + 1;
    const byLbItself = r.generatedBy === 'lb';
    if (byLbItself) w.lbGenerated[status] = (w.lbGenerated[status] ?? 0) + 1;
    const header = r.headerTime;
    const connected = r.backendConnected === true;
    const answered = header !== null || r.generatedBy === 'backend';
    const noConnection = r.backendConnected === false || (r.backendConnected === null && header === null && !answered);
    if (connected) w.connected++;
    if (header !== null) {
      w.answered++;
      addValue(w.backendTime, header * 1000);
    }
    const malformed = r.requestLineMalformed;
    if (malformed) w.malformed++;
    const plainHttp = isPlainHttpOnTlsPort(r);
    if (plainHttp) w.plainHttpOnTlsPort++;

    const member = r.member === null ? null : cut(r.member);
    if (member !== null) {
      let m = w.members[member];
      if (m === undefined) {
        m = emptyMemberStats();
        w.members[member] = m;
      }
      m.requests++;
      if (connected) m.connected++;
      if (answered) m.answered++;
      if (noConnection) m.noConnection++;
      if (status < 400) m.ok++;
      else m.errors[status] = (m.errors[status] ?? 0) + 1;
    }
    const host = r.host ?? '';
    const path = r.pathGroup ?? '';
    let byPath = slot.paths.get(host);
    if (byPath === undefined) {
      byPath = new Map();
      slot.paths.set(host, byPath);
    }
    let p = byPath.get(path);
    if (p === undefined) {
      p = [0, 0] as PathCount;
      byPath.set(path, p);
      slot.pathCount++;
    }
    p[0]++;
    if (status < 400) {
      p[1]++;
      return;
    }
    const hostPath = cut(host + path);

    let c = w.codes[status];
    if (c === undefined) {
      c = emptyCodeStats();
      w.codes[status] = c;
    }
    c.count++;
    if (byLbItself) c.lb++;
    if (header !== null) {
      c.withHeader++;
      addValue(c.backendTime, header * 1000);
    }
    if (malformed) c.malformed++;
    if (plainHttp) c.plainHttpOnTlsPort++;
    const requestTime = r.requestTime;
    if (requestTime !== null) addValue(c.requestTime, requestTime * 1000);
    if (noConnection) {
      c.noConnection++;
      if (requestTime !== null) addValue(c.requestTimeNoConnection, requestTime * 1000);
    } else if (connected && header === null) {
      c.connectedNoHeader++;
      if (requestTime !== null) addValue(c.requestTimeConnectedNoHeader, requestTime * 1000);
    }
    if (r.requestBytes !== null) addValue(c.requestBytes, r.requestBytes);
    addValue(c.uriLength, r.uriLength);
    if (member !== null) {
      let cm = c.members[member];
      if (cm === undefined) {
        cm = [0, 0] as CodeMember;
        c.members[member] = cm;
      }
      cm[0]++;
      if (noConnection) cm[1]++;
    }
    c.hostPaths[hostPath] = (c.hostPaths[hostPath] ?? 0) + 1;
    if (r.errorReason !== null) {
      const reason = cut(r.errorReason);
      c.reasons[reason] = (c.reasons[reason] ?? 0) + 1;
    }
    if (r.classification !== null) {
      const cls = cut(r.classification);
      c.classifications[cls] = (c.classifications[cls] ?? 0) + 1;
    }
  }

  function collect(take: boolean): WindowAggregate[] {
    const out: WindowAggregate[] = [];
    for (const starts of byLb.values()) {
      for (const slot of starts.values()) {
        const w = take ? slot.window : copyWindow(slot.window);
        flushPaths(w, slot);
        out.push(boundWindow(w));
      }
    }
    if (take) {
      byLb.clear();
      newest.clear();
      last = null;
      lastLb = null;
    }
    out.sort(byStartThenLoadBalancer);
    return out;
  }

  function takeSettled(): WindowAggregate[] {
    const out: WindowAggregate[] = [];
    for (const [lb, starts] of byLb) {
      const before = (newest.get(lb) ?? 0) - SETTLE_AFTER_WINDOWS * windowMs;
      for (const [start, slot] of starts) {
        if (start >= before) continue;
        flushPaths(slot.window, slot);
        out.push(boundWindow(slot.window));
        starts.delete(start);
        if (slot === last) {
          last = null;
          lastLb = null;
        }
      }
    }
    return out;
  }

  return {
    add,
    windows: () => collect(false),
    takeWindows: () => collect(true),
    takeSettled,
    dropped: () => dropped,
  };
}
