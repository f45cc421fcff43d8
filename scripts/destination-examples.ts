// Prints one example message per destination, rendered by lib/notify from one example incident: the
// README's "Destinations" section is this output (a test keeps them equal).
// Run: node --import tsx scripts/destination-examples.ts
import { pathToFileURL } from 'node:url';
import { causesFor } from '../lib/causes/index.js';
import { incidentId } from '../lib/incidents/index.js';
import type { IncidentNotification } from '../lib/model.js';
import {
  renderPagerDuty,
  renderSlack,
  renderSubject,
  renderTeams,
  renderText,
  sanitizeOutgoing,
} from '../lib/notify/index.js';

/** The example's id and cause titles are the real ones: the id as lbwatch derives it, titles from the catalogue. */
const ID = incidentId('app/shop-prod/50dc6c495c0c9188', 'gateway-errors', Date.parse('2026-06-16T05:40:00.000Z'));
const title = (code: number, id: string): string => causesFor(code).find((c) => c.id === id)?.title ?? id;

export const EXAMPLE_INCIDENT: IncidentNotification = {
  kind: 'incident',
  state: 'opened',
  incidentId: ID,
  at: '2026-06-16T05:56:12.000Z',
  reportUrl:
    'https://lbwatch-state.s3.eu-west-1.amazonaws.com/lbwatch/reports/latest/report.html?X-Amz-Signature=example',
  incident: {
    id: ID,
    loadBalancer: 'app/shop-prod/50dc6c495c0c9188',
    rule: 'gateway-errors',
    severity: 'critical',
    start: '2026-06-16T05:40:00.000Z',
    end: null,
    lastFiring: '2026-06-16T05:50:00.000Z',
    windows: 3,
    peak: { windowStart: '2026-06-16T05:45:00.000Z', rate: 0.125, matched: 50, requests: 400 },
    requests: 1200,
    matched: 96,
    statusCodes: { '502': 80, '504': 16 },
    causes: [
      {
        code: 502,
        id: '502.backend-port',
        title: title(502, '502.backend-port'),
        evidence:
          'all 80 502s got no backend connection, 80 of them failing within 5.0 s (well under the 10 s connect timeout); all 80 unconnected 502s were sent to member 10.0.1.7:8080, which answered nothing else in the 3 windows 05:40–05:55',
        score: 3,
      },
      {
        code: 504,
        id: '504.response-timeout',
        title: title(504, '504.response-timeout'),
        evidence: 'all 16 504s took about the 60 s ALB idle timeout',
        score: 2,
      },
    ],
    silenced: false,
  },
};

/** JSON with two-space indentation, objects and arrays that fit in 100 characters on one line. */
function json(value: unknown, indent = ''): string {
  const flat = JSON.stringify(value);
  if (value === null || typeof value !== 'object' || indent.length + flat.length <= 100) return flat;
  const inner = `${indent}  `;
  if (Array.isArray(value)) return `[\n${value.map((item) => inner + json(item, inner)).join(',\n')}\n${indent}]`;
  const entries = Object.entries(value).filter(([, item]) => item !== undefined);
  return `{\n${entries.map(([key, item]) => `${inner}${JSON.stringify(key)}: ${json(item, inner)}`).join(',\n')}\n${indent}}`;
}
const fence = (lang: string, text: string): string => `\`\`\`${lang}\n${text}\n\`\`\``;

/** The README text: one example per destination. */
export function destinationExamples(): string {
  const page = sanitizeOutgoing(EXAMPLE_INCIDENT);
  const card = renderTeams(page).attachments[0]?.content;
  const teamsExcerpt = {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        content: { type: card?.type, version: card?.version, body: card?.body.slice(0, 2), actions: card?.actions },
      },
    ],
  };
  const webhookExcerpt = { ...page, incident: { ...page.incident, causes: page.incident.causes.slice(0, 1) } };
  const slack = renderSlack(page);
  const slackExcerpt = { text: slack.text, blocks: slack.blocks.slice(0, 3) };
  const event = renderPagerDuty(page, '<32-character integration key>');
  const details = event?.payload?.custom_details ?? {};
  const causes = Array.isArray(details.causes) ? details.causes.slice(0, 1) : [];
  const eventExcerpt =
    event?.payload === undefined
      ? event
      : { ...event, payload: { ...event.payload, custom_details: { ...details, causes } } };
  return [
    `**SNS / SMN / email** subject and text:`,
    fence('text', `${renderSubject(page)}\n\n${renderText(page)}`),
    `**Slack** (Block Kit; excerpt: the first three blocks, then come other candidates, the report button and the incident id):`,
    fence('json', json(slackExcerpt)),
    `**Microsoft Teams** (Workflows webhook, Adaptive Card; excerpt: the first two body elements):`,
    fence('json', json(teamsExcerpt)),
    `**PagerDuty** (Events API v2, excerpt: one cause; \`resolve\` carries only \`routing_key\`, \`event_action\` and \`dedup_key\`):`,
    fence('json', json(eventExcerpt)),
    `**Webhook** (the \`IncidentNotification\` itself; excerpt: one cause):`,
    fence('json', json(webhookExcerpt)),
  ].join('\n\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.stdout.write(`${destinationExamples()}\n`);
