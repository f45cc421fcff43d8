import { describe, expect, it } from 'vitest';
import {
  clip,
  escapeMrkdwn,
  renderSlack,
  SLACK_FIELD_MAX,
  SLACK_HEADER_MAX,
  SLACK_MAX_BLOCKS,
  SLACK_TEXT_MAX,
  type SlackMessage,
  type SlackText,
  sanitizeOutgoing,
} from '../../../lib/notify/index.js';
import { SCRIPT } from '../report/hostile.js';
import { aNotification, aReport, REPORT_URL } from './factories.js';
import { hostileNotification, hugeNotification } from './hostile.js';

function texts(message: SlackMessage): SlackText[] {
  return message.blocks.flatMap((block) => {
    if (block.type === 'header') return [block.text];
    if (block.type === 'section') return [...(block.text ? [block.text] : []), ...(block.fields ?? [])];
    if (block.type === 'context') return block.elements;
    if (block.type === 'actions') return block.elements.map((element) => element.text);
    return [];
  });
}

/** Slack's control characters may appear only as the entities `&amp;`, `&lt;`, `&gt;`. */
function rawControls(text: string): string[] {
  return text.replace(/&(amp|lt|gt);/g, '').match(/[&<>]/g) ?? [];
}

describe('renderSlack', () => {
  it('shows severity, load balancer, codes, since when, the top cause with evidence and a report button', () => {
    // Act
    const message = renderSlack(aNotification());
    // Assess
    const all = texts(message)
      .map((t) => t.text)
      .join('\n');
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: expect.stringContaining('[CRITICAL] Incident opened: 502, 504 on shop-prod') },
    });
    expect(all).toContain('*Severity*\ncritical');
    expect(all).toContain('*Load balancer*\nshop-prod');
    expect(all).toContain('*Codes*\n502 x80, 504 x20');
    expect(all).toContain('*Since*\n2026-06-16T05:40:00.000Z (open for 16 min)');
    expect(all).toContain(
      '*Most likely cause:* `502.backend-port` nothing listens on the backend port\nin the 3 windows',
    );
    expect(message.blocks).toContainEqual({
      type: 'actions',
      elements: [expect.objectContaining({ type: 'button', url: REPORT_URL })],
    });
    expect(message.text).toContain('Incident opened: 502, 504 on shop-prod');
  });

  it('escapes &, < and > of every log-derived string in every text object', () => {
    // Act
    const message = renderSlack(sanitizeOutgoing(hostileNotification()));
    // Assess
    const all = [...texts(message), { type: 'mrkdwn', text: message.text }];
    expect(all.flatMap((t) => rawControls(t.text))).toEqual([]);
    expect(JSON.stringify(message)).not.toContain(SCRIPT);
    expect(JSON.stringify(message)).not.toContain('<!channel>');
    expect(JSON.stringify(message)).toContain('&lt;script&gt;');
  });

  it('keeps every text, field, header and the block count within Slack limits', () => {
    // Prepare
    const pages = [hugeNotification(), sanitizeOutgoing(hugeNotification()), sanitizeOutgoing(hostileNotification())];
    for (const page of pages) {
      // Act
      const message = renderSlack(page);
      // Assess
      expect(message.blocks.length).toBeLessThanOrEqual(SLACK_MAX_BLOCKS);
      expect(message.text.length).toBeLessThanOrEqual(SLACK_TEXT_MAX);
      for (const block of message.blocks) {
        if (block.type === 'header') expect(block.text.text.length).toBeLessThanOrEqual(SLACK_HEADER_MAX);
        if (block.type === 'section') {
          expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(SLACK_TEXT_MAX);
          expect(block.fields?.length ?? 0).toBeLessThanOrEqual(10);
          for (const field of block.fields ?? []) expect(field.text.length).toBeLessThanOrEqual(SLACK_FIELD_MAX);
        }
      }
    }
  });

  it('never cuts an entity in half', () => {
    expect(clip(escapeMrkdwn('a'.repeat(10) + '<'.repeat(10)), 14)).toBe('aaaaaaaaaa…');
  });

  it('announces a report with its figures and link', () => {
    const message = renderSlack(aReport());
    const all = texts(message)
      .map((t) => t.text)
      .join('\n');
    expect(all).toContain('*Requests*\n1250000');
    expect(all).toContain('• 502 x812 on shop-prod, most likely `502.backend-port`');
    expect(message.blocks).toContainEqual(expect.objectContaining({ type: 'actions' }));
  });

  it('has no button when there is no link', () => {
    const message = renderSlack(aNotification({ reportUrl: null }));
    expect(message.blocks.some((block) => block.type === 'actions')).toBe(false);
  });
});
