/**
 * PagerDuty Events API v2 (lib/notify/pagerduty.ts). The incident id is the `dedup_key`, so a page
 * sent twice (a retry after a lost answer) lands on the same PagerDuty alert. Report announcements
 * are not sent.
 */
import type { Outgoing } from '../../lib/model.js';
import { renderPagerDuty, sanitizeOutgoing } from '../../lib/notify/index.js';
import type { Destination, HttpDestinationOptions } from './destination.js';

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export interface PagerDutyOptions extends HttpDestinationOptions {
  /** @default https://events.pagerduty.com/v2/enqueue */
  eventsUrl?: string;
}

export class PagerDutyDestination implements Destination {
  readonly name = 'pagerduty';
  private readonly eventsUrl: string;

  constructor(
    private readonly routingKey: string,
    private readonly options: PagerDutyOptions,
  ) {
    this.eventsUrl = options.eventsUrl ?? PAGERDUTY_EVENTS_URL;
  }

  async send(outgoing: Outgoing): Promise<void> {
    const event = renderPagerDuty(sanitizeOutgoing(outgoing, this.options), this.routingKey);
    if (event === null) return;
    await this.options.poster.post({ destination: this.name, url: this.eventsUrl, body: JSON.stringify(event) });
  }
}
