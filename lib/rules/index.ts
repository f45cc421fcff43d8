/**
 * Threshold rules: which status codes, from whom, at what rate and count, make an alert. Parsed once from
 * YAML or JSON and validated with every problem reported at once.
 */
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { MAX_WINDOW_MS, MIN_WINDOW_MS } from '../aggregate/index.js';
import { LbwatchError } from '../errors.js';
import { LOG_FORMATS, type LogFormat } from '../formats/record.js';
import { LOGS_MISSING_RULE, type Severity } from '../model.js';
import { globMatches, isTimeZone, parseSchedule, type Silence } from './silences.js';

export { globMatches, parseSchedule, type Silence, silencedBy, type WeeklySchedule } from './silences.js';

export type RuleSource = 'any' | 'lb' | 'backend';

export interface Rule {
  id: string;
  /** Exact status codes. */
  codes: number[];
  /** Status classes as their first digit (`5xx` -> 5). */
  classes: number[];
  source: RuleSource;
  /** Fires when matched/requests >= rate (null: no rate condition). */
  rate: number | null;
  /** And matched >= count (null: no count condition). */
  count: number | null;
  /** Windows with fewer requests never fire. */
  minRequests: number;
  severity: Severity;
  /** Per-rule incident settings (the file's `incidents`, overridden by the rule's own). */
  incidents: IncidentSettings;
}

/** How firing windows become incidents and how often an open incident is paged again. */
export interface IncidentSettings {
  /** Quiet time (in windows with requests) after which an incident resolves; null = 2 windows. */
  resolveAfterMs: number | null;
  /** Reminder interval while open; 0 = no reminders. */
  renotifyAfterMs: number;
}

/** Silent logs: a load balancer that delivered logs and then none for `afterMs` opens a `logs-missing` incident. */
export interface LogsMissingSettings {
  /** null = off. */
  afterMs: number | null;
  severity: Severity;
  /** First match wins; `afterMs` null turns the check off for those load balancers. */
  overrides: { loadBalancers: string[]; afterMs: number | null }[];
}

/** Timeouts in seconds that turn request times into evidence (see error-codes.md). */
export interface PlatformThresholds {
  /** Backend connect timeout: OTC 5 s, ALB 10 s. */
  connectTimeout: number;
  /** Backend response timeout: OTC 300 s; ALB/CLB idle timeout 60 s. */
  responseTimeout: number;
  /** How long the LB waits for the client's request: OTC 60 s; ALB/CLB idle timeout. */
  clientTimeout: number;
}

export type ThresholdsByFormat = Record<LogFormat, PlatformThresholds>;

export interface RuleSet {
  windowMs: number;
  rules: Rule[];
  thresholds: ThresholdsByFormat;
  /** The file's global incident settings (each rule carries its resolved copy). */
  incidents: IncidentSettings;
  silences: Silence[];
  logsMissing: LogsMissingSettings;
}

/** Defaults: resolve after 2 quiet windows; remind every 4 hours like Alertmanager's `repeat_interval`. */
export const DEFAULT_INCIDENTS: Readonly<IncidentSettings> = Object.freeze({
  resolveAfterMs: null,
  renotifyAfterMs: 4 * 3_600_000,
});

export const DEFAULT_LOGS_MISSING: Readonly<LogsMissingSettings> = Object.freeze({
  afterMs: 20 * 60_000,
  severity: 'warning',
  overrides: [],
});

/** Quiet windows with requests after which an incident of `rule` resolves (at least 1). */
export function resolveAfterWindows(settings: IncidentSettings, windowMs: number): number {
  return settings.resolveAfterMs === null ? 2 : Math.max(1, Math.ceil(settings.resolveAfterMs / windowMs));
}

/** How long a load balancer may stay silent before `logs-missing` opens, or null when off for it. */
export function logsMissingAfter(settings: LogsMissingSettings, loadBalancer: string): number | null {
  for (const o of settings.overrides) if (o.loadBalancers.some((p) => globMatches(p, loadBalancer))) return o.afterMs;
  return settings.afterMs;
}

