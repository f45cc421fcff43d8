/**
 * The report as Markdown for chat and tickets: headline table, incidents, top codes with causes. Identifiers
 * from the logs are code spans, prose from the logs is backslash-escaped, and neither can break a table row.
 */
import { markdownCode, markdownText } from './escape.js';
import {
  causeScopeText,
  errorWithoutPath,
  formatCount,
  formatDuration,
  formatRange,
  formatRate,
  formatTime,
  groupDigits,
  originText,
  plural,
  reasonPhrase,
  recordsText,
} from './format.js';
import type { Headline, ReportModel } from './model.js';

const MAX_INCIDENTS = 25;
/** Evidence sentences are printed whole; the bound only stops a hostile line. */
const EVIDENCE_MAX = 1000;
const evidenceText = (evidence: string): string => markdownText(groupDigits(evidence), EVIDENCE_MAX);
const MAX_FAILURES = 10;

function headlineRow(name: string, h: Headline): string {
  return `| ${name} | ${formatCount(h.requests)} | ${formatRate(h.errorRate['5xx'])} | ${formatRate(h.errorRate['4xx'])} | ${formatCount(h.lbGenerated)} / ${formatCount(h.backendGenerated)} | ${formatCount(h.alerts.total)} | ${formatCount(h.incidents)} |`;
}

/** Renders the report model as GitHub-flavoured Markdown. */
export function renderMarkdown(model: ReportModel): string {
  const out: string[] = [];
  out.push(`# ${markdownText(model.title, 120)}`, '');
  out.push(
    `${formatRange(model.period.from, model.period.to)} · ${formatDuration(model.windowMs)} windows · generated ${formatTime(model.generatedAt)}`,
    '',
  );
  if (model.empty) {
    out.push('**No data for this period.**', '');
  } else {
    out.push('## Headline', '');
    out.push('| Load balancer | Requests | 5xx | 4xx | Errors LB / backend | Alerts | Incidents |');
    out.push('|---|---:|---:|---:|---:|---:|---:|');
    out.push(headlineRow('**all**', model.overall.headline));
    for (const lb of model.loadBalancers) out.push(headlineRow(markdownCode(lb.name, 60), lb.headline));
    out.push('');
    const h = model.overall.headline;
    if (h.withoutStatus > 0) {
      out.push(
        `Requests are records with an HTTP status; ${plural(h.withoutStatus, 'TCP connection')} without an HTTP status (CLB TCP listeners) are counted apart.`,
        '',
      );
    }
    const s = model.overall.series;
    const gaps = s.requests.filter((v) => v === null).length;
    if (gaps > 0) {
      out.push(
        `No logs for ${formatDuration(gaps * s.bucketMs)} of the ${formatDuration(s.requests.length * s.bucketMs)} period: those times are missing, not zero traffic.`,
        '',
      );
    }

    out.push('## Incidents', '');
    const incidents = model.overall.incidents;
    if (incidents.length === 0) {
      out.push('No alert fired in this period.', '');
    } else {
      out.push('| Severity | Load balancer | Rule | When | Peak | Most likely cause |');
      out.push('|---|---|---|---|---:|---|');
      for (const i of incidents.slice(0, MAX_INCIDENTS)) {
        const top = i.causes[0];
        const cause =
          top === undefined
            ? '—'
            : `${markdownCode(top.id, 60)}${top.evidence === '' ? '' : ` ${evidenceText(top.evidence)}`}`;
        const length = formatDuration(Date.parse(i.end) - Date.parse(i.start));
        out.push(
          `| ${i.severity} | ${markdownCode(i.loadBalancer, 60)} | ${markdownCode(i.rule, 60)} | ${formatRange(i.start, i.end)} (${length}${i.open ? ', still open' : ''}${i.silenced ? ', silenced' : ''}) | ${formatRate(i.peak.rate)} (${formatCount(i.peak.matched)} of ${formatCount(i.peak.requests)}) | ${cause} |`,
        );
      }
      if (incidents.length > MAX_INCIDENTS) {
        out.push('', `…and ${plural(incidents.length - MAX_INCIDENTS, 'more incident')} (see the JSON report).`);
      }
      out.push('');
    }

    out.push('## Top error codes', '');
    if (model.overall.codes.length === 0) out.push('No error responses in this period.', '');
    for (const c of model.overall.codes) {
      const reason = reasonPhrase(c.code);
      out.push(
        `### ${c.code}${reason === '' ? '' : ` ${reason}`} on ${markdownCode(c.loadBalancer, 60)}: ${plural(c.count, 'response')}, ${originText(c.count, c.lbGenerated)}`,
        '',
      );
      const scope = causeScopeText(c);
      out.push(markdownText(scope.lead, 400), '');
      if (c.causes.length === 0) out.push('No cause evidence recorded for this code.');
      c.causes.forEach((cause, n) => {
        const evidence = cause.evidence === '' ? 'no evidence either way' : evidenceText(cause.evidence);
        out.push(`${n + 1}. ${markdownCode(cause.id, 60)} ${markdownText(cause.title, 160)}: ${evidence}`);
      });
      const more = [...scope.others, ...(scope.outside === null ? [] : [scope.outside])];
      if (more.length > 0) out.push('', ...more.map((line) => markdownText(line, 400)));
      out.push('');
    }
  }
  const inputs = model.inputs;
  const reasons = Object.entries(inputs.rejectsByReason)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([r, n]) => `${markdownText(r, 60)} ${formatCount(n)}`)
    .join(', ');
  out.push('## Inputs', '');
  const read =
    inputs.failed === 0
      ? `${plural(inputs.total, 'input')}, all read to the end`
      : `${plural(inputs.total, 'input')}, ${formatCount(inputs.failed)} of them stopped early`;
  out.push(
    `${read}; ${plural(inputs.lines, 'line')}; ${plural(inputs.records, 'record')}: ${recordsText(inputs, model.overall.headline)}; ${plural(inputs.rejected, 'line')} rejected${reasons === '' ? '' : `: ${reasons}`}.`,
    '',
  );
  if (inputs.failures.length > 0) {
    out.push('Inputs that could not be read to the end:', '');
    for (const f of inputs.failures.slice(0, MAX_FAILURES)) {
      out.push(`- ${markdownCode(f.path, 200)}: ${markdownText(errorWithoutPath(f.path, f.error), 300)}`);
    }
    if (inputs.failed > MAX_FAILURES) out.push(`- …and ${formatCount(inputs.failed - MAX_FAILURES)} more.`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
