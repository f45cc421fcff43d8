/**
 * What lbwatch sends, per destination, from one sanitized `Outgoing` (lib/model.ts). Pure: the
 * functions post the rendered bodies.
 */
export * from './outgoing.js';
export * from './pagerduty.js';
export * from './sanitize.js';
export * from './slack.js';
export * from './teams.js';
export * from './text.js';
