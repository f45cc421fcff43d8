/**
 * Decodes the FunctionGraph events lbwatch answers: OBS trigger events (both published shapes) for
 * ingest and timer trigger events for the report. Anything else is refused at the boundary with
 * EVENT_INVALID.
 *
 * OBS trigger records come in two shapes: OTC's FunctionGraph documents an S3-style record
 * (`s3`, `awsRegion`, `eventSource` `aws:s3` or absent), Huawei Cloud an OBS one (`obs`,
 * `eventRegion`, `eventSource` `OBS`, `eventVersion` `3.0`). Keys are URL-encoded either way.
 */
import { LbwatchError } from '../../lib/errors.js';
import { isRecord, str } from '../core/event-fields.js';
import { createdObjectOf, type ObjectCreated } from '../core/object-source.js';

/** Which member of a record holds bucket and object, or null when the record is no OBS record. */
function containerOf(record: Record<string, unknown>): 's3' | 'obs' | null {
  const source = record.eventSource;
  if (isRecord(record.s3) && (source === undefined || source === 'aws:s3')) return 's3';
  if (isRecord(record.obs) && (source === undefined || source === 'OBS')) return 'obs';
  return null;
}

/** The created objects of an OBS trigger event; records of other events (removals) are ignored. */
export function decodeObsEvent(event: unknown): ObjectCreated[] {
  const records = isRecord(event) ? event.Records : undefined;
  if (!Array.isArray(records) || records.length === 0) {
    throw new LbwatchError('EVENT_INVALID', 'event is not an OBS trigger event (no Records)');
  }
  const objects: ObjectCreated[] = [];
  for (const [index, record] of records.entries()) {
    const container = isRecord(record) ? containerOf(record) : null;
    if (!isRecord(record) || container === null) {
      throw new LbwatchError('EVENT_INVALID', 'record is neither an S3-style nor an OBS event record', {
        context: { index },
      });
    }
    const object = createdObjectOf(record, container);
    if (object !== null) objects.push(object);
  }
  return objects;
}

/**
 * The time of a timer trigger event (`{"version":"v1.0","time":…,"trigger_type":"TIMER",…}`), or
 * null for any other event (a test invocation from the console, say).
 */
export function timerTime(event: unknown): number | null {
  if (!isRecord(event) || event.trigger_type !== 'TIMER') return null;
  const time = str(event.time);
  const ms = time === null ? Number.NaN : Date.parse(time);
  return Number.isNaN(ms) ? null : ms;
}