/** Defaults from the OTC FAQ and the AWS ALB/CLB docs; CLB has no documented connect timeout, ALB's 10 s is used. */
export const DEFAULT_THRESHOLDS: Readonly<ThresholdsByFormat> = Object.freeze({
  'otc-elb': Object.freeze({ connectTimeout: 5, responseTimeout: 300, clientTimeout: 60 }),
  alb: Object.freeze({ connectTimeout: 10, responseTimeout: 60, clientTimeout: 60 }),
  clb: Object.freeze({ connectTimeout: 10, responseTimeout: 60, clientTimeout: 60 }),
});

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses `500ms`, `30s`, `5m`, `1h`, `1d` (also `1.5h`) into milliseconds.
 *
 * @throws RangeError when the text is not such a duration.
 * @example parseDuration('5m') // 300000
 */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(text);
  if (match === null)
    throw new RangeError(`not a duration: ${JSON.stringify(text.slice(0, 40))} (use e.g. 30s, 5m, 1h)`);
  return Math.round(Number(match[1]) * (UNITS[match[2] as string] as number));
}

/** Checks a window length: 1 min to 1 h in whole seconds. Returns a problem text, or null when fine. */
export function windowProblem(ms: number): string | null {
  if (ms < MIN_WINDOW_MS || ms > MAX_WINDOW_MS) return 'a window from 1m to 1h';
  if (ms % 1000 !== 0) return 'a whole number of seconds';
  return null;
}

/** Whether a status code counts for a rule (exact codes and classes). */
export function ruleMatchesCode(rule: Rule, code: number): boolean {
  return rule.codes.includes(code) || rule.classes.includes(Math.floor(code / 100));
}

function rule(
  id: string,
  codes: number[],
  source: RuleSource,
  rate: number,
  count: number,
  severity: Severity,
  minRequests = 20,
): Rule {
  return { id, codes, classes: [], source, rate, count, minRequests, severity, incidents: DEFAULT_INCIDENTS };
}

/**
 * Built-in rules for an on-call team: a handful of failing requests on a quiet service does not page
 * (every rule needs at least 20 requests in the window and an absolute count), and every code of the
 * error-code table (plus ALB's own 460/463/464/561) is covered by some rule.
 */
export const DEFAULT_RULES: RuleSet = Object.freeze({
  windowMs: 300_000,
  rules: [
    rule('gateway-errors', [502, 503, 504], 'any', 0.05, 10, 'critical'),
    rule('server-errors', [500, 501, 505, 507], 'any', 0.05, 10, 'critical'),
    rule('rejected-requests', [400, 408, 413, 414, 463, 464], 'lb', 0.05, 10, 'warning'),
    rule('auth-failures', [401, 403, 561], 'any', 0.25, 25, 'warning'),
    rule('misrouted-requests', [404], 'lb', 0.05, 10, 'warning'),
    rule('not-found-surge', [404], 'backend', 0.3, 50, 'warning'),
    rule('client-aborts', [460, 499], 'any', 0.1, 25, 'info'),
  ],
  thresholds: DEFAULT_THRESHOLDS,
  incidents: DEFAULT_INCIDENTS,
  silences: [],
  logsMissing: DEFAULT_LOGS_MISSING,
}) as RuleSet;

const RULE_FIELDS = new Set(['id', 'codes', 'source', 'rate', 'count', 'minRequests', 'severity', 'incidents']);
const TOP_FIELDS = new Set(['window', 'rules', 'thresholds', 'incidents', 'silences', 'logsMissing']);
const INCIDENT_FIELDS = new Set(['resolveAfter', 'renotifyAfter']);
const SILENCE_FIELDS = new Set(['id', 'loadBalancers', 'rules', 'from', 'to', 'schedule', 'timeZone', 'reason']);
const LOGS_MISSING_FIELDS = new Set(['after', 'severity', 'overrides']);
const THRESHOLD_FIELDS = new Set(['connectTimeout', 'responseTimeout', 'idleTimeout', 'clientTimeout']);
const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info'];
const SOURCES: readonly RuleSource[] = ['any', 'lb', 'backend'];

