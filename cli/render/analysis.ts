// Human-readable `lbwatch analyze` output: incidents first (when, how long, how bad at the peak, ranked causes,
// the windows inside), then gaps in the logs, then a summary.
import { durationText } from '../../lib/incidents/index.js';
import type { Alert, AnalysisResult, Incident, Severity } from '../../lib/model.js';
import { type Style, table, terminalText, thousands } from './terminal.js';

/** Causes shown per alert (those with a positive score). */
export const CAUSES_SHOWN = 3;

export interface RunFacts {
  /** Earliest and latest record time (epoch ms), or null when no record was read. */
  firstTime: number | null;
  lastTime: number | null;
  windowMs: number;
  rulesSource: string;
}

function severity(s: Severity, style: Style): string {
  const text = s.toUpperCase();
  return s === 'critical' ? style.red(style.bold(text)) : s === 'warning' ? style.yellow(text) : style.cyan(text);
}

function windowText(a: Alert): string {
  const start = a.windowStart.replace('T', ' ').replace(/:00\.000Z$/, '');
  const end = a.windowEnd.slice(11).replace(/:00\.000Z$/, '');
  return `${start}–${end}Z`;
}

function codesText(a: Alert): string {
  return Object.entries(a.statusCodes)
    .map(([code, n]) => `${code}×${thousands(n)}`)
    .join(' ');
}

function pct(rate: number): string {
  return `${(rate * 100).toFixed(rate >= 0.1 ? 0 : 1)}%`;
}

function shortTime(isoText: string): string {
  return isoText
    .replace('T', ' ')
    .replace(/:00\.000Z$/, '')
    .replace(/\.\d{3}Z$/, '');
}

