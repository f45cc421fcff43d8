import { parseArgs } from 'node:util';
import { isLbwatchError, LbwatchError } from '../../lib/errors.js';
import { LOG_FORMATS, type LogFormat, type LogRecord } from '../../lib/formats/record.js';
import type { InputSummary } from '../../lib/model.js';
import { collectInputFiles, duplicatesNote, inputName, readInputFile, withFormatHint } from '../inputs.js';
import type { CliIo } from '../io.js';

const HELP = `usage: lbwatch parse PATH... [--format auto|otc-elb|alb|clb] [--json] [--raw] [--limit N]

Parses access-log files (plain or gzip, detected by content; directories are read recursively;
- reads standard input) and prints, per input, the line counts, rejects by reason with sample lines, then the first
records. A debugging view of what lbwatch reads from the logs.

options:
  --format F   log format, or auto to detect it per file (default auto)
  --json       print {"inputs": [...], "records": [...]} as one JSON document
  --raw        add every field of the line to each record (raw)
  --limit N    how many records to print (default 100)
  -h, --help   this text

exit status: 0 all inputs read, 1 an input failed while reading or had no line in its format,
2 bad usage, a missing path or no input file found under the paths
`;

interface ParseOptions {
  paths: string[];
  format: LogFormat | 'auto';
  json: boolean;
  raw: boolean;
  limit: number;
}

function parseOptions(args: string[]): ParseOptions | null {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (cause) {
    throw new LbwatchError('USAGE', cause instanceof Error ? cause.message : String(cause), { cause });
  }
  const { values, positionals } = parsed;
  if (values.help === true) return null;
  if (positionals.length === 0) throw new LbwatchError('USAGE', 'give at least one file or directory to parse');
  const format = values.format ?? 'auto';
  if (format !== 'auto' && !(LOG_FORMATS as readonly string[]).includes(format)) {
    throw new LbwatchError('USAGE', `--format must be auto, ${LOG_FORMATS.join(', ')}; got '${format}'`);
  }
  const limitText = values.limit ?? '100';
  const limit = /^\d{1,9}$/.test(limitText) ? Number(limitText) : Number.NaN;
  if (Number.isNaN(limit))
    throw new LbwatchError('USAGE', `--limit must be a non-negative integer; got '${limitText}'`);
  return {
    paths: positionals,
    format: format as LogFormat | 'auto',
    json: values.json === true,
    raw: values.raw === true,
    limit,
  };
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      format: { type: 'string' },
      json: { type: 'boolean' },
      raw: { type: 'boolean' },
      limit: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** `lbwatch parse`: reads files and prints summaries, rejects and the first records. */
export async function parseCommand(args: string[], io: CliIo): Promise<number> {
  const options = parseOptions(args);
  if (options === null) {
    io.stdout.write(HELP);
    return 0;
  }
  const { files, duplicates } = await collectInputFiles(options.paths);
  const note = duplicatesNote('parse', duplicates);
  if (note !== null) io.stderr.write(note);
  const inputs: InputSummary[] = [];
  const records: LogRecord[] = [];
  let total = 0;
  const keep = (record: LogRecord): void => {
    total++;
    if (records.length < options.limit) records.push(record);
  };
  for (const path of files) {
    try {
      const result = await readInputFile(path, keep, { format: options.format, keepRaw: options.raw });
      inputs.push(withFormatHint(result.summary, result.failure, options.format, '--format'));
    } catch (error) {
      if (!isLbwatchError(error, 'READ_FAILED')) throw error;
      inputs.push({
        path: inputName(path),
        format: null,
        lines: 0,
        records: 0,
        rejected: 0,
        rejects: {},
        samples: [],
        error: error.message,
      });
    }
  }
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ inputs, records }, null, 2)}\n`);
  } else {
    io.stdout.write(renderHuman(inputs, records, total));
  }
  return inputs.some((input) => input.error !== null) ? 1 : 0;
}

/**
 * Makes log text safe for a terminal: control and non-printable characters become `\xHH` or
 * `\u{...}` (log lines are attacker-controlled and could carry escape sequences), and long text
 * is cut with an ellipsis.
 */
export function escapeForTerminal(text: string, max = 160): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0))
      out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (
      code === 0x2028 ||
      code === 0x2029 ||
      (code >= 0x202a && code <= 0x202e) ||
      (code >= 0x2066 && code <= 0x2069)
    ) {
      out += `\\u{${code.toString(16)}}`;
    } else out += char;
    if (out.length >= max) return `${out.slice(0, max)}…`;
  }
  return out;
}

function renderHuman(inputs: InputSummary[], records: LogRecord[], total: number): string {
  const out: string[] = [];
  for (const input of inputs) {
    out.push(
      `${escapeForTerminal(input.path, 200)}: ${input.format ?? 'unknown format'}, ${input.lines} lines, ${input.records} records, ${input.rejected} rejected`,
    );
    const reasons = Object.entries(input.rejects);
    if (reasons.length > 0) out.push(`  rejects: ${reasons.map(([reason, count]) => `${reason} ${count}`).join(', ')}`);
    for (const sample of input.samples ?? []) {
      out.push(`  line ${sample.line} (${sample.reason}): ${escapeForTerminal(sample.text, 160)}`);
    }
    if (input.error !== null) out.push(`  error: ${escapeForTerminal(input.error, 400)}`);
  }
  out.push('');
  if (records.length === 0) {
    out.push('no records');
  } else {
    out.push(`records (first ${records.length} of ${total}):`);
    const rows = records.map((r) => [
      new Date(r.time).toISOString(),
      r.loadBalancer,
      r.status === null ? '-' : String(r.status),
      r.backendStatus === null ? '-' : String(r.backendStatus),
      r.generatedBy ?? '-',
      r.member ?? '-',
      r.requestTime === null ? '-' : r.requestTime.toFixed(3),
      r.method ?? '-',
      `${r.host ?? ''}${r.path ?? ''}`,
    ]);
    const header = ['TIME', 'LOAD BALANCER', 'STATUS', 'BACKEND', 'BY', 'MEMBER', 'TIME(S)', 'METHOD', 'HOST+PATH'];
    const cells = [header, ...rows].map((row) => row.map((cell) => escapeForTerminal(cell, 60)));
    const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
    for (const row of cells)
      out.push(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
  }
  return `${out.join('\n')}\n`;
}