function shown(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  const text = typeof v === 'string' ? JSON.stringify(v) : String(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses and validates a rules file (YAML or JSON: YAML is a superset). Missing `window` means 5 minutes,
 * missing `thresholds` the platform defaults.
 *
 * @throws LbwatchError `RULES_INVALID` listing every problem, each naming the rule (index and id), the field,
 *   what was expected and what was found.
 * @example
 * const rules = parseRules(await readFile('rules.yaml', 'utf8'), 'rules.yaml');
 */
export function parseRules(text: string, source: string): RuleSet {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new LbwatchError('RULES_INVALID', `${source}: not valid YAML or JSON: ${message}`, {
      cause: error,
      context: { source },
    });
  }
  const problems: string[] = [];
  const problem = (where: string, expected: string, found: unknown) =>
    problems.push(`${where}: expected ${expected}, found ${shown(found)}`);

  if (!isObject(doc)) {
    problem('file', 'a mapping with `rules` (and optionally `window`, `thresholds`, `incidents`, `silences`)', doc);
    throw invalid(source, problems);
  }
  for (const key of Object.keys(doc)) {
    if (!TOP_FIELDS.has(key)) problem(`field "${key}"`, `one of ${[...TOP_FIELDS].join(', ')}`, key);
  }

  let windowMs = DEFAULT_RULES.windowMs;
  if (doc.window !== undefined) {
    if (typeof doc.window !== 'string') problem('field "window"', 'a duration such as 5m', doc.window);
    else {
      try {
        windowMs = parseDuration(doc.window);
        const bad = windowProblem(windowMs);
        if (bad !== null) problem('field "window"', bad, doc.window);
      } catch {
        problem('field "window"', 'a duration such as 5m (1m to 1h)', doc.window);
      }
    }
  }

  const incidents = parseIncidentSettings(doc.incidents, DEFAULT_INCIDENTS, 'field "incidents"', problems);
  const rules: Rule[] = [];
  // A file that only tunes incidents, silences or silent-log checks keeps the built-in rules.
  const tunesOnly =
    doc.rules === undefined &&
    (doc.incidents !== undefined || doc.silences !== undefined || doc.logsMissing !== undefined);
  if (tunesOnly) {
    for (const r of DEFAULT_RULES.rules) rules.push({ ...r, incidents });
  } else if (!Array.isArray(doc.rules) || doc.rules.length === 0) {
    problem('field "rules"', 'a non-empty list of rules', doc.rules);
  } else {
    const seen = new Set<string>();
    doc.rules.forEach((raw: unknown, index: number) => {
      const parsed = parseRule(raw, index, seen, problems, incidents);
      if (parsed !== null) rules.push(parsed);
    });
  }

  const thresholds = parseThresholds(doc.thresholds, problems);
  const silences = parseSilences(doc.silences, new Set(rules.map((r) => r.id)), problems);
  const logsMissing = parseLogsMissing(doc.logsMissing, problems);
  if (problems.length > 0) throw invalid(source, problems);
  return { windowMs, rules, thresholds, incidents, silences, logsMissing };
}

/** A duration field; `0` is allowed where `allowZero` (e.g. reminders off). */
function durationField(
  raw: unknown,
  where: string,
  problems: string[],
  options: { allowZero?: boolean; allowOff?: boolean } = {},
): number | null | undefined {
  if (raw === undefined) return undefined;
  if (options.allowOff === true && (raw === 'off' || raw === false)) return null;
  if (options.allowZero === true && (raw === 0 || raw === '0')) return 0;
  if (typeof raw === 'string') {
    try {
      const ms = parseDuration(raw);
      if (ms > 0) return ms;
    } catch {
      // reported below
    }
  }
  const extra = [options.allowZero === true ? '0 (off)' : '', options.allowOff === true ? '"off"' : '']
    .filter((e) => e !== '')
    .join(' or ');
  problems.push(
    `${where}: expected a duration such as 10m, 4h or 1d${extra === '' ? '' : ` or ${extra}`}, found ${shown(raw)}`,
  );
  return undefined;
}

function parseIncidentSettings(
  raw: unknown,
  base: IncidentSettings,
  where: string,
  problems: string[],
): IncidentSettings {
  if (raw === undefined) return base;
  if (!isObject(raw)) {
    problems.push(`${where}: expected a mapping with resolveAfter and/or renotifyAfter, found ${shown(raw)}`);
    return base;
  }
  for (const key of Object.keys(raw)) {
    if (!INCIDENT_FIELDS.has(key))
      problems.push(`${where} field "${key}": expected one of ${[...INCIDENT_FIELDS].join(', ')}, found ${shown(key)}`);
  }
  const resolveAfter = durationField(raw.resolveAfter, `${where} field "resolveAfter"`, problems);
  const renotifyAfter = durationField(raw.renotifyAfter, `${where} field "renotifyAfter"`, problems, {
    allowZero: true,
  });
  return {
    resolveAfterMs: resolveAfter ?? base.resolveAfterMs,
    renotifyAfterMs: renotifyAfter ?? base.renotifyAfterMs,
  };
}

function stringList(raw: unknown, where: string, problems: string[], what: string): string[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw) || raw.some((v) => typeof v !== 'string' || v === '')) {
    problems.push(`${where}: expected a list of ${what}, found ${shown(raw)}`);
    return [];
  }
  return raw as string[];
}