function incidentCodes(i: Incident): string {
  return Object.entries(i.statusCodes)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code}×${thousands(n)}`)
    .join(' ');
}

/** "05:40–05:55Z (15 min)" or "since 05:40Z (open, 15 min so far)". */
function incidentWhen(i: Incident, windowMs: number): string {
  const start = Date.parse(i.start);
  const lastEnd = Date.parse(i.lastFiring) + windowMs;
  if (i.end === null)
    return `since ${shortTime(i.start)}Z, still open at the end of the data (${durationText(lastEnd - start)} so far)`;
  return `${shortTime(i.start)}–${i.end.slice(11, 16)}Z (${durationText(Date.parse(i.end) - start)})`;
}

function incidentBlock(i: Incident, alerts: readonly Alert[], windowMs: number, style: Style): string[] {
  const silenced = i.silenced ? ` ${style.dim('[silenced: not paged]')}` : '';
  const peak = i.peak;
  const lines = [
    `${severity(i.severity, style)} ${style.bold(terminalText(i.rule, 64))} on ${terminalText(i.loadBalancer, 120)}${silenced}`,
    `  when     ${incidentWhen(i, windowMs)}, ${i.windows} firing window${i.windows === 1 ? '' : 's'}`,
    `  peak     ${shortTime(peak.windowStart)}Z: ${thousands(peak.matched)} of ${thousands(peak.requests)} requests (${pct(peak.rate)})`,
    `  total    ${thousands(i.matched)} of ${thousands(i.requests)} requests in its firing windows: ${incidentCodes(i)}`,
    `  id       ${i.id}`,
  ];
  const likely = i.causes.filter((c) => c.score > 0).slice(0, CAUSES_SHOWN);
  if (likely.length === 0) lines.push(`  ${style.dim('no cause stands out in this incident')}`);
  likely.forEach((c, n) => {
    lines.push(`  ${n + 1}. ${style.bold(c.id)} ${style.dim(`(score ${c.score})`)} ${terminalText(c.title, 160)}`);
    if (c.evidence !== '') lines.push(`     ${terminalText(c.evidence, 600)}`);
  });
  const inside = alerts.filter(
    (a) =>
      a.loadBalancer === i.loadBalancer &&
      a.rule === i.rule &&
      a.windowStart >= i.start &&
      a.windowStart <= i.lastFiring,
  );
  if (inside.length > 0) {
    lines.push(`  ${style.dim('firing windows')}`);
    for (const a of inside)
      lines.push(`     ${windowText(a)}  ${codesText(a)} of ${thousands(a.requests)} (${pct(a.rate)})`);
  }
  return lines;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The whole human output; every log-derived value goes through `terminalText`. */
export function renderAnalysisText(result: AnalysisResult, facts: RunFacts, style: Style): string {
  const out: string[] = [];
  const incidents = result.incidents ?? [];
  if (incidents.length === 0) {
    out.push(style.green('No incidents: no window crossed a rule.'));
  } else {
    const open = incidents.filter((i) => i.end === null).length;
    out.push(
      style.bold(
        `Incidents (${incidents.length}${open > 0 ? `, ${open} still open` : ''}; ${result.alerts.length} firing window${result.alerts.length === 1 ? '' : 's'})`,
      ),
    );
    out.push(
      ...table([
        ['START (UTC)', 'LENGTH', 'LOAD BALANCER', 'RULE', 'SEVERITY', 'CODES', 'PEAK', 'TOP CAUSE'].map((h) =>
          style.dim(h),
        ),
        ...incidents.map((i) => [
          shortTime(i.start),
          i.end === null ? 'open' : durationText(Date.parse(i.end) - Date.parse(i.start)),
          terminalText(i.loadBalancer, 60),
          terminalText(i.rule, 40),
          severity(i.severity, style),
          incidentCodes(i),
          pct(i.peak.rate),
          i.causes[0] !== undefined && i.causes[0].score > 0 ? i.causes[0].id : '-',
        ]),
      ]),
    );
    out.push('');
    for (const i of incidents) out.push(...incidentBlock(i, result.alerts, facts.windowMs, style), '');
  }
  const gaps = result.logGaps ?? [];
  if (gaps.length > 0) {
    out.push(style.bold(`Gaps in the logs (${gaps.length})`));
    for (const g of gaps)
      out.push(
        `  ${terminalText(g.loadBalancer, 120)}: no records ${shortTime(g.from)}Z – ${shortTime(g.to)}Z (${durationText(Date.parse(g.to) - Date.parse(g.from))})`,
      );
    out.push('');
  }

  const inputs = result.inputs;
  const failed = inputs.filter((i) => i.error !== null);
  const lines = inputs.reduce((s, i) => s + i.lines, 0);
  const records = inputs.reduce((s, i) => s + i.records, 0);
  const rejected = inputs.reduce((s, i) => s + i.rejected, 0);
  const reasons: Record<string, number> = {};
  for (const i of inputs) for (const [r, n] of Object.entries(i.rejects)) reasons[r] = (reasons[r] ?? 0) + n;
  const lbs = new Set(result.windows.map((w) => w.loadBalancer));
  const summary: string[][] = [
    [
      'inputs',
      `${thousands(inputs.length)} file${inputs.length === 1 ? '' : 's'}${failed.length > 0 ? `, ${style.red(`${failed.length} failed`)}` : ''}`,
    ],
    ['records', `${thousands(records)} of ${thousands(lines)} line${lines === 1 ? '' : 's'}`],
    [
      'rejected',
      rejected === 0
        ? '0'
        : `${thousands(rejected)}: ${Object.entries(reasons)
            .sort((a, b) => b[1] - a[1])
            .map(([r, n]) => `${terminalText(r, 40)} ${thousands(n)}`)
            .join(', ')}`,
    ],
    [
      'time range',
      facts.firstTime === null || facts.lastTime === null ? '-' : `${iso(facts.firstTime)} .. ${iso(facts.lastTime)}`,
    ],
    [
      'windows',
      `${thousands(result.windows.length)} of ${facts.windowMs / 60_000} min over ${lbs.size} load balancer${lbs.size === 1 ? '' : 's'}`,
    ],
    ['rules', terminalText(facts.rulesSource, 200)],
  ];
  out.push(style.bold('Summary'), ...table(summary.map(([k, v]) => [style.dim(k ?? ''), v ?? ''])));
  for (const f of failed)
    out.push(`  ${style.red('failed')} ${terminalText(f.path, 200)}: ${terminalText(f.error ?? '', 300)}`);
  return `${out.join('\n')}\n`;
}
