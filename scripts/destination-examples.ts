// Prints one example message per destination, rendered by lib/notify from one example incident: the
// README's "Destinations" section is this output (a test keeps them equal).
// Run: node --import tsx scripts/destination-examples.ts
import { pathToFileURL } from 'node:url';
import type { IncidentNotification } from '../lib/model.js';
import {
  renderPagerDuty,
  renderSlack,
  renderSubject,
  renderTeams,
  renderText,
  sanitizeOutgoing,
} from '../lib/notify/index.js';

export const EXAMPLE_INCIDENT: IncidentNotification = {
  kind: 'incident',
  state: 'opened',
  incidentId: 'app/shop-prod/50dc6c495c0c9188/gateway-errors/2026-06-16T05:40:00.000Z',
  at: '2026-06-16T05:56:12.000Z',
  reportUrl:
    'https://lbwatch-state.s3.eu-west-1.amazonaws.com/lbwatch/reports/latest/report.html?X-Amz-Signature=example',
  incident: {
    id: 'app/shop-prod/50dc6c495c0c9188/gateway-errors/2026-06-16T05:40:00.000Z',
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
        title: 'nothing listens on the target port',
        evidence: 'in the 3 windows 05:40–05:55, 80 of 80 502s came from 10.0.1.7:8080 within 1 ms',
        score: 3,
      },
      {
        code: 504,
        id: '504.response-timeout',
        title: 'the target did not answer within the idle timeout',
        evidence: 'in this incident, 16 of 16 504s took about the 60 s idle timeout',
        score: 2,
      },
    ],
    silenced: false,
  },
};

const json = (value: unknown): string => JSON.stringify(value, null, 2);
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
  return [
    `**SNS / SMN / email** subject and text:`,
    fence('text', `${renderSubject(page)}\n\n${renderText(page)}`),
    `**Slack** (Block Kit):`,
    fence('json', json(renderSlack(page))),
    `**Microsoft Teams** (Workflows webhook, Adaptive Card; excerpt: the first two body elements):`,
    fence('json', json(teamsExcerpt)),
    `**PagerDuty** (Events API v2; \`resolve\` carries only \`routing_key\`, \`event_action\` and \`dedup_key\`):`,
    fence('json', json(renderPagerDuty(page, '<32-character integration key>'))),
    `**Webhook** (the \`IncidentNotification\` itself; excerpt: one cause):`,
    fence('json', json(webhookExcerpt)),
  ].join('\n\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.stdout.write(`${destinationExamples()}\n`);
