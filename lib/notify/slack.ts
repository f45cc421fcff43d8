/**
 * Slack incoming-webhook message in Block Kit. Limits from Slack's Block Kit reference: at most 50
 * blocks, a section's text at most 3,000 characters, a field at most 2,000 and at most 10 fields, a
 * header's plain text at most 150, a button's URL at most 3,000. In `mrkdwn` Slack treats `&`, `<`
 * and `>` as control characters in text objects, so every log-derived string has them replaced by HTML
 * entities (and nothing else, as Slack decodes only those three), in `plain_text` headers too.
 */
import { type IncidentNotification, LOGS_MISSING_RULE, type Outgoing, type ReportAnnouncement } from '../model.js';
import { codesText, incidentDuration, likelyCauses, percent, shortTime } from './outgoing.js';
import { headline } from './text.js';

export const SLACK_MAX_BLOCKS = 50;
export const SLACK_TEXT_MAX = 3000;
export const SLACK_FIELD_MAX = 2000;
export const SLACK_HEADER_MAX = 150;
const OTHER_CAUSES = 4;

export interface SlackText {
  type: 'mrkdwn' | 'plain_text';
  text: string;
}

export type SlackBlock =
  | { type: 'header'; text: SlackText }
  | { type: 'section'; text?: SlackText; fields?: SlackText[] }
  | { type: 'context'; elements: SlackText[] }
  | { type: 'divider' }
  | {
      type: 'actions';
      elements: { type: 'button'; text: SlackText; url: string; action_id: string; style?: 'primary' | 'danger' }[];
    };

export interface SlackMessage {
  /** Notification and fallback text (mrkdwn-escaped). */
  text: string;
  blocks: SlackBlock[];
}

/** Escapes Slack's three mrkdwn control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts escaped text to `max` characters without leaving half an entity at the cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max - 1).replace(/&[a-z]{0,3}$/, '')}…`;
}

function mrkdwn(text: string, max = SLACK_TEXT_MAX): SlackText {
  return { type: 'mrkdwn', text: clip(text, max) };
}

function plain(text: string, max: number): SlackText {
  return { type: 'plain_text', text: clip(text, max) };
}

const STATE_EMOJI: Record<IncidentNotification['state'], string> = {
  opened: ':red_circle:',
  reminder: ':large_orange_circle:',
  resolved: ':large_green_circle:',
};

/**
 * A Block Kit message for a Slack incoming webhook: header, severity, load balancer, codes, since
 * when, the top cause with its evidence sentence, a button to the report.
 *
 * @example
 * await fetch(webhookUrl, { method: 'POST', body: JSON.stringify(renderSlack(sanitizeOutgoing(n))) });
 */
export function renderSlack(o: Outgoing): SlackMessage {
  const message = o.kind === 'report' ? reportBlocks(o) : incidentBlocks(o);
  return { text: message.text, blocks: message.blocks.slice(0, SLACK_MAX_BLOCKS) };
}

function button(text: string, url: string | null): SlackBlock[] {
  if (url === null || url.length > SLACK_TEXT_MAX) return [];
  return [
    { type: 'actions', elements: [{ type: 'button', text: plain(text, 75), url, action_id: 'lbwatch-open-report' }] },
  ];
}

