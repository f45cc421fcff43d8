/**
 * The report as one self-contained HTML page: inline CSS (light, dark, print), inline SVG charts, no script and
 * no external resource, so it opens the same from disk, from a bucket or as an email attachment.
 */
import type { CauseResult } from '../model.js';
import { escapeHtml, htmlText } from './escape.js';
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
import type {
  CodeFigure,
  Headline,
  Incident,
  InputsFigure,
  LoadBalancerSection,
  MemberFigure,
  ReportModel,
  RuleSummary,
  Section,
} from './model.js';
import { barChart, type ChartMarker, sparkline, timeSeriesChart } from './svg.js';

const CSS = `
:root{color-scheme:light dark;--bg:#f4f6f9;--card:#fff;--fg:#18202c;--muted:#5d6978;--line:#e2e6ed;--soft:#eef1f5;
--req:#4f7fe0;--req-fill:rgba(79,127,224,.18);--c4xx:#e9a23b;--c5xx:#e0474c;--ok:#2f9e6e;--lb:#8a63d2;--be:#2f9eb3;
--crit:#e0474c;--warn:#e9a23b;--info:#4f7fe0;--band-crit:rgba(224,71,76,.13);--band-warn:rgba(233,162,59,.16);--band-info:rgba(79,127,224,.13)}
@media (prefers-color-scheme:dark){:root{--bg:#0e1116;--card:#161b22;--fg:#e4e8ee;--muted:#97a2b0;--line:#2a323d;--soft:#1d242d;
--req:#6f9cff;--req-fill:rgba(111,156,255,.22);--c4xx:#f2b457;--c5xx:#ff6369;--ok:#3fbf86;--lb:#a888ee;--be:#45bcd1;
--crit:#ff6369;--warn:#f2b457;--info:#6f9cff;--band-crit:rgba(255,99,105,.16);--band-warn:rgba(242,180,87,.16);--band-info:rgba(111,156,255,.16)}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1240px;margin:0 auto;padding:24px 20px 48px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:0 0 12px}h2 .name{font-size:inherit}
td.when{white-space:nowrap}td.name{min-width:110px;max-width:220px;overflow-wrap:anywhere}h3{font-size:15px;margin:20px 0 8px}
.meta{color:var(--muted);margin:0}
header.top{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:flex-end;gap:8px;margin-bottom:18px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 20px;margin:0 0 18px}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px;margin:0 0 14px}
.kpi{background:var(--soft);border-radius:8px;padding:10px 12px}
.kpi .v{font-size:22px;font-weight:650;font-variant-numeric:tabular-nums;line-height:1.2}
.kpi .l{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.kpi .s{color:var(--muted);font-size:12px}
.kpi.c5 .v{color:var(--c5xx)}.kpi.c4 .v{color:var(--c4xx)}.kpi.alerting .v{color:var(--crit)}
.split{display:flex;height:6px;border-radius:3px;overflow:hidden;margin-top:6px;background:var(--line)}
.split .lb,.key.lb{background:var(--lb)}.split .be,.key.be{background:var(--be)}
.key{display:inline-block;width:8px;height:8px;border-radius:2px;margin-right:3px}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.03em}
td.n,th.n{text-align:right;white-space:nowrap}
a{color:var(--req)}
.name{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px;overflow-wrap:anywhere}
.sev{display:inline-block;border-radius:999px;padding:0 8px;font-size:12px;font-weight:600;color:#fff}
.sev-critical{background:var(--crit)}.sev-warning{background:var(--warn);color:#1d1400}.sev-info{background:var(--info)}
.muted{color:var(--muted)}
.chart{width:100%;height:auto;display:block;margin:4px 0 8px;font-family:inherit}
.chart .grid{stroke:var(--line);stroke-width:1}.chart .axis{stroke:var(--muted);stroke-width:1}
.chart text{fill:var(--muted);font-size:13px}.chart .panel-label{fill:var(--fg);font-weight:600;paint-order:stroke;stroke:var(--card);stroke-width:3px;stroke-linejoin:round}
.chart .legend text{fill:var(--fg)}
.chart .s-req{fill:var(--req-fill);stroke:var(--req);stroke-width:1.4;stroke-linejoin:round}
.chart rect.s-req{fill:var(--req)}
.s-4xx{fill:var(--c4xx)}.s-5xx{fill:var(--c5xx)}.s-lb{fill:var(--lb)}.s-be{fill:var(--be)}
.chart .marker .band{fill:var(--band-crit)}.chart .marker .flag{fill:var(--crit)}
.chart .marker.sev-warning .band{fill:var(--band-warn)}.chart .marker.sev-warning .flag{fill:var(--warn)}
.chart .marker.sev-info .band{fill:var(--band-info)}.chart .marker.sev-info .flag{fill:var(--info)}
.spark{display:block}.spark-base{stroke:var(--line)}td.trend{padding-top:4px;padding-bottom:2px}
.spark-band{fill:var(--band-crit)}.spark-band.sev-warning{fill:var(--band-warn)}.spark-band.sev-info{fill:var(--band-info)}
.chart .row-label{fill:var(--fg);font-size:12px;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.chart .row-sublabel{font-size:10px}.chart .row-note{font-size:11px}
.codes{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:12px}
.code{border:1px solid var(--line);border-radius:8px;padding:12px 14px}
.code h4{margin:0 0 2px;font-size:15px}.scope{font-size:13px;margin-top:6px}.scope>div+div{color:var(--muted)}.code .big{font-size:18px;margin-right:6px}
.code .c5{color:var(--c5xx)}.code .c4{color:var(--c4xx)}
ol.causes{margin:8px 0 0;padding-left:20px}ol.causes li{margin:0 0 6px}
.cid{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;background:var(--soft);border-radius:4px;padding:0 4px}
.evidence{display:block;color:var(--muted);font-size:13px;overflow-wrap:anywhere}
.code,.codes>*{min-width:0}ol.causes li{overflow-wrap:anywhere}
.empty{text-align:center;padding:48px 20px}.empty .big{font-size:22px;font-weight:650;margin-bottom:6px}
.dot{display:inline-block;width:8px;height:8px;border-radius:50%;margin-right:6px;vertical-align:middle;background:var(--ok)}
.dot.sev-critical{background:var(--crit)}.dot.sev-warning{background:var(--warn)}.dot.sev-info{background:var(--info)}
footer{color:var(--muted);font-size:12px;text-align:center;margin-top:24px}
@media print{:root{--bg:#fff;--card:#fff;--fg:#000;--muted:#444;--line:#ccc;--soft:#f2f2f2}
body{background:#fff;font-size:11pt;-webkit-print-color-adjust:exact;print-color-adjust:exact}
main{max-width:none;padding:0}.card{border:1px solid #ccc;break-inside:avoid-page}section.lb{break-before:page}
a{color:#000;text-decoration:none}.wide{display:none}}
@media (max-width:900px){.wide{display:none}main{padding:12px 8px}.card{padding:14px 12px}}
td.lbname{min-width:170px}
.scroll{overflow-x:auto;max-width:100%}
.chart-box svg.chart{min-width:560px;max-width:1040px;margin-left:auto;margin-right:auto}
.chart .nodata rect{fill:var(--soft)}.chart .nodata-label{fill:var(--muted);font-style:italic}
.chart .marker-label{fill:var(--fg);font-size:13px;font-weight:600}
.chart .s-rate{fill:none;stroke:var(--fg);stroke-width:1.3;stroke-linejoin:round;opacity:.8}
.chart line.s-rate{stroke-width:2}
.chart .threshold{stroke:var(--crit);stroke-width:1;stroke-dasharray:4 3}
ol.bands{list-style:none;margin:0 0 8px;padding:0;font-size:13px}ol.bands li{margin:0 0 2px;overflow-wrap:anywhere}
ol.bands .n{display:inline-block;min-width:1.6em;font-weight:650}
.note{color:var(--muted);font-size:13px;margin:0 0 8px}
td.cause{min-width:260px}
@media (max-width:760px){table.stack,table.stack tbody{display:block}table.stack thead{display:none}
table.stack tr{display:flex;flex-wrap:wrap;align-items:baseline;gap:2px 14px;border-bottom:1px solid var(--line);padding:10px 0}
table.stack td{display:block;border:0;padding:0;text-align:left;max-width:none;min-width:0;white-space:normal}
table.stack td.cause{flex-basis:100%}table.stack td.when .muted,table.stack td.n .muted{display:inline;margin-left:6px}
table.stack td.cause::before,table.stack td.n::before{content:attr(data-label) ": ";color:var(--muted);font-size:12px}}
`;

