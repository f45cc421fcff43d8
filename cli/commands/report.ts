// `lbwatch report PATH...`: the same inputs as `analyze`, rendered as a summary report (HTML, Markdown or JSON).
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { WindowAggregate } from '../../lib/aggregate/index.js';
import { analyze } from '../../lib/analysis/index.js';
import { LbwatchError } from '../../lib/errors.js';
import { LOG_FORMATS, type LogFormat } from '../../lib/formats/record.js';
import type { AnalysisResult } from '../../lib/model.js';
import {
  cleanText,
  errorWithoutPath,
  formatCount,
  plural,
  REPORT_FORMATS,
  type ReportFormat,
  renderReport,
  summarizeRules,
  withRecordsWithoutStatus,
} from '../../lib/report/index.js';
import { parseDuration, type RuleSet, windowProblem } from '../../lib/rules/index.js';
import type { CliIo } from '../io.js';
import { defaultPipelineDeps, loadRules, readPaths, withWindow } from '../pipeline.js';

const HELP = `usage: lbwatch report PATH... [--from T] [--to T] [--rules FILE] [--window DUR] [--format html|md|json] [--out FILE] [--title TEXT]
                      [--log-format auto|otc-elb|alb|clb]

Reads access logs (files or directories, gzip or plain) like \`lbwatch analyze\` and writes a summary report:
headline figures, requests and errors over time with the alerting windows marked, incidents, top error codes
with their likely causes, the backend members with the most errors, the inputs read and the rules in force.

  --from T        first window to include, ISO 8601 (e.g. 2024-05-01T00:00:00Z); default: the first record's window
  --to T          end of the period (exclusive), ISO 8601; default: the end of the last record's window
  --rules FILE    rules file (YAML or JSON); default: the built-in rules
  --window DUR    window length, 1m to 1h (overrides the rules file's window)
  --format F      html (default), md or json
  --out FILE      where to write; default report.html for html, standard output for md and json; "-" is stdout
  --title TEXT    page title (default "lbwatch report")
  --log-format F  auto (default: detected per file), otc-elb, alb or clb

Exit status: 0 every input was read, 1 some input failed while reading (the report is still written),
2 bad usage, a path that does not exist or an invalid rules file.
`;

export interface ReportOptions {
  paths: string[];
  from: number | null;
  to: number | null;
  rulesFile: string | null;
  windowMs: number | null;
  format: ReportFormat;
  out: string | null;
  title: string | null;
  logFormat: LogFormat | 'auto';
}

const OPTIONS = {
  from: { type: 'string' },
  to: { type: 'string' },
  rules: { type: 'string' },
  window: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  title: { type: 'string' },
  'log-format': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function usage(message: string): LbwatchError {
  return new LbwatchError('USAGE', `${message} (see lbwatch report --help)`);
}

function parseTime(flag: string, text: string | undefined): number | null {
  if (text === undefined) return null;
  // Date-only or full ISO 8601; a time without a zone would silently mean local time, so it must carry one.
  const ok = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}))?$/.test(text);
  const ms = ok ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw usage(`${flag} expects an ISO 8601 time with a zone, e.g. 2024-05-01T00:00:00Z`);
  return ms;
}

/** Parses the command line; throws `USAGE` for anything wrong. Returns null for --help. */
export function parseReportArgs(args: string[]): ReportOptions | null {
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
  const format = (v.format ?? 'html') as ReportFormat;
  if (!REPORT_FORMATS.includes(format)) throw usage(`--format expects one of ${REPORT_FORMATS.join(', ')}`);
  let windowMs: number | null = null;
  if (v.window !== undefined) {
    try {
      windowMs = parseDuration(v.window);
    } catch {
      throw usage(`--window expects a duration such as 5m or 1h`);
    }
    const problem = windowProblem(windowMs);
    if (problem !== null) throw usage(`--window expects ${problem}`);
  }
  const logFormat = (v['log-format'] ?? 'auto') as LogFormat | 'auto';
  if (logFormat !== 'auto' && !LOG_FORMATS.includes(logFormat)) {
    throw usage(`--log-format expects auto, ${LOG_FORMATS.join(', ')}`);
  }
  const from = parseTime('--from', v.from);
  const to = parseTime('--to', v.to);
  if (from !== null && to !== null && to <= from) throw usage('--to must be after --from');
  return {
    paths: parsed.positionals,
    from,
    to,
    rulesFile: v.rules ?? null,
    windowMs,
    format,
    out: v.out ?? (format === 'html' ? 'report.html' : null),
    title: v.title ?? null,
    logFormat,
  };
}

/**
 * Reads every input into window aggregates and analyses those of the period. Windows outside [from, to) are left
 * out before the analysis, so the per-code summaries cover exactly the report's period.
 */
export async function analyzePaths(
  paths: readonly string[],
  options: { rules: RuleSet; from: number | null; to: number | null; logFormat: LogFormat | 'auto' },
): Promise<{ analysis: AnalysisResult; windows: WindowAggregate[] }> {
  const read = await readPaths(paths, { windowMs: options.rules.windowMs, format: options.logFormat });
  const windows = read.windows.filter(
    (w) => (options.from === null || w.start >= options.from) && (options.to === null || w.start < options.to),
  );
  // Records without an HTTP status (CLB TCP listeners) ride along so the report reconciles with the records read.
  const analysis = withRecordsWithoutStatus(analyze({ inputs: read.inputs, windows, rules: options.rules }), windows);
  return { analysis, windows };
}

const iso = (ms: number): string => new Date(ms).toISOString();

export async function reportCommand(args: string[], io: CliIo): Promise<number> {
  const options = parseReportArgs(args);
  if (options === null) {
    io.stdout.write(HELP);
    return 0;
  }
  const rules = withWindow(await loadRules(options.rulesFile, defaultPipelineDeps), options.windowMs);
  const windowMs = rules.windowMs;
  const { analysis, windows } = await analyzePaths(options.paths, {
    rules,
    from: options.from,
    to: options.to,
    logFormat: options.logFormat,
  });

  // Without --from/--to the period is the data's; an empty input gets the current window as its period.
  const now = Date.now();
  const firstStart = windows.reduce((min, w) => Math.min(min, w.start), Math.floor(now / windowMs) * windowMs);
  const lastEnd = windows.reduce((max, w) => Math.max(max, w.start + windowMs), firstStart + windowMs);
  const from = options.from ?? (options.to !== null ? Math.min(firstStart, options.to - windowMs) : firstStart);
  const to = options.to ?? Math.max(lastEnd, from + windowMs);
  const text = renderReport(
    {
      ...(options.title === null ? {} : { title: options.title }),
      generatedAt: iso(now),
      period: { from: iso(from), to: iso(to) },
      windowMs,
      analysis,
      rules: summarizeRules(rules),
    },
    options.format,
  );

  if (options.out === null || options.out === '-') {
    io.stdout.write(text);
  } else {
    await writeFile(options.out, text);
    io.stderr.write(
      `lbwatch report: wrote ${options.out} (${options.format}, ${formatCount(Buffer.byteLength(text))} bytes; ${plural(analysis.windows.length, 'window')}, ${plural(analysis.alerts.length, 'alert')})\n`,
    );
  }
  const failed = analysis.inputs.filter((i) => i.error !== null);
  for (const input of failed) {
    const reason = errorWithoutPath(input.path, input.error ?? '');
    io.stderr.write(`lbwatch report: ${cleanText(`${input.path}: ${reason}`, 300)}\n`);
  }
  return failed.length > 0 ? 1 : 0;
}
