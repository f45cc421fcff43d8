// `lbwatch analyze PATH...`: read access logs, aggregate windows, apply rules and print alerts with ranked causes.
import { parseArgs } from 'node:util';
import { analyze } from '../../lib/analysis/index.js';
import { LbwatchError } from '../../lib/errors.js';
import { LOG_FORMATS, type LogFormat } from '../../lib/formats/record.js';
import type { AnalysisResult } from '../../lib/model.js';
import { parseDuration, windowProblem } from '../../lib/rules/index.js';
import type { CliIo } from '../io.js';
import { defaultPipelineDeps, loadRules, type PipelineDeps, readPaths, withWindow } from '../pipeline.js';
import { renderAnalysisText } from '../render/analysis.js';
import { createProgress, styleFor } from '../render/terminal.js';

const HELP = `usage: lbwatch analyze PATH... [--rules FILE] [--window DUR] [--format auto|otc-elb|alb|clb] [--json]

Reads access logs (files, or directories recursively; gzip or plain), counts status codes per load balancer
and time window, applies the threshold rules and prints the alerts with their most likely causes.

  --rules FILE    rules file (YAML or JSON); default: the built-in rules
  --window DUR    window length, 1m to 1h (overrides the rules file's window); default 5m
  --format F      auto (default: detected per file), otc-elb, alb or clb
  --json          print one JSON document: { inputs, windows, alerts, incidents, logGaps }

Exit status: 0 every input was read, 1 some input failed while reading (the rest is still analysed and
reported), 2 bad usage, a path that does not exist or an invalid rules file.
`;

export interface AnalyzeOptions {
  paths: string[];
  rulesFile: string | null;
  windowMs: number | null;
  format: LogFormat | 'auto';
  json: boolean;
}

/** What the command needs from outside, so tests can pass fakes. */
export interface AnalyzeDeps extends PipelineDeps {
  env: Record<string, string | undefined>;
}

const OPTIONS = {
  rules: { type: 'string' },
  window: { type: 'string' },
  format: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function usage(message: string): LbwatchError {
  return new LbwatchError('USAGE', `${message} (see lbwatch analyze --help)`);
}

/** Parses the command line; throws `USAGE` for anything wrong. Returns null for --help. */
export function parseAnalyzeArgs(args: string[]): AnalyzeOptions | null {
  const parse = () => parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (error) {
    throw usage(error instanceof Error ? error.message : String(error));
  }
  const v = parsed.values;
  if (v.help === true) return null;
  if (parsed.positionals.length === 0) throw usage('give at least one PATH');
  const format = (v.format ?? 'auto') as LogFormat | 'auto';
  if (format !== 'auto' && !LOG_FORMATS.includes(format)) {
    throw usage(`--format expects auto, ${LOG_FORMATS.join(', ')}; got ${JSON.stringify(v.format)}`);
  }
  let windowMs: number | null = null;
  if (v.window !== undefined) {
    try {
      windowMs = parseDuration(v.window);
    } catch {
      throw usage(`--window expects a duration such as 5m or 1h, got ${JSON.stringify(v.window)}`);
    }
    const problem = windowProblem(windowMs);
    if (problem !== null) throw usage(`--window expects ${problem}, got ${JSON.stringify(v.window)}`);
  }
  return { paths: parsed.positionals, rulesFile: v.rules ?? null, windowMs, format, json: v.json === true };
}

/** The JSON document, exactly the documented shape. */
function jsonDocument(result: AnalysisResult): unknown {
  return {
    inputs: result.inputs.map((i) => ({
      path: i.path,
      format: i.format,
      lines: i.lines,
      records: i.records,
      rejected: i.rejected,
      rejects: i.rejects,
      error: i.error,
    })),
    windows: result.windows.map((w) => ({
      loadBalancer: w.loadBalancer,
      start: w.start,
      end: w.end,
      requests: w.requests,
      statusCodes: w.statusCodes,
      lbGenerated: w.lbGenerated,
    })),
    alerts: result.alerts,
    incidents: result.incidents ?? [],
    logGaps: result.logGaps ?? [],
  };
}

export const defaultDeps: AnalyzeDeps = { ...defaultPipelineDeps, env: process.env };

/** Builds the command with its dependencies (tests inject fakes). */
export function createAnalyzeCommand(deps: AnalyzeDeps): (args: string[], io: CliIo) => Promise<number> {
  return async (args, io) => {
    const options = parseAnalyzeArgs(args);
    if (options === null) {
      io.stdout.write(HELP);
      return 0;
    }
    // Everything that can make the run pointless is checked before any input is read.
    const rules = withWindow(await loadRules(options.rulesFile, deps), options.windowMs);
    const windowMs = rules.windowMs;
    const progress = createProgress(io.stderr);
    const { inputs, windows } = await readPaths(
      options.paths,
      { windowMs, format: options.format, onProgress: (done, total, bytes) => progress.update(done, total, bytes) },
      deps,
    );
    progress.done();

    const result = analyze({ inputs, windows, rules });
    if (options.json) {
      io.stdout.write(`${JSON.stringify(jsonDocument(result))}\n`);
    } else {
      const firstTime = windows.length === 0 ? null : windows.reduce((m, w) => Math.min(m, w.firstTime), Infinity);
      const lastTime = windows.length === 0 ? null : windows.reduce((m, w) => Math.max(m, w.lastTime), -Infinity);
      const facts = { firstTime, lastTime, windowMs, rulesSource: options.rulesFile ?? 'built-in defaults' };
      io.stdout.write(renderAnalysisText(result, facts, styleFor(io.stdout, deps.env)));
    }
    return inputs.some((i) => i.error !== null) ? 1 : 0;
  };
}

export const analyzeCommand = createAnalyzeCommand(defaultDeps);
