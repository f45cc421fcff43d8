import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const launcher = `${root}bin/lbwatch.mjs`;

/** Runs the `lbwatch` command as a user does (its launcher, through sh), reading at most `limit` bytes of stdout. */
function runCommand(args: string[], limit = Number.POSITIVE_INFINITY) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(launcher, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      // Close our end early, like `| head` does.
      if (stdout.length >= limit) child.stdout.destroy();
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// Needs the bundle `npm ci` builds (`prepare`); without it the launcher says to run `npm run build`.
describe('the lbwatch command', () => {
  it('starts through its launcher', async () => {
    // Act
    const { code, stdout, stderr } = await runCommand(['--help']);
    // Assess
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('usage: lbwatch');
  });

  it('stops quietly when the reader closes the pipe early (| head)', async () => {
    // Act: the examples print far more JSON than the 64 bytes read
    const { code, stdout, stderr } = await runCommand(['parse', 'examples/logs', '--json'], 64);
    // Assess
    expect(stdout.length).toBeGreaterThanOrEqual(64);
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
  }, 60_000);
});
