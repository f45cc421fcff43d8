/**
 * Generic webhook: a JSON POST of the sanitized `Outgoing` itself (an `IncidentNotification` or a
 * `ReportAnnouncement` of lib/model.ts, see `sanitizeOutgoing`), so a receiver reads the same object
 * lbwatch works with.
 */
import type { Outgoing } from '../../lib/model.js';
import { sanitizeOutgoing } from '../../lib/notify/index.js';
import type { Destination, HttpDestinationOptions } from './destination.js';

export class WebhookDestination implements Destination {
  readonly name = 'webhook';
  constructor(
    private readonly url: string,
    private readonly options: HttpDestinationOptions,
  ) {}

  async send(outgoing: Outgoing): Promise<void> {
    const body = JSON.stringify(sanitizeOutgoing(outgoing, this.options));
    await this.options.poster.post({ destination: this.name, url: this.url, body });
  }
}
