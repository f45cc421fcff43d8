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

/** Field positions (0-based) of the AWS Classic Load Balancer access-log line (15 fields). */
const F = {
  time: 0,
  elb: 1,
  client: 2,
  backend: 3,
  requestProcessing: 4,
  backendProcessing: 5,
  responseProcessing: 6,
  elbStatus: 7,
  backendStatus: 8,
  receivedBytes: 9,
  sentBytes: 10,
  request: 11,
  userAgent: 12,
  sslCipher: 13,
  sslProtocol: 14,
} as const;

/** Up to the request line; user agent and TLS fields may be missing. */
export const CLB_MIN_FIELDS = 12;
export const CLB_MAX_FIELDS = 15;

/**
 * The fields the WebAssembly tokenizer interns or reads as numbers for `parseClb` (with `display`, the ones people
 * read too).
 */
export function clbInternPlan(display: boolean): InternPlan {
  return internPlan(
    F.request,
    [
      [F.elb, TEXT_TABLE.loadBalancer],
      [F.backend, TEXT_TABLE.member],
      [F.time, NUMERIC.isoMicros],
      [F.requestProcessing, NUMERIC.seconds],
      [F.backendProcessing, NUMERIC.seconds],
      [F.responseProcessing, NUMERIC.seconds],
      [F.elbStatus, NUMERIC.uint],
      [F.backendStatus, NUMERIC.uint],
      [F.receivedBytes, NUMERIC.uint],
    ],
    [
      [F.userAgent, TEXT_TABLE.userAgent],
      [F.sslCipher, TEXT_TABLE.tlsCipher],
      [F.sslProtocol, TEXT_TABLE.tlsProtocol],
      [F.sentBytes, NUMERIC.uint],
    ],
    display,
  );
}

/** Reusable scratch state of the CLB scanner. */
export class ClbScratch {
  readonly client: AddressParts = { ip: null, port: null };
  readonly request: RequestParts = emptyRequestParts();
}

/**
 * Parses one AWS Classic Load Balancer line whose fields are already split into `ctx.fields`.
 * `time` is when the request was received. TCP-listener lines (`-` statuses, `"- - - "`
 * request) are records with a null status, not rejects.
 *
 * @returns the record, or the reason the line was rejected.
 */
export function parseClb(buf: Uint8Array, ctx: ParseContext, scratch: ClbScratch): LogRecord | RejectReason {
  const fields = ctx.fields;
  const n = fields.count;
  if (n < CLB_MIN_FIELDS) return 'too-few-fields';
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
  const bs = uintField(buf, ctx, F.backendStatus);
  const backendStatus = bs >= 0 && bs <= 999 ? bs : null;
  const requestProcessing = secondsField(buf, ctx, F.requestProcessing);
  const headerTime = secondsField(buf, ctx, F.backendProcessing);
  const responseProcessing = secondsField(buf, ctx, F.responseProcessing);

  const client = scratch.client;
  if (ctx.display) splitAddress(buf, st[F.client]!, en[F.client]!, ctx, client);
  else client.ip = client.port = null;
  const ms = st[F.backend]!;
  const me = en[F.backend]!;
  const member = isDash(buf, ms, me) ? null : fieldText(buf, ctx, F.backend, ctx.members);
  const req = scratch.request;
  readRequestLine(buf, ctx, F.request, req);

  const record: LogRecord = {
    format: 'clb',
    time: Math.floor(micros / 1000),
    loadBalancer: fieldText(buf, ctx, F.elb, ctx.loadBalancers),
    listener: null,
    frontendPort: req.port,
    client: client.ip,
    clientPort: client.port,
    status,
    backendStatus,
    generatedBy: status === null ? null : backendStatus !== null && backendStatus === status ? 'backend' : 'lb',
    member,
    attempts: null,
    backendConnected: backendStatus !== null ? true : headerTime === null ? false : null,
    // Sum of the three phases; unknown when any of them is `-1`.
    requestTime:
      requestProcessing !== null && headerTime !== null && responseProcessing !== null
        ? Math.round((requestProcessing + headerTime + responseProcessing) * 1e6) / 1e6
        : null,
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
    errorReason: null,
    classification: null,
    actionsExecuted: null,
  };
  return record;
}
