/**
 * A request-counting proxy on loopback in front of a local S3 server (s3rver). It forwards every request unchanged
 * (the signature stays valid: the Host header is passed through) and counts them by operation and key prefix, with
 * the bytes read and written. It also honours the conditional writes s3rver ignores, `If-None-Match: *` and
 * `If-Match: "<etag>"` on PUT: the current object is looked up (a HEAD to the server) and the PUT forwarded while an
 * in-process lock on the key is held, so two conditional writers of one key are decided one after the other, and a
 * failed condition is answered as S3 does (412 PreconditionFailed; 404 NoSuchKey for `If-Match` on a missing key).
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type S3Operation = 'GET' | 'PUT' | 'LIST' | 'HEAD' | 'DELETE' | 'OTHER';

export const S3_OPERATIONS: readonly S3Operation[] = ['GET', 'PUT', 'LIST', 'HEAD', 'DELETE', 'OTHER'];

export interface RequestTally {
  requests: Record<S3Operation, number>;
  /** Response body bytes of GETs (objects read). */
  bytesRead: number;
  /** Request body bytes of PUTs (objects written). */
  bytesWritten: number;
  /** Conditional PUTs answered 412 (or 404 for `If-Match` on a missing key) by the proxy. */
  conditionFailed: number;
}

export interface RequestCounts extends RequestTally {
  /** The same tallies per key prefix (see {@link CountingProxyOptions.prefixOf}). */
  byPrefix: Record<string, RequestTally>;
}

export interface CountingProxyOptions {
  /** The S3 server's origin, e.g. `http://127.0.0.1:4568`. */
  target: string;
  /**
   * Groups a request for counting. Default: the bucket and the first two segments of the key
   * (`state-bucket/lbwatch/windows/`); a bucket-level request (a listing) groups under its `prefix` parameter.
   */
  prefixOf?: (bucket: string, key: string) => string;
  /** Largest request body accepted (bytes); larger requests are answered 413. Default 64 MiB. */
  maxBodyBytes?: number;
  /** Upper bound on one forwarded request (ms). Default 30 s. */
  timeoutMs?: number;
}

export interface CountingProxy {
  endpoint: string;
  counts(): RequestCounts;
  reset(): void;
  stop(): Promise<void>;
}

function emptyTally(): RequestTally {
  return {
    requests: { GET: 0, PUT: 0, LIST: 0, HEAD: 0, DELETE: 0, OTHER: 0 },
    bytesRead: 0,
    bytesWritten: 0,
    conditionFailed: 0,
  };
}

function defaultPrefixOf(bucket: string, key: string): string {
  const segments = key.split('/');
  const head = segments.length > 2 ? `${segments.slice(0, 2).join('/')}/` : key;
  return `${bucket}/${head}`;
}

