/**
 * The bundled example data set: every object of the example period, the incidents built into it and the
 * lines deliberately damaged in it, and a writer that lays the objects out like the buckets they come from.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { buildObjects, encodeObject, type LogObject, type MalformedLine } from './objects.js';
import { EXAMPLE_END, EXAMPLE_SEED, EXAMPLE_START, INCIDENTS, LOAD_BALANCERS } from './scenario.js';

/** One entry of `examples/incidents.json`. */
export interface ExampleIncident {
  id: string;
  /** As the parser reports it: OTC `lb_name`, ALB `elb`, CLB name. */
  loadBalancer: string;
  format: string;
  code: number;
  /** ISO 8601 UTC, aligned to 5-minute windows; the incident covers [from, to). */
  from: string;
  to: string;
  expectedTopCause: string;
  description: string;
}

export interface ExampleSet {
  objects: LogObject[];
  incidents: ExampleIncident[];
  malformed: MalformedLine[];
}

/** Cuts a line inside its first quoted field, leaving an unterminated quote that no format accepts. */
function truncateInsideQuote(line: string): string {
  const quote = line.indexOf('"');
  return line.slice(0, quote + 20);
}

/** Which lines the examples damage: (object key contains, 1-based line, why). */
export const DAMAGED_LINES: ReadonlyArray<{ keyPart: string; line: number; description: string }> = [
  {
    keyPart: 'elb-shop-access_20260616T0625Z_100.125.4.18_',
    line: 10,
    description: 'OTC line cut off inside the quoted request field (a partial write)',
  },
  {
    keyPart: 'app.web-prod.3f9a1c2b7d4e5f60_20260616T0735Z_10.20.1.37_',
    line: 25,
    description: 'ALB line cut off inside the quoted request field (a partial write)',
  },
];

/** Generates the example set in memory. Deterministic: no clock, no `Math.random`. */
export function generateExamples(): ExampleSet {
  const objects = buildObjects({
    seed: EXAMPLE_SEED,
    start: EXAMPLE_START,
    end: EXAMPLE_END,
    loadBalancers: LOAD_BALANCERS,
    incidents: INCIDENTS,
  });
  const malformed: MalformedLine[] = [];
  for (const damage of DAMAGED_LINES) {
    const object = objects.find((o) => o.key.includes(damage.keyPart));
    const original = object?.lines[damage.line - 1];
    if (object === undefined || original === undefined) throw new Error(`no line to damage in ${damage.keyPart}`);
    object.lines[damage.line - 1] = truncateInsideQuote(original);
    malformed.push({ key: object.key, line: damage.line, description: damage.description });
  }
  const incidents = INCIDENTS.map((i): ExampleIncident => {
    const lb = LOAD_BALANCERS.find((l) => l.key === i.lb);
    if (lb === undefined) throw new Error(`incident ${i.id}: unknown load balancer ${i.lb}`);
    return {
      id: i.id,
      loadBalancer: lb.name,
      format: lb.format,
      code: i.code,
      from: new Date(i.from).toISOString(),
      to: new Date(i.to).toISOString(),
      expectedTopCause: i.expectedTopCause,
      description: i.description,
    };
  });
  return { objects, incidents, malformed };
}

/** The two top folders the examples write (`LogTanks/` for OTC via LTS, `AWSLogs/` for ALB and CLB). */
export const EXAMPLE_ROOTS = ['LogTanks', 'AWSLogs'] as const;

/** Writes the objects under `outDir` (replacing earlier output there); returns the example set. */
export async function writeExamples(outDir: string): Promise<ExampleSet> {
  const set = generateExamples();
  for (const root of EXAMPLE_ROOTS) await rm(join(outDir, root), { recursive: true, force: true });
  for (const object of set.objects) {
    const file = join(outDir, object.key);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, encodeObject(object));
  }
  return set;
}

/** `examples/incidents.json` content. */
export function incidentsJson(set: ExampleSet): string {
  return `${JSON.stringify(set.incidents, null, 2)}\n`;
}