function instant(raw: unknown, where: string, problems: string[]): number | null {
  const text = raw instanceof Date ? raw.toISOString() : raw;
  const ms =
    typeof text === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)
      ? Date.parse(text)
      : Number.NaN;
  if (Number.isNaN(ms)) {
    problems.push(`${where}: expected an ISO 8601 time with a zone, e.g. 2026-06-16T05:00:00Z, found ${shown(raw)}`);
    return null;
  }
  return ms;
}

function parseSilences(raw: unknown, ruleIds: Set<string>, problems: string[]): Silence[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    problems.push(`field "silences": expected a list of silences, found ${shown(raw)}`);
    return [];
  }
  const out: Silence[] = [];
  const seen = new Set<string>();
  raw.forEach((s: unknown, index: number) => {
    const idText = isObject(s) && typeof s.id === 'string' ? ` (id "${s.id.slice(0, 60)}")` : '';
    const where = (field: string) => `silences[${index}]${idText} field "${field}"`;
    const before = problems.length;
    if (!isObject(s)) {
      problems.push(`silences[${index}]: expected a mapping with id, from/to or schedule, found ${shown(s)}`);
      return;
    }
    for (const key of Object.keys(s)) {
      if (!SILENCE_FIELDS.has(key))
        problems.push(`${where(key)}: expected one of ${[...SILENCE_FIELDS].join(', ')}, found ${shown(key)}`);
    }
    if (typeof s.id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(s.id)) {
      problems.push(
        `${where('id')}: expected a name of letters, digits, ".", "_" or "-" (at most 64), found ${shown(s.id)}`,
      );
    } else if (seen.has(s.id)) {
      problems.push(`${where('id')}: expected an id not used by another silence, found ${shown(s.id)}`);
    } else seen.add(s.id);
    const loadBalancers = stringList(s.loadBalancers, where('loadBalancers'), problems, 'load-balancer globs');
    const rules = stringList(s.rules, where('rules'), problems, 'rule ids');
    for (const r of rules) {
      if (!ruleIds.has(r) && r !== LOGS_MISSING_RULE)
        problems.push(`${where('rules')}: expected rule ids of this file or ${LOGS_MISSING_RULE}, found ${shown(r)}`);
    }
    let period: Silence['period'] = null;
    let schedule: Silence['schedule'] = null;
    const timeZone = s.timeZone ?? 'UTC';
    if (typeof timeZone !== 'string' || !isTimeZone(timeZone)) {
      problems.push(`${where('timeZone')}: expected an IANA time zone such as Europe/Berlin, found ${shown(timeZone)}`);
    }
    if (s.schedule !== undefined) {
      if (s.from !== undefined || s.to !== undefined)
        problems.push(`${where('schedule')}: expected either schedule or from/to, found both`);
      const parsed = typeof s.schedule === 'string' ? parseSchedule(s.schedule, String(timeZone)) : 'a text';
      if (typeof parsed === 'string')
        problems.push(`${where('schedule')}: expected ${parsed}, found ${shown(s.schedule)}`);
      else schedule = parsed;
    } else if (s.from !== undefined || s.to !== undefined) {
      const from = instant(s.from, where('from'), problems);
      const to = instant(s.to, where('to'), problems);
      if (from !== null && to !== null) {
        if (to <= from) problems.push(`${where('to')}: expected a time after from, found ${shown(s.to)}`);
        else period = { from, to };
      }
    } else {
      problems.push(`${where('from')}: expected from and to, or a weekly schedule, found nothing`);
    }
    if (s.reason !== undefined && typeof s.reason !== 'string')
      problems.push(`${where('reason')}: expected a text, found ${shown(s.reason)}`);
    if (problems.length > before) return;
    out.push({
      id: s.id as string,
      loadBalancers,
      rules,
      period,
      schedule,
      reason: typeof s.reason === 'string' ? s.reason.slice(0, 500) : '',
    });
  });
  return out;
}

