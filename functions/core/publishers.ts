/**
 * Alert destinations. A publisher either delivers or throws PUBLISH_FAILED (transient): the caller
 * keeps the alert claimable so the retry delivers it.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { LbwatchError } from '../../lib/errors.js';
import { errorName } from './failures.js';
import type { OutgoingMessage } from './messages.js';

export interface Destination {
  /** Stable name recorded in alert claims (`sns`, `webhook`). */
  readonly name: string;
  send(message: OutgoingMessage): Promise<void>;
}

/** SNS allows 256 KiB per message including attributes; the text body is kept well under it. */
const MAX_SNS_TEXT = 200_000;

/**
 * SNS: the subject and text are for people (mail, chat); the alert JSON travels in the `alert`
 * message attribute so machine subscribers read the same object as `lbwatch analyze --json`
 * without parsing text. Short attributes (`state`, `severity`, ...) allow subscription filters.
 */
export class SnsDestination implements Destination {
  readonly name = 'sns';
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async send(message: OutgoingMessage): Promise<void> {
    const attributes: Record<string, { DataType: string; StringValue: string }> = {
      alert: { DataType: 'String', StringValue: JSON.stringify(message.json) },
    };
    for (const [name, value] of Object.entries(message.attributes)) {
      if (value !== '') attributes[name] = { DataType: 'String', StringValue: value };
    }
    try {
      await this.sns.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: message.subject,
          Message: message.text.slice(0, MAX_SNS_TEXT),
          MessageAttributes: attributes,
        }),
      );
    } catch (error) {
      throw new LbwatchError('PUBLISH_FAILED', `SNS publish failed: ${errorName(error) || 'error'}`, {
        cause: error,
        context: { destination: 'sns' },
      });
    }
  }
}

export interface WebhookOptions {
  /** Per-attempt timeout. @default 5000 */
  timeoutMs?: number;
  /** Attempts in total, including the first. @default 3 */
  attempts?: number;
  /** First backoff delay, doubled per attempt with jitter. @default 250 */
  backoffMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

const sleepReal = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Webhook: JSON POST of the alert object. Network errors, timeouts, 5xx and 429 are retried with
 * exponential backoff; any other 4xx is a configuration problem and fails at once.
 */
export class WebhookDestination implements Destination {
  readonly name = 'webhook';
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly url: string,
    options: WebhookOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.attempts = Math.max(1, options.attempts ?? 3);
    this.backoffMs = options.backoffMs ?? 250;
    this.fetchFn = options.fetch ?? fetch;
    this.sleep = options.sleep ?? sleepReal;
  }

  async send(message: OutgoingMessage): Promise<void> {
    const body = JSON.stringify(message.json);
    let last = 'no attempt';
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      let retryable = true;
      try {
        const response = await this.fetchFn(this.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'lbwatch' },
          body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        // Drain the body so the connection can be reused.
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) return;
        last = `HTTP ${response.status}`;
        retryable = response.status >= 500 || response.status === 429;
      } catch (error) {
        last = errorName(error) || 'network error';
      }
      if (!retryable) break;
      if (attempt < this.attempts) {
        const delay = this.backoffMs * 2 ** (attempt - 1);
        await this.sleep(delay / 2 + Math.random() * (delay / 2));
      }
    }
    // The URL may carry a token (chat webhooks do): name the host only.
    throw new LbwatchError('PUBLISH_FAILED', `webhook delivery failed: ${last}`, {
      context: { destination: 'webhook', host: hostOf(this.url) },
    });
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid url)';
  }
}

/** Sends to every destination; used for report announcements, which are not claimed. */
export async function sendToAll(destinations: readonly Destination[], message: OutgoingMessage): Promise<void> {
  for (const destination of destinations) await destination.send(message);
}