function incidentBlocks(n: IncidentNotification): SlackMessage {
  const incident = n.incident;
  const e = escapeMrkdwn;
  const title = headline(n);
  const duration = incidentDuration(n);
  const since =
    incident.end === null
      ? `${incident.start}${duration === null ? '' : ` (open for ${duration})`}`
      : `${incident.start} to ${incident.end}${duration === null ? '' : ` (${duration})`}`;
  const fields = [
    mrkdwn(`*Severity*\n${incident.severity}`, SLACK_FIELD_MAX),
    mrkdwn(`*Load balancer*\n${e(incident.loadBalancer)}`, SLACK_FIELD_MAX),
    mrkdwn(`*Rule*\n${e(incident.rule)}`, SLACK_FIELD_MAX),
    mrkdwn(`*Since*\n${since}`, SLACK_FIELD_MAX),
  ];
  if (incident.rule !== LOGS_MISSING_RULE) {
    fields.push(mrkdwn(`*Codes*\n${e(codesText(incident.statusCodes)) || '-'}`, SLACK_FIELD_MAX));
    const peak = incident.peak;
    fields.push(
      mrkdwn(
        `*Peak*\n${percent(peak.rate)} (${peak.matched} of ${peak.requests}) at ${shortTime(peak.windowStart)}`,
        SLACK_FIELD_MAX,
      ),
    );
  }
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: plain(e(`${incident.severity === 'critical' ? '[CRITICAL] ' : ''}${title}`), SLACK_HEADER_MAX),
    },
    { type: 'section', fields },
  ];
  if (incident.rule === LOGS_MISSING_RULE) {
    const key = incident.logsMissing?.lastObjectKey;
    if (key !== undefined && key !== null) blocks.push({ type: 'section', text: mrkdwn(`*Last object*\n${e(key)}`) });
  } else {
    const [top, ...others] = likelyCauses(incident, OTHER_CAUSES + 1);
    if (top === undefined) {
      blocks.push({ type: 'section', text: mrkdwn('No cause stands out in this incident.') });
    } else {
      const evidence = top.evidence === '' ? '' : `\n${e(top.evidence)}`;
      blocks.push({
        type: 'section',
        text: mrkdwn(`*Most likely cause:* \`${e(top.id)}\` ${e(top.title)}${evidence}`),
      });
    }
    if (others.length > 0) {
      const list = others.map((cause) => `• \`${e(cause.id)}\` ${e(cause.title)}`).join('\n');
      blocks.push({ type: 'context', elements: [mrkdwn(`Other candidates:\n${list}`)] });
    }
  }
  blocks.push(...button('Open the report', n.reportUrl));
  const silenced = incident.silenced ? ' · silenced' : '';
  blocks.push({ type: 'context', elements: [mrkdwn(`lbwatch · incident ${e(n.incidentId)}${silenced}`)] });
  return { text: clip(`${STATE_EMOJI[n.state]} ${e(headline(n))}`, SLACK_TEXT_MAX), blocks };
}

function reportBlocks(r: ReportAnnouncement): SlackMessage {
  const e = escapeMrkdwn;
  const title = `lbwatch report ${shortTime(r.periodStart)} to ${shortTime(r.periodEnd)}`;
  const blocks: SlackBlock[] = [{ type: 'header', text: plain(e(title), SLACK_HEADER_MAX) }];
  if (r.requests === 0) {
    blocks.push({ type: 'section', text: mrkdwn('No access-log data was stored for this period.') });
  } else {
    const classes = Object.entries(r.errorRates)
      .map(([cls, rate]) => `${e(cls)} ${percent(rate)}`)
      .join(', ');
    blocks.push({
      type: 'section',
      fields: [
        mrkdwn(`*Requests*\n${r.requests}`, SLACK_FIELD_MAX),
        mrkdwn(`*Load balancers*\n${r.loadBalancers}`, SLACK_FIELD_MAX),
        mrkdwn(`*Error rates*\n${classes || '-'}`, SLACK_FIELD_MAX),
        mrkdwn(`*Incidents*\n${r.incidents}`, SLACK_FIELD_MAX),
      ],
    });
    if (r.topCodes.length > 0) {
      const list = r.topCodes
        .map((code) => {
          const cause = code.topCause === null ? '' : `, most likely \`${e(code.topCause)}\``;
          return `• ${code.code} x${code.count} on ${e(code.loadBalancer)}${cause}`;
        })
        .join('\n');
      blocks.push({ type: 'section', text: mrkdwn(`*Top error codes*\n${list}`) });
    }
  }
  blocks.push(...button('Open the report', r.url));
  blocks.push({ type: 'context', elements: [mrkdwn(`HTML: ${e(r.locations.html)}`)] });
  return { text: clip(e(title), SLACK_TEXT_MAX), blocks };
}
