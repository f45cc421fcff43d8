import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { type AnalyzeDeps, createAnalyzeCommand, parseAnalyzeArgs } from '../../cli/commands/analyze.js';
import type { CliIo } from '../../cli/io.js';
import { runCli } from '../../cli/main.js';
import { createProgress, terminalText } from '../../cli/render/terminal.js';
import { isLbwatchError, LbwatchError } from '../../lib/errors.js';
import type { LogRecord } from '../../lib/formats/record.js';
import type { InputSummary } from '../../lib/model.js';
import { otcNoConnection, otcRecord, repeat } from '../lib/aggregate/factories.js';

class Sink {
  text = '';
  isTTY: boolean;
  constructor(isTTY = false) {
    this.isTTY = isTTY;
  }
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

function makeIo(tty = false): { io: CliIo; stdout: Sink; stderr: Sink } {
  const stdout = new Sink(tty);
  const stderr = new Sink(tty);
  return { io: { stdout, stderr } as unknown as CliIo, stdout, stderr };
}

function summary(path: string, records: number, error: string | null = null): InputSummary {
  return { path, format: 'otc-elb', lines: records + 1, records, rejected: 1, rejects: { 'bad-status': 1 }, error };
}

/** Fake inputs: each path yields its records; a path in `failing` ends with a truncated-gzip failure. */
function fakeDeps(
  files: Record<string, LogRecord[]>,
  options: { failing?: string[]; rules?: Record<string, string>; env?: Record<string, string> } = {},
): AnalyzeDeps {
  return {
    collectInputFiles: vi.fn(async (paths: string[]) => {
      const missing = paths.find((p) => !Object.keys(files).some((f) => f.startsWith(p)));
      if (missing !== undefined) throw new LbwatchError('INPUT_NOT_FOUND', `${missing} does not exist`);
      return Object.keys(files).filter((f) => paths.some((p) => f.startsWith(p)));
    }),
    readInputFile: vi.fn(async (path: string, onRecord: (r: LogRecord) => void) => {
      for (const r of files[path] ?? []) onRecord(r);
      const failure = options.failing?.includes(path)
        ? new LbwatchError('GZIP_TRUNCATED', `${path}: gzip stream ended early`)
        : null;
      return {
        summary: summary(path, files[path]?.length ?? 0, failure?.message ?? null),
        bytesIn: 100,
        bytesOut: 1000,
        failure,
      };
    }),
    readText: async (path: string) => {
      const text = options.rules?.[path];
      if (text === undefined) throw new Error('ENOENT');
      return text;
    },
    env: options.env ?? {},
  };
}

const incident = [...repeat(40, () => otcNoConnection(502, 0.002)), ...repeat(160, () => otcRecord())];

async function thrown(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('parseAnalyzeArgs', () => {
  it('reads paths and options', () => {
    expect(parseAnalyzeArgs(['a', 'b', '--rules', 'r.yaml', '--window', '1m', '--format', 'alb', '--json'])).toEqual({
      paths: ['a', 'b'],
      rulesFile: 'r.yaml',
      windowMs: 60_000,
      format: 'alb',
      json: true,
    });
  });

  it.each([
    ['no path', []],
    ['unknown option', ['a', '--colour']],
    ['bad format', ['a', '--format', 'nlb']],
    ['window not a duration', ['a', '--window', 'soon']],
    ['window below a minute', ['a', '--window', '30s']],
    ['window above an hour', ['a', '--window', '2h']],
  ])('rejects %s with USAGE', (_name, args) => {
    let caught: unknown;
    try {
      parseAnalyzeArgs(args);
    } catch (error) {
      caught = error;
    }
    expect(isLbwatchError(caught, 'USAGE')).toBe(true);
  });
});

describe('lbwatch analyze', () => {
  it('--json prints exactly one document with inputs, windows and alerts in the documented shape', async () => {
    // Prepare
    const { io, stdout } = makeIo();
    const command = createAnalyzeCommand(fakeDeps({ 'logs/a.log': incident }));
    // Act
    const status = await command(['logs', '--json'], io);
    // Assess
    expect(status).toBe(0);
    const doc = JSON.parse(stdout.text);
    expect(Object.keys(doc)).toEqual(['inputs', 'windows', 'alerts', 'incidents', 'logGaps']);
    expect(doc.incidents).toHaveLength(1);
    expect(doc.incidents[0]).toMatchObject({
      loadBalancer: 'loadbalancer_295a7eee-9999-46ed-9fad-32a62ff0a687',
      rule: 'gateway-errors',
      start: '2026-03-01T10:00:00.000Z',
      end: null,
      lastFiring: '2026-03-01T10:00:00.000Z',
      windows: 1,
      peak: { windowStart: '2026-03-01T10:00:00.000Z', rate: 0.2, matched: 40, requests: 200 },
      statusCodes: { 502: 40 },
      silenced: false,
    });
    expect(doc.logGaps).toEqual([]);
    expect(doc.inputs).toEqual([
      {
        path: 'logs/a.log',
        format: 'otc-elb',
        lines: 201,
        records: 200,
        rejected: 1,
        rejects: { 'bad-status': 1 },
        error: null,
      },
    ]);
    expect(doc.windows).toEqual([
      {
        loadBalancer: 'loadbalancer_295a7eee-9999-46ed-9fad-32a62ff0a687',
        start: '2026-03-01T10:00:00.000Z',
        end: '2026-03-01T10:05:00.000Z',
        requests: 200,
        statusCodes: { 200: 160, 502: 40 },
        lbGenerated: { 502: 40 },
      },
    ]);
    const [alert] = doc.alerts;
    expect(Object.keys(alert)).toEqual([
      'rule',
      'severity',
      'loadBalancer',
      'windowStart',
      'windowEnd',
      'requests',
      'matched',
      'rate',
      'statusCodes',
      'causes',
    ]);
    expect(alert).toMatchObject({
      rule: 'gateway-errors',
      windowStart: '2026-03-01T10:00:00.000Z',
      matched: 40,
      rate: 0.2,
      statusCodes: { 502: 40 },
    });
    expect(Object.keys(alert.causes[0])).toEqual(['code', 'id', 'title', 'evidence', 'score']);
  });

  it('exits 1 when an input failed while reading, and still analyses and reports the rest', async () => {
    // Prepare
    const { io, stdout } = makeIo();
    const command = createAnalyzeCommand(
      fakeDeps({ 'logs/a.log.gz': incident, 'logs/b.log.gz': [] }, { failing: ['logs/b.log.gz'] }),
    );
    // Act
    const status = await command(['logs', '--json'], io);
    // Assess
    expect(status).toBe(1);
    const doc = JSON.parse(stdout.text);
    expect(doc.inputs.map((i: InputSummary) => i.error)).toEqual([null, 'logs/b.log.gz: gzip stream ended early']);
    expect(doc.alerts).toHaveLength(1);
  });

  it('stops before reading anything when the rules file is invalid (RULES_INVALID, exit 2 in main)', async () => {
    // Prepare
    const { io, stdout } = makeIo();
    const deps = fakeDeps({ 'logs/a.log': incident }, { rules: { 'bad.yaml': 'rules: [{id: x, codes: [502]}]' } });
    // Act
    const error = await thrown(() => createAnalyzeCommand(deps)(['logs', '--rules', 'bad.yaml'], io));
    // Assess
    expect(isLbwatchError(error, 'RULES_INVALID')).toBe(true);
    expect((error as Error).message).toContain('rules[0] (id "x") field "rate": expected rate and/or count');
    expect(deps.collectInputFiles).not.toHaveBeenCalled();
    expect(stdout.text).toBe('');
  });

  it('reports a missing rules file or path as INPUT_NOT_FOUND before reading anything', async () => {
    // Prepare
    const { io } = makeIo();
    const deps = fakeDeps({ 'logs/a.log': incident });
    // Act
    const noRules = await thrown(() => createAnalyzeCommand(deps)(['logs', '--rules', 'missing.yaml'], io));
    const noPath = await thrown(() => createAnalyzeCommand(deps)(['nowhere'], io));
    // Assess
    expect(isLbwatchError(noRules, 'INPUT_NOT_FOUND')).toBe(true);
    expect(isLbwatchError(noPath, 'INPUT_NOT_FOUND')).toBe(true);
    expect(deps.readInputFile).not.toHaveBeenCalled();
  });

  it('--window overrides the rules file window', async () => {
    // Prepare
    const { io, stdout } = makeIo();
    const deps = fakeDeps(
      { 'logs/a.log': incident },
      { rules: { 'r.yaml': 'window: 1h\nrules: [{id: any5xx, codes: ["5xx"], count: 1}]' } },
    );
    // Act
    await createAnalyzeCommand(deps)(['logs', '--rules', 'r.yaml', '--window', '1m', '--json'], io);
    // Assess
    const doc = JSON.parse(stdout.text);
    expect(doc.windows[0].end).toBe('2026-03-01T10:01:00.000Z');
    expect(doc.alerts[0].rule).toBe('any5xx');
  });

  it('prints a readable table with top causes and a summary, without colour off a terminal', async () => {
    // Prepare
    const { io, stdout } = makeIo(false);
    // Act
    const status = await createAnalyzeCommand(fakeDeps({ 'logs/a.log': incident }))(['logs'], io);
    // Assess
    expect(status).toBe(0);
    expect(stdout.text).not.toContain('\u001b');
    expect(stdout.text).toContain('Incidents (1, 1 still open; 1 firing window)');
    expect(stdout.text).toMatch(
      /2026-03-01 10:00\s+open\s+loadbalancer_295a7eee-9999-46ed-9fad-32a62ff0a687\s+gateway-errors\s+CRITICAL\s+502×40\s+20%/,
    );
    expect(stdout.text).toContain('2026-03-01 10:00–10:05Z  502×40 of 200 (20%)');
    expect(stdout.text).toContain('1. 502.backend-');
    expect(stdout.text).toContain('all 40 502s got no backend connection');
    expect(stdout.text).toContain('records     200 of 201 lines');
    expect(stdout.text).toContain('rejected    1: bad-status 1');
    expect(stdout.text).toContain('time range  2026-03-01T10:00:01.000Z .. 2026-03-01T10:00:01.000Z');
  });

  it('colours on a terminal, but not with NO_COLOR', async () => {
    // Prepare
    const tty = makeIo(true);
    const noColour = makeIo(true);
    // Act
    await createAnalyzeCommand(fakeDeps({ 'logs/a.log': incident }))(['logs'], tty.io);
    await createAnalyzeCommand(fakeDeps({ 'logs/a.log': incident }, { env: { NO_COLOR: '1' } }))(['logs'], noColour.io);
    // Assess
    expect(tty.stdout.text).toContain('\u001b[31m');
    expect(noColour.stdout.text).not.toContain('\u001b[');
  });

  it('strips escape sequences and control characters from log-derived text', async () => {
    // Prepare
    const evil = '\u001b]0;pwned\u0007lb\u001b[2J';
    const records = incident.map((r) => ({ ...r, loadBalancer: evil }));
    const { io, stdout } = makeIo(false);
    // Act
    await createAnalyzeCommand(fakeDeps({ 'logs/a.log': records }))(['logs'], io);
    // Assess
    const controls = [...stdout.text].filter((ch) => ch !== '\n' && (ch < ' ' || ch === '\u007f'));
    expect(controls).toEqual([]);
    expect(stdout.text).toContain(']0;pwnedlb[2J');
  });

  it('says so when nothing alerts', async () => {
    const { io, stdout } = makeIo();
    await createAnalyzeCommand(fakeDeps({ 'logs/a.log': repeat(50, () => otcRecord()) }))(['logs'], io);
    expect(stdout.text).toContain('No incidents: no window crossed a rule.');
  });
});

describe('terminal helpers', () => {
  it('terminalText removes C0/C1 controls and bidi overrides and cuts long text', () => {
    expect(terminalText('a\u001b[31mb\u009bc\u202ed\u0000e')).toBe('a[31mbcde');
    expect(terminalText('x'.repeat(10), 5)).toBe('xxxx…');
  });

  it('the progress bar writes only on a TTY, after the delay, and clears its line', () => {
    // Prepare
    let t = 0;
    const tty = new Sink(true);
    const pipe = new Sink(false);
    const onTty = createProgress(tty as unknown as NodeJS.WritableStream & { isTTY: boolean }, { now: () => t });
    const onPipe = createProgress(pipe as unknown as NodeJS.WritableStream & { isTTY: boolean }, { now: () => t });
    // Act
    onTty.update(1, 10, 0);
    t = 2000;
    onTty.update(5, 10, 5 * 1024 ** 2);
    onPipe.update(5, 10, 0);
    onTty.done();
    onPipe.done();
    // Assess
    expect(tty.text).toBe(`\r[${'#'.repeat(15)}${'.'.repeat(15)}] 5/10 files, 5.0 MB\u001b[K\r\u001b[K`);
    expect(pipe.text).toBe('');
  });
});

describe('lbwatch analyze end to end (runCli, real files)', () => {
  // The OTC documentation's example line (msec 1644819836.370), repeated with 502s the LB generated.
  const ok =
    '1644819836.370 eb11c5a9-93a7-4c48-80fc-03f61f638595 [2024-02-14T14:23:56+02:00] elb_01 192.168.1.1:888 200 "POST https://www.test.com/example/ HTTP/1.1" 1411 251 3 0.011 "200" "0.000" "0.011" "0.011" "192.168.1.2:8080" "okhttp/3.13.1" "-" "-" loadbalancer_295a7eee-9999-46ed-9fad-32a62ff0a687 listener_20679192-8888-4e62-a814-a2f870f62148 3333fd44fe3b42cbaa1dc2c641994d90 pool_89547549-6666-446e-9dbc-e3a551034c46 "-" f2bc165ad9b4483a9b17762da851bbbb 121.64.212.1:443 "10.1.1.2:8080" - TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384 www.test.com 56704 -';
  const bad = ok
    .replace(' 200 "POST', ' 502 "POST')
    .replace('"200" "0.000" "0.011" "0.011"', '"-" "-" "-" "-"')
    .replace(' 0.011 "-"', ' 0.002 "-"');

  async function setup(): Promise<{
    dir: string;
    run: (args: string[]) => Promise<{ status: number; stdout: string; stderr: string }>;
  }> {
    const dir = await mkdtemp(join(tmpdir(), 'lbwatch-analyze-'));
    const text = `${[...repeat(30, () => bad), ...repeat(70, () => ok)].join('\n')}\n`;
    await writeFile(join(dir, 'good.log'), text);
    const gz = gzipSync(Buffer.from(text));
    await writeFile(join(dir, 'truncated.log.gz'), gz.subarray(0, Math.floor(gz.length / 2)));
    await writeFile(join(dir, 'bad-rules.yaml'), 'rules:\n  - id: x\n    codes: [502]\n    rate: 2\n');
    return {
      dir,
      run: async (args) => {
        const { io, stdout, stderr } = makeIo();
        const status = await runCli(['analyze', ...args], io);
        return { status, stdout: stdout.text, stderr: stderr.text };
      },
    };
  }

  it('exits 0 and alerts on a complete file', async () => {
    const { dir, run } = await setup();
    const { status, stdout } = await run([`${dir}/good.log`, '--json']);
    expect(status).toBe(0);
    const doc = JSON.parse(stdout);
    expect(doc.windows).toEqual([
      {
        loadBalancer: 'loadbalancer_295a7eee-9999-46ed-9fad-32a62ff0a687',
        start: '2022-02-14T06:20:00.000Z',
        end: '2022-02-14T06:25:00.000Z',
        requests: 100,
        statusCodes: { 200: 70, 502: 30 },
        lbGenerated: { 502: 30 },
      },
    ]);
    expect(doc.alerts.map((a: { rule: string }) => a.rule)).toEqual(['gateway-errors']);
  });

  it('exits 1 when an input is truncated, still reporting the rest', async () => {
    const { dir, run } = await setup();
    const { status, stdout } = await run([dir, '--json']);
    expect(status).toBe(1);
    const doc = JSON.parse(stdout);
    const truncated = doc.inputs.find((i: InputSummary) => i.path.endsWith('truncated.log.gz'));
    expect(truncated.error).not.toBeNull();
    expect(doc.alerts.length).toBeGreaterThan(0);
  });

  it.each([
    ['a path that does not exist', (dir: string) => [`${dir}/nope`], 'no such file or directory'],
    [
      'an invalid rules file',
      (dir: string) => [dir, '--rules', `${dir}/bad-rules.yaml`],
      'field "rate": expected a fraction',
    ],
    ['a missing rules file', (dir: string) => [dir, '--rules', `${dir}/none.yaml`], 'rules file'],
    ['a bad window', (dir: string) => [dir, '--window', '10s'], '--window expects a window from 1m to 1h'],
    ['no path at all', () => [], 'give at least one PATH'],
  ])('exits 2 for %s, saying what, and prints nothing on stdout', async (_name, args, message) => {
    const { dir, run } = await setup();
    const { status, stdout, stderr } = await run(args(dir));
    expect(status).toBe(2);
    expect(stderr).toContain(message);
    expect(stdout).toBe('');
  });
});