function parseLogsMissing(raw: unknown, problems: string[]): LogsMissingSettings {
  if (raw === undefined) return DEFAULT_LOGS_MISSING;
  if (!isObject(raw)) {
    problems.push(`field "logsMissing": expected a mapping with after, severity and/or overrides, found ${shown(raw)}`);
    return DEFAULT_LOGS_MISSING;
  }
  for (const key of Object.keys(raw)) {
    if (!LOGS_MISSING_FIELDS.has(key))
      problems.push(
        `field "logsMissing" field "${key}": expected one of ${[...LOGS_MISSING_FIELDS].join(', ')}, found ${shown(key)}`,
      );
  }
  const after = durationField(raw.after, 'logsMissing field "after"', problems, { allowOff: true });
  const severity = raw.severity ?? DEFAULT_LOGS_MISSING.severity;
  if (!SEVERITIES.includes(severity as Severity))
    problems.push(`logsMissing field "severity": expected critical, warning or info, found ${shown(severity)}`);
  const overrides: LogsMissingSettings['overrides'] = [];
  if (raw.overrides !== undefined) {
    if (!Array.isArray(raw.overrides)) {
      problems.push(`logsMissing field "overrides": expected a list, found ${shown(raw.overrides)}`);
    } else {
      raw.overrides.forEach((o: unknown, i: number) => {
        const where = `logsMissing.overrides[${i}]`;
        if (!isObject(o)) {
          problems.push(`${where}: expected a mapping with loadBalancers and after, found ${shown(o)}`);
          return;
        }
        const lbs = stringList(o.loadBalancers, `${where} field "loadBalancers"`, problems, 'load-balancer globs');
        if (lbs.length === 0 && Array.isArray(o.loadBalancers))
          problems.push(`${where} field "loadBalancers": expected at least one glob, found an empty list`);
        const ms = durationField(o.after, `${where} field "after"`, problems, { allowOff: true });
        if (o.after === undefined) problems.push(`${where} field "after": expected a duration or "off", found nothing`);
        if (ms !== undefined) overrides.push({ loadBalancers: lbs, afterMs: ms });
      });
    }
  }
  return {
    afterMs: after === undefined ? DEFAULT_LOGS_MISSING.afterMs : after,
    severity: severity as Severity,
    overrides,
  };
}

function invalid(source: string, problems: string[]): LbwatchError {
  return new LbwatchError(
    'RULES_INVALID',
    `${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n  ${problems.join('\n  ')}`,
    { context: { source, problems: problems.length } },
  );
}

function parseCode(v: unknown): { code: number } | { cls: number } | null {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 100 && v <= 999) return { code: v };
  if (typeof v === 'string') {
    const m = /^([1-5])xx$/i.exec(v.trim());
    if (m !== null) return { cls: Number(m[1]) };
    if (/^[1-9][0-9]{2}$/.test(v.trim())) return { code: Number(v) };
  }
  return null;
}