const PANEL_SERIES = {
  requests: { key: 'requests', label: 'requests', className: 's-req' },
  c4xx: { key: '4xx', label: '4xx errors', className: 's-4xx' },
  c5xx: { key: '5xx', label: '5xx errors', className: 's-5xx' },
} as const;

const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 } as const;

function sevBadge(severity: string): string {
  return `<span class="sev sev-${escapeHtml(severity)}">${escapeHtml(severity)}</span>`;
}

function kpis(h: Headline): string {
  const errs = h.lbGenerated + h.backendGenerated;
  const lbShare = errs > 0 ? (h.lbGenerated / errs) * 100 : 0;
  const alertDetail = [
    h.alerts.critical > 0 ? `${formatCount(h.alerts.critical)} critical` : '',
    h.alerts.warning > 0 ? `${formatCount(h.alerts.warning)} warning` : '',
    h.alerts.info > 0 ? `${formatCount(h.alerts.info)} info` : '',
  ]
    .filter((s) => s !== '')
    .join(' · ');
  return `<div class="kpis">
<div class="kpi"><div class="l">Requests</div><div class="v" data-kpi="requests">${formatCount(h.requests)}</div><div class="s">${plural(h.windows, 'window')} with data${h.withoutStatus > 0 ? `, plus ${plural(h.withoutStatus, 'TCP connection')} without an HTTP status` : ''}</div></div>
<div class="kpi c5"><div class="l">5xx rate</div><div class="v" data-kpi="rate-5xx">${formatRate(h.errorRate['5xx'])}</div><div class="s">${formatCount(h.errors['5xx'])} responses</div></div>
<div class="kpi c4"><div class="l">4xx rate</div><div class="v" data-kpi="rate-4xx">${formatRate(h.errorRate['4xx'])}</div><div class="s">${formatCount(h.errors['4xx'])} responses</div></div>
<div class="kpi"><div class="l">Errors by origin</div><div class="v" data-kpi="lb-generated">${formatCount(h.lbGenerated)} / ${formatCount(h.backendGenerated)}</div><div class="s"><span class="key lb"></span>load balancer / <span class="key be"></span>backend</div><div class="split" title="load balancer vs backend generated errors"><span class="lb" style="width:${lbShare.toFixed(1)}%"></span><span class="be" style="width:${(errs > 0 ? 100 - lbShare : 0).toFixed(1)}%"></span></div></div>
<div class="kpi${h.alerts.total > 0 ? ' alerting' : ''}"><div class="l">Alerts fired</div><div class="v" data-kpi="alerts">${formatCount(h.alerts.total)}</div><div class="s">${alertDetail === '' ? 'no rule fired' : `${alertDetail} · ${plural(h.incidents, 'incident')}`}</div></div>
</div>`;
}

