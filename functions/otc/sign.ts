/**
 * AK/SK request signing of OTC / Huawei Cloud APIs (`SDK-HMAC-SHA256`), as the API Request Signing
 * Guide describes it:
 *
 *   CanonicalRequest = Method \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n hex(sha256(body))
 *   StringToSign     = "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex(sha256(CanonicalRequest))
 *   Authorization    = "SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<h1;h2>, Signature=hex(hmac(SK, StringToSign))"
 *
 * The canonical URI is the path with each segment percent-encoded and a trailing `/`; headers are
 * lower-cased and sorted. Temporary credentials (a FunctionGraph agency) add `X-Security-Token`,
 * which is signed like the others.
 */
import { createHash, createHmac } from 'node:crypto';

export const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';

export interface SigningKey {
  accessKey: string;
  secretKey: string;
  /** Set with temporary credentials. */
  securityToken?: string;
}

/** Percent-encodes everything but the unreserved characters `A-Z a-z 0-9 - _ . ~`. */
function percentEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

function sha256Hex(data: string): string {
  return createHash('sha256').update(data, 'utf8').digest('hex');
}

/** `20191115T033655Z` */
export function sdkDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

export function canonicalUri(pathname: string): string {
  const path = pathname
    .split('/')
    .map((segment) => percentEncode(decodeURIComponent(segment)))
    .join('/');
  return path.endsWith('/') ? path : `${path}/`;
}

export function canonicalQuery(search: URLSearchParams): string {
  return [...search.entries()]
    .map(([key, value]) => [percentEncode(key), percentEncode(value)] as const)
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

export interface SignInput {
  method: string;
  url: string;
  /** Headers to send and sign (the `Host` header is taken from the URL). */
  headers: Readonly<Record<string, string>>;
  body: string;
  key: SigningKey;
  now: Date;
}

/** The canonical request, for tests against the documented example. */
export function canonicalRequest(method: string, url: URL, headers: Record<string, string>, body: string): string {
  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((name) => `${name}:${(headers[name] ?? '').trim()}\n`).join('');
  return [
    method.toUpperCase(),
    canonicalUri(url.pathname),
    canonicalQuery(url.searchParams),
    canonicalHeaders,
    names.join(';'),
    sha256Hex(body),
  ].join('\n');
}

/**
 * Returns the headers to send: the given ones plus `X-Sdk-Date`, `X-Security-Token` (temporary
 * credentials) and `Authorization`.
 */
export function signRequest(input: SignInput): Record<string, string> {
  const url = new URL(input.url);
  const date = sdkDate(input.now);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers)) headers[name.toLowerCase()] = value;
  headers.host = url.host;
  headers['x-sdk-date'] = date;
  if (input.key.securityToken !== undefined) headers['x-security-token'] = input.key.securityToken;
  const request = canonicalRequest(input.method, url, headers, input.body);
  const stringToSign = `${SIGNING_ALGORITHM}\n${date}\n${sha256Hex(request)}`;
  const signature = createHmac('sha256', input.key.secretKey).update(stringToSign, 'utf8').digest('hex');
  const signed = Object.keys(headers).sort().join(';');
  // fetch sets Host itself, from the same URL.
  const { host: _host, ...send } = headers;
  return {
    ...send,
    authorization: `${SIGNING_ALGORITHM} Access=${input.key.accessKey}, SignedHeaders=${signed}, Signature=${signature}`,
  };
}
