/**
 * Log lines are attacker-controlled: every string that came from a log line (paths, user agents,
 * hosts, members, evidence quoting them) is escaped and truncated before it reaches a subject, a mail
 * body, a chat message or a webhook.
 */

/** C0/C1 controls, DEL, and bidirectional overrides that can reorder what a reader sees. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Replaces control and bidi characters with visible `\xHH` / `\u{HHHH}` escapes. */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE, (ch) => {
    const code = ch.codePointAt(0) ?? 0;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** Cuts to at most `max` characters (an ellipsis marks the cut), never inside a surrogate pair. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/**
 * Removes the query string after path-like tokens (`/a/b?token=...` -> `/a/b`): query strings carry
 * tokens and personal data. A question mark that ends a sentence is left alone.
 */
export function dropQueryStrings(text: string): string {
  return text.replace(/(\/[^\s?"'<>]*)\?[^\s"'<>]+/g, '$1');
}

export interface SafeTextOptions {
  max: number;
  keepQueryStrings: boolean;
}

/** Query strings dropped (unless kept), control characters escaped, then truncated. */
export function safeText(text: string, options: SafeTextOptions): string {
  const withoutQuery = options.keepQueryStrings ? text : dropQueryStrings(text);
  return truncate(escapeControl(withoutQuery), options.max);
}

/** Applies {@link safeText} to every string inside a JSON-like value (objects, arrays), keys included. */
export function deepSafe<T>(value: T, options: SafeTextOptions): T {
  return walk(value, options) as T;
}

function walk(value: unknown, options: SafeTextOptions): unknown {
  if (typeof value === 'string') return safeText(value, options);
  if (Array.isArray(value)) return value.map((item) => walk(item, options));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[safeText(key, options)] = walk(item, options);
    return out;
  }
  return value;
}

/** Printable ASCII only (SNS subjects reject anything else), squeezed and cut to `max`. */
export function asciiSubject(text: string, max = 100): string {
  const ascii = text
    .normalize('NFKD')
    .replace(/[^\x20-\x7e]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return ascii.length <= max ? ascii : `${ascii.slice(0, max - 3)}...`;
}