/** "gateway-errors 05:40–05:55 UTC (15 min)": what a band or incident row says about its time. */
function incidentWhen(start: string, end: string): string {
  return `${formatRange(start, end)} (${formatDuration(Date.parse(end) - Date.parse(start))})`;
}

function incidentMarker(i: Incident, n: number): ChartMarker {
  return {
    startMs: Date.parse(i.start),
    endMs: Date.parse(i.end),
    className: `sev-${i.severity}`,
    label: `${n} ${i.rule}`,
    title: `${i.rule} (${i.severity}) ${incidentWhen(i.start, i.end)}; peak ${formatRate(i.peak.rate)} (${formatCount(i.peak.matched)} of ${formatCount(i.peak.requests)}) at ${formatTime(i.peak.start)}`,
  };
}

interface Band {
  startMs: number;
  endMs: number;
  severity: Incident['severity'];
  items: Incident[];
}

/** Overlapping incidents of different load balancers become one band, so the overall chart stays readable. */
function overallBands(incidents: readonly Incident[]): Band[] {
  const sorted = [...incidents].sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  const bands: Band[] = [];
  for (const i of sorted) {
    const s = Date.parse(i.start);
    const e = Date.parse(i.end);
    const last = bands[bands.length - 1];
    if (last !== undefined && s <= last.endMs) {
      last.endMs = Math.max(last.endMs, e);
      last.items.push(i);
      if (SEVERITY_RANK[i.severity] < SEVERITY_RANK[last.severity]) last.severity = i.severity;
    } else {
      bands.push({ startMs: s, endMs: e, severity: i.severity, items: [i] });
    }
  }
  return bands;
}

