/**
 * Synthetic state for `npm run bench:state`: one realistic window document of a 20-node load balancer (20 objects of
 * ~1,600 ALB lines through the real reader and aggregator, merged), re-stamped to any window and load balancer, and
 * hourly rollups rolled from twelve such documents with the real `rollHour`.
 */
import { type InputDigest, WINDOW_DOC_VERSION, type WindowDoc } from '../functions/core/window-docs.js';
import { createAggregator, mergeWindows, type WindowAggregate } from '../lib/aggregate/index.js';
import { readLogStream } from '../lib/input/read-log.js';
import type { InputSummary } from '../lib/model.js';
import { rollHour, serializeRolledHour, windowStartsOfHour } from '../lib/rollup/index.js';
import type { RuleSet } from '../lib/rules/index.js';
import { albLines } from '../test/functions/support/log-lines.js';

export const WINDOW_MS = 300_000;
export const NODES = 20;
const LINES_PER_OBJECT = 1_600;

/** One node's ~1,600 lines of the window starting at `start`: mostly 200s, a few 404s and 503s, 40 paths. */
function nodeLines(start: number, node: number, loadBalancer: string): string[] {
  const from = new Date(start);
  const to = new Date(start + WINDOW_MS - 1);
  const target = `10.0.${Math.floor(node / 8)}.${10 + (node % 8)}:8080`;
  const lines: string[] = [];
  const per = Math.floor(LINES_PER_OBJECT / 40);
  for (let p = 0; p < 40; p++) {
    lines.push(
      ...albLines(per - 2, from, to, {
        loadBalancer,
        target,
        elbStatus: 200,
        targetStatus: 200,
        path: `/shop/item/${p}`,
        client: `198.51.100.${(p * 7 + node) % 250}:4${p}00`,
      }),
      ...albLines(1, from, to, { loadBalancer, target, elbStatus: 404, targetStatus: 404, path: `/missing/${p}` }),
      ...albLines(1, from, to, { loadBalancer, target, elbStatus: 503, targetStatus: 503, path: `/shop/cart/${p}` }),
    );
  }
  return lines;
}

/** The window document a 20-node load balancer has at the end of the window starting at `start`: 20 objects merged. */
export async function templateDoc(loadBalancer: string, start: number): Promise<WindowDoc> {
  let aggregate: WindowAggregate | null = null;
  const sources: string[] = [];
  const inputs: Record<string, InputDigest> = {};
  for (let node = 0; node < NODES; node++) {
    const aggregator = createAggregator({ windowMs: WINDOW_MS });
    const text = nodeLines(start, node, loadBalancer).join('\n');
    async function* body() {
      yield Buffer.from(text);
    }
    const read = await readLogStream(body(), (r) => aggregator.add(r), { name: `node-${node}`, fields: 'analysis' });
    const id = `${node.toString(16).padStart(2, '0')}${'5f3a9c'.repeat(5)}`;
    sources.push(id);
    inputs[id] = { path: `s3://example-elb-logs/AWSLogs/node-${node}.log.gz`, summary: read.summary, failure: null };
    for (const w of aggregator.takeWindows()) aggregate = aggregate === null ? w : mergeWindows(aggregate, w);
  }
  if (aggregate === null) throw new Error('template lines produced no window');
  return {
    version: WINDOW_DOC_VERSION,
    loadBalancer,
    start,
    windowMs: WINDOW_MS,
    sources,
    inputs,
    lastArrival: start + WINDOW_MS + 240_000,
    lastObjectKey: 'AWSLogs/node-19.log.gz',
    aggregate,
    // The objects carry nothing of the window before (real ALB objects carry a few records: a second, small aggregate).
    carry: null,
  };
}

/** The template document moved to another load balancer and window (its record times shifted with it). */
export function restampDoc(template: WindowDoc, loadBalancer: string, start: number): WindowDoc {
  const shift = start - template.start;
  const t = template.aggregate;
  return {
    ...template,
    loadBalancer,
    start,
    lastArrival: template.lastArrival + shift,
    aggregate: { ...t, loadBalancer, start, firstTime: t.firstTime + shift, lastTime: t.lastTime + shift },
  };
}

/** Input summaries of the objects whose home the documents are, as the readers of an hour take them. */
function inputsOf(docs: readonly WindowDoc[]): InputSummary[] {
  return docs.flatMap((d) => Object.values(d.inputs).map((i) => ({ ...i.summary, path: i.path })));
}

/**
 * The serialized rollup of the template's load balancer for the hour `hourStart`: the real `rollHour` over the
 * hour's twelve re-stamped documents and the input summaries they hold (20 objects per window).
 */
export function rolledHourText(template: WindowDoc, hourStart: number, rules: RuleSet): string {
  const docs = windowStartsOfHour(hourStart, WINDOW_MS).map((s) => restampDoc(template, template.loadBalancer, s));
  const rolled = rollHour(
    {
      loadBalancer: template.loadBalancer,
      start: hourStart,
      windowMs: WINDOW_MS,
      windows: docs.map((d) => d.aggregate),
      inputs: inputsOf(docs),
    },
    rules,
  );
  if (rolled === null) throw new Error('the template hour rolled to nothing');
  return serializeRolledHour(rolled);
}
