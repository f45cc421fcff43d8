/**
 * The one error type of lbwatch. Callers branch on `code`, never on message text.
 *
 * @example
 * throw new LbwatchError('GZIP_TRUNCATED', 'gzip stream ended early', { context: { object: 'a.log.gz', byteOffset: 1234 } });
 */
export type LbwatchErrorCode =
  /** Bad command-line usage (exit 2). */
  | 'USAGE'
  /** A path given on the command line does not exist, or no input file is found under the paths (exit 2). */
  | 'INPUT_NOT_FOUND'
  /** A rules file is invalid: the message names the rule and field (exit 2). */
  | 'RULES_INVALID'
  /** An output path cannot be written: its directory is missing or not writable, or it is a directory (exit 2). */
  | 'OUTPUT_UNWRITABLE'
  /** Environment configuration is invalid: the message names every bad variable. */
  | 'CONFIG_INVALID'
  /** The gzip stream is corrupt (bad header, bad data, bad checksum). */
  | 'GZIP_CORRUPT'
  /** The gzip stream ends before its last member is complete. */
  | 'GZIP_TRUNCATED'
  /** The zip container is corrupt or truncated (bad header, bad deflate data, no central directory). */
  | 'ZIP_CORRUPT'
  /** The object is compressed in a format lbwatch does not read (snappy, zstd, bzip2, xz; encrypted zip). */
  | 'UNSUPPORTED_COMPRESSION'
  /** Reading the object failed (I/O, network). */
  | 'READ_FAILED'
  /** No line of the object is in a known log format, or, with a format asked for, none could be read as it. */
  | 'FORMAT_UNDETECTED'
  /** An incoming Lambda event is not a shape lbwatch accepts. */
  | 'EVENT_INVALID'
  /** Storage (state bucket) failed; transient, the invocation is retried. */
  | 'STATE_FAILED'
  /** A stored window partial is not a valid aggregate (corrupt or from an unknown version); permanent. */
  | 'PARTIAL_INVALID'
  /** Publishing an alert or report announcement failed; transient, the invocation is retried. */
  | 'PUBLISH_FAILED';

export interface LbwatchErrorOptions {
  cause?: unknown;
  /** Where it happened: object name or path, bucket, key, line number, byte offset, rule id, field... */
  context?: Record<string, string | number | boolean | null>;
}

export class LbwatchError extends Error {
  override readonly name = 'LbwatchError';
  readonly code: LbwatchErrorCode;
  readonly context: Readonly<Record<string, string | number | boolean | null>>;

  constructor(code: LbwatchErrorCode, message: string, options: LbwatchErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.context = Object.freeze({ ...(options.context ?? {}) });
  }
}

export function isLbwatchError(value: unknown, code?: LbwatchErrorCode): value is LbwatchError {
  return value instanceof LbwatchError && (code === undefined || value.code === code);
}
