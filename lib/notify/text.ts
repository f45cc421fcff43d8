/**
 * Subject and plain text of an outgoing message, for SNS, SMN and email. Callers pass the output of
 * {@link sanitizeOutgoing}; the renderers add no log-derived text of their own.
 */
import { type IncidentNotification, LOGS_MISSING_RULE, type Outgoing, type ReportAnnouncement } from '../model.js';
import { codesByCount, codesText, incidentDuration, likelyCauses, percent, shortTime } from './outgoing.js';
import { asciiSubject } from './sanitize.js';

export const SUBJECT_MAX = 100;
const TEXT_CAUSES = 5;

/** Keeps both ends of a long name (load-balancer ids differ most at their end). */
export function middleCut(text: string, max: number): string {
  if (text.length <= max) return text;
  const head = Math.ceil((max - 3) / 2);
  return `${text.slice(0, head)}...${text.slice(text.length - (max - 3 - head))}`;
}

/**
 * `[SEVERITY] STATE codes lb start top-cause`, printable ASCII, at most 100 characters: the load
 * balancer's name gets what the other parts leave (cut in the middle when long).
 *
 * @example
 * renderSubject(n) // '[CRITICAL] OPENED 502 shop-prod 2026-06-16T05:40Z 502.backend-port'
 */
export function renderSubject(o: Outgoing): string {
  if (o.kind === 'report') return reportSubject(o);
  const incident = o.incident;
  const codes = codesByCount(incident.statusCodes)
    .slice(0, 3)
    .map(([code]) => code)
    .join(',');
  const head = asciiSubject(
    `[${incident.severity.toUpperCase()}] ${o.state.toUpperCase()} ${codes || incident.rule}`,
    40,
  );
  const when = shortTime(incident.start);
  const first = likelyCauses(incident, 1)[0];
  const top = first === undefined ? '' : asciiSubject(first.id, 30);
  const fixed = head.length + 1 + 1 + when.length + (top === '' ? 0 : top.length + 1);
  const lb = middleCut(asciiSubject(incident.loadBalancer, Number.MAX_SAFE_INTEGER), Math.max(12, SUBJECT_MAX - fixed));
  return asciiSubject([head, lb, when, top].filter((part) => part !== '').join(' '), SUBJECT_MAX);
}

function reportSubject(r: ReportAnnouncement): string {
  const period = `${shortTime(r.periodStart)}..${shortTime(r.periodEnd)}`;
  if (r.requests === 0) return asciiSubject(`lbwatch report ${period}: no data`, SUBJECT_MAX);
  const classes = Object.entries(r.errorRates)
    .map(([cls, rate]) => `${cls} ${percent(rate)}`)
    .join(', ');
  const incidents = `${r.incidents} incident${r.incidents === 1 ? '' : 's'}`;
  return asciiSubject(`lbwatch report ${period}: ${r.requests} req, ${classes}, ${incidents}`, SUBJECT_MAX);
}

const VERB: Record<IncidentNotification['state'], string> = {
  opened: 'opened',
  reminder: 'is still open',
  resolved: 'resolved',
};

/** A one-line headline of a page: what, where, since when (also Slack's notification text). */
export function headline(n: IncidentNotification): string {
  const incident = n.incident;
  if (incident.rule === LOGS_MISSING_RULE) {
    const since = incident.logsMissing?.lastSeen ?? incident.start;
    return n.state === 'resolved'
      ? `Access logs from ${incident.loadBalancer} arrive again (missing since ${since})`
      : `No access logs from ${incident.loadBalancer} since ${since}`;
  }
  const codes = codesByCount(incident.statusCodes)
    .slice(0, 3)
    .map(([code]) => code)
    .join(', ');
  return `Incident ${VERB[n.state]}: ${codes || incident.rule} on ${incident.loadBalancer} since ${incident.start}`;
}

/**
 * The plain-text body: when, how long, the peak, the codes, the ranked causes with their evidence,
 * the report link and the incident id.
 */
export function renderText(o: Outgoing): string {
  return o.kind === 'report' ? reportText(o) : incidentText(o);
}

function incidentText(n: IncidentNotification): string {
  const incident = n.incident;
  const lines = [`lbwatch: ${headline(n)}`, ''];
  lines.push(`Rule: ${incident.rule} (${incident.severity})`);
  lines.push(`Load balancer: ${incident.loadBalancer}`);
  const duration = incidentDuration(n);
  if (incident.end === null) {
    lines.push(`Since: ${incident.start}${duration === null ? '' : ` (open for ${duration})`}`);
  } else {
    lines.push(`From ${incident.start} to ${incident.end}${duration === null ? '' : ` (${duration})`}`);
  }
  if (incident.rule === LOGS_MISSING_RULE) {
    const key = incident.logsMissing?.lastObjectKey;
    if (key !== undefined && key !== null) lines.push(`Last object: ${key}`);
  } else {
    lines.push(`Firing windows: ${incident.windows}, the last starting ${incident.lastFiring}`);
    const peak = incident.peak;
    lines.push(
      `Peak: ${percent(peak.rate)} (${peak.matched} of ${peak.requests} requests) in the window starting ${peak.windowStart}`,
    );
    lines.push(`Requests: ${incident.requests}; matched: ${incident.matched}`);
    const codes = codesText(incident.statusCodes);
    if (codes !== '') lines.push(`Status codes: ${codes}`);
    const causes = likelyCauses(incident, TEXT_CAUSES);
    lines.push('');
    lines.push(causes.length > 0 ? 'Most likely causes:' : 'No cause stands out in this incident.');
    causes.forEach((cause, index) => {
      lines.push(`${index + 1}. [${cause.id}] ${cause.title} (score ${cause.score})`);
      if (cause.evidence !== '') lines.push(`   Evidence: ${cause.evidence}`);
    });
  }
  if (incident.silenced) lines.push('', 'This incident is inside a silence.');
  lines.push('');
  if (n.reportUrl !== null) lines.push(`Report: ${n.reportUrl}`);
  lines.push(`Incident: ${n.incidentId}`);
  return lines.join('\n');
}

function reportText(r: ReportAnnouncement): string {
  const lines = [`lbwatch summary report for ${r.periodStart} to ${r.periodEnd}`];
  if (r.requests === 0) {
    lines.push('No access-log data was stored for this period.');
  } else {
    const classes = Object.entries(r.errorRates)
      .map(([cls, rate]) => `${cls} ${percent(rate)}`)
      .join(', ');
    lines.push(`Requests: ${r.requests} across ${r.loadBalancers} load balancer(s)`);
    lines.push(`Error rates: ${classes}`);
    lines.push(`Incidents: ${r.incidents}`);
    if (r.topCodes.length > 0) {
      lines.push('Top error codes:');
      for (const code of r.topCodes) {
        const cause = code.topCause === null ? '' : `, most likely ${code.topCause}`;
        lines.push(`- ${code.code} x${code.count} on ${code.loadBalancer}${cause}`);
      }
    }
  }
  lines.push('');
  if (r.url !== null) lines.push(`Open: ${r.url}`);
  lines.push(`HTML: ${r.locations.html}`, `Markdown: ${r.locations.md}`, `JSON: ${r.locations.json}`);
  return lines.join('\n');
}
