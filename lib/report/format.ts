/** Number, rate, time and status-code formatting shared by the HTML and Markdown renderers. */

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export const formatCount = (n: number): string => INTEGER.format(n);

/** A rate as a percentage with enough digits to tell 0.04% from 0.4%; an em dash when undefined. */
export function formatRate(rate: number | null): string {
  if (rate === null || !Number.isFinite(rate)) return '—';
  const pct = rate * 100;
  if (pct === 0) return '0%';
  if (pct < 0.01) return '<0.01%';
  if (pct < 10) return `${pct.toFixed(2)}%`;
  return `${pct.toFixed(1)}%`;
}

/** 300000 -> "5 min", 3600000 -> "1 h". */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms / 1000} s`;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** "2024-05-01 10:05 UTC" (seconds shown only when not zero). */
export function formatTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const date = `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
  const secs = d.getUTCSeconds() === 0 ? '' : `:${pad2(d.getUTCSeconds())}`;
  return `${date} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}${secs} UTC`;
}

/** "2024-05-01 10:05–10:40 UTC" on one day, both full times otherwise. */
export function formatRange(fromIso: string, toIso: string): string {
  const from = formatTime(fromIso);
  const to = formatTime(toIso);
  if (from.slice(0, 10) === to.slice(0, 10) && from.endsWith(' UTC') && to.endsWith(' UTC')) {
    return `${from.slice(0, -4)}–${to.slice(11)}`;
  }
  return `${from} – ${to}`;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  460: 'Client Closed (ALB)',
  463: 'Too Many X-Forwarded-For Addresses (ALB)',
  464: 'Protocol Mismatch (ALB)',
  499: 'Client Closed Request',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
  561: 'Identity Provider Error (ALB)',
};

/** The reason phrase of a status code, or "" when lbwatch does not know one. */
export const reasonPhrase = (code: number): string => REASONS[code] ?? '';
