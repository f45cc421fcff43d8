/**
 * The publisher port: every destination (webhook, Slack, Teams, PagerDuty, SNS, SMN) delivers an incident page or a
 * report announcement, or throws LbwatchError PUBLISH_FAILED (transient: the page stays claimable and is retried).
 */
import type { Outgoing } from '../../lib/model.js';

export interface Destination {
  /** Stable name recorded in incident records (`sns`, `webhook`, `slack`, ...). */
  readonly name: string;
  send(outgoing: Outgoing): Promise<void>;
}