function parseRule(
  raw: unknown,
  index: number,
  seen: Set<string>,
  problems: string[],
  fileIncidents: IncidentSettings,
): Rule | null {
  const idText = isObject(raw) && typeof raw.id === 'string' ? ` (id "${raw.id.slice(0, 60)}")` : '';
  const where = (field: string) => `rules[${index}]${idText} field "${field}"`;
  const problem = (field: string, expected: string, found: unknown) =>
    problems.push(`${where(field)}: expected ${expected}, found ${shown(found)}`);
  const before = problems.length;
  if (!isObject(raw)) {
    problems.push(`rules[${index}]: expected a mapping with id, codes, rate and/or count, found ${shown(raw)}`);
    return null;
  }
  for (const key of Object.keys(raw)) {
    if (!RULE_FIELDS.has(key)) problem(key, `one of ${[...RULE_FIELDS].join(', ')}`, key);
  }
  const id = raw.id;
  if (typeof id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(id)) {
    problem('id', 'a name of letters, digits, ".", "_" or "-" (at most 64)', id);
  } else if (id === LOGS_MISSING_RULE) {
    problem('id', `an id other than ${LOGS_MISSING_RULE} (lbwatch's silent-log incidents use it)`, id);
  } else if (seen.has(id)) {
    problem('id', 'an id not used by another rule', id);
  } else seen.add(id);

  const codes: number[] = [];
  const classes: number[] = [];
  if (!Array.isArray(raw.codes) || raw.codes.length === 0) {
    problem('codes', 'a non-empty list of status codes (e.g. 502) or classes (e.g. "5xx")', raw.codes);
  } else {
    raw.codes.forEach((c: unknown, i: number) => {
      const parsed = parseCode(c);
      if (parsed === null) problem(`codes[${i}]`, 'a status code 100..999 or a class such as "5xx"', c);
      else if ('code' in parsed) codes.push(parsed.code);
      else classes.push(parsed.cls);
    });
  }

  const source = raw.source ?? 'any';
  if (!SOURCES.includes(source as RuleSource)) problem('source', 'any, lb or backend', source);

  let rate: number | null = null;
  if (raw.rate !== undefined) {
    if (typeof raw.rate !== 'number' || !(raw.rate > 0 && raw.rate <= 1)) {
      problem('rate', 'a fraction greater than 0 and at most 1 (0.05 is 5%)', raw.rate);
    } else rate = raw.rate;
  }
  let count: number | null = null;
  if (raw.count !== undefined) {
    if (typeof raw.count !== 'number' || !Number.isInteger(raw.count) || raw.count < 1) {
      problem('count', 'a whole number of at least 1', raw.count);
    } else count = raw.count;
  }
  if (raw.rate === undefined && raw.count === undefined)
    problem('rate', 'rate and/or count (give one or both)', undefined);

  let minRequests = 1;
  if (raw.minRequests !== undefined) {
    if (typeof raw.minRequests !== 'number' || !Number.isInteger(raw.minRequests) || raw.minRequests < 1) {
      problem('minRequests', 'a whole number of at least 1', raw.minRequests);
    } else minRequests = raw.minRequests;
  }
  const severity = raw.severity ?? 'warning';
  if (!SEVERITIES.includes(severity as Severity)) problem('severity', 'critical, warning or info', severity);
  const incidents = parseIncidentSettings(raw.incidents, fileIncidents, where('incidents'), problems);

  if (problems.length > before) return null;
  return {
    id: id as string,
    codes,
    classes,
    source: source as RuleSource,
    rate,
    count,
    minRequests,
    severity: severity as Severity,
    incidents,
  };
}

function parseThresholds(raw: unknown, problems: string[]): ThresholdsByFormat {
  const out: ThresholdsByFormat = {
    'otc-elb': { ...DEFAULT_THRESHOLDS['otc-elb'] },
    alb: { ...DEFAULT_THRESHOLDS.alb },
    clb: { ...DEFAULT_THRESHOLDS.clb },
  };
  if (raw === undefined) return out;
  if (!isObject(raw)) {
    problems.push(`field "thresholds": expected a mapping of ${LOG_FORMATS.join(', ')}, found ${shown(raw)}`);
    return out;
  }
  for (const [platform, values] of Object.entries(raw)) {
    const where = `thresholds.${platform}`;
    if (!LOG_FORMATS.includes(platform as LogFormat)) {
      problems.push(`${where}: expected one of ${LOG_FORMATS.join(', ')}, found ${shown(platform)}`);
      continue;
    }
    if (!isObject(values)) {
      problems.push(`${where}: expected a mapping of timeouts in seconds, found ${shown(values)}`);
      continue;
    }
    const target = out[platform as LogFormat];
    for (const [field, value] of Object.entries(values)) {
      if (!THRESHOLD_FIELDS.has(field)) {
        problems.push(
          `${where} field "${field}": expected one of ${[...THRESHOLD_FIELDS].join(', ')}, found ${shown(field)}`,
        );
      } else if (typeof value !== 'number' || !(value > 0 && value <= 86_400)) {
        problems.push(
          `${where} field "${field}": expected seconds greater than 0 (at most 86400), found ${shown(value)}`,
        );
      } else if (field === 'idleTimeout') {
        // ALB/CLB: one idle timeout bounds both the backend's answer and the client's request.
        target.responseTimeout = value;
        if (values.clientTimeout === undefined && platform !== 'otc-elb') target.clientTimeout = value;
      } else target[field as keyof PlatformThresholds] = value;
    }
  }
  return out;
}

/** A short digest of everything in a rule set that a verdict or an alert depends on (rollups record it). */
export function rulesDigest(rules: RuleSet): string {
  return createHash('sha256').update(JSON.stringify(rules)).digest('hex').slice(0, 16);
}
