// Checks of single option values, shared by the CDK context reader and the stack props validation. Where the
// functions parse a value themselves (durations, windows, rules), the check calls the same lib/ parser, so a value
// that synthesizes is a value the functions accept at cold start. Each check returns the problem, or null.
import { parseDuration, parseRules, windowProblem } from '../lib/rules/index.js';

const DAY_MS = 86_400_000;

/** S3 presigned URLs (SigV4) live at most seven days. */
export const MAX_REPORT_LINK_TTL_MS = 7 * DAY_MS;

function durationMs(text: string): number | null {
  try {
    const ms = parseDuration(text);
    return Number.isFinite(ms) && ms > 0 ? ms : null;
  } catch {
    return null;
  }
}

/**
 * A report period such as `1d` or `6h` (REPORT_PERIOD, parsed by `parseDuration` as the report function does). It
 * may not outlive the window partials it reads, which expire after `stateRetentionDays`.
 */
export function reportPeriodProblem(text: string, stateRetentionDays: number): string | null {
  const ms = durationMs(text);
  if (ms === null) return `expected a duration such as 1h, 1d or 7d, got ${JSON.stringify(text)}`;
  if (ms > stateRetentionDays * DAY_MS) {
    return `${JSON.stringify(text)} is longer than stateRetentionDays (${stateRetentionDays} days): the partials it reads would be gone`;
  }
  return null;
}

/** A window length (WINDOW): a duration from 1m to 1h in whole seconds, as the rules file's `window`. */
export function windowOptionProblem(text: string): string | null {
  const ms = durationMs(text);
  if (ms === null) return `expected a duration such as 5m, got ${JSON.stringify(text)}`;
  const bad = windowProblem(ms);
  return bad === null ? null : `expected ${bad}, got ${JSON.stringify(text)}`;
}

/**
 * Lifetime of the report link in announcements (REPORT_LINK_TTL): `0` for no link, otherwise a duration of whole
 * seconds up to 7d (the longest an S3 presigned URL lives).
 */
export function reportLinkTtlProblem(text: string): string | null {
  if (text === '0') return null;
  const ms = durationMs(text);
  if (ms === null || ms % 1000 !== 0 || ms > MAX_REPORT_LINK_TTL_MS) {
    return `expected 0 (no link) or a duration of whole seconds up to 7d such as 1h or 7d, got ${JSON.stringify(text)}`;
  }
  return null;
}

/** A whole number from `min` to `max` (the CDK context reader gives the same message for its integer options). */
export function integerRangeProblem(value: number, min: number, max: number): string | null {
  if (Number.isInteger(value) && value >= min && value <= max) return null;
  return `expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`;
}

/** Inline rules (RULES), parsed by `parseRules` as the functions do; names the rule and field at fault. */
export function inlineRulesProblem(text: string): string | null {
  try {
    JSON.parse(text);
  } catch {
    return 'expected JSON (or use rulesUri for a YAML file)';
  }
  try {
    parseRules(text, 'rules');
    return null;
  } catch (error) {
    // parseRules lists one problem a line under a count ("rules: 2 problems:"); keep the problems on one line.
    const lines = (error instanceof Error ? error.message : String(error)).split('\n').map((line) => line.trim());
    const problems = lines.length > 1 ? lines.slice(1) : lines.map((line) => line.replace(/^rules: /, ''));
    return problems.join('; ');
  }
}

/**
 * One address for the SNS email subscription: what SNS accepts, checked loosely (a local part, `@`, a domain with a
 * dot, no spaces or list separators), so a typo fails at synth instead of as a stuck subscription.
 */
export function emailProblem(text: string): string | null {
  const ok = text.length <= 254 && /^[^\s@",;<>()[\]]+@[^\s@",;<>()[\]]+\.[A-Za-z]{2,}$/.test(text);
  return ok ? null : `expected one email address such as oncall@example.com, got ${JSON.stringify(text)}`;
}

/** A complete Secrets Manager secret ARN, with the 6-character suffix AWS appends to the name. */
export function secretArnProblem(text: string): string | null {
  const complete = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;
  if (complete.test(text)) return null;
  return `expected a complete secret ARN (arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 characters>), got ${JSON.stringify(text)}`;
}

/** A Secrets Manager secret name (1-512 of letters, digits and `/_+=.@-`). */
export function secretNameProblem(text: string): string | null {
  if (text.startsWith('arn:')) return 'this is an ARN: give it as the matching ...SecretArn option';
  if (/^[A-Za-z0-9/_+=.@-]{1,512}$/.test(text)) return null;
  return `expected a secret name (letters, digits and /_+=.@-), got ${JSON.stringify(text)}`;
}

const RATE_UNITS = new Set(['minute', 'minutes', 'hour', 'hours', 'day', 'days']);

/**
 * An EventBridge schedule expression: `rate(<n> <unit>)` (singular unit for 1, plural otherwise) or
 * `cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)` with `?` in one of the two day fields.
 */
export function scheduleProblem(text: string): string | null {
  const expected = `expected rate(5 minutes) or cron(5 0 * * ? *) (EventBridge, UTC), got ${JSON.stringify(text)}`;
  const rate = /^rate\((\d+) ([a-z]+)\)$/.exec(text);
  if (rate !== null) {
    const n = Number(rate[1]);
    const unit = rate[2] as string;
    if (n < 1 || !RATE_UNITS.has(unit)) return expected;
    const base = unit.replace(/s$/, '');
    if ((n === 1) !== (unit === base)) return `${expected} (rate(1 ${base}) but rate(2 ${base}s))`;
    return null;
  }
  const cron = /^cron\((.+)\)$/.exec(text);
  if (cron !== null) {
    const fields = (cron[1] as string).trim().split(/\s+/);
    if (fields.length !== 6) return `${expected} (cron takes 6 fields, got ${fields.length})`;
    if (fields[2] !== '?' && fields[4] !== '?') return `${expected} (day-of-month or day-of-week must be ?)`;
    return null;
  }
  return expected;
}