const bandNames = (b: Band): string[] => b.items.map((i) => `${i.loadBalancer}: ${i.rule} (${i.severity})`);

function overallMarkers(bands: readonly Band[]): ChartMarker[] {
  return bands.map((b, k) => {
    const names = bandNames(b);
    const shown = names.slice(0, 4).join('; ') + (names.length > 4 ? `; and ${names.length - 4} more` : '');
    const only = b.items.length === 1 ? b.items[0] : undefined;
    return {
      startMs: b.startMs,
      endMs: b.endMs,
      className: `sev-${b.severity}`,
      label: `${k + 1} ${only === undefined ? plural(b.items.length, 'incident') : only.rule}`,
      title: `${incidentWhen(new Date(b.startMs).toISOString(), new Date(b.endMs).toISOString())}: ${shown}`,
    };
  });
}

/** The bands of a chart in words under it: number, time, length, and what fired (load balancer and rule). */
function bandKey(rows: readonly { severity: string; start: string; end: string; what: string[] }[]): string {
  if (rows.length === 0) return '';
  const items = rows.map(
    (r, k) =>
      `<li data-band><span class="n">${k + 1}</span><span class="dot sev-${escapeHtml(r.severity)}"></span>${escapeHtml(incidentWhen(r.start, r.end))} · ${r.what.map((w) => htmlText(w, 160)).join('; ')}</li>`,
  );
  return `<ol class="bands">${items.join('')}</ol>`;
}

function timeChart(id: string, label: string, section: Section, markers: ChartMarker[], big: boolean): string {
  const s = section.series;
  const points = s.requests.length;
  const per = `per ${formatDuration(s.bucketMs)}`;
  const rate = s.rate;
  const gaps = s.requests.filter((v) => v === null).length;
  const chart = timeSeriesChart({
    id,
    title: `Requests and errors ${per}, ${label}`,
    description: `${points} time buckets from ${formatTime(s.start)}: requests ${per} above, 4xx and 5xx errors ${per} stacked below${rate === null ? '' : `, with the ${rate.rule} rate in percent of requests`}; ${plural(markers.length, 'shaded alert period')}; ${plural(gaps, 'bucket')} without data.`,
    startMs: Date.parse(s.start),
    stepMs: s.bucketMs,
    points,
    panels: [
      {
        label: 'Requests',
        unit: `requests ${per}`,
        kind: 'area',
        height: big ? 80 : 60,
        series: [{ ...PANEL_SERIES.requests, values: s.requests }],
      },
      {
        label: 'Errors',
        unit: `errors ${per}`,
        kind: 'bars',
        height: big ? 140 : 110,
        series: [
          { ...PANEL_SERIES.c5xx, values: s['5xx'] },
          { ...PANEL_SERIES.c4xx, values: s['4xx'] },
        ],
        ...(rate === null
          ? {}
          : {
              rate: {
                key: 'rate',
                label: `${rate.rule} rate (% of requests, right axis)`,
                className: 's-rate',
                values: rate.values,
                threshold: rate.threshold,
              },
            }),
      },
    ],
    markers,
  });
  const missing =
    gaps === 0
      ? ''
      : `<p class="note" data-gaps>No logs for ${escapeHtml(formatDuration(gaps * s.bucketMs))} of the ${escapeHtml(formatDuration(points * s.bucketMs))} shown (shaded “no data”, not zero traffic).</p>`;
  return `<div class="scroll chart-box">${chart}</div>${missing}`;
}

