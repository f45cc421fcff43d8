/**
 * Escaping for everything log-derived that reaches a report. Load-balancer names, members, hosts, paths and
 * evidence sentences come from attacker-controlled log lines, so every value goes through `cleanText`
 * (control characters made visible, length bounded) and then through the escaper of the output format.
 */

/** Longest value shown in a report before it is cut with an ellipsis (code points). */
export const DEFAULT_MAX_LENGTH = 160;

// C0, DEL, C1, and the bidirectional overrides/isolates that can make text read differently from its bytes.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point here.
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff]/gu;

/**
 * Makes a log-derived value safe to display as one line of text: control and bidi characters become
 * visible `\xNN` / `\uNNNN` escapes, and the result is cut to `max` code points with a trailing `…`.
 *
 * @example cleanText('a\nb') // 'a\\x0ab'
 */
export function cleanText(value: string, max: number = DEFAULT_MAX_LENGTH): string {
  const visible = value.replace(UNSAFE_CHARS, (ch) => {
    const code = ch.codePointAt(0) ?? 0;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
  // Iterate code points, not UTF-16 units, so an ellipsis never splits a surrogate pair.
  const points = Array.from(visible);
  return points.length <= max ? visible : `${points.slice(0, Math.max(0, max - 1)).join('')}…`;
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** HTML/XML-escapes a string that is already clean; safe in text and in quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => HTML_ENTITIES[ch] ?? ch);
}

/** Cleans, truncates and HTML-escapes a log-derived value for HTML or SVG. */
export function htmlText(value: string, max: number = DEFAULT_MAX_LENGTH): string {
  return escapeHtml(cleanText(value, max));
}

/**
 * Cleans and escapes a log-derived value for Markdown prose (chat, tickets, GitHub): every character that
 * could start emphasis, a link or image, an HTML tag, an entity or a table cell gets a backslash, and URLs
 * are broken so they are not auto-linked. Parentheses, colons and dots stay as they are, so the text still
 * reads well where Markdown is not rendered.
 */
export function markdownText(value: string, max: number = DEFAULT_MAX_LENGTH): string {
  return cleanText(value, max)
    .replace(/[\\`*_[\]<>|~&]/g, (ch) => `\\${ch}`)
    .replace(/:\/\//g, ':\\/\\/')
    .replace(/www\./gi, (w) => `${w.slice(0, 3)}\\.`);
}

/**
 * A log-derived identifier as a Markdown code span: shown literally (no links, no HTML), with pipes escaped
 * because GitHub splits table cells before it parses code spans.
 */
export function markdownCode(value: string, max: number = DEFAULT_MAX_LENGTH): string {
  const text = cleanText(value, max).replace(/\|/g, '\\|');
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = text.startsWith('`') || text.endsWith('`') || text.startsWith(' ') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}
