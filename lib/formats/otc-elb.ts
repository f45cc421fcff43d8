import { FIELD_BRACKETED, FIELD_ESCAPED, isDash, readIsoMicros, readSeconds, readUint } from './bytes.js';
import {
  countField,
  decimalField,
  epochMillisField,
  fieldText,
  internPlan,
  NUMERIC,
  optionalField,
  type ParseContext,
  secondsField,
  TEXT_TABLE,
  uintField,
} from './context.js';
import type { RejectReason } from './reasons.js';
import type { BackendAttempt, LogRecord } from './record.js';
import { type AddressParts, emptyRequestParts, portOf, readRequestLine, splitAddress } from './request-line.js';
import type { InternPlan } from './wasm-tokenizer.js';

/**
 * Field positions (0-based) of the OTC/Huawei ELB access-log line. The documented format has
 * 33 fields (2024), 37 fields (2025, WAF fields appended) and the doc's own example has 22.
 */
const F = {
  msec: 0,
  timeIso: 2,
  client: 4,
  status: 5,
  request: 6,
  requestLength: 7,
  bytesSent: 8,
  requestTime: 10,
  upstreamStatus: 11,
  upstreamConnect: 12,
  upstreamHeader: 13,
  upstreamResponse: 14,
  upstreamAddr: 15,
  userAgent: 16,
  lbName: 19,
  listenerName: 20,
  eip: 25,
  sslProtocol: 28,
  sslCipher: 29,
  actionsExecuted: 34,
  errorReason: 35,
} as const;

/** Fields up to `lb_name` are required; everything after it may be missing (22-field lines). */
export const OTC_MIN_FIELDS = 20;
/** Fields lbwatch reads, up to `pool_usr_name`; later ones are ignored. */
export const OTC_MAX_FIELDS = 37;

const MAX_ATTEMPTS = 32;

/** Element slices of one multi-value upstream field (`"502, 502: 200"`). */
class ListSlices {
  readonly starts = new Int32Array(MAX_ATTEMPTS);
  readonly ends = new Int32Array(MAX_ATTEMPTS);
  count = 0;
}

const SPACE = 0x20;
const COMMA = 0x2c;
const COLON = 0x3a;

/**
 * Splits an nginx multi-value upstream field into its attempts. nginx joins attempts with `, `
 * and upstream-group switches with ` : `; the OTC doc also shows `: ` and a trailing `:`.
 * Values (statuses, times) split on every `,` and `:`; addresses contain `ip:port` colons, so
 * for them a colon separates only when a space or the end of the field is next to it.
 * Empty elements (trailing `:`) are dropped.
 */
function splitList(buf: Uint8Array, start: number, end: number, addresses: boolean, out: ListSlices): void {
  let n = 0;
  let elementStart = start;
  for (let i = start; i <= end; i++) {
    let boundary = i === end;
    if (!boundary) {
      const c = buf[i]!;
      if (c === COMMA) boundary = true;
      else if (c === COLON) {
        boundary = !addresses || i + 1 === end || buf[i + 1] === SPACE || (i > start && buf[i - 1] === SPACE);
      }
    }
    if (!boundary) continue;
    let s = elementStart;
    let e = i;
    while (s < e && buf[s] === SPACE) s++;
    while (e > s && buf[e - 1] === SPACE) e--;
    if (e > s && n < MAX_ATTEMPTS) {
      out.starts[n] = s;
      out.ends[n] = e;
      n++;
    }
    elementStart = i + 1;
  }
  out.count = n;
}

function hasSeparator(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c === COMMA || c === COLON) return true;
  }
  return false;
}

/**
 * True when an `upstream_addr` field is one address that `splitList` would leave whole: not empty, no `,`, no space
 * and no trailing `:` (the only ways it separates addresses).
 */
function isSingleAddress(buf: Uint8Array, start: number, end: number): boolean {
  if (end <= start || buf[end - 1] === COLON) return false;
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c === COMMA || c === SPACE) return false;
  }
  return true;
}

function statusAt(buf: Uint8Array, list: ListSlices, i: number): number | null {
  if (i >= list.count) return null;
  const v = readUint(buf, list.starts[i]!, list.ends[i]!);
  return v >= 0 && v <= 999 ? v : null;
}

function secondsAt(buf: Uint8Array, list: ListSlices, i: number): number | null {
  if (i >= list.count) return null;
  return readSeconds(buf, list.starts[i]!, list.ends[i]!);
}

