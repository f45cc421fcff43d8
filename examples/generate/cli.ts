/**
 * Regenerates the bundled example logs:
 *   node --import tsx examples/generate/cli.ts [--out examples/logs] [--incidents examples/incidents.json]
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { incidentsJson, writeExamples } from './examples.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: 'examples/logs' },
    incidents: { type: 'string', default: 'examples/incidents.json' },
  },
});

const set = await writeExamples(values.out);
await writeFile(values.incidents, incidentsJson(set));
const lines = set.objects.reduce((n, o) => n + o.lines.length, 0);
process.stdout.write(
  `wrote ${set.objects.length} objects (${lines} lines) to ${values.out} and ${set.incidents.length} incidents to ${values.incidents}\n`,
);