/** Evidence sentences are shown whole (wrapped, not cut); the bound only stops a hostile line. */
const EVIDENCE_MAX = 1000;
const evidenceHtml = (evidence: string): string => htmlText(groupDigits(evidence), EVIDENCE_MAX);

function causeList(causes: readonly CauseResult[]): string {
  if (causes.length === 0) return '<p class="muted">No cause evidence recorded for this code.</p>';
  const items = causes.map(
    (c) =>
      `<li><span class="cid">${htmlText(c.id, 60)}</span> ${htmlText(c.title, 200)}${c.evidence === '' ? '<span class="evidence">no evidence either way in these windows</span>' : `<span class="evidence">${evidenceHtml(c.evidence)}</span>`}</li>`,
  );
  return `<ol class="causes">${items.join('')}</ol>`;
}

function scopeHtml(c: CodeFigure): string {
  const scope = causeScopeText(c);
  const lines = [scope.lead, ...scope.others, ...(scope.outside === null ? [] : [scope.outside])];
  return `<div class="scope" data-scope="${c.causeScope.kind}">${lines.map((l) => `<div>${htmlText(l, 400)}</div>`).join('')}</div>`;
}

function codeCards(codes: readonly CodeFigure[], withLoadBalancer: boolean): string {
  if (codes.length === 0) return '<p class="muted">No error responses in this period.</p>';
  const cards = codes.map((c) => {
    const cls = c.code >= 500 ? 'c5' : 'c4';
    const where = withLoadBalancer
      ? ` <span class="muted">on</span> <span class="name">${htmlText(c.loadBalancer, 60)}</span>`
      : '';
    return `<div class="code" data-code="${c.code}"><h4><span class="big ${cls}">${c.code}</span>${escapeHtml(reasonPhrase(c.code))}${where}</h4>
<div class="muted">${plural(c.count, 'response')} · ${originText(c.count, c.lbGenerated)}</div>${scopeHtml(c)}${causeList(c.causes)}</div>`;
  });
  return `<div class="codes">${cards.join('')}</div>`;
}

function membersChart(id: string, members: readonly MemberFigure[], label: string): string {
  if (members.length === 0) return '<p class="muted">No backend member answered with an error in this period.</p>';
  return barChart({
    id,
    title: `Backend members with the most errors, ${label}`,
    description: `${members.length} members ranked by 4xx and 5xx responses.`,
    series: [
      { key: '5xx', label: '5xx', className: 's-5xx' },
      { key: '4xx', label: '4xx', className: 's-4xx' },
    ],
    rows: members.map((m) => ({
      label: m.member,
      ...(m.loadBalancer === undefined ? {} : { sublabel: m.loadBalancer }),
      values: [m.errors['5xx'], m.errors['4xx']],
      note: `${plural(m.errors.total, 'error')} of ${plural(m.requests, 'request')} (${formatRate(m.requests > 0 ? m.errors.total / m.requests : null)})`,
    })),
  });
}

