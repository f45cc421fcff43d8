// Human-readable `lbwatch analyze` output: the alerts as a table with their top causes, then a summary.
import type { Alert, AnalysisResult, Severity } from '../../lib/model.js';
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

function alertBlock(a: Alert, style: Style): string[] {
  const lines = [
    `${severity(a.severity, style)} ${style.bold(terminalText(a.rule, 64))} on ${terminalText(a.loadBalancer, 120)}, ${windowText(a)}: ${thousands(a.matched)} of ${thousands(a.requests)} requests (${pct(a.rate)}) ${codesText(a)}`,
  ];
  const likely = a.causes.filter((c) => c.score > 0).slice(0, CAUSES_SHOWN);
  if (likely.length === 0) lines.push(`  ${style.dim('no cause stands out in this window')}`);
  likely.forEach((c, i) => {
    lines.push(`  ${i + 1}. ${style.bold(c.id)} ${style.dim(`(score ${c.score})`)} ${terminalText(c.title, 160)}`);
    if (c.evidence !== '') lines.push(`     ${terminalText(c.evidence, 600)}`);
  });
  return lines;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The whole human output; every log-derived value goes through `terminalText`. */
export function renderAnalysisText(result: AnalysisResult, facts: RunFacts, style: Style): string {
  const out: string[] = [];
  if (result.alerts.length === 0) {
    out.push(style.green('No alerts: no window crossed a rule.'));
  } else {
    out.push(style.bold(`Alerts (${result.alerts.length})`));
    out.push(
      ...table([
        ['WINDOW (UTC)', 'LOAD BALANCER', 'RULE', 'SEVERITY', 'CODES', 'RATE', 'TOP CAUSE'].map((h) => style.dim(h)),
        ...result.alerts.map((a) => [
          windowText(a),
          terminalText(a.loadBalancer, 60),
          terminalText(a.rule, 40),
          severity(a.severity, style),
          codesText(a),
          pct(a.rate),
          a.causes[0] !== undefined && a.causes[0].score > 0 ? a.causes[0].id : '-',
        ]),
      ]),
    );
    out.push('');
    for (const a of result.alerts) out.push(...alertBlock(a, style), '');
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
    ['records', `${thousands(records)} of ${thousands(lines)} lines`],
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
