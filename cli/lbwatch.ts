// lbwatch command-line entry: dispatches to one module per command.
import { runCli } from './main.js';

// A reader that stops early (`lbwatch analyze --json | head`) closes the pipe: stop quietly, as other command-line
// tools do, instead of failing with an unhandled EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    // Any other failure to write (a full disk behind a redirection): one line, never a stack trace.
    if (stream === process.stdout) process.stderr.write(`lbwatch: cannot write to standard output: ${error.message}\n`);
    process.exit(1);
  });
}

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
});
