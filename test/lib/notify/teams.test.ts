import { describe, expect, it } from 'vitest';
import {
  ADAPTIVE_CARD_VERSION,
  type AdaptiveCard,
  escapeCardMarkdown,
  renderTeams,
  sanitizeOutgoing,
} from '../../../lib/notify/index.js';
import { SCRIPT } from '../report/hostile.js';
import { aNotification, aReport, REPORT_URL } from './factories.js';
import { hostileNotification, hugeNotification } from './hostile.js';

/** Teams refuses messages over about 28 KB. */
const TEAMS_MAX_BYTES = 28 * 1024;

function cardOf(message: ReturnType<typeof renderTeams>): AdaptiveCard {
  const content = message.attachments[0]?.content;
  if (content === undefined) throw new Error('no card');
  return content;
}

function cardTexts(card: AdaptiveCard): string[] {
  return card.body.flatMap((element) =>
    element.type === 'TextBlock' ? [element.text] : element.facts.flatMap((fact) => [fact.title, fact.value]),
  );
}

describe('renderTeams', () => {
  it('wraps one Adaptive Card in the Workflows message shape with an Open URL action', () => {
    // Act
    const message = renderTeams(aNotification());
    // Assess
    expect(message.type).toBe('message');
    expect(message.attachments).toHaveLength(1);
    expect(message.attachments[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    const card = cardOf(message);
    expect(card).toMatchObject({
      $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
      type: 'AdaptiveCard',
      version: ADAPTIVE_CARD_VERSION,
      actions: [{ type: 'Action.OpenUrl', title: 'Open the report', url: REPORT_URL }],
    });
    expect(card.body).toContainEqual({
      type: 'FactSet',
      facts: expect.arrayContaining([
        { title: 'Severity', value: 'critical' },
        { title: 'Load balancer', value: 'shop\\-prod' },
        { title: 'Codes', value: '502 x80, 504 x20' },
      ]),
    });
    expect(cardTexts(card).join('\n')).toContain('**Most likely cause:** 502\\.backend\\-port: nothing listens');
  });

  it('escapes Markdown, HTML and card functions in every log-derived string', () => {
    // Act
    const card = cardOf(renderTeams(sanitizeOutgoing(hostileNotification())));
    // Assess
    const all = cardTexts(card).join('\n');
    expect(all).not.toContain(SCRIPT);
    expect(all).not.toContain('[link](http://x)');
    expect(all).not.toContain('{{DATE(');
    expect(all).not.toMatch(/(^|[^\\])\*em\*/);
    expect(all).toContain('\\<script\\>');
  });

  it('escapes every Markdown character with a backslash', () => {
    expect(escapeCardMarkdown('*a* _b_ [c](d) <e> # f')).toBe('\\*a\\* \\_b\\_ \\[c\\]\\(d\\) \\<e\\> \\# f');
  });

  it('stays under the Teams message size and cuts no escape in half for huge incidents', () => {
    for (const page of [hugeNotification(), sanitizeOutgoing(hugeNotification())]) {
      const message = renderTeams(page);
      expect(Buffer.byteLength(JSON.stringify(message))).toBeLessThan(TEAMS_MAX_BYTES);
      for (const text of cardTexts(cardOf(message))) expect(text).not.toMatch(/(^|[^\\])(\\\\)*\\…$/);
    }
  });

  it('announces a report and has no action without a link', () => {
    const card = cardOf(renderTeams(aReport({ url: null })));
    expect(card.actions).toEqual([]);
    expect(cardTexts(card).join('\n')).toContain('• 502 x812 on shop\\-prod, most likely 502\\.backend\\-port');
  });
});
