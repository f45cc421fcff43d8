import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { destinationExamples } from '../../../scripts/destination-examples.js';

describe('README destination examples', () => {
  it('are exactly what the renderers produce for the example incident', () => {
    // Prepare
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const match = /<!-- destination-examples:start -->\n([\s\S]*?)\n<!-- destination-examples:end -->/.exec(readme);
    // Act
    const generated = destinationExamples();
    // Assess
    expect(match?.[1]).toBe(generated);
  });
});
