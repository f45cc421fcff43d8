import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CAUSE_CATALOGUE, causesFor } from '../../lib/causes/catalogue.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The rows of the README's cause table, as `id | code | meaning` strings. */
function readmeCauseRows(text: string): string[] {
  const start = text.indexOf('**Cause ids.**');
  if (start < 0) return [];
  const lines = text.slice(start).split('\n');
  const header = lines.findIndex((line) => line.startsWith('| cause id |'));
  const rows: string[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    rows.push(`${cells[0]?.replace(/^`|`$/g, '')} | ${cells[1]} | ${cells[2]}`);
  }
  return rows;
}

describe('README cause table', () => {
  it('lists every cause of the catalogue, with its code and title, in catalogue order, then the generic two', () => {
    // Prepare
    const generic = causesFor(999).map((cause) => `${cause.id} | any other | ${cause.title}`);
    const expected = [...CAUSE_CATALOGUE.map((cause) => `${cause.id} | ${cause.code} | ${cause.title}`), ...generic];

    // Act
    const rows = readmeCauseRows(readme);

    // Assess
    expect(rows).toEqual(expected);
  });

  it('the table reader notices a changed row', () => {
    // Prepare
    const changed = readme.replace('| `502.backend-port` | 502 |', '| `502.backend-port` | 504 |');

    // Act
    const rows = readmeCauseRows(changed);

    // Assess
    expect(rows).toContain("502.backend-port | 504 | the backend server's port is configured wrongly");
    expect(rows).not.toEqual(readmeCauseRows(readme));
  });
});
