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
import { checkOutputPath, duplicatesNote } from '../inputs.js';
import type { CliIo } from '../io.js';
import { defaultPipelineDeps, loadRules, readPaths, withWindow } from '../pipeline.js';

const HELP = `usage: lbwatch report PATH... [--from T] [--to T] [--rules FILE] [--window DUR] [--format html|md|json] [--out FILE] [--title TEXT]
                      [--log-format auto|otc-elb|alb|clb]

Reads access logs (files, directories or - for standard input; gzip or plain) like \`lbwatch analyze\` and writes a summary report:
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

Exit status: 0 every input was read, 1 some input failed while reading or had no line in its format (the report
is still written) or no record gave a period (give --from and --to), 2 bad usage, a path that does not exist, no
input file found under the paths, an invalid rules file or an output path that cannot be written.
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
): Promise<{ analysis: AnalysisResult; windows: WindowAggregate[]; duplicates: number }> {
  const read = await readPaths(paths, {
    windowMs: options.rules.windowMs,
    format: options.logFormat,
    formatFlag: '--log-format',
  });
  const windows = read.windows.filter(
    (w) => (options.from === null || w.start >= options.from) && (options.to === null || w.start < options.to),
  );
  // Records without an HTTP status (CLB TCP listeners) ride along so the report reconciles with the records read.
  const analysis = withRecordsWithoutStatus(analyze({ inputs: read.inputs, windows, rules: options.rules }), windows);
  return { analysis, windows, duplicates: read.duplicates };
}

const iso = (ms: number): string => new Date(ms).toISOString();

export async function reportCommand(args: string[], io: CliIo): Promise<number> {
  const options = parseReportArgs(args);
  if (options === null) {
    io.stdout.write(HELP);
    return 0;
  }
  // Everything that can make the run pointless is checked before any input is read.
  const out = options.out === '-' ? null : options.out;
  if (out !== null) await checkOutputPath(out);
  const rules = withWindow(await loadRules(options.rulesFile, defaultPipelineDeps), options.windowMs);
  const windowMs = rules.windowMs;
  const { analysis, windows, duplicates } = await analyzePaths(options.paths, {
    rules,
    from: options.from,
    to: options.to,
    logFormat: options.logFormat,
  });
  const note = duplicatesNote('report', duplicates);
  if (note !== null) io.stderr.write(note);
  const failed = analysis.inputs.filter((i) => i.error !== null);
  const reportFailed = (): void => {
    for (const input of failed)
      io.stderr.write(
        `lbwatch report: ${cleanText(`${input.path}: ${errorWithoutPath(input.path, input.error ?? '')}`, 300)}\n`,
      );
  };

  // Without --from/--to the period is the data's windows'; with no record in them there is none to invent.
  const from = options.from ?? (windows.length === 0 ? null : windows.reduce((m, w) => Math.min(m, w.start), Infinity));
  const to =
    options.to ?? (windows.length === 0 ? null : windows.reduce((m, w) => Math.max(m, w.start + windowMs), -Infinity));
  if (from === null || to === null) {
    reportFailed();
    io.stderr.write(
      "lbwatch report: no record to take the report's period from; give --from and --to to report an empty period\n",
    );
    return 1;
  }
  const now = Date.now();
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

  if (out === null) {
    io.stdout.write(text);
  } else {
    try {
      await writeFile(out, text);
    } catch (cause) {
      // Checked before reading, yet the disk can fill or the directory go away meanwhile.
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new LbwatchError('OUTPUT_UNWRITABLE', `cannot write ${out}: ${reason}`, { cause, context: { path: out } });
    }
    io.stderr.write(
      `lbwatch report: wrote ${out} (${options.format}, ${formatCount(Buffer.byteLength(text))} bytes; ${plural(analysis.windows.length, 'window')}, ${plural(analysis.incidents?.length ?? 0, 'incident')})\n`,
    );
  }
  reportFailed();
  return failed.length > 0 ? 1 : 0;
}
