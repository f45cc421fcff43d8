// `lbwatch report` end to end on copies of the bundled example objects: exit codes, formats, period filter.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../cli/main.js';
import type { AnalysisResult } from '../../../lib/model.js';
import type { ReportModel } from '../../../lib/report/index.js';

const EXAMPLES = join(import.meta.dirname, '../../../examples/logs');

/** Every file under a directory, with its path. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)],
  );
}

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const code = await runCli(['report', ...args], { stdout, stderr });
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

describe('lbwatch report', () => {
  let dir: string;
  let logs: string;

  beforeAll(() => {
    // Prepare: the web-prod ALB objects from 05:40 to 06:20, which hold the 503 incident from 06:05 to 06:15.
    dir = mkdtempSync(join(tmpdir(), 'lbwatch-report-'));
    logs = join(dir, 'logs');
    mkdirSync(logs);
    for (const path of filesUnder(EXAMPLES)) {
      const name = basename(path);
      const stamp = /_(\d{8}T\d{4})Z_/.exec(name)?.[1] ?? '';
      if (name.includes('app.web-prod') && stamp >= '20260616T0540' && stamp <= '20260616T0620') {
        copyFileSync(path, join(logs, name));
      }
    }
    expect(readdirSync(logs).length).toBeGreaterThan(4);
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the JSON model with the incident and its cause, exit 0', async () => {
    // Act
    const { code, stdout } = await run([logs, '--format', 'json']);

    // Assess
    expect(code).toBe(0);
    const model = JSON.parse(stdout) as ReportModel;
    expect(model.schema).toBe('lbwatch.report/2');
    expect(model.loadBalancers.map((l) => l.name)).toEqual(['app/web-prod/3f9a1c2b7d4e5f60']);
    const incident = model.overall.incidents.find((i) => i.statusCodes['503'] !== undefined);
    expect(incident?.start).toBe('2026-06-16T06:05:00.000Z');
    expect(incident?.causes[0]?.id).toBe('503.backend-unavailable');
    expect(model.inputs.failed).toBe(0);
    expect(model.inputs.total).toBe(readdirSync(logs).length);
  });

  it('keeps only the windows from --from to --to, and the period says so', async () => {
    // Act
    const { code, stdout } = await run([
      logs,
      '--format',
      'json',
      '--from',
      '2026-06-16T05:50:00Z',
      '--to',
      '2026-06-16T06:00:00Z',
    ]);

    // Assess
    expect(code).toBe(0);
    const model = JSON.parse(stdout) as ReportModel;
    expect(model.period).toEqual({ from: '2026-06-16T05:50:00.000Z', to: '2026-06-16T06:00:00.000Z' });
    expect(model.overall.headline.windows).toBe(2);
    expect(model.overall.series.requests).toHaveLength(2);
    expect(model.overall.incidents).toEqual([]);
  });

  it('writes an HTML page to --out, and Markdown to standard output', async () => {
    // Prepare
    const out = join(dir, 'page.html');

    // Act
    const html = await run([logs, '--out', out]);
    const md = await run([logs, '--format', 'md']);

    // Assess
    expect(html.code).toBe(0);
    expect(html.stdout).toBe('');
    expect(html.stderr).toMatch(
      new RegExp(
        `^lbwatch report: wrote ${out} \\(html, \\d{1,3}(,\\d{3})+ bytes; \\d+ windows, \\d+ incidents?\\)\\n$`,
      ),
    );
    expect(readFileSync(out, 'utf8')).toMatch(/^<!doctype html>[\s\S]*data-chart="timeseries"/);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('`503.backend-unavailable`');
  });

  it('renders "no data" for a period without records', async () => {
    // Act
    const { code, stdout } = await run([logs, '--format', 'md', '--from', '2030-01-01', '--to', '2030-01-02']);

    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain('**No data for this period.**');
  });

  it('still writes the report but exits 1 when an input is truncated', async () => {
    // Prepare
    const broken = join(dir, 'broken');
    mkdirSync(broken);
    const name = readdirSync(logs).find((n) => n.endsWith('.gz'))!;
    const bytes = readFileSync(join(logs, name));
    writeFileSync(join(broken, 'truncated.log.gz'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    copyFileSync(join(logs, readdirSync(logs)[1]!), join(broken, 'whole.log.gz'));

    // Act
    const { code, stdout, stderr } = await run([broken, '--format', 'json']);

    // Assess
    expect(code).toBe(1);
    const model = JSON.parse(stdout) as ReportModel;
    expect(model.inputs.failed).toBe(1);
    expect(model.inputs.failures[0]?.path).toContain('truncated.log.gz');
    expect(model.overall.headline.requests).toBeGreaterThan(0);
    expect(stderr).toContain('truncated.log.gz');
    // The path is printed once, then the reason.
    expect(stderr.match(/truncated\.log\.gz/g)).toHaveLength(1);
    expect(stderr).toMatch(/truncated\.log\.gz: gzip stream is truncated/);
  });

  it.each([
    [[], 'give at least one PATH'],
    [['x', '--format', 'pdf'], '--format expects one of html, md, json'],
    [['x', '--from', 'yesterday'], '--from expects an ISO 8601 time'],
    [['x', '--from', '2026-06-16T05:00:00'], '--from expects an ISO 8601 time'],
    [['x', '--from', '2026-06-16', '--to', '2026-06-15'], '--to must be after --from'],
    [['x', '--window', '10s'], '--window expects a window from 1m to 1h'],
    [['x', '--bogus'], 'bogus'],
    [['x', '--log-format', 'nginx'], '--log-format expects auto, otc-elb, alb, clb'],
  ])('exits 2 for bad usage %j', async (args, message) => {
    // Act
    const { code, stderr, stdout } = await run(args);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stdout).toBe('');
  });

  it('exits 2 for a path that does not exist and for an invalid rules file, and reads nothing', async () => {
    // Prepare
    const rules = join(dir, 'rules.yaml');
    writeFileSync(rules, 'rules:\n  - id: x\n    codes: []\n    rate: 7\n');

    // Act
    const missing = await run([join(dir, 'nope'), '--format', 'json']);
    const invalid = await run([logs, '--rules', rules, '--format', 'json']);

    // Assess
    expect([missing.code, invalid.code]).toEqual([2, 2]);
    expect(missing.stderr).toContain(join(dir, 'nope'));
    expect(invalid.stderr).toContain('rules.yaml');
    expect(missing.stdout + invalid.stdout).toBe('');
  });

  it('prints its help with exit 0', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('usage: lbwatch report PATH...');
  });
});

describe('lbwatch report against lbwatch analyze --json', () => {
  it('reports the same figures as analyze for the same input', async () => {
    // Prepare: every bundled example object.
    const io = () => {
      const chunks: Buffer[] = [];
      const stream = new PassThrough();
      stream.on('data', (c: Buffer) => chunks.push(c));
      return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
    };
    const analyzeOut = io();
    const reportOut = io();

    // Act
    const analyzeCode = await runCli(['analyze', EXAMPLES, '--json'], {
      stdout: analyzeOut.stream,
      stderr: io().stream,
    });
    const reportCode = await runCli(['report', EXAMPLES, '--format', 'json'], {
      stdout: reportOut.stream,
      stderr: io().stream,
    });

    // Assess
    expect(reportCode).toBe(analyzeCode);
    const analysis = JSON.parse(analyzeOut.text()) as AnalysisResult;
    const model = JSON.parse(reportOut.text()) as ReportModel;
    const sumCodes = (ws: AnalysisResult['windows'], field: 'statusCodes' | 'lbGenerated', first: string) =>
      ws.reduce(
        (a, w) =>
          a + Object.entries(w[field]).reduce((b, [c, n]) => b + (/^\d\d\d$/.test(c) && c[0] === first ? n : 0), 0),
        0,
      );
    const figures = (ws: AnalysisResult['windows']) => ({
      windows: ws.length,
      requests: ws.reduce((a, w) => a + w.requests, 0),
      e4xx: sumCodes(ws, 'statusCodes', '4'),
      e5xx: sumCodes(ws, 'statusCodes', '5'),
      lbGenerated: sumCodes(ws, 'lbGenerated', '4') + sumCodes(ws, 'lbGenerated', '5'),
    });
    const fromModel = (h: ReportModel['overall']['headline']) => ({
      windows: h.windows,
      requests: h.requests,
      e4xx: h.errors['4xx'],
      e5xx: h.errors['5xx'],
      lbGenerated: h.lbGenerated,
    });
    expect(model.overall.headline.requests).toBeGreaterThan(0);
    expect(fromModel(model.overall.headline)).toEqual(figures(analysis.windows));
    for (const lb of model.loadBalancers) {
      expect(fromModel(lb.headline)).toEqual(figures(analysis.windows.filter((w) => w.loadBalancer === lb.name)));
      expect(lb.headline.alerts.total).toBe(analysis.alerts.filter((a) => a.loadBalancer === lb.name).length);
    }
    expect(model.overall.headline.alerts.total).toBe(analysis.alerts.length);
    expect(model.overall.incidents.reduce((a, i) => a + i.windows, 0)).toBe(analysis.alerts.length);
    expect(model.inputs.total).toBe(analysis.inputs.length);
    expect(model.inputs.records).toBe(analysis.inputs.reduce((a, i) => a + i.records, 0));
    expect(model.inputs.rejected).toBe(analysis.inputs.reduce((a, i) => a + i.rejected, 0));
    // Incidents are the analysis's, and no part of the report names another top cause for an incident's code.
    expect(model.overall.headline.incidents).toBe(analysis.incidents?.length);
    expect(model.overall.incidents.map((i) => i.id)).toEqual(analysis.incidents?.map((i) => i.id));
    for (const lb of model.loadBalancers) {
      for (const code of lb.codes) {
        for (const ci of code.incidents) {
          const incident = lb.incidents.find((i) => i.id === ci.id)!;
          expect(ci.topCause?.id).toBe(incident.causes.find((c) => c.code === code.code)?.id);
        }
        if (code.causeScope.kind === 'incident') {
          const scope = code.causeScope;
          const incident = lb.incidents.find((i) => i.start === scope.start && i.rule === scope.rule)!;
          expect(code.causes[0]?.id).toBe(incident.causes.find((c) => c.code === code.code)?.id);
        } else {
          expect(code.incidents).toEqual([]);
        }
      }
    }
    // Every record is a request with a status or a CLB TCP connection without one (80 in the examples).
    const h = model.overall.headline;
    expect(h.withoutStatus).toBe(80);
    expect(h.requests + h.withoutStatus).toBe(model.inputs.records);
  });

  it('prints the examples in Markdown with every count grouped and the records split into their kinds', async () => {
    // Prepare
    const chunks: Buffer[] = [];
    const stdout = new PassThrough();
    stdout.on('data', (c: Buffer) => chunks.push(c));

    // Act
    const code = await runCli(['report', EXAMPLES, '--format', 'md'], { stdout, stderr: new PassThrough() });

    // Assess
    const md = Buffer.concat(chunks).toString('utf8');
    expect(code).toBe(0);
    expect(md).toContain('70,089 records: 70,009 HTTP requests + 80 TCP connections without an HTTP status');
    expect(md).not.toMatch(/(?<![\w.,:/@#%+-])\d{4,}(?![\w,:/%-]|\.\d)/);
    expect(md).not.toMatch(/\(\d+\) \|/);
    expect(md).toMatch(/\| 2026-06-16 05:40–05:55 UTC \(15 min\) \|/);
  });
});