/** Path-style request line -> bucket, key (decoded) and the S3 operation. */
export function classifyRequest(
  method: string,
  url: string,
): { bucket: string; key: string; operation: S3Operation; listPrefix: string | null } {
  const parsed = new URL(url, 'http://proxy.invalid');
  const path = parsed.pathname.replace(/^\//, '');
  const slash = path.indexOf('/');
  const bucket = decodeURIComponent(slash < 0 ? path : path.slice(0, slash));
  const key = slash < 0 ? '' : decodeURIComponent(path.slice(slash + 1));
  let operation: S3Operation = 'OTHER';
  if (method === 'GET') operation = key === '' ? 'LIST' : 'GET';
  else if (method === 'PUT' && key !== '') operation = 'PUT';
  else if (method === 'HEAD') operation = 'HEAD';
  else if (method === 'DELETE') operation = 'DELETE';
  return {
    bucket,
    key,
    operation,
    listPrefix: operation === 'LIST' ? (parsed.searchParams.get('prefix') ?? '') : null,
  };
}

/** `"abc"`, `W/"abc"` and `abc` name the same version. */
function bareEtag(etag: string): string {
  return etag
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
}

function errorXml(code: string, message: string, extra: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>${message}</Message>${extra}<RequestId>lbwatch-proxy</RequestId></Error>`
  );
}

/** Serialises work per key: each call waits for the previous holder of the same key. */
function keyedLock(): <T>(key: string, work: () => Promise<T>) => Promise<T> {
  const tails = new Map<string, Promise<void>>();
  return async <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const previous = tails.get(key) ?? Promise.resolve();
    let release: () => void = () => {};
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}

interface Forwarded {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function forward(
  target: URL,
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
  body: Buffer | null,
  timeoutMs: number,
): Promise<Forwarded> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: target.hostname, port: target.port, method, path, headers, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`S3 server did not answer ${method} ${path} within ${timeoutMs} ms`)),
    );
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

/** Starts the proxy on 127.0.0.1 (a free port). */
export async function startCountingProxy(options: CountingProxyOptions): Promise<CountingProxy> {
  const target = new URL(options.target);
  const prefixOf = options.prefixOf ?? defaultPrefixOf;
  const maxBody = options.maxBodyBytes ?? 64 * 1024 * 1024;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const withKeyLock = keyedLock();
  let total = emptyTally();
  let byPrefix = new Map<string, RequestTally>();

  function tallies(group: string): RequestTally[] {
    let tally = byPrefix.get(group);
    if (tally === undefined) {
      tally = emptyTally();
      byPrefix.set(group, tally);
    }
    return [total, tally];
  }

  /** The decision for a conditional PUT, or null to forward it. */
  async function failedCondition(
    headers: IncomingHttpHeaders,
    path: string,
  ): Promise<{ status: number; body: string } | null> {
    const ifNoneMatch = headers['if-none-match'];
    const ifMatch = headers['if-match'];
    // The lookup is the proxy's own, unsigned: s3rver accepts anonymous requests.
    const objectPath = new URL(path, 'http://proxy.invalid').pathname;
    const current = await forward(target, 'HEAD', objectPath, { host: headers.host ?? target.host }, null, timeoutMs);
    const exists = current.status === 200;
    if (current.status !== 200 && current.status !== 404) {
      return { status: 503, body: errorXml('ServiceUnavailable', `condition lookup answered ${current.status}`, '') };
    }
    if (ifNoneMatch !== undefined && ifNoneMatch.trim() === '*' && exists) {
      return {
        status: 412,
        body: errorXml(
          'PreconditionFailed',
          'At least one of the pre-conditions you specified did not hold',
          '<Condition>If-None-Match</Condition>',
        ),
      };
    }
    if (ifMatch !== undefined) {
      if (!exists) return { status: 404, body: errorXml('NoSuchKey', 'The specified key does not exist.', '') };
      const etag = String(current.headers.etag ?? '');
      const wanted = ifMatch.split(',').map(bareEtag);
      if (!wanted.includes(bareEtag(etag)) && !wanted.includes('*')) {
        return {
          status: 412,
          body: errorXml(
            'PreconditionFailed',
            'At least one of the pre-conditions you specified did not hold',
            '<Condition>If-Match</Condition>',
          ),
        };
      }
    }
    return null;
  }

  const server: Server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBody) refused = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) {
        res.writeHead(413, { 'content-type': 'application/xml' });
        res.end(errorXml('EntityTooLarge', 'request body over the proxy limit', ''));
        return;
      }
      const body = Buffer.concat(chunks);
      const request = classifyRequest(method, url);
      const counted = tallies(
        request.listPrefix !== null ? `${request.bucket}/${request.listPrefix}` : prefixOf(request.bucket, request.key),
      );
      for (const t of counted) {
        t.requests[request.operation] += 1;
        if (request.operation === 'PUT') t.bytesWritten += body.length;
      }
      const conditional =
        request.operation === 'PUT' &&
        (req.headers['if-none-match'] !== undefined || req.headers['if-match'] !== undefined);

      const answer = async (): Promise<Forwarded> => {
        // s3rver stores an object's bytes and its metadata (ETag) in separate files: a read beside a write could
        // see one without the other. Every request on a key waits its turn, as S3's read-after-write promises.
        if (request.key === '') return forward(target, method, url, req.headers, body, timeoutMs);
        return withKeyLock(`${request.bucket}/${request.key}`, async () => {
          if (!conditional) return forward(target, method, url, req.headers, body, timeoutMs);
          const failed = await failedCondition(req.headers, url);
          if (failed !== null) {
            for (const t of counted) t.conditionFailed += 1;
            return {
              status: failed.status,
              headers: { 'content-type': 'application/xml' },
              body: Buffer.from(failed.body),
            };
          }
          // Forwarded with its condition headers (they are signed); s3rver ignores them.
          return forward(target, method, url, req.headers, body, timeoutMs);
        });
      };
      answer().then(
        (out) => {
          if (request.operation === 'GET' && out.status === 200)
            for (const t of counted) t.bytesRead += out.body.length;
          const headers = { ...out.headers };
          delete headers['transfer-encoding'];
          delete headers.connection;
          headers['content-length'] = String(out.body.length);
          res.writeHead(out.status, headers);
          res.end(method === 'HEAD' ? undefined : out.body);
        },
        (error: unknown) => {
          res.writeHead(502, { 'content-type': 'application/xml' });
          res.end(errorXml('BadGateway', String(error instanceof Error ? error.message : error), ''));
        },
      );
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts(): RequestCounts {
      const copy = (t: RequestTally): RequestTally => ({ ...t, requests: { ...t.requests } });
      return {
        ...copy(total),
        byPrefix: Object.fromEntries([...byPrefix.entries()].map(([k, t]) => [k, copy(t)])),
      };
    },
    reset(): void {
      total = emptyTally();
      byPrefix = new Map();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
