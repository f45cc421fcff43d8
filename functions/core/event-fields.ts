/** Field readers shared by the event decoders of both clouds: events are untrusted JSON. */

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value when it is a non-empty string, else null. */
export function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** An ETag without its quotes. */
export function unquote(etag: string | null): string | null {
  return etag === null ? null : etag.replace(/^"+|"+$/g, '');
}
