// A loopback HTTP server that records every request and answers from a script: the stand-in for
// webhook, Slack, Teams, PagerDuty and SMN endpoints. Bounded in requests and lifetime; closes itself.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query as sent (not decoded). */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RecorderStep {
  /** @default 200 */
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Wait this long before answering (timeout tests). */
  delayMs?: number;
}

export interface Recorder {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  requests: RecordedRequest[];
  /** Parsed JSON body of request `index`. */
  json(index: number): unknown;
  close(): Promise<void>;
}

export interface RecorderOptions {
  /** Requests answered; later ones are cut off. @default 20 */
  maxRequests?: number;
  /** The server closes itself after this long. @default 15000 */
  lifetimeMs?: number;
}

/** Starts a recorder on 127.0.0.1 with a free port. Step `i` answers request `i`; the last step repeats. */
export async function startRecorder(script: RecorderStep[] = [], options: RecorderOptions = {}): Promise<Recorder> {
  const maxRequests = options.maxRequests ?? 20;
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (requests.length >= maxRequests) {
        res.destroy();
        return;
      }
      const index = requests.length;
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const step = script[Math.min(index, script.length - 1)] ?? {};
      const answer = (): void => {
        if (res.destroyed) return;
        res.writeHead(step.status ?? 200, { 'content-type': 'application/json', ...step.headers });
        res.end(step.body ?? '{}');
      };
      if (step.delayMs === undefined) answer();
      else {
        const timer = setTimeout(() => {
          timers.delete(timer);
          answer();
        }, step.delayMs);
        timers.add(timer);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | null = null;
  const close = (): Promise<void> => {
    if (closed === null) {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      closed = new Promise((resolve) => server.close(() => resolve()));
    }
    return closed;
  };
  setTimeout(() => void close(), options.lifetimeMs ?? 15_000).unref();
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    json: (index) => JSON.parse(requests[index]?.body ?? 'null'),
    close,
  };
}
