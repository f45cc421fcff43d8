import { FIELD_ESCAPED, isDash } from './bytes.js';
import {
  countField,
  fieldText,
  internPlan,
  isoMicrosField,
  NUMERIC,
  optionalField,
  type ParseContext,
  secondsField,
  TEXT_TABLE,
  uintField,
} from './context.js';
import type { RejectReason } from './reasons.js';
import type { LogRecord } from './record.js';
import {
  type AddressParts,
  emptyRequestParts,
  type RequestParts,
  readRequestLine,
  splitAddress,
} from './request-line.js';
import type { InternPlan } from './wasm-tokenizer.js';

/** Field positions (0-based) of the AWS ALB access-log line (29 documented fields, more appended since). */
const F = {
  time: 1,
  elb: 2,
  client: 3,
  target: 4,
  requestProcessing: 5,
  targetProcessing: 6,
  responseProcessing: 7,
  elbStatus: 8,
  targetStatus: 9,
  receivedBytes: 10,
  sentBytes: 11,
  request: 12,
  userAgent: 13,
  sslCipher: 14,
  sslProtocol: 15,
  requestCreationTime: 21,
  actionsExecuted: 22,
  errorReason: 24,
  classification: 27,
} as const;

/** `type` to `request` are required; AWS has added fields over the years, so later ones may be missing. */
export const ALB_MIN_FIELDS = 13;
/** The last field lbwatch reads: `conn_trace_id`, the 2025 transform fields and anything newer are ignored. */
export const ALB_MAX_FIELDS = 28;

/**
 * The fields the WebAssembly tokenizer interns or reads as numbers for `parseAlb` (with `display`, the ones people
 * read too).
 */
export function albInternPlan(display: boolean): InternPlan {
  return internPlan(
    F.request,
    [
      [F.elb, TEXT_TABLE.loadBalancer],
      [F.target, TEXT_TABLE.member],
      [F.errorReason, TEXT_TABLE.errorReason],
      [F.classification, TEXT_TABLE.classification],
      [F.time, NUMERIC.isoMicros],
      [F.elbStatus, NUMERIC.uint],
      [F.targetStatus, NUMERIC.uint],
      [F.targetProcessing, NUMERIC.seconds],
      [F.requestCreationTime, NUMERIC.isoMicros],
      [F.receivedBytes, NUMERIC.uint],
    ],
    [
      [F.userAgent, TEXT_TABLE.userAgent],
      [F.sslCipher, TEXT_TABLE.tlsCipher],
      [F.sslProtocol, TEXT_TABLE.tlsProtocol],
      [F.actionsExecuted, TEXT_TABLE.actions],
      [F.sentBytes, NUMERIC.uint],
    ],
    display,
  );
}

/** Reusable scratch state of the ALB scanner. */
export class AlbScratch {
  readonly client: AddressParts = { ip: null, port: null };
  readonly request: RequestParts = emptyRequestParts();
}

/**
 * Parses one AWS ALB line whose fields are already split into `ctx.fields`. `time` is when the
 * response was sent, truncated (never rounded) to milliseconds; `requestTime` is
 * `time - request_creation_time` in seconds, exact to the microsecond.
 *
 * @returns the record, or the reason the line was rejected.
 */
export function parseAlb(buf: Uint8Array, ctx: ParseContext, scratch: AlbScratch): LogRecord | RejectReason {
  const fields = ctx.fields;
  const n = fields.count;
  if (n < ALB_MIN_FIELDS) return 'too-few-fields';
  const st = fields.starts;
  const en = fields.ends;
  const fl = fields.flags;

  const micros = isoMicrosField(buf, ctx, F.time);
  if (Number.isNaN(micros)) return 'bad-time';

  let status: number | null = null;
  const ss = st[F.elbStatus]!;
  const se = en[F.elbStatus]!;
  if (!isDash(buf, ss, se)) {
    status = uintField(buf, ctx, F.elbStatus);
    if (status < 0 || status > 999) return 'bad-status';
  }
  const ts = uintField(buf, ctx, F.targetStatus);
  const backendStatus = ts >= 0 && ts <= 999 ? ts : null;
  const headerTime = secondsField(buf, ctx, F.targetProcessing);

  let requestTime: number | null = null;
  if (n > F.requestCreationTime) {
    const created = isoMicrosField(buf, ctx, F.requestCreationTime);
    if (!Number.isNaN(created) && created <= micros) requestTime = (micros - created) / 1e6;
  }

  const client = scratch.client;
  if (ctx.display) splitAddress(buf, st[F.client]!, en[F.client]!, ctx, client);
  else client.ip = client.port = null;
  const ms = st[F.target]!;
  const me = en[F.target]!;
  const member = isDash(buf, ms, me) ? null : fieldText(buf, ctx, F.target, ctx.members);
  const req = scratch.request;
  readRequestLine(buf, ctx, F.request, req);

  const record: LogRecord = {
    format: 'alb',
    time: Math.floor(micros / 1000),
    loadBalancer: fieldText(buf, ctx, F.elb, ctx.loadBalancers),
    listener: null,
    frontendPort: req.port,
    client: client.ip,
    clientPort: client.port,
    status,
    backendStatus,
    // `-` target status: the ALB answered itself (no connection, no response, Lambda, WAF).
    generatedBy: status === null ? null : backendStatus !== null && backendStatus === status ? 'backend' : 'lb',
    member,
    attempts: null,
    // A target status proves a connection; `-1` timings mean the ALB could not dispatch.
    backendConnected: backendStatus !== null ? true : headerTime === null ? false : null,
    requestTime,
    connectTime: null,
    headerTime,
    responseTime: null,
    method: req.method,
    scheme: req.scheme,
    host: req.host,
    path: req.path,
    pathGroup: req.pathGroup,
    uriLength: req.uriLength,
    protocol: req.protocol,
    requestLineMalformed: req.malformed,
    requestBytes: countField(buf, ctx, F.receivedBytes),
    responseBytes: ctx.display ? countField(buf, ctx, F.sentBytes) : null,
    userAgent:
      ctx.display && n > F.userAgent
        ? optionalField(buf, ctx, F.userAgent, ctx.agents, fl[F.userAgent]! & FIELD_ESCAPED)
        : null,
    tlsProtocol: ctx.display && n > F.sslProtocol ? optionalField(buf, ctx, F.sslProtocol, ctx.tlsProtocols) : null,
    tlsCipher: ctx.display && n > F.sslCipher ? optionalField(buf, ctx, F.sslCipher, ctx.tlsCiphers) : null,
    errorReason: n > F.errorReason ? optionalField(buf, ctx, F.errorReason, ctx.errorReasons) : null,
    classification: n > F.classification ? optionalField(buf, ctx, F.classification, ctx.classifications) : null,
    actionsExecuted:
      ctx.display && n > F.actionsExecuted ? optionalField(buf, ctx, F.actionsExecuted, ctx.actions) : null,
  };
  return record;
}
