/**
 * Microsoft Teams message for a Workflows webhook ("When a Teams webhook request is received"):
 * Workflows accept Adaptive Cards only (not the retired connectors' MessageCard), wrapped as
 * `{ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content }] }`.
 * The card uses schema version 1.4 (TextBlock, FactSet, Action.OpenUrl), which Teams renders.
 *
 * TextBlock and FactSet values are Markdown in Teams, so every log-derived string has its Markdown
 * and HTML characters backslash-escaped, and `{{` (Adaptive Card date/time functions) broken apart.
 */
import { type IncidentNotification, LOGS_MISSING_RULE, type Outgoing, type ReportAnnouncement } from '../model.js';
import { codesText, incidentDuration, likelyCauses, percent, shortTime } from './outgoing.js';
import { headline } from './text.js';

export const ADAPTIVE_CARD_VERSION = '1.4';
export const ADAPTIVE_CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';
const TEXT_MAX = 2000;
const OTHER_CAUSES = 4;

export interface CardTextBlock {
  type: 'TextBlock';
  text: string;
  wrap: true;
  size?: 'Small' | 'Medium' | 'Large';
  weight?: 'Bolder';
  color?: 'Attention' | 'Warning' | 'Good' | 'Accent';
  isSubtle?: boolean;
  spacing?: 'Medium';
}

export interface CardFactSet {
  type: 'FactSet';
  facts: { title: string; value: string }[];
}

export interface AdaptiveCard {
  $schema: string;
  type: 'AdaptiveCard';
  version: string;
  body: (CardTextBlock | CardFactSet)[];
  actions: { type: 'Action.OpenUrl'; title: string; url: string }[];
  msteams: { width: 'Full' };
}

export interface TeamsMessage {
  type: 'message';
  attachments: { contentType: 'application/vnd.microsoft.card.adaptive'; contentUrl: null; content: AdaptiveCard }[];
}

/** Backslash-escapes Markdown and HTML characters; breaks `{{` so no card function is evaluated. */
export function escapeCardMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~&]/g, '\\$&').replace(/\{\{/g, '{\u200b{');
}

function cut(text: string, max = TEXT_MAX): string {
  if (text.length <= max) return text;
  // Never leave a lone escaping backslash at the cut.
  return `${text.slice(0, max - 1).replace(/\\+$/, (slashes) => (slashes.length % 2 === 0 ? slashes : slashes.slice(1)))}…`;
}

function block(text: string, extra: Partial<CardTextBlock> = {}): CardTextBlock {
  return { type: 'TextBlock', text: cut(text), wrap: true, ...extra };
}

function card(body: AdaptiveCard['body'], url: string | null): TeamsMessage {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: ADAPTIVE_CARD_SCHEMA,
          type: 'AdaptiveCard',
          version: ADAPTIVE_CARD_VERSION,
          body,
          actions: url === null ? [] : [{ type: 'Action.OpenUrl', title: 'Open the report', url }],
          msteams: { width: 'Full' },
        },
      },
    ],
  };
}

const COLOR: Record<IncidentNotification['state'], CardTextBlock['color']> = {
  opened: 'Attention',
  reminder: 'Warning',
  resolved: 'Good',
};

/**
 * The Workflows webhook body for an outgoing message.
 *
 * @example
 * await fetch(workflowUrl, { method: 'POST', body: JSON.stringify(renderTeams(sanitizeOutgoing(n))) });
 */
export function renderTeams(o: Outgoing): TeamsMessage {
  return o.kind === 'report' ? reportCard(o) : incidentCard(o);
}

function incidentCard(n: IncidentNotification): TeamsMessage {
  const incident = n.incident;
  const e = escapeCardMarkdown;
  const duration = incidentDuration(n);
  const since =
    incident.end === null
      ? `${incident.start}${duration === null ? '' : ` (open for ${duration})`}`
      : `${incident.start} to ${incident.end}${duration === null ? '' : ` (${duration})`}`;
  const facts = [
    { title: 'Severity', value: incident.severity },
    { title: 'Load balancer', value: cut(e(incident.loadBalancer)) },
    { title: 'Rule', value: cut(e(incident.rule)) },
    { title: 'Since', value: e(since) },
  ];
  const body: AdaptiveCard['body'] = [
    block(e(`${n.state.toUpperCase()}: ${headline(n)}`), { size: 'Medium', weight: 'Bolder', color: COLOR[n.state] }),
  ];
  if (incident.rule === LOGS_MISSING_RULE) {
    const key = incident.logsMissing?.lastObjectKey;
    if (key !== undefined && key !== null) facts.push({ title: 'Last object', value: cut(e(key)) });
    body.push({ type: 'FactSet', facts });
  } else {
    const peak = incident.peak;
    facts.push({ title: 'Codes', value: cut(e(codesText(incident.statusCodes))) || '\\-' });
    facts.push({
      title: 'Peak',
      value: e(`${percent(peak.rate)} (${peak.matched} of ${peak.requests}) at ${shortTime(peak.windowStart)}`),
    });
    body.push({ type: 'FactSet', facts });
    const [top, ...others] = likelyCauses(incident, OTHER_CAUSES + 1);
    if (top === undefined) {
      body.push(block('No cause stands out in this incident.', { spacing: 'Medium' }));
    } else {
      body.push(block(`**Most likely cause:** ${e(top.id)}: ${e(top.title)}`, { spacing: 'Medium' }));
      if (top.evidence !== '') body.push(block(e(top.evidence)));
    }
    if (others.length > 0) {
      const list = others.map((cause) => `• ${e(cause.id)}: ${e(cause.title)}`).join('\r');
      body.push(block(`Other candidates:\r${list}`, { isSubtle: true, size: 'Small' }));
    }
  }
  const silenced = incident.silenced ? ' (silenced)' : '';
  body.push(block(e(`lbwatch incident ${n.incidentId}${silenced}`), { isSubtle: true, size: 'Small' }));
  return card(body, n.reportUrl);
}

function reportCard(r: ReportAnnouncement): TeamsMessage {
  const e = escapeCardMarkdown;
  const body: AdaptiveCard['body'] = [
    block(e(`lbwatch report ${shortTime(r.periodStart)} to ${shortTime(r.periodEnd)}`), {
      size: 'Medium',
      weight: 'Bolder',
      color: 'Accent',
    }),
  ];
  if (r.requests === 0) {
    body.push(block('No access\\-log data was stored for this period\\.'));
  } else {
    const classes = Object.entries(r.errorRates)
      .map(([cls, rate]) => `${cls} ${percent(rate)}`)
      .join(', ');
    body.push({
      type: 'FactSet',
      facts: [
        { title: 'Requests', value: String(r.requests) },
        { title: 'Load balancers', value: String(r.loadBalancers) },
        { title: 'Error rates', value: e(classes) || '\\-' },
        { title: 'Incidents', value: String(r.incidents) },
      ],
    });
    if (r.topCodes.length > 0) {
      const list = r.topCodes
        .map((code) => {
          const cause = code.topCause === null ? '' : `, most likely ${e(code.topCause)}`;
          return `• ${code.code} x${code.count} on ${e(code.loadBalancer)}${cause}`;
        })
        .join('\r');
      body.push(block(`**Top error codes**\r${list}`, { spacing: 'Medium' }));
    }
  }
  return card(body, r.url);
}
