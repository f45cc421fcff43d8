import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderSlack, renderTeams, sanitizeOutgoing } from '../../../lib/notify/index.js';
import { aCause, aNotification } from './factories.js';
import { allStrings } from './strings.js';

const hostile = fc.string({
  unit: fc.constantFrom('<', '>', '&', '*', '_', '[', ']', '`', '{', '\n', '\u001b', 'a', ' ', '-', '1', '.'),
  maxLength: 40,
});

function page(lb: string, evidence: string, id: string) {
  return sanitizeOutgoing(
    aNotification(
      {},
      { loadBalancer: lb, statusCodes: { [id]: 3 }, causes: [aCause({ id, title: evidence, evidence })] },
    ),
  );
}

describe('escaping of log-derived strings, for any string', () => {
  it('leaves no Slack control character outside an entity', () => {
    fc.assert(
      fc.property(hostile, hostile, hostile, (lb, evidence, id) => {
        const texts = allStrings(renderSlack(page(lb, evidence, id))).filter((text) => !text.startsWith('https://'));
        for (const text of texts) expect(text.replace(/&(amp|lt|gt);/g, '')).not.toMatch(/[&<>]/);
      }),
      { numRuns: 300 },
    );
  });

  it('leaves no unescaped Markdown or HTML character in a Teams card and no card function', () => {
    fc.assert(
      fc.property(hostile, hostile, hostile, (lb, evidence, id) => {
        const body = renderTeams(page(lb, evidence, id)).attachments[0]?.content.body ?? [];
        for (const text of allStrings(body)) {
          // Our own bold markers are the only `**`; everything else must be escaped.
          const ours = text.replace(/^\*\*Most likely cause:\*\* /, '');
          expect(ours.replace(/\\[\\`*_~[\]<>&]/g, '')).not.toMatch(/[`*_~[\]<>&]/);
          expect(ours).not.toContain('{{');
        }
      }),
      { numRuns: 300 },
    );
  });
});
