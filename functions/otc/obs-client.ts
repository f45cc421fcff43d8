/**
 * OBS through its S3-compatible API, with the temporary credentials FunctionGraph hands each
 * invocation (the function's agency). Credentials never come from configuration; they rotate, so a
 * client is kept per credential set, not per cold start.
 */
import { createHash } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { LbwatchError } from '../../lib/errors.js';

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * What lbwatch reads of the FunctionGraph Node.js context. `getSecurityAccessKey`,
 * `getSecuritySecretKey` and `getSecurityToken` return the agency's temporary credentials (valid 24 h,
 * the same values for 10 minutes); `getAccessKey`/`getSecretKey` are the older pair FunctionGraph no
 * longer maintains, read only when the newer methods are absent.
 */
export interface FunctionGraphContext {
  getSecurityAccessKey?(): string;
  getSecuritySecretKey?(): string;
  getSecurityToken?(): string;
  getAccessKey?(): string;
  getSecretKey?(): string;
  getRequestID?(): string;
}

function call(context: unknown, method: string): string | null {
  if (typeof context !== 'object' || context === null) return null;
  const fn = (context as Record<string, unknown>)[method];
  if (typeof fn !== 'function') return null;
  const value: unknown = fn.call(context);
  return typeof value === 'string' && value !== '' ? value : null;
}

/** The invocation's temporary credentials; CONFIG_INVALID when the function has no agency. */
export function contextCredentials(context: unknown): TemporaryCredentials {
  const securityKey = call(context, 'getSecurityAccessKey');
  const accessKeyId = securityKey ?? call(context, 'getAccessKey');
  const secretAccessKey = securityKey !== null ? call(context, 'getSecuritySecretKey') : call(context, 'getSecretKey');
  if (accessKeyId === null || secretAccessKey === null) {
    throw new LbwatchError(
      'CONFIG_INVALID',
      'the FunctionGraph context carries no temporary credentials: give the function an agency with OBS access',
    );
  }
  const sessionToken = call(context, 'getSecurityToken');
  return sessionToken === null ? { accessKeyId, secretAccessKey } : { accessKeyId, secretAccessKey, sessionToken };
}

export interface ObsSettings {
  /** The OBS endpoint, e.g. `https://obs.eu-de.otc.t-systems.com`. */
  endpoint: string;
  region: string;
  forcePathStyle: boolean;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Endpoint and region for OBS from the function environment: AWS_ENDPOINT_URL_S3 (required) and
 * AWS_REGION (or the region in the endpoint's host name, `obs.<region>.…`). Throws CONFIG_INVALID
 * naming the variable.
 */
export function obsSettings(env: Env, forcePathStyle: boolean): ObsSettings {
  const endpoint = env.AWS_ENDPOINT_URL_S3?.trim() ?? '';
  let url: URL;
  try {
    url = new URL(endpoint);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http(s)');
  } catch {
    throw new LbwatchError(
      'CONFIG_INVALID',
      'AWS_ENDPOINT_URL_S3 must be the OBS endpoint URL, e.g. https://obs.eu-de.otc.t-systems.com',
    );
  }
  const region = env.AWS_REGION?.trim() || /^obs\.([a-z0-9-]+)\./.exec(url.hostname)?.[1];
  if (region === undefined || region === '') {
    throw new LbwatchError('CONFIG_INVALID', 'AWS_REGION is required when AWS_ENDPOINT_URL_S3 names no region');
  }
  return { endpoint, region, forcePathStyle };
}

/** How many clients are kept (credential sets overlap for a while when they rotate). */
const MAX_CLIENTS = 4;

/**
 * Returns a function giving the S3 client for an invocation's context, created once per
 * credential set (most recent kept, at most {@link MAX_CLIENTS}).
 */
export function obsClients(
  settings: ObsSettings,
  create: (credentials: TemporaryCredentials) => S3Client = (credentials) =>
    new S3Client({
      endpoint: settings.endpoint,
      region: settings.region,
      forcePathStyle: settings.forcePathStyle,
      credentials,
      // OBS's S3 API predates the SDK's default CRC checksums: send and check them only when required.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
): (context: unknown) => S3Client {
  const clients = new Map<string, S3Client>();
  return (context) => {
    const credentials = contextCredentials(context);
    const id = createHash('sha256')
      .update(`${credentials.accessKeyId}\n${credentials.secretAccessKey}\n${credentials.sessionToken ?? ''}`)
      .digest('hex');
    const known = clients.get(id);
    if (known !== undefined) return known;
    const client = create(credentials);
    clients.set(id, client);
    if (clients.size > MAX_CLIENTS) {
      const oldest = clients.keys().next().value;
      if (oldest !== undefined) clients.delete(oldest);
    }
    return client;
  };
}
