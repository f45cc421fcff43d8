import { createReadStream, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAggregator } from '../../../lib/aggregate/index.js';
import { analyze } from '../../../lib/analysis/index.js';
import { readLogStream } from '../../../lib/input/read-log.js';
import type { AnalysisResult, InputSummary } from '../../../lib/model.js';
import { DEFAULT_RULES } from '../../../lib/rules/index.js';

interface Incident {
  id: string;
  loadBalancer: string;
  format: string;
  code: number;
  from: string;
  to: string;
  expectedTopCause: string;
}

const root = new URL('../../../examples/', import.meta.url);
const incidents = JSON.parse(readFileSync(new URL('incidents.json', root), 'utf8')) as Incident[];

async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)])),
  );
  return nested.flat().sort();
}

describe('example incidents', () => {
  let result: AnalysisResult;

  beforeAll(async () => {
    // Prepare + Act: the whole example estate with the default rules, as `npm start` does
    const agg = createAggregator({ windowMs: DEFAULT_RULES.windowMs });
    const inputs: InputSummary[] = [];
    for (const path of await files(new URL('logs', root).pathname)) {
      const { summary } = await readLogStream(createReadStream(path), agg.add, { name: path });
      inputs.push(summary);
    }
    result = analyze({ inputs, windows: agg.windows(), rules: DEFAULT_RULES });
  });

  it.each(incidents.map((i) => [i.id, i] as const))(
    '%s alerts in each of its windows with the expected top cause',
    (_id, incident) => {
      // Assess
      const from = Date.parse(incident.from);
      const to = Date.parse(incident.to);
      const starts: string[] = [];
      for (let t = from; t < to; t += DEFAULT_RULES.windowMs) starts.push(new Date(t).toISOString());
      const found = starts.map((start) => {
        const alert = result.alerts.find(
          (a) =>
            a.loadBalancer === incident.loadBalancer &&
            a.windowStart === start &&
            a.statusCodes[incident.code] !== undefined,
        );
        return {
          start,
          top: alert?.causes[0]?.id ?? null,
          topForCode: alert?.causes.find((c) => c.code === incident.code)?.id ?? null,
        };
      });
      expect(found).toEqual(
        starts.map((start) => ({ start, top: incident.expectedTopCause, topForCode: incident.expectedTopCause })),
      );
    },
  );
});
