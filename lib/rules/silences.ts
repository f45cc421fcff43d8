/**
 * Silences (maintenance windows): a silenced incident is recorded and reported, never paged. A silence is a fixed
 * period (`from`, `to`) or a weekly schedule (`Sun 02:00-04:00` in a time zone). Silences match the windows' own
 * time (event time), like everything else in lbwatch.
 */

export interface WeeklySchedule {
  /** Days of the week the silence starts on, 0 = Sunday. */
  days: number[];
  /** Minutes after local midnight. */
  startMinute: number;
  /** Length in minutes (a range past midnight runs into the next day). */
  lengthMinutes: number;
  /** IANA time zone, e.g. `Europe/Berlin`; `UTC` by default. */
  timeZone: string;
}

export interface Silence {
  id: string;
  /** Glob patterns (`*` any text, `?` one character) on the load-balancer id; empty = every load balancer. */
  loadBalancers: string[];
  /** Rule ids (including `logs-missing`); empty = every rule. */
  rules: string[];
  /** A fixed period [from, to) in epoch ms, or null for a weekly schedule. */
  period: { from: number; to: number } | null;
  schedule: WeeklySchedule | null;
  reason: string;
}

export const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

/**
 * Parses `Sun 02:00-04:00`, `Mon-Fri 22:00-23:30`, `Sat,Sun 23:00-01:00` (a range past midnight ends the next day).
 * Returns a problem text instead of throwing.
 *
 * @example parseSchedule('Sun 02:00-04:00', 'UTC') // { days: [0], startMinute: 120, lengthMinutes: 120, timeZone: 'UTC' }
 */
export function parseSchedule(text: string, timeZone: string): WeeklySchedule | string {
  const match = /^\s*([A-Za-z,\- ]+?)\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/.exec(text);
  if (match === null) return 'a weekly schedule such as "Sun 02:00-04:00" or "Mon-Fri 22:00-23:00"';
  const days = parseDays(match[1] as string);
  if (days === null) return 'day names Sun..Sat, lists (Sat,Sun) or ranges (Mon-Fri) before the times';
  const h1 = Number(match[2]);
  const m1 = Number(match[3]);
  const h2 = Number(match[4]);
  const m2 = Number(match[5]);
  if (h1 > 23 || h2 > 24 || m1 > 59 || m2 > 59 || (h2 === 24 && m2 !== 0)) return 'times from 00:00 to 24:00';
  const start = h1 * 60 + m1;
  let end = h2 * 60 + m2;
  if (end <= start) end += 24 * 60;
  return { days, startMinute: start, lengthMinutes: end - start, timeZone };
}

function parseDays(text: string): number[] | null {
  const days = new Set<number>();
  for (const part of text.split(',').map((p) => p.trim().toLowerCase())) {
    const range = part.split('-').map((p) => p.trim());
    const ids = range.map((name) => DAY_NAMES.indexOf(name.slice(0, 3) as (typeof DAY_NAMES)[number]));
    if (ids.some((i) => i < 0) || range.some((name) => name.length < 3) || ids.length > 2) return null;
    const [a, b = a] = ids as [number, number?];
    for (let d = a; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === b) break;
    }
  }
  return days.size === 0 ? null : [...days].sort((x, y) => x - y);
}

/** Whether a time zone name is known to this runtime's Intl. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Local weekday (0 = Sunday) and minute of the day of an instant in a time zone. */
function localTime(ms: number, timeZone: string): { day: number; minute: number } {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  let day = 0;
  let hour = 0;
  let minute = 0;
  for (const part of f.formatToParts(new Date(ms))) {
    if (part.type === 'weekday') day = DAY_NAMES.indexOf(part.value.slice(0, 3).toLowerCase() as 'sun');
    else if (part.type === 'hour') hour = Number(part.value);
    else if (part.type === 'minute') minute = Number(part.value);
  }
  return { day, minute: hour * 60 + minute };
}

function inSchedule(s: WeeklySchedule, ms: number): boolean {
  const { day, minute } = localTime(ms, s.timeZone);
  // The instant is inside if some start day's interval covers it: today's, or yesterday's when it runs past midnight.
  for (const [startDay, offset] of [
    [day, minute],
    [(day + 6) % 7, minute + 24 * 60],
  ] as const) {
    if (s.days.includes(startDay) && offset >= s.startMinute && offset < s.startMinute + s.lengthMinutes) return true;
  }
  return false;
}

/** Glob on the whole text: `*` any run of characters, `?` one character. */
export function globMatches(pattern: string, text: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(text);
}

/**
 * The first silence that covers (load balancer, rule) at `ms` (a window's start), or null.
 *
 * @example silencedBy(rules.silences, 'app/web/1', 'gateway-errors', Date.parse('2026-06-14T02:30:00Z'))
 */
export function silencedBy(
  silences: readonly Silence[],
  loadBalancer: string,
  rule: string,
  ms: number,
): Silence | null {
  for (const s of silences) {
    if (s.rules.length > 0 && !s.rules.includes(rule)) continue;
    if (s.loadBalancers.length > 0 && !s.loadBalancers.some((p) => globMatches(p, loadBalancer))) continue;
    if (s.period !== null && ms >= s.period.from && ms < s.period.to) return s;
    if (s.schedule !== null && inSchedule(s.schedule, ms)) return s;
  }
  return null;
}
