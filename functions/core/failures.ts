/**
 * The one place that decides whether a failure is retried (the invocation or SQS message fails and
 * the platform delivers it again) or dropped (logged as handled: retrying cannot help and would
 * poison the queue). Every write lbwatch makes is idempotent, so a retry is always safe.
 */
import { isLbwatchError } from '../../lib/errors.js';

export type Disposition = 'retry' | 'drop';

/** Source-object errors that retrying cannot fix: the object is gone or was overwritten. */
const GONE = new Set(['NoSuchKey', 'NotFound', 'PreconditionFailed', 'NoSuchBucket']);

export function disposition(error: unknown): Disposition {
  if (isLbwatchError(error)) {
    switch (error.code) {
      case 'EVENT_INVALID':
      case 'GZIP_CORRUPT':
      case 'GZIP_TRUNCATED':
      case 'FORMAT_UNDETECTED':
      case 'PARTIAL_INVALID':
        return 'drop';
      case 'READ_FAILED':
        return GONE.has(errorName(error.cause)) ? 'drop' : 'retry';
      default:
        // STATE_FAILED, PUBLISH_FAILED: transient by definition. CONFIG_INVALID, RULES_INVALID: nothing
        // works until the deployment is fixed; keep the messages (retry, then the dead-letter queue).
        return 'retry';
    }
  }
  // Unknown errors (SDK throttling after its own retries, timeouts, bugs) are retried: dropping
  // would lose data silently, a retry at worst ends in the dead-letter queue where it is visible.
  return 'retry';
}

export function errorName(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string') {
    return error.name;
  }
  return '';
}

/** HTTP status of an AWS SDK error, when it has one. */
export function httpStatus(error: unknown): number | null {
  if (typeof error !== 'object' || error === null || !('$metadata' in error)) return null;
  const metadata = (error as { $metadata?: { httpStatusCode?: number } }).$metadata;
  return typeof metadata?.httpStatusCode === 'number' ? metadata.httpStatusCode : null;
}

export function describe(error: unknown): Record<string, unknown> {
  if (isLbwatchError(error)) {
    return { code: error.code, message: error.message, ...error.context, cause: errorName(error.cause) || undefined };
  }
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { message: String(error) };
}