/**
 * The fields the WebAssembly tokenizer interns or reads as numbers for `parseOtcElb` (with `display`, the ones people
 * read too).
 * `upstream_addr` is interned whole: its text is the member when the request had one attempt.
 */
export function otcInternPlan(display: boolean): InternPlan {
  return internPlan(
    F.request,
    [
      [F.lbName, TEXT_TABLE.loadBalancer],
      [F.upstreamAddr, TEXT_TABLE.member],
      [F.errorReason, TEXT_TABLE.errorReason],
      [F.msec, NUMERIC.epochMillis],
      [F.status, NUMERIC.uint],
      [F.requestLength, NUMERIC.uint],
      [F.requestTime, NUMERIC.decimal],
      [F.upstreamStatus, NUMERIC.uint],
      [F.upstreamConnect, NUMERIC.seconds],
      [F.upstreamHeader, NUMERIC.seconds],
      [F.upstreamResponse, NUMERIC.seconds],
    ],
    [
      [F.listenerName, TEXT_TABLE.listener],
      [F.userAgent, TEXT_TABLE.userAgent],
      [F.sslCipher, TEXT_TABLE.tlsCipher],
      [F.sslProtocol, TEXT_TABLE.tlsProtocol],
      [F.actionsExecuted, TEXT_TABLE.actions],
      [F.bytesSent, NUMERIC.uint],
    ],
    display,
  );
}

/** Reusable scratch state of the OTC scanner. */
export class OtcScratch {
  readonly client: AddressParts = { ip: null, port: null };
  readonly status = new ListSlices();
  readonly connect = new ListSlices();
  readonly header = new ListSlices();
  readonly response = new ListSlices();
  readonly addr = new ListSlices();
  readonly request = emptyRequestParts();
}

function memberAt(buf: Uint8Array, list: ListSlices, i: number, ctx: ParseContext): string | null {
  // An empty list (`""`) has no last element: i is -1.
  if (i < 0 || i >= list.count) return null;
  const s = list.starts[i]!;
  const e = list.ends[i]!;
  if (isDash(buf, s, e)) return null;
  return ctx.members.get(buf, s, e);
}

/**
 * Parses one OTC/Huawei ELB line whose fields are already split into `ctx.fields`.
 * Time comes from `msec` (UTC); `[time_iso8601]` is only a fallback when `msec` is unreadable,
 * and a disagreement between the two is not an error. The final upstream attempt is the last
 * element of each multi-value field; all attempts are kept when there were several.
 *
 * @returns the record, or the reason the line was rejected.
 */
