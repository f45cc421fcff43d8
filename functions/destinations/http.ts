/**
 * The one HTTPS poster of every HTTP destination (webhook, Slack, Teams, PagerDuty, SMN). Network
 * errors, timeouts, 5xx and 429 are retried with exponential backoff and jitter (a `Retry-After`
 * answer is honoured up to a bound); any other 4xx is a configuration or payload problem and fails at
 * once. Chat webhook URLs carry their secret in the path, so only the host is ever named in errors.
 */
import { LbwatchError } from '../../lib/errors.js';
import { errorName } from '../core/failures.js';

export interface HttpPostOptions {
  /** Per-attempt timeout, response body included. @default 5000 */
  timeoutMs?: number;
  /** Attempts in total, including the first. @default 3 */
  attempts?: number;
  /** First backoff delay, doubled per attempt, half of it jitter. @default 250 */
  backoffMs?: number;
  /** Longest `Retry-After` honoured; a longer one is waited this long. @default 10000 */
  maxRetryAfterMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

export interface HttpPostRequest {
  /** Destination name for errors (`slack`, `pagerduty`, ...). */
  destination: string;
  url: string;
  /** JSON text. */
  body: string;
  headers?: Readonly<Record<string, string>>;
}

const sleepReal = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The host of a URL (never its path or query, which may hold a token). */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid url)';
  }
}

/** Milliseconds from a `Retry-After` value (seconds or an HTTP date), or null. */
export function retryAfterMs(value: string | null, now = Date.now()): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

export class HttpPoster {
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: HttpPostOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.attempts = Math.max(1, options.attempts ?? 3);
    this.backoffMs = options.backoffMs ?? 250;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 10_000;
    this.fetchFn = options.fetch ?? fetch;
    this.sleep = options.sleep ?? sleepReal;
  }

  /** POSTs the JSON body; resolves on 2xx, throws PUBLISH_FAILED naming the destination and host. */
  async post(request: HttpPostRequest): Promise<void> {
    let last = 'no attempt';
    let status: number | null = null;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      let retryable = true;
      let wait: number | null = null;
      try {
        const signal = AbortSignal.timeout(this.timeoutMs);
        const response = await this.fetchFn(request.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'lbwatch', ...request.headers },
          body: request.body,
          signal,
          redirect: 'error',
        });
        // Drain the body so the connection can be reused.
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) return;
        status = response.status;
        last = `HTTP ${response.status}`;
        retryable = response.status >= 500 || response.status === 429;
        wait = retryAfterMs(response.headers.get('retry-after'));
      } catch (error) {
        last = errorName(error) || 'network error';
      }
      if (!retryable || attempt === this.attempts) break;
      const backoff = this.backoffMs * 2 ** (attempt - 1);
      const delay = wait === null ? backoff / 2 + Math.random() * (backoff / 2) : Math.min(wait, this.maxRetryAfterMs);
      await this.sleep(delay);
    }
    throw new LbwatchError('PUBLISH_FAILED', `${request.destination} delivery failed: ${last}`, {
      context: { destination: request.destination, host: hostOf(request.url), status },
    });
  }
}
