/**
 * Why a line did not become a record. The set is closed so that totals per reason can be
 * compared between runs and alerted on; every line read is either a record or one of these.
 *
 * - `blank-line`: the line is empty (or only `\r`).
 * - `line-too-long`: the line exceeds `maxLineBytes`; it is skipped up to the next newline.
 * - `unknown-format`: no format was fixed or detected yet and the line looks like none of them.
 * - `wrong-format`: the format is fixed (asked for, or detected from an earlier line) and the line, which does not
 *   parse as it, starts like a line of another format.
 * - `unterminated-quote`: a `"quoted"` field runs to the end of the line, or a `[` opens a field and no `]`
 *   follows it on the line.
 * - `too-few-fields`: fewer fields than the format's required prefix.
 * - `bad-time`: the timestamp field is not a valid time.
 * - `bad-status`: the client status is neither a number nor `-`.
 * - `truncated-line`: the last, incomplete line before the object's bytes ended in damage
 *   (corrupt or truncated gzip).
 * - `bad-lts-wrapper`: in an LTS transfer written as JSON, the line is not a JSON object with a string
 *   `message` (the access-log line it wraps).
 */
export const REJECT_REASONS = [
  'blank-line',
  'line-too-long',
  'unknown-format',
  'wrong-format',
  'unterminated-quote',
  'too-few-fields',
  'bad-time',
  'bad-status',
  'truncated-line',
  'bad-lts-wrapper',
] as const;

export type RejectReason = (typeof REJECT_REASONS)[number];
