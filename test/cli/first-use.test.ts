// A new user's first mistakes, each run as the real `lbwatch` process: exit status and message.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../cli/io.js';
import { runCli } from '../../cli/main.js';
import { LbwatchError } from '../../lib/errors.js';
import type { InputSummary } from '../../lib/model.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const launcher = `${root}bin/lbwatch.mjs`;
const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
const otcDir = 'examples/logs/LogTanks/eu-de/2026/06/16/lbwatch-prod/elb-shop-access';
const otcFile = join(otcDir, readdirSync(join(root, otcDir)).sort()[0]!);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `lbwatch` through its launcher, as a user does; `stdin` is written to a real pipe, then closed. */
function lbwatch(args: string[], stdin?: Buffer): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(launcher, args, { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // Written in pieces, so the reader sees a stream, not one buffer.
    const input = stdin ?? Buffer.alloc(0);
    for (let at = 0; at < input.length; at += 7001) child.stdin.write(input.subarray(at, at + 7001));
    child.stdin.end();
  });
}

/** True when the text carries a Node stack trace. */
function hasStack(text: string): boolean {
  return /^\s+at /m.test(text) || text.includes('node:internal');
}

interface Document {
  inputs: InputSummary[];
  windows: { loadBalancer: string; start: string; statusCodes: Record<string, number> }[];
}

function count502(doc: Document): number {
  return doc.windows.reduce((sum, w) => sum + (w.statusCodes['502'] ?? 0), 0);
}