const MAX_INCIDENT_ROWS = 100;

function incidentTable(incidents: readonly Incident[], withLoadBalancer: boolean): string {
  if (incidents.length === 0) return '<p class="muted">No alert fired in this period.</p>';
  const rows = incidents.slice(0, MAX_INCIDENT_ROWS).map((i) => {
    const top = i.causes[0];
    const codes = Object.entries(i.statusCodes)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([code, n]) => `${htmlText(code, 8)}×${formatCount(n)}`)
      .join(' ');
    const time = formatRange(i.start, i.end).replace(/^(\d{4}-\d\d-\d\d) /, '');
    const length = formatDuration(Date.parse(i.end) - Date.parse(i.start));
    const cause =
      top === undefined
        ? '<span class="muted">—</span>'
        : `<span class="cid">${htmlText(top.id, 60)}</span>${top.evidence === '' ? '' : `<span class="evidence">${evidenceHtml(top.evidence)}</span>`}`;
    return `<tr data-incident><td data-label="Severity">${sevBadge(i.severity)}</td>${withLoadBalancer ? `<td class="name" data-label="Load balancer">${htmlText(i.loadBalancer, 60)}</td>` : ''}<td class="name" data-label="Rule">${htmlText(i.rule, 60)}</td><td class="when" data-label="When">${escapeHtml(time)} <strong data-duration>${escapeHtml(length)}</strong><div class="muted">${escapeHtml(formatTime(i.start).slice(0, 10))} · ${plural(i.windows, 'firing window')}${i.open ? ' · still open' : ''}${i.silenced ? ' · silenced' : ''}</div></td><td class="n" data-label="Peak">${formatRate(i.peak.rate)}<div class="muted">${formatCount(i.peak.matched)} of ${formatCount(i.peak.requests)} at ${escapeHtml(formatTime(i.peak.start).slice(11))}</div></td><td data-label="Codes">${codes}</td><td class="cause" data-label="Most likely cause">${cause}</td></tr>`;
  });
  const more =
    incidents.length > MAX_INCIDENT_ROWS
      ? `<p class="muted">and ${plural(incidents.length - MAX_INCIDENT_ROWS, 'more incident')} (see the JSON report).</p>`
      : '';
  return `<div class="scroll"><table class="stack" data-table="incidents"><thead><tr><th>Severity</th>${withLoadBalancer ? '<th>Load balancer</th>' : ''}<th>Rule</th><th>When</th><th class="n">Peak</th><th>Codes</th><th>Most likely cause</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>${more}`;
}

function worstSeverity(lb: LoadBalancerSection): string {
  if (lb.headline.alerts.critical > 0) return 'sev-critical';
  if (lb.headline.alerts.warning > 0) return 'sev-warning';
  if (lb.headline.alerts.info > 0) return 'sev-info';
  return '';
}

function trend(lb: LoadBalancerSection): string {
  const s = lb.series;
  return sparkline({
    title: `5xx and 4xx errors over time, ${lb.name} (own scale)`,
    startMs: Date.parse(s.start),
    stepMs: s.bucketMs,
    series: [
      { ...PANEL_SERIES.c5xx, values: s['5xx'] },
      { ...PANEL_SERIES.c4xx, values: s['4xx'] },
    ],
    markers: lb.incidents.map((i, k) => incidentMarker(i, k + 1)),
  });
}

