/** Slack incoming webhook: a Block Kit message (lib/notify/slack.ts). */
import type { Outgoing } from '../../lib/model.js';
import { renderSlack, sanitizeOutgoing } from '../../lib/notify/index.js';
import type { Destination, HttpDestinationOptions } from './destination.js';

export class SlackDestination implements Destination {
  readonly name = 'slack';
  constructor(
    private readonly webhookUrl: string,
    private readonly options: HttpDestinationOptions,
  ) {}

  async send(outgoing: Outgoing): Promise<void> {
    const body = JSON.stringify(renderSlack(sanitizeOutgoing(outgoing, this.options)));
    await this.options.poster.post({ destination: this.name, url: this.webhookUrl, body });
  }
}
