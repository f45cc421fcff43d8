import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assemblyDirectory, writtenTemplates } from '../../infra/synth.js';

const made: string[] = [];
afterEach(() => {
  for (const directory of made.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe('npm run synth: where the template went', () => {
  it.each([
    [[], {}, 'cdk.out'],
    [['-c', 'alertEmail=a@example.com'], {}, 'cdk.out'],
    [['-o', 'out'], {}, 'out'],
    [['--output', 'build/cdk'], { output: 'ignored' }, 'build/cdk'],
    [['--output=elsewhere'], {}, 'elsewhere'],
    [[], { output: 'from-cdk-json' }, 'from-cdk-json'],
  ] as const)('arguments %j with cdk.json %j write to %s', (args, cdkJson, expected) => {
    expect(assemblyDirectory(args, cdkJson)).toBe(expected);
  });

  it('names each stack template of the cloud assembly, nothing else', () => {
    // Prepare
    const directory = mkdtempSync(join(tmpdir(), 'lbwatch-assembly-'));
    made.push(directory);
    writeFileSync(
      join(directory, 'manifest.json'),
      JSON.stringify({
        version: '53.0.0',
        artifacts: {
          'Lbwatch.assets': { type: 'cdk:asset-manifest', properties: { file: 'Lbwatch.assets.json' } },
          Lbwatch: {
            type: 'aws:cloudformation:stack',
            displayName: 'Lbwatch',
            properties: { templateFile: 'Lbwatch.template.json' },
          },
          Tree: { type: 'cdk:tree', properties: { file: 'tree.json' } },
        },
      }),
    );

    // Act
    const templates = writtenTemplates(directory);

    // Assess
    expect(templates).toEqual([{ stack: 'Lbwatch', file: join(directory, 'Lbwatch.template.json') }]);
  });
});
