import { isLbwatchError } from '../lib/errors.js';
import type { CliIo } from './io.js';

type Command = (args: string[], io: CliIo) => Promise<number>;

/** Each command lives in its own module, loaded only when used. */
const commands: Record<string, { summary: string; load: () => Promise<Command> }> = {
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
  return `usage: lbwatch <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun \`lbwatch <command> --help\` for a command's options.\n`;
}

/** Runs the CLI and returns the exit status: 0 ok, 1 some input failed while reading, 2 bad usage. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout).write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    io.stderr.write(`lbwatch: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await command.load())(rest, io);
  } catch (error) {
    if (
      isLbwatchError(error) &&
      (error.code === 'USAGE' || error.code === 'INPUT_NOT_FOUND' || error.code === 'RULES_INVALID')
    ) {
      io.stderr.write(`lbwatch ${name}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