function lbTable(lbs: readonly LoadBalancerSection[]): string {
  const rows = lbs.map(
    (lb, i) =>
      `<tr><td class="lbname"><span class="dot ${worstSeverity(lb)}"></span><a class="name" href="#lb-${i + 1}">${htmlText(lb.name, 70)}</a></td><td class="muted wide">${htmlText(lb.format ?? '', 12)}</td><td class="n">${formatCount(lb.headline.requests)}</td><td class="n">${formatRate(lb.headline.errorRate['5xx'])}</td><td class="n">${formatRate(lb.headline.errorRate['4xx'])}</td><td class="n">${formatCount(lb.headline.lbGenerated)} / ${formatCount(lb.headline.backendGenerated)}</td><td class="n">${formatCount(lb.headline.alerts.total)}</td><td class="n">${formatCount(lb.headline.incidents)}</td><td class="trend wide">${trend(lb)}</td></tr>`,
  );
  return `<div class="scroll"><table data-table="load-balancers"><thead><tr><th>Load balancer</th><th class="wide">Format</th><th class="n">Requests</th><th class="n">5xx</th><th class="n">4xx</th><th class="n" title="errors generated by the load balancer / returned by backends">LB / backend</th><th class="n">Alerts</th><th class="n">Incidents</th><th class="wide">Errors over time</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function inputsCard(inputs: InputsFigure, overall: Headline): string {
  const reasons = Object.entries(inputs.rejectsByReason).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const formats = Object.entries(inputs.formats)
    .sort((a, b) => b[1] - a[1])
    .map(([f, n]) => `${htmlText(f, 20)} ${formatCount(n)}`)
    .join(', ');
  const rejectRows =
    reasons.length === 0
      ? '<p class="muted">No line was rejected.</p>'
      : `<div class="scroll"><table data-table="rejects"><thead><tr><th>Reject reason</th><th class="n">Lines</th></tr></thead><tbody>${reasons.map(([r, n]) => `<tr><td class="name">${htmlText(r, 80)}</td><td class="n">${formatCount(n)}</td></tr>`).join('')}</tbody></table></div>`;
  const failures =
    inputs.failures.length === 0
      ? ''
      : `<h3>Inputs that could not be read to the end</h3><div class="scroll"><table data-table="failures"><thead><tr><th>Input</th><th>Error</th></tr></thead><tbody>${inputs.failures.map((f) => `<tr><td class="name">${htmlText(f.path, 200)}</td><td>${htmlText(errorWithoutPath(f.path, f.error), 300)}</td></tr>`).join('')}</tbody></table></div>${inputs.failed > inputs.failures.length ? `<p class="muted">and ${formatCount(inputs.failed - inputs.failures.length)} more.</p>` : ''}`;
  return `<section class="card" id="inputs"><h2>Inputs</h2><div class="kpis">
<div class="kpi"><div class="l">Inputs read</div><div class="v">${formatCount(inputs.total)}</div><div class="s">${formats === '' ? 'none' : formats}</div></div>
<div class="kpi${inputs.failed > 0 ? ' alerting' : ''}"><div class="l">Failed</div><div class="v" data-kpi="failed">${formatCount(inputs.failed)}</div><div class="s">${inputs.failed === 0 ? 'every input was read to the end' : `${inputs.failed === 1 ? 'input' : 'inputs'} that stopped early`}</div></div>
<div class="kpi"><div class="l">Lines</div><div class="v">${formatCount(inputs.lines)}</div></div>
<div class="kpi"><div class="l">Records</div><div class="v" data-kpi="records">${formatCount(inputs.records)}</div><div class="s" data-records>${escapeHtml(recordsText(inputs, overall))}</div></div>
<div class="kpi"><div class="l">Rejected lines</div><div class="v">${formatCount(inputs.rejected)}</div></div>
</div>${rejectRows}${failures}</section>`;
}

function rulesCard(rules: readonly RuleSummary[]): string {
  const rows = rules.map(
    (r) =>
      `<tr><td class="name">${htmlText(r.id, 60)}</td><td>${htmlText(r.codes.join(', '), 80)}</td><td>${htmlText(r.source, 10)}</td><td class="n">${r.rate === undefined ? '—' : `≥ ${formatRate(r.rate)}`}</td><td class="n">${r.count === undefined ? '—' : `≥ ${formatCount(r.count)}`}</td><td class="n">${formatCount(r.minRequests)}</td><td>${sevBadge(r.severity)}</td></tr>`,
  );
  return `<section class="card" id="rules"><h2>Rules in force</h2>${rules.length === 0 ? '<p class="muted">No rules.</p>' : `<div class="scroll"><table data-table="rules"><thead><tr><th>Rule</th><th>Codes</th><th>Source</th><th class="n">Rate</th><th class="n">Count</th><th class="n">Min requests</th><th>Severity</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`}</section>`;
}

function lbSection(lb: LoadBalancerSection, index: number): string {
  const n = index + 1;
  const markers = lb.incidents.map((i, k) => incidentMarker(i, k + 1));
  const key = bandKey(lb.incidents.map((i) => ({ severity: i.severity, start: i.start, end: i.end, what: [i.rule] })));
  return `<section class="card lb" id="lb-${n}" data-lb="${n}"><h2><span class="dot ${worstSeverity(lb)}"></span><span class="name">${htmlText(lb.name, 100)}</span> <span class="muted" style="font-weight:400;font-size:13px">${htmlText(lb.format ?? '', 12)}</span></h2>
${kpis(lb.headline)}${timeChart(`c-lb-${n}`, lb.name, lb, markers, false)}${key}
<h3>Incidents</h3>${incidentTable(lb.incidents, false)}
<h3>Top error codes and their likely causes</h3>${codeCards(lb.codes, false)}
<h3>Backend members with the most errors</h3>${membersChart(`m-lb-${n}`, lb.members, lb.name)}</section>`;
}

/**
 * Renders the report model as one self-contained HTML page (no script, no external request). Every
 * log-derived string is cleaned, truncated and escaped.
 */
export function renderHtml(model: ReportModel): string {
  const title = htmlText(model.title, 120);
  const header = `<header class="top"><div><h1>${title}</h1><p class="meta">${escapeHtml(formatRange(model.period.from, model.period.to))} · ${formatDuration(model.windowMs)} windows · ${formatCount(model.loadBalancers.length)} load balancer${model.loadBalancers.length === 1 ? '' : 's'}</p></div><p class="meta">Generated ${escapeHtml(formatTime(model.generatedAt))}</p></header>`;
  let body: string;
  if (model.empty) {
    body = `<section class="card empty" data-empty><div class="big">No data for this period</div><p class="muted">No access-log record fell between ${escapeHtml(formatTime(model.period.from))} and ${escapeHtml(formatTime(model.period.to))}. The inputs and rules below show what was read.</p></section>`;
  } else {
    const o = model.overall;
    const bands = overallBands(o.incidents);
    const key = bandKey(
      bands.map((b) => ({
        severity: b.severity,
        start: new Date(b.startMs).toISOString(),
        end: new Date(b.endMs).toISOString(),
        what: bandNames(b),
      })),
    );
    body = `<section class="card" id="overview"><h2>Overview</h2>${kpis(o.headline)}${timeChart('c-overall', 'all load balancers', o, overallMarkers(bands), true)}${key}</section>
<section class="card" id="load-balancers"><h2>Load balancers</h2>${lbTable(model.loadBalancers)}</section>
<section class="card" id="incidents"><h2>Incidents</h2>${incidentTable(o.incidents, true)}</section>
<section class="card" id="codes"><h2>Top error codes and their likely causes</h2>${codeCards(o.codes, true)}</section>
<section class="card" id="members"><h2>Backend members with the most errors</h2>${membersChart('m-overall', o.members, 'all load balancers')}</section>
${model.loadBalancers.map(lbSection).join('\n')}`;
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="color-scheme" content="light dark"><meta name="generator" content="lbwatch">
<title>${title}</title><style>${CSS}</style></head>
<body><main>${header}
${body}
${inputsCard(model.inputs, model.overall.headline)}
${rulesCard(model.rules)}
<footer>lbwatch · ${escapeHtml(model.schema)} · times in UTC</footer></main></body></html>
`;
}
