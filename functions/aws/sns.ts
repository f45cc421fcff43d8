/**
 * SNS: the subject and text are for people (mail, chat); the sanitized `Outgoing` JSON travels in the
 * `notification` message attribute so machine subscribers read the same object as the webhook without
 * parsing text. Short attributes (`kind`, `state`, `severity`, `rule`, `loadBalancer`, `incidentId`)
 * allow subscription filter policies, e.g. `{"state": ["opened", "resolved"]}`.
 */
import { type MessageAttributeValue, PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { LbwatchError } from '../../lib/errors.js';
import type { Outgoing } from '../../lib/model.js';
import { type NotifyOptions, renderSubject, renderText, sanitizeOutgoing } from '../../lib/notify/index.js';
import { errorName } from '../core/failures.js';
import type { Destination } from '../destinations/destination.js';

/** SNS takes 256 KiB per message, attributes included; the text keeps well under half of it. */
export const MAX_SNS_TEXT = 100_000;

/** The filterable attributes of an outgoing message (all strings, none empty). */
export function outgoingAttributes(o: Outgoing): Record<string, string> {
  if (o.kind === 'report') return { kind: 'report' };
  return {
    kind: 'incident',
    state: o.state,
    severity: o.incident.severity,
    rule: o.incident.rule,
    loadBalancer: o.incident.loadBalancer,
    incidentId: o.incidentId,
  };
}

export class SnsDestination implements Destination {
  readonly name = 'sns';
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
    private readonly options: NotifyOptions = {},
  ) {}

  async send(outgoing: Outgoing): Promise<void> {
    const safe = sanitizeOutgoing(outgoing, this.options);
    const attributes: Record<string, MessageAttributeValue> = {
      notification: { DataType: 'String', StringValue: JSON.stringify(safe) },
    };
    for (const [name, value] of Object.entries(outgoingAttributes(safe))) {
      if (value !== '') attributes[name] = { DataType: 'String', StringValue: value };
    }
    try {
      await this.sns.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: renderSubject(safe),
          Message: renderText(safe).slice(0, MAX_SNS_TEXT),
          MessageAttributes: attributes,
        }),
      );
    } catch (error) {
      throw new LbwatchError('PUBLISH_FAILED', `SNS publish failed: ${errorName(error) || 'error'}`, {
        cause: error,
        context: { destination: this.name },
      });
    }
  }
}
