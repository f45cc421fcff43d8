/**
 * Turns generated requests into log objects as the load balancers deliver them: one object per node per
 * interval, named like the real object keys, ALB objects as multi-member gzip with unsorted lines and a few
 * late records in the next object, CLB objects as plain text.
 */
import { gzipSync } from 'node:zlib';
import { albFieldCount, formatAlbLine, formatClbLine, formatOtcLine } from './format.js';
import type { IncidentSpec, LoadBalancerSpec, NodeSpec, RequestEvent } from './model.js';
import { Rng } from './prng.js';
import { AWS_ACCOUNT, AWS_REGION, OTC_LOG_GROUP, OTC_REGION } from './scenario.js';
import { TrafficGenerator } from './traffic.js';

/** One log object: its key (relative path) and its lines, with how the lines are split into gzip members. */
export interface LogObject {
  key: string;
  lines: string[];
  /** Line counts per gzip member; null for a plain-text object. */
  members: number[] | null;
}

/** A line deliberately damaged in the examples, so that the reject counting shows up in a real run. */
export interface MalformedLine {
  key: string;
  /** 1-based line number in the decompressed object. */
  line: number;
  description: string;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** `20260616T0505Z`, the end-time stamp in ELB object keys. */
function endStamp(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}${pad2(d.getUTCMinutes())}Z`;
}

function datePath(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}/${pad2(d.getUTCMonth() + 1)}/${pad2(d.getUTCDate())}`;
}

/** AWS delivers an interval's object a few minutes after its end: the date folder is the delivery date. */
function deliveryMs(end: number): number {
  return end + 4 * 60_000;
}

/** Object key as the load balancer (or, for OTC, the LTS transfer) writes it. */
export function objectKey(lb: LoadBalancerSpec, node: NodeSpec, end: number, rng: Rng): string {
  const random = rng.alnum(8);
  if (lb.format === 'otc-elb') {
    // LTS -> OBS transfer: LogTanks/<region>/<yyyy/mm/dd>/<log group>/<log stream>/<file>. The file-name
    // pattern is not documented; this one carries the stream, the interval end and the node.
    return `LogTanks/${OTC_REGION}/${datePath(deliveryMs(end))}/${OTC_LOG_GROUP}/${lb.logStream}/${lb.logStream}_${endStamp(end)}_${node.ip}_${random}.log.gz`;
  }
  const ext = lb.format === 'alb' ? '.log.gz' : '.log';
  return `AWSLogs/${AWS_ACCOUNT}/elasticloadbalancing/${AWS_REGION}/${datePath(deliveryMs(end))}/${AWS_ACCOUNT}_elasticloadbalancing_${AWS_REGION}_${lb.keyName}_${endStamp(end)}_${node.ip}_${random}${ext}`;
}

/** Splits `count` lines into gzip members of 20 to 150 lines: ALB objects hold several gzip members. */
function memberSizes(rng: Rng, count: number): number[] {
  const sizes: number[] = [];
  let left = count;
  while (left > 0) {
    const n = Math.min(left, rng.int(20, 150));
    sizes.push(n);
    left -= n;
  }
  return sizes;
}

export interface BuildOptions {
  seed: number;
  start: number;
  end: number;
  loadBalancers: readonly LoadBalancerSpec[];
  incidents: readonly IncidentSpec[];
}

/** Builds every object of the example period. Pure: the same options always give the same objects. */
export function buildObjects(options: BuildOptions): LogObject[] {
  const objects: LogObject[] = [];
  for (const lb of options.loadBalancers) {
    const traffic = new TrafficGenerator(lb, options.seed, options.incidents);
    const step = lb.intervalMinutes * 60_000;
    for (const node of lb.nodes) {
      let carried: RequestEvent[] = [];
      for (let from = options.start; from < options.end; from += step) {
        const to = from + step;
        const rng = Rng.derive(options.seed, `${lb.key}:${node.ip}:${from}:file`);
        const active = traffic.activeNodes(from, to).includes(node);
        if (!active) {
          // The replaced node's last delivery is an empty object (ALB writes 0-byte files on node replacement).
          if (node.activeTo === from) objects.push({ key: objectKey(lb, node, to, rng), lines: [], members: [] });
          continue;
        }
        const events = traffic.requests(node, from, to);
        objects.push(renderObject(lb, node, to, events, carried, rng));
        carried = lb.format === 'alb' ? takeLate(events, to, node, rng) : [];
      }
    }
  }
  return objects;
}

/** ALB: a few records written in the last second and a half of an interval end up in the next object. */
function takeLate(events: RequestEvent[], end: number, node: NodeSpec, rng: Rng): RequestEvent[] {
  if (node.activeTo === end) return [];
  const late: RequestEvent[] = [];
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.endMs < end - 1500) break;
    if (rng.chance(0.35)) {
      late.push(e);
      events.splice(i, 1);
    }
  }
  return late.reverse();
}

function renderObject(
  lb: LoadBalancerSpec,
  node: NodeSpec,
  end: number,
  events: RequestEvent[],
  carriedIn: RequestEvent[],
  rng: Rng,
): LogObject {
  const key = objectKey(lb, node, end, rng);
  const lineRng = Rng.derive(rng.nextU32(), key);
  if (lb.format === 'otc-elb') {
    return { key, lines: events.map((e) => formatOtcLine(e, lb, node)), members: [events.length] };
  }
  if (lb.format === 'clb') {
    const sorted = [...events].sort((a, b) => a.startMs - b.startMs);
    return { key, lines: sorted.map((e) => formatClbLine(e, lb, lineRng)), members: null };
  }
  // ALB writes entries roughly in the order requests arrived, so `time` (response sent) is not sorted;
  // the late records of the previous interval come first.
  return albObject(lb, key, events, carriedIn, lineRng);
}

function albObject(
  lb: LoadBalancerSpec,
  key: string,
  events: RequestEvent[],
  carriedIn: RequestEvent[],
  rng: Rng,
): LogObject {
  // Buffer already written while this object was still being filled: the current events end up arrival-ordered
  // (there are deliberately few late 10 s-timeout responses, so their `time` jumps back against neighbours).
  const ordered = [...carriedIn, ...[...events].sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs)];
  const lines = ordered.map((e) => formatAlbLine(e, lb, albFieldCount(rng), rng));
  return { key, lines, members: memberSizes(rng, lines.length) };
}

/** The object's bytes: gzip members concatenated (level 6), or plain text. 0 lines give 0 bytes. */
export function encodeObject(object: LogObject): Buffer {
  if (object.lines.length === 0) return Buffer.alloc(0);
  if (object.members === null) return Buffer.from(`${object.lines.join('\n')}\n`, 'utf8');
  const parts: Buffer[] = [];
  let at = 0;
  for (const size of object.members) {
    const chunk = object.lines.slice(at, at + size);
    at += size;
    parts.push(gzipSync(Buffer.from(`${chunk.join('\n')}\n`, 'utf8'), { level: 6 }));
  }
  return Buffer.concat(parts);
}

/** The decompressed text of an object, as a parser would see it. */
export function objectText(object: LogObject): string {
  return object.lines.length === 0 ? '' : `${object.lines.join('\n')}\n`;
}
