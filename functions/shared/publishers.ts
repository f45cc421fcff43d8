/**
 * Alert destinations. A publisher either delivers or throws PUBLISH_FAILED (transient): the caller
 * keeps the alert claimable so the retry delivers it.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { LbwatchError } from '../../lib/errors.js';
import { HttpPoster, type HttpPostOptions } from '../destinations/http.js';
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

/** Timeout, attempts, backoff, fetch and sleep of the shared HTTPS poster. */
export type WebhookOptions = HttpPostOptions;

/**
 * Webhook: JSON POST of the alert object through the shared HTTPS poster (network errors, timeouts,
 * 5xx and 429 retried with backoff; any other 4xx fails at once; errors name the host only).
 */
export class WebhookDestination implements Destination {
  readonly name = 'webhook';
  private readonly poster: HttpPoster;

  constructor(
    private readonly url: string,
    options: WebhookOptions = {},
  ) {
    this.poster = new HttpPoster(options);
  }

  async send(message: OutgoingMessage): Promise<void> {
    await this.poster.post({ destination: this.name, url: this.url, body: JSON.stringify(message.json) });
  }
}

/** Sends to every destination; used for report announcements, which are not claimed. */
export async function sendToAll(destinations: readonly Destination[], message: OutgoingMessage): Promise<void> {
  for (const destination of destinations) await destination.send(message);
}