export function parseOtcElb(buf: Uint8Array, ctx: ParseContext, scratch: OtcScratch): LogRecord | RejectReason {
  const fields = ctx.fields;
  const n = fields.count;
  if (n < OTC_MIN_FIELDS) return 'too-few-fields';
  const st = fields.starts;
  const en = fields.ends;
  const fl = fields.flags;

  let time = epochMillisField(buf, ctx, F.msec);
  if (Number.isNaN(time)) {
    if ((fl[F.timeIso]! & FIELD_BRACKETED) === 0) return 'bad-time';
    const micros = readIsoMicros(buf, st[F.timeIso]!, en[F.timeIso]!);
    if (Number.isNaN(micros)) return 'bad-time';
    time = Math.floor(micros / 1000);
  }

  let status: number | null = null;
  const ss = st[F.status]!;
  const se = en[F.status]!;
  if (!isDash(buf, ss, se)) {
    status = uintField(buf, ctx, F.status);
    if (status < 0 || status > 999) return 'bad-status';
  }

  const client = scratch.client;
  if (ctx.display) splitAddress(buf, st[F.client]!, en[F.client]!, ctx, client);
  else client.ip = client.port = null;
  const req = scratch.request;
  readRequestLine(buf, ctx, F.request, req);

  // Upstream attempts.
  const usS = st[F.upstreamStatus]!;
  const usE = en[F.upstreamStatus]!;
  const addrS = st[F.upstreamAddr]!;
  const addrE = en[F.upstreamAddr]!;
  let backendStatus: number | null;
  let connectTime: number | null;
  let headerTime: number | null;
  let responseTime: number | null;
  let member: string | null;
  let attempts: BackendAttempt[] | null = null;
  if (!hasSeparator(buf, usS, usE) && !hasSeparator(buf, st[F.upstreamHeader]!, en[F.upstreamHeader]!)) {
    // One attempt (or none): the common case, no list machinery.
    const v = uintField(buf, ctx, F.upstreamStatus);
    backendStatus = v >= 0 && v <= 999 ? v : null;
    connectTime = secondsField(buf, ctx, F.upstreamConnect);
    headerTime = secondsField(buf, ctx, F.upstreamHeader);
    responseTime = secondsField(buf, ctx, F.upstreamResponse);
    if (isSingleAddress(buf, addrS, addrE)) {
      // One address, the whole field (the usual case): the field's interned text is the member.
      member = isDash(buf, addrS, addrE) ? null : fieldText(buf, ctx, F.upstreamAddr, ctx.members);
    } else {
      const addr = scratch.addr;
      splitList(buf, addrS, addrE, true, addr);
      member = memberAt(buf, addr, addr.count - 1, ctx);
    }
  } else {
    splitList(buf, usS, usE, false, scratch.status);
    splitList(buf, st[F.upstreamConnect]!, en[F.upstreamConnect]!, false, scratch.connect);
    splitList(buf, st[F.upstreamHeader]!, en[F.upstreamHeader]!, false, scratch.header);
    splitList(buf, st[F.upstreamResponse]!, en[F.upstreamResponse]!, false, scratch.response);
    splitList(buf, addrS, addrE, true, scratch.addr);
    let count = scratch.status.count;
    if (scratch.addr.count > count) count = scratch.addr.count;
    if (scratch.header.count > count) count = scratch.header.count;
    if (scratch.connect.count > count) count = scratch.connect.count;
    if (scratch.response.count > count) count = scratch.response.count;
    const list: BackendAttempt[] = [];
    for (let i = 0; i < count; i++) {
      list.push({
        member: memberAt(buf, scratch.addr, i, ctx),
        status: statusAt(buf, scratch.status, i),
        connectTime: secondsAt(buf, scratch.connect, i),
        headerTime: secondsAt(buf, scratch.header, i),
        responseTime: secondsAt(buf, scratch.response, i),
      });
    }
    const last = list[count - 1];
    backendStatus = last?.status ?? null;
    connectTime = last?.connectTime ?? null;
    headerTime = last?.headerTime ?? null;
    responseTime = last?.responseTime ?? null;
    member = last?.member ?? null;
    if (count > 1) attempts = list;
  }

  // The LB generated the status when the final attempt has no status or no response header
  // (nginx writes its own 502/504 into upstream_status after a failed connect or timeout).
  let generatedBy: LogRecord['generatedBy'] = null;
  if (status !== null) {
    generatedBy = backendStatus !== null && headerTime !== null && backendStatus === status ? 'backend' : 'lb';
  }

  let frontendPort: number | null = null;
  if (n > F.eip) {
    frontendPort = portOf(buf, st[F.eip]!, en[F.eip]!);
  }
  const requestTime = decimalField(buf, ctx, F.requestTime);

  const record: LogRecord = {
    format: 'otc-elb',
    time,
    loadBalancer: fieldText(buf, ctx, F.lbName, ctx.loadBalancers),
    listener: ctx.display && n > F.listenerName ? optionalField(buf, ctx, F.listenerName, ctx.listeners) : null,
    frontendPort,
    client: client.ip,
    clientPort: client.port,
    status,
    backendStatus,
    generatedBy,
    member,
    attempts,
    backendConnected: connectTime !== null,
    requestTime: requestTime >= 0 ? requestTime : null,
    connectTime,
    headerTime,
    responseTime,
    method: req.method,
    scheme: req.scheme,
    host: req.host,
    path: req.path,
    pathGroup: req.pathGroup,
    uriLength: req.uriLength,
    protocol: req.protocol,
    requestLineMalformed: req.malformed,
    requestBytes: countField(buf, ctx, F.requestLength),
    responseBytes: ctx.display ? countField(buf, ctx, F.bytesSent) : null,
    userAgent: ctx.display ? optionalField(buf, ctx, F.userAgent, ctx.agents, fl[F.userAgent]! & FIELD_ESCAPED) : null,
    tlsProtocol: ctx.display && n > F.sslProtocol ? optionalField(buf, ctx, F.sslProtocol, ctx.tlsProtocols) : null,
    tlsCipher: ctx.display && n > F.sslCipher ? optionalField(buf, ctx, F.sslCipher, ctx.tlsCiphers) : null,
    errorReason: n > F.errorReason ? optionalField(buf, ctx, F.errorReason, ctx.errorReasons) : null,
    classification: null,
    actionsExecuted:
      ctx.display && n > F.actionsExecuted ? optionalField(buf, ctx, F.actionsExecuted, ctx.actions) : null,
  };
  return record;
}
