/**
 * What a human and a machine receive. A notification is exactly the alert object of
 * `lbwatch analyze --json` plus `state`; the text forms are derived from it, escaped and truncated
 * because every log-derived string in it is attacker-controlled.
 */
import type { Alert } from '../../lib/model.js';
import { asciiSubject, deepSafe, type SafeTextOptions, safeText } from './sanitize.js';

export type Notification = Alert & { state: 'firing' | 'resolved' };

/** Transport-neutral message: SNS uses all of it, a webhook POSTs `json`. */
export interface OutgoingMessage {
  /** Printable ASCII, at most 100 characters. */
  subject: string;
  text: string;
  json: Record<string, unknown>;
  /** Short string attributes for SNS subscription filter policies. */
  attributes: Record<string, string>;
}

export interface MessageOptions {
  keepQueryStrings: boolean;
}

const FIELD_MAX = 300;
const MAX_CAUSES = 5;

function safe(options: MessageOptions, max = FIELD_MAX): SafeTextOptions {
  return { max, keepQueryStrings: options.keepQueryStrings };
}

/** `2024-05-01T10:05Z` — minutes are the resolution of a window start. */
function shortTime(iso: string): string {
  return iso.length >= 16 ? `${iso.slice(0, 16)}Z` : iso;
}

function codesByCount(codes: Record<string, number>): [string, number][] {
  return Object.entries(codes).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function percent(rate: number): string {
  if (rate === 0) return '0%';
  return `${(rate * 100).toFixed(rate < 0.001 ? 3 : 1)}%`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** The alert as it leaves lbwatch: every string escaped, truncated, query strings dropped. */
export function safeNotification(notification: Notification, options: MessageOptions): Notification {
  return deepSafe(notification, safe(options));
}

/** Keeps both ends of a long name (load-balancer ids differ most at their end). */
function middleCut(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = Math.ceil((max - 3) / 2);
  return `${text.slice(0, head)}...${text.slice(text.length - (max - 3 - head))}`;
}

const SUBJECT_MAX = 100;

/**
 * `[SEVERITY] STATE codes lb window-start top-cause`, printable ASCII, at most 100 characters: the
 * load balancer's name gets what the other parts leave (cut in the middle when long).
 */
export function alertSubject(n: Notification): string {
  const codes = codesByCount(n.statusCodes)
    .slice(0, 3)
    .map(([code]) => code)
    .join(',');
  const head = asciiSubject(`[${n.severity.toUpperCase()}] ${n.state.toUpperCase()} ${codes || n.rule}`, 40);
  const when = shortTime(n.windowStart);
  const top = n.state === 'firing' && n.causes[0] !== undefined ? asciiSubject(n.causes[0].id, 30) : '';
  const fixed = head.length + 1 + 1 + when.length + (top === '' ? 0 : top.length + 1);
  const lb = middleCut(asciiSubject(n.loadBalancer, 200), Math.max(12, SUBJECT_MAX - fixed));
  return asciiSubject([head, lb, when, top].filter((part) => part !== '').join(' '), SUBJECT_MAX);
}

export function alertText(n: Notification): string {
  const lines: string[] = [];
  const verb = n.state === 'firing' ? 'fired' : 'resolved';
  lines.push(`lbwatch rule "${n.rule}" ${verb} for load balancer ${n.loadBalancer}`);
  lines.push(`Severity: ${n.severity}`);
  lines.push(`Window: ${n.windowStart} to ${n.windowEnd}`);
  lines.push(`Requests: ${n.requests}; matched: ${n.matched} (${percent(n.rate)})`);
  const codes = codesByCount(n.statusCodes);
  if (codes.length > 0) lines.push(`Status codes: ${codes.map(([c, k]) => `${c} x${k}`).join(', ')}`);
  if (n.state === 'firing') {
    const causes = n.causes.filter((c) => c.score > 0).slice(0, MAX_CAUSES);
    lines.push('');
    lines.push(causes.length > 0 ? 'Most likely causes:' : 'No cause stands out in this window.');
    causes.forEach((cause, index) => {
      lines.push(`${index + 1}. [${cause.id}] ${cause.title} (score ${cause.score})`);
      if (cause.evidence !== '') lines.push(`   Evidence: ${cause.evidence}`);
    });
  } else {
    lines.push('');
    lines.push('The window is closed and back under the rule threshold.');
  }
  return lines.join('\n');
}

/** Subject, text and JSON of one alert notification. */
export function alertMessage(notification: Notification, options: MessageOptions): OutgoingMessage {
  const n = safeNotification(notification, options);
  return {
    subject: alertSubject(n),
    text: alertText(n),
    json: n as unknown as Record<string, unknown>,
    attributes: {
      kind: 'alert',
      state: n.state,
      severity: n.severity,
      rule: safeText(n.rule, safe(options, 100)),
      loadBalancer: safeText(n.loadBalancer, safe(options, 200)),
    },
  };
}

/** Headline figures of a report period. */
export interface ReportHeadline {
  periodStart: string;
  periodEnd: string;
  requests: number;
  loadBalancers: number;
  /** Share of requests per class (`4xx`, `5xx`). */
  errorRates: Record<string, number>;
  topCodes: { loadBalancer: string; code: number; count: number; topCause: string | null }[];
  alertsFired: number;
  /** Where the rendered report was written. */
  locations: { html: string; md: string; json: string };
  /** An HTTPS link to the HTML report a person can click (presigned, expires), or null. */
  url: string | null;
}

export function reportMessage(h: ReportHeadline, options: MessageOptions): OutgoingMessage {
  const noData = h.requests === 0;
  const classes = Object.entries(h.errorRates)
    .map(([cls, rate]) => `${cls} ${percent(rate)}`)
    .join(', ');
  const subject = asciiSubject(
    noData
      ? `lbwatch report ${shortTime(h.periodStart)}..${shortTime(h.periodEnd)}: no data`
      : `lbwatch report ${shortTime(h.periodStart)}..${shortTime(h.periodEnd)}: ${h.requests} req, ${classes}, ${plural(h.alertsFired, 'alert')}`,
  );
  const lines = [`lbwatch summary report for ${h.periodStart} to ${h.periodEnd}`];
  if (noData) {
    lines.push('No access-log data was stored for this period.');
  } else {
    lines.push(`Requests: ${h.requests} across ${h.loadBalancers} load balancer(s)`);
    lines.push(`Error rates: ${classes}`);
    lines.push(`Alerts fired: ${h.alertsFired}`);
    if (h.topCodes.length > 0) {
      lines.push('Top error codes:');
      for (const code of h.topCodes) {
        const cause = code.topCause === null ? '' : `, most likely ${code.topCause}`;
        lines.push(`- ${code.code} x${code.count} on ${safeText(code.loadBalancer, safe(options, 120))}${cause}`);
      }
    }
  }
  lines.push('');
  if (h.url !== null) lines.push(`Open the report: ${h.url}`);
  lines.push(`HTML: ${h.locations.html}`, `Markdown: ${h.locations.md}`, `JSON: ${h.locations.json}`);
  // The link is lbwatch's own (state bucket, report key): its query string is the signature, so it
  // is neither cut nor stripped like text that came from log lines.
  const { url, ...figures } = h;
  const json = { ...deepSafe({ kind: 'report', ...figures }, safe(options)), url };
  return { subject, text: lines.join('\n'), json, attributes: { kind: 'report' } };
}
