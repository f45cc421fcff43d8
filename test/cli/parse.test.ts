import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeForTerminal } from '../../cli/commands/parse.js';
import { runCli } from '../../cli/main.js';
import type { LogRecord } from '../../lib/formats/record.js';
import type { InputSummary } from '../../lib/model.js';

const fixtures = fileURLToPath(new URL('../fixtures/formats/', import.meta.url));

function memoryStream(): PassThrough & { text(): string } {
  const stream = new PassThrough();
  const parts: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => parts.push(chunk));
  return Object.assign(stream, { text: () => Buffer.concat(parts).toString('utf8') });
}

async function run(...argv: string[]) {
  const stdout = memoryStream();
  const stderr = memoryStream();
  const code = await runCli(['parse', ...argv], { stdout, stderr });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe('lbwatch parse', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lbwatch-parse-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints {inputs, records} as JSON for a directory, read recursively in sorted order', async () => {
    const { code, stdout } = await run(fixtures, '--json');

    const doc = JSON.parse(stdout) as { inputs: InputSummary[]; records: LogRecord[] };
    expect(code).toBe(0);
    expect(doc.inputs.map((i) => [i.path.slice(fixtures.length), i.format, i.records, i.rejected])).toEqual([
      ['alb.log', 'alb', 7, 0],
      ['clb.log', 'clb', 3, 0],
      ['otc-elb.log', 'otc-elb', 4, 0],
    ]);
    expect(doc.inputs[0]).toHaveProperty('samples');
    expect(doc.records).toHaveLength(14);
    expect(doc.records[0]).toMatchObject({ format: 'alb', status: 200 });
  });

  it('honours --limit and --raw', async () => {
    const { stdout } = await run(join(fixtures, 'alb.log'), '--json', '--limit', '2', '--raw');

    const doc = JSON.parse(stdout) as { records: LogRecord[] };
    expect(doc.records).toHaveLength(2);
    expect(doc.records[0]?.raw?.[0]).toBe('http');
  });

  it('exits 1 and reports the error when a gzip input is truncated, still printing what it read', async () => {
    const path = join(dir, 'cut.log.gz');
    const lines = `${Array.from({ length: 3000 }, (_, i) => `2015-05-13T23:39:43.945958Z lb-${i} 1.2.3.4:5 - -1 -1 -1 504 - 0 0 "GET http://h:80/${i} HTTP/1.1" "ua" - -`).join('\n')}\n`;
    const packed = gzipSync(lines);
    await writeFile(path, packed.subarray(0, packed.length - 200));

    const { code, stdout } = await run(path, '--json', '--limit', '0');

    const doc = JSON.parse(stdout) as { inputs: InputSummary[] };
    expect(code).toBe(1);
    expect(doc.inputs[0]?.error).toContain('cut.log.gz');
    expect(doc.inputs[0]?.records).toBeGreaterThan(0);
  });

  it('prints a human summary with rejects by reason and escaped samples', async () => {
    const path = join(dir, 'mixed.log');
    await writeFile(
      path,
      `bad \u001b[31mred\u001b[0m line\n2015-05-13T23:39:43.945958Z my-lb 1.2.3.4:5 - -1 -1 -1 504 - 0 0 "GET http://h:80/ HTTP/1.1" "ua" - -\n`,
    );

    const { code, stdout } = await run(path, '--format', 'auto');

    expect(code).toBe(0);
    expect(stdout).toContain('mixed.log: clb, 2 lines, 1 records, 1 rejected');
    expect(stdout).toContain('rejects: unknown-format 1');
    expect(stdout).toContain('line 1 (unknown-format): bad \\x1b[31mred\\x1b[0m line');
    expect(stdout).not.toContain('\u001b');
    expect(stdout).toMatch(/2015-05-13T23:39:43\.945Z\s+my-lb\s+504\s+-\s+lb/);
  });

  it.each([
    { args: [], error: 'at least one file' },
    { args: ['--format', 'nginx', 'x'], error: '--format' },
    { args: ['--limit', '-1', 'x'], error: '--limit' },
    { args: ['--bogus', 'x'], error: 'bogus' },
  ])('exits 2 on bad usage $args', async ({ args, error }) => {
    const { code, stderr } = await run(...args);

    expect(code).toBe(2);
    expect(stderr).toContain(error);
  });

  it('exits 2 naming a missing path', async () => {
    const { code, stderr } = await run(join(dir, 'missing.log'));

    expect(code).toBe(2);
    expect(stderr).toContain('missing.log');
  });

  it('prints help with exit 0', async () => {
    const { code, stdout } = await run('--help');

    expect(code).toBe(0);
    expect(stdout).toContain('usage: lbwatch parse');
  });
});

describe('escapeForTerminal', () => {
  it('escapes control and bidi characters and truncates', () => {
    expect(escapeForTerminal('a\u0000b\u009bc\u202ed')).toBe('a\\x00b\\x9bc\\u{202e}d');
    expect(escapeForTerminal('x'.repeat(10), 4)).toBe('xxxx…');
  });
});
