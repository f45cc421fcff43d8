/**
 * The report as Markdown for chat and tickets: headline table, incidents, top codes with causes. Identifiers
 * from the logs are code spans, prose from the logs is backslash-escaped, and neither can break a table row.
 */
import { markdownCode, markdownText } from './escape.js';
import { formatCount, formatDuration, formatRange, formatRate, formatTime, reasonPhrase } from './format.js';
import type { Headline, ReportModel } from './model.js';

const MAX_INCIDENTS = 25;

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
            : `${markdownCode(top.id, 60)}${top.evidence === '' ? '' : ` ${markdownText(top.evidence, 240)}`}`;
        out.push(
          `| ${i.severity} | ${markdownCode(i.loadBalancer, 60)} | ${markdownCode(i.rule, 60)} | ${formatRange(i.start, i.end)} (${i.windows}) | ${formatRate(i.peak.rate)} (${formatCount(i.peak.matched)}/${formatCount(i.peak.requests)}) | ${cause} |`,
        );
      }
      if (incidents.length > MAX_INCIDENTS) out.push('', `…and ${formatCount(incidents.length - MAX_INCIDENTS)} more.`);
      out.push('');
    }

    out.push('## Top error codes', '');
    if (model.overall.codes.length === 0) out.push('No error responses in this period.', '');
    for (const c of model.overall.codes) {
      const reason = reasonPhrase(c.code);
      out.push(
        `### ${c.code}${reason === '' ? '' : ` ${reason}`} on ${markdownCode(c.loadBalancer, 60)}: ${formatCount(c.count)} (${formatCount(c.lbGenerated)} by the load balancer)`,
        '',
      );
      if (c.causes.length === 0) out.push('No cause evidence recorded for this code.');
      c.causes.forEach((cause, n) => {
        const evidence = cause.evidence === '' ? 'no evidence either way' : markdownText(cause.evidence, 300);
        out.push(`${n + 1}. ${markdownCode(cause.id, 60)} ${markdownText(cause.title, 160)}: ${evidence}`);
      });
      out.push('');
    }
  }
  const inputs = model.inputs;
  const reasons = Object.entries(inputs.rejectsByReason)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([r, n]) => `${markdownText(r, 60)} ${formatCount(n)}`)
    .join(', ');
  out.push('## Inputs', '');
  out.push(
    `${formatCount(inputs.total)} inputs (${formatCount(inputs.failed)} failed), ${formatCount(inputs.lines)} lines, ${formatCount(inputs.records)} records, ${formatCount(inputs.rejected)} rejected${reasons === '' ? '' : `: ${reasons}`}.`,
    '',
  );
  return `${out.join('\n').trimEnd()}\n`;
}
