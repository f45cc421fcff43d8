/**
 * Where pages and report announcements go. A destination renders the sanitized `Outgoing` in its own
 * format and either delivers it or throws PUBLISH_FAILED (transient: the caller keeps the page pending
 * so a retry delivers it) with `context.destination` set to its name.
 */
import type { Outgoing } from '../../lib/model.js';
import type { NotifyOptions } from '../../lib/notify/index.js';
import type { HttpPoster } from './http.js';

export interface Destination {
  /** Stable name recorded with sent pages (`sns`, `smn`, `webhook`, `slack`, `teams`, `pagerduty`). */
  readonly name: string;
  send(outgoing: Outgoing): Promise<void>;
}

/** What every HTTP destination is built with. */
export interface HttpDestinationOptions extends NotifyOptions {
  poster: HttpPoster;
}