// Needs the bundle `npm ci` builds (`prepare`), like test/cli/launcher.test.ts.
describe('lbwatch on first use (real process)', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lbwatch-first-use-'));
    await mkdir(join(dir, 'empty'));
    await mkdir(join(dir, 'dots'));
    await writeFile(join(dir, 'dots', '.hidden.log'), readFileSync(join(root, otcFile)));
    await writeFile(join(dir, 'blank.log'), '\n\n');
    await symlink(join(root, otcDir), join(dir, 'otc-link'));
    await writeFile(join(dir, 'otc.log.gz'), readFileSync(join(root, otcFile)));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('1. output path', () => {
    it('report --out into a missing directory: one line naming path and reason, exit 2, before reading', async () => {
      // Act: the input path does not exist either; the output is checked first
      const missingInput = await lbwatch(['report', `${dir}/nowhere`, '--out', '/nonexistent/dir/r.html']);
      const examples = await lbwatch(['report', 'examples/logs', '--out', '/nonexistent/dir/r.html']);
      // Assess
      for (const run of [missingInput, examples]) {
        expect(run.code).toBe(2);
        expect(run.stderr).toBe(
          'lbwatch report: cannot write /nonexistent/dir/r.html: directory /nonexistent/dir does not exist\n',
        );
        expect(run.stdout).toBe('');
      }
    });

    it('report --out naming a directory: exit 2, says so', async () => {
      // Act
      const { code, stderr } = await lbwatch(['report', 'examples/logs', '--out', dir]);
      // Assess
      expect(code).toBe(2);
      expect(stderr).toBe(`lbwatch report: cannot write ${dir}: it is a directory\n`);
    });

    it('a write that fails after the check (full disk) is one line, exit 2, no stack trace', async () => {
      // Act: /dev/full accepts opening and fails every write with ENOSPC
      const { code, stderr } = await lbwatch(['report', otcFile, '--format', 'md', '--out', '/dev/full']);
      // Assess
      expect(code).toBe(2);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(/^lbwatch report: cannot write \/dev\/full: ENOSPC/);
      expect(hasStack(stderr)).toBe(false);
    });
  });

  describe('2. no input file', () => {
    it.each([
      ['analyze', 'empty'],
      ['report', 'empty'],
      ['parse', 'empty'],
      ['analyze', 'dots'],
      ['report', 'dots'],
      ['parse', 'dots'],
    ])('%s on a directory with no input file (%s): says so and exits 2', async (command, sub) => {
      // Prepare
      const out = join(dir, `${command}-${sub}.html`);
      const args = command === 'report' ? ['--out', out] : [];
      // Act
      const { code, stdout, stderr } = await lbwatch([command, join(dir, sub), ...args]);
      // Assess
      expect(code).toBe(2);
      expect(stderr).toContain(`lbwatch ${command}: no input file found under ${join(dir, sub)}`);
      expect(stdout).toBe('');
      expect(await stat(out).catch(() => null)).toBeNull();
    });

    it('report never invents a period: inputs without a record write nothing and exit 1', async () => {
      // Prepare
      const out = join(dir, 'blank.html');
      // Act
      const { code, stderr } = await lbwatch(['report', join(dir, 'blank.log'), '--out', out]);
      // Assess
      expect(code).toBe(1);
      expect(stderr).toContain("no record to take the report's period from; give --from and --to");
      expect(await stat(out).catch(() => null)).toBeNull();
    });
  });

  describe('3. a forced format that matches no line', () => {
    it('analyze --format clb on an OTC log: a failed input, wrong-format rejects, suggests --format auto, exit 1', async () => {
      // Act
      const forced = await lbwatch(['analyze', join(dir, 'otc.log.gz'), '--format', 'clb', '--json']);
      const detected = await lbwatch(['analyze', join(dir, 'otc.log.gz'), '--json']);
      // Assess
      expect(forced.code).toBe(1);
      const [input] = (JSON.parse(forced.stdout) as Document).inputs;
      expect(input?.records).toBe(0);
      expect(input?.rejects).toEqual({ 'wrong-format': input?.lines });
      expect(input?.error).toContain('expected clb lines, but every line was rejected');
      expect(input?.error).toContain('try --format auto');
      expect(detected.code).toBe(0);
    });

    it('report --log-format clb names its own option in the hint; parse --format alb too', async () => {
      // Act
      const report = await lbwatch(['report', join(dir, 'otc.log.gz'), '--log-format', 'clb', '--format', 'md']);
      const parse = await lbwatch(['parse', join(dir, 'otc.log.gz'), '--format', 'alb']);
      // Assess
      expect(report.code).toBe(1);
      expect(report.stderr).toContain('expected clb lines');
      expect(report.stderr).toContain('try --log-format auto');
      expect(parse.code).toBe(1);
      expect(parse.stdout).toMatch(/rejects: wrong-format \d+/);
      expect(parse.stdout).toContain('try --format auto');
    });
  });

  describe('4. the same file reached twice', () => {
    it('reads it once, with one note, and counts as one pass (paths repeated, overlapping, linked)', async () => {
      // Act: the case on every example, then overlapping and linked paths on one load balancer's logs
      const runs = {
        examples: await lbwatch(['analyze', 'examples/logs', '--json']),
        twice: await lbwatch(['analyze', 'examples/logs', 'examples/logs', '--json']),
        otc: await lbwatch(['analyze', otcDir, '--json']),
        overlapping: await lbwatch(['analyze', otcDir, otcFile, otcDir, '--json']),
        linked: await lbwatch(['analyze', otcDir, join(dir, 'otc-link'), '--json']),
      };
      // Assess
      const cases = [
        [runs.twice, runs.examples, 393],
        [runs.overlapping, runs.otc, 97],
        [runs.linked, runs.otc, 96],
      ] as const;
      for (const [run, single, duplicates] of cases) {
        const doc = JSON.parse(run.stdout) as Document;
        const once = JSON.parse(single.stdout) as Document;
        expect(single.stderr).toBe('');
        expect(count502(once)).toBeGreaterThan(0);
        expect(run.code).toBe(single.code);
        expect(doc.inputs).toHaveLength(once.inputs.length);
        expect(count502(doc)).toBe(count502(once));
        expect(doc.windows).toEqual(once.windows);
        expect(run.stderr).toBe(
          `lbwatch analyze: note: ${duplicates} files were reached more than once (overlapping paths or links) and read once\n`,
        );
      }
    }, 90_000);
  });

  describe('5. IPv6 client in brackets', () => {
    it('parse reads [2001:db8::1]:443 as client 2001:db8::1 port 443 in every format', async () => {
      // Act
      const { code, stdout } = await lbwatch(['parse', 'test/fixtures/formats', '--json']);
      // Assess
      expect(code).toBe(0);
      const doc = JSON.parse(stdout) as { inputs: InputSummary[]; records: { client: string; clientPort: number }[] };
      expect(doc.inputs.map((i) => i.rejected)).toEqual([0, 0, 0]);
      const v6 = doc.records.filter((r) => r.client === '2001:db8::1');
      expect(v6).toHaveLength(3);
      expect(v6.map((r) => r.clientPort)).toEqual([443, 443, 443]);
    });
  });

  describe('6. --version and standard input', () => {
    it.each(['--version', '-V'])('%s prints the package version and exits 0', async (flag) => {
      // Act
      const { code, stdout, stderr } = await lbwatch([flag]);
      // Assess
      expect(code).toBe(0);
      expect(stdout).toBe(`lbwatch ${version}\n`);
      expect(stderr).toBe('');
    });

    it('- reads gzip or plain logs from a pipe, named (stdin), with the counts of the files', async () => {
      // Prepare: the OTC directory's gzip files concatenated, as `cat *.gz |` gives them, and their text, as
      // `zcat *.gz |` gives it
      const files = readdirSync(join(root, otcDir))
        .sort()
        .map((name) => readFileSync(join(root, otcDir, name)))
        .filter((bytes) => bytes.length > 0);
      const gzipped = Buffer.concat(files);
      const plain = Buffer.concat(files.map((bytes) => gunzipSync(bytes)));
      // Act
      const fromFiles = await lbwatch(['analyze', otcDir, '--json']);
      const runs = [
        await lbwatch(['analyze', '-', '--json'], gzipped),
        await lbwatch(['analyze', '-', '--json'], plain),
      ];
      // Assess
      const expected = JSON.parse(fromFiles.stdout) as Document;
      expect(count502(expected)).toBeGreaterThan(0);
      for (const run of runs) {
        const piped = JSON.parse(run.stdout) as Document;
        expect(run.code).toBe(0);
        expect(piped.inputs.map((i) => [i.path, i.error])).toEqual([['(stdin)', null]]);
        expect(piped.inputs[0]?.records).toBe(expected.inputs.reduce((sum, i) => sum + i.records, 0));
        expect(count502(piped)).toBe(count502(expected));
        expect(piped.windows).toEqual(expected.windows);
      }
    }, 60_000);
  });
});

describe('lbwatch on an unexpected error (runCli)', () => {
  function memoryIo(): { io: CliIo; stderr: () => string } {
    let text = '';
    const sink = {
      write: (chunk: string) => {
        text += chunk;
        return true;
      },
    };
    return { io: { stdout: sink, stderr: sink } as unknown as CliIo, stderr: () => text };
  }

  it.each([
    [
      new Error('disk on fire\n    at somewhere (file.js:1:1)'),
      'lbwatch boom: disk on fire; at somewhere (file.js:1:1)\n',
    ],
    [new LbwatchError('READ_FAILED', 'a.log: socket hang up'), 'lbwatch boom: a.log: socket hang up (READ_FAILED)\n'],
    ['a thrown string', 'lbwatch boom: a thrown string\n'],
  ])('prints one line with the code of an LbwatchError and exits 1 (%s)', async (thrown, line) => {
    // Prepare
    const { io, stderr } = memoryIo();
    const table = {
      boom: {
        summary: 'fails',
        load: async () => async () => {
          throw thrown;
        },
      },
    };
    // Act
    const code = await runCli(['boom'], io, table);
    // Assess
    expect(code).toBe(1);
    expect(stderr()).toBe(line);
  });
});
