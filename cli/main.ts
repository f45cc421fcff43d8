import { isLbwatchError, type LbwatchErrorCode } from '../lib/errors.js';
import type { CliIo } from './io.js';

export type Command = (args: string[], io: CliIo) => Promise<number>;
/** The commands by name, each loaded only when used. */
export type CommandTable = Record<string, { summary: string; load: () => Promise<Command> }>;

/** Set by the bundler (scripts/build.mjs) from package.json; absent when the sources run unbundled (tests). */
declare const LBWATCH_VERSION: string | undefined;
/** lbwatch's version, as `lbwatch --version` prints it. */
export const VERSION = typeof LBWATCH_VERSION === 'string' ? LBWATCH_VERSION : 'unbundled';

/** Errors of the command line itself, not of reading: exit 2. */
const USAGE_CODES: ReadonlySet<LbwatchErrorCode> = new Set<LbwatchErrorCode>([
  'USAGE',
  'INPUT_NOT_FOUND',
  'RULES_INVALID',
  'OUTPUT_UNWRITABLE',
]);

/** Each command lives in its own module, loaded only when used. */
const commands: CommandTable = {
  analyze: {
    summary: 'analyse log files: status codes per window, threshold alerts and their likely causes',
    load: async () => (await import('./commands/analyze.js')).analyzeCommand,
  },
  parse: {
    summary: 'parse log files and print records and rejects (debugging view)',
    load: async () => (await import('./commands/parse.js')).parseCommand,
  },
  report: {
    summary: 'write a summary report (HTML with charts, Markdown or JSON) for log files',
    load: async () => (await import('./commands/report.js')).reportCommand,
  },
};

export function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: lbwatch <command> [options]\n       lbwatch --version\n\ncommands:\n${lines.join('\n')}\n\nRun \`lbwatch <command> --help\` for a command's options.\n`;
}

/**
 * Runs the CLI and returns the exit status: 0 ok, 1 some input failed while reading (or an unexpected error, told
 * in one line), 2 bad usage, a missing input or an output that cannot be written.
 */
export async function runCli(argv: string[], io: CliIo, table: CommandTable = commands): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    io.stdout.write(`lbwatch ${VERSION}\n`);
    return 0;
  }
  const command = Object.hasOwn(table, name) ? table[name] : undefined;
  if (command === undefined) {
    io.stderr.write(`lbwatch: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await command.load())(rest, io);
  } catch (error) {
    if (isLbwatchError(error) && USAGE_CODES.has(error.code)) {
      io.stderr.write(`lbwatch ${name}: ${error.message}\n`);
      return 2;
    }
    // Anything else is told in one line, never as a stack trace.
    io.stderr.write(`lbwatch ${name}: ${oneLine(error)}\n`);
    return 1;
  }
}

function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const text = message.trim().replace(/\s*\n\s*/g, '; ') || (error instanceof Error ? error.name : 'unknown error');
  return isLbwatchError(error) ? `${text} (${error.code})` : text;
}
