/**
 * Writes a modelled request as one access-log line in the OTC/Huawei ELB, AWS ALB or AWS Classic LB format,
 * field by field as the formats reference describes them.
 */
import type { LoadBalancerSpec, NodeSpec, RequestEvent } from './model.js';
import type { Rng } from './prng.js';

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function seconds3(x: number): string {
  return x.toFixed(3);
}

/** `1781586000.123` from epoch ms. */
function msec(ms: number): string {
  return `${Math.floor(ms / 1000)}.${pad(ms % 1000, 3)}`;
}

/** `[2026-06-16T07:00:00+02:00]`: the node's local time, whole seconds. */
function localIso(ms: number, offsetMinutes: number): string {
  const local = new Date(Math.floor(ms / 1000) * 1000 + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
}

/** `2026-06-16T05:00:00.123456Z`. */
function isoMicros(ms: number, micros: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}${pad(micros, 3)}Z`;
}

function list<T>(values: readonly T[], show: (v: T) => string): string {
  return values.length === 0 ? '-' : values.map(show).join(', ');
}

const orDash = (x: number | null): string => (x === null ? '-' : seconds3(x));

/** One OTC/Huawei ELB line (33 or 37 fields, per the node). */
export function formatOtcLine(e: RequestEvent, lb: LoadBalancerSpec, node: NodeSpec): string {
  const scheme = e.listener.scheme;
  const https = scheme === 'https';
  const pool = e.pool ?? lb.pools[0]!;
  const a = e.attempts;
  const members = list(a, (x) => x.member ?? '-');
  let line =
    `${msec(e.endMs)} ${lb.logStreamId} [${localIso(e.endMs, node.utcOffsetMinutes)}] elb_01 ${e.client}:${e.clientPort} ${e.status} ` +
    `"${e.method} ${scheme}://${e.host}${e.uri} ${e.protocol}" ${e.requestBytes} ${e.responseBytes} ${e.bodyBytes} ${seconds3(e.requestTime)} ` +
    `"${list(a, (x) => (x.status === null ? '-' : String(x.status)))}" "${list(a, (x) => orDash(x.connect))}" ` +
    `"${list(a, (x) => orDash(x.header))}" "${list(a, (x) => orDash(x.response))}" "${members}" ` +
    `"${e.userAgent}" "${e.referer}" "-" ${lb.name} ${e.listener.name} ${e.listener.id} ${pool.name} "-" ${lb.tenantId} ` +
    `${lb.eip}:${e.listener.port} "${members}" - ${https ? e.tlsProtocol : '-'} ${https ? e.tlsCipher : '-'} ${https ? e.host : '-'} ${e.rttMicros} -`;
  if ((node.otcFieldCount ?? 37) === 37) line += ` ${e.requestHeaderBytes} - - "${pool.displayName}"`;
  return line;
}

/** How many fields an ALB line gets: AWS rolls new trailing fields out gradually, so files mix 29, 30 and 33. */
export function albFieldCount(rng: Rng): 29 | 30 | 33 {
  const x = rng.next();
  return x < 0.06 ? 29 : x < 0.3 ? 30 : 33;
}

/** One AWS ALB line with 29, 30 or 33 fields. `rng` supplies the trace and connection ids. */
export function formatAlbLine(e: RequestEvent, lb: LoadBalancerSpec, fields: 29 | 30 | 33, rng: Rng): string {
  const https = e.listener.scheme === 'https';
  const a = e.attempts[e.attempts.length - 1];
  const connected = a !== undefined && a.connect !== null;
  const answered = connected && a.header !== null && a.status !== null;
  const target = a?.member ?? '-';
  const targetStatus = answered ? String(a.status) : '-';
  const type = https ? (e.protocol === 'HTTP/2.0' ? 'h2' : 'https') : 'http';
  const requestProcessing = connected ? (a.connect! < 0.001 ? '0.000' : '0.001') : '-1';
  const targetProcessing = connected && a.header !== null ? seconds3(a.header) : '-1';
  const responseProcessing = answered ? '0.000' : '-1';
  const trace = `Root=1-${Math.floor(e.startMs / 1000).toString(16)}-${rng.hex(24)}`;
  const cert = https
    ? rng.chance(0.25)
      ? 'session-reused'
      : `arn:aws:acm:eu-central-1:123456789012:certificate/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b`
    : '-';
  let line =
    `${type} ${isoMicros(e.endMs, e.endMicros)} ${lb.name} ${e.client}:${e.clientPort} ${target} ` +
    `${requestProcessing} ${targetProcessing} ${responseProcessing} ${e.status} ${targetStatus} ${e.requestBytes} ${e.responseBytes} ` +
    `"${e.method} ${e.listener.scheme}://${e.host}:${e.listener.port}${e.uri} ${e.protocol}" "${e.userAgent}" ` +
    `${https ? e.tlsCipher : '-'} ${https ? e.tlsProtocol : '-'} ${e.pool?.arn ?? '-'} "${trace}" "${https ? e.host : '-'}" "${cert}" ` +
    `${e.rulePriority} ${isoMicros(e.startMs, 0)} "${e.actions}" "${e.redirectUrl ?? '-'}" "${e.errorReason ?? '-'}" ` +
    `"${target}" "${targetStatus}" "-" "-"`;
  if (fields >= 30) line += ` TID_${rng.hex(32)}`;
  if (fields >= 33) line += ' "-" "-" "-"';
  return line;
}

const CLB_CIPHER: Record<string, string> = {
  TLS_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
};

function seconds6(x: number): string {
  return x.toFixed(6);
}

/** One AWS Classic LB line (15 fields); TCP-listener connections have `-` statuses and `"- - - "`. */
export function formatClbLine(e: RequestEvent, lb: LoadBalancerSpec, rng: Rng): string {
  const a = e.attempts[e.attempts.length - 1];
  const time = isoMicros(e.startMs, e.endMicros);
  if (e.tcp) {
    // The TCP listener forwards to the same port on the instances.
    const backend = a?.member ? `${a.member.slice(0, a.member.lastIndexOf(':'))}:${e.listener.port}` : '-';
    return (
      `${time} ${lb.name} ${e.client}:${e.clientPort} ${backend} ${seconds6(rng.uniform(0.0004, 0.0012))} ` +
      `${seconds6(rng.uniform(0.00001, 0.00005))} ${seconds6(rng.uniform(0.00002, 0.00006))} - - ${e.requestBytes} ${e.responseBytes} "- - - " "-" - -`
    );
  }
  const https = e.listener.scheme === 'https';
  const connected = a !== undefined && a.connect !== null;
  const answered = connected && a.header !== null && a.status !== null;
  // CLB listeners negotiate TLS 1.2 at most: map the client's TLS 1.3 preference down.
  const protocol = https ? 'TLSv1.2' : '-';
  const cipher = https ? (CLB_CIPHER[e.tlsCipher ?? ''] ?? e.tlsCipher ?? '-') : '-';
  const requestBody = Math.max(0, e.requestBytes - e.requestHeaderBytes);
  return (
    `${time} ${lb.name} ${e.client}:${e.clientPort} ${answered ? a.member : '-'} ` +
    `${connected ? seconds6(rng.uniform(0.00003, 0.00009)) : '-1'} ${answered ? seconds6(a.header! + rng.uniform(0, 0.000999)) : '-1'} ` +
    `${answered ? seconds6(rng.uniform(0.00002, 0.00007)) : '-1'} ${e.status} ${answered ? a.status : '-'} ` +
    `${requestBody} ${e.bodyBytes} "${e.method} ${e.listener.scheme}://${e.host}:${e.listener.port}${e.uri} ${e.protocol}" ` +
    `"${e.userAgent}" ${cipher} ${protocol}`
  );
}
