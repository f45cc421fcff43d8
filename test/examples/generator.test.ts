import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DAMAGED_LINES,
  type ExampleIncident,
  type ExampleSet,
  incidentsJson,
  writeExamples,
} from '../../examples/generate/examples.js';
import type { LogRecord } from '../../lib/formats/record.js';
import { readLogStream } from '../../lib/input/read-log.js';
import type { InputSummary } from '../../lib/model.js';

const LOGS = 'examples/logs';
const WINDOW_MS = 300_000;

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(relative(dir, join(entry.parentPath, entry.name)));
  }
  return out.sort();
}

/** Decompressed text: gzip bytes may differ between zlib versions, the log text must not. */
async function text(path: string): Promise<string> {
  const bytes = await readFile(path);
  return bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
}

interface Parsed {
  file: string;
  summary: InputSummary;
  records: LogRecord[];
}

async function parseAll(): Promise<Parsed[]> {
  const parsed: Parsed[] = [];
  for (const file of await listFiles(LOGS)) {
    const records: LogRecord[] = [];
    const result = await readLogStream(createReadStream(join(LOGS, file)), (r) => records.push(r), { name: file });
    parsed.push({ file, summary: result.summary, records });
  }
  return parsed;
}

function windowKey(lb: string, time: number): string {
  return `${lb} ${Math.floor(time / WINDOW_MS) * WINDOW_MS}`;
}

function incidentWindows(incident: ExampleIncident): number[] {
  const out: number[] = [];
  for (let t = Date.parse(incident.from); t < Date.parse(incident.to); t += WINDOW_MS) out.push(t);
  return out;
}

function recordsIn(records: LogRecord[], incident: ExampleIncident): LogRecord[] {
  const from = Date.parse(incident.from);
  const to = Date.parse(incident.to);
  return records.filter((r) => r.loadBalancer === incident.loadBalancer && r.time >= from && r.time < to);
}

describe('example generator', () => {
  let dir: string;
  let regenerated: ExampleSet;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lbwatch-examples-'));
    regenerated = await writeExamples(dir);
  }, 120_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('regenerates exactly the committed objects: same names, same count, same decompressed text', async () => {
    // Prepare
    const committed = await listFiles(LOGS);
    // Act
    const fresh = await listFiles(dir);
    // Assess
    expect(fresh).toEqual(committed);
    expect(fresh.length).toBe(regenerated.objects.length);
    for (const file of committed) {
      const [a, b] = await Promise.all([text(join(LOGS, file)), text(join(dir, file))]);
      if (a !== b) expect.fail(`${file} differs from a fresh generation`);
    }
  }, 120_000);

  it('regenerates the committed incidents.json', async () => {
    expect(incidentsJson(regenerated)).toBe(await readFile('examples/incidents.json', 'utf8'));
  });

  it('writes ALB objects as multi-member gzip and CLB objects as plain text, with one empty ALB object', async () => {
    const files = await listFiles(LOGS);
    const alb = files.filter((f) => f.includes('_app.') && f.endsWith('.log.gz'));
    const clb = files.filter((f) => f.endsWith('.log') && !f.endsWith('.gz'));
    const sizes = await Promise.all(alb.map(async (f) => (await readFile(join(LOGS, f))).length));
    expect(clb.length).toBeGreaterThan(0);
    expect(sizes.filter((s) => s === 0)).toHaveLength(1);
    // The largest object holds more lines than one member (at most 150 lines) can.
    const largest = alb[sizes.indexOf(Math.max(...sizes))]!;
    const bytes = await readFile(join(LOGS, largest));
    let members = 0;
    for (let i = 0; i + 2 < bytes.length; i++)
      if (bytes[i] === 0x1f && bytes[i + 1] === 0x8b && bytes[i + 2] === 8) members++;
    expect(members).toBeGreaterThan(1);
  });
});

describe('example logs as lbwatch reads them', () => {
  let parsed: Parsed[];
  let records: LogRecord[];
  let incidents: ExampleIncident[];

  beforeAll(async () => {
    parsed = await parseAll();
    records = parsed.flatMap((p) => p.records);
    incidents = JSON.parse(await readFile('examples/incidents.json', 'utf8')) as ExampleIncident[];
  }, 120_000);

  it('parses every line except the two deliberately truncated ones', async () => {
    // Act
    const rejected = parsed.flatMap((p) => (p.summary.samples ?? []).map((s) => ({ file: p.file, ...s })));
    // Assess
    expect(rejected).toHaveLength(DAMAGED_LINES.length);
    for (const damage of DAMAGED_LINES) {
      const match = rejected.filter((r) => r.file.includes(damage.keyPart) && r.line === damage.line);
      expect(
        match.map((r) => r.reason),
        damage.keyPart,
      ).toEqual(['unterminated-quote']);
    }
    for (const p of parsed) {
      expect(p.summary.error).toBeNull();
      expect(p.summary.records + p.summary.rejected).toBe(p.summary.lines);
    }
    expect(parsed.reduce((n, p) => n + p.summary.rejected, 0)).toBe(2);
  });

  it('reports the load balancers and formats that incidents.json names', () => {
    for (const incident of incidents) {
      const own = records.filter((r) => r.loadBalancer === incident.loadBalancer);
      expect(own.length, incident.id).toBeGreaterThan(1000);
      expect(new Set(own.map((r) => r.format)), incident.id).toEqual(new Set([incident.format]));
    }
    expect(new Set(records.map((r) => r.format))).toEqual(new Set(['otc-elb', 'alb', 'clb']));
  });

  it('mixes field counts, time offsets, IPv6 clients, TLS 1.3 and TCP-listener lines', async () => {
    const otcText = await text(
      join(LOGS, parsed.find((p) => p.file.includes('elb-iot-access') && p.file.includes('100.125.9.96'))!.file),
    );
    expect(otcText).toContain('+08:00]');
    expect(records.some((r) => r.client?.includes(':'))).toBe(true);
    expect(records.some((r) => r.tlsCipher === 'TLS_AES_128_GCM_SHA256')).toBe(true);
    expect(records.some((r) => r.format === 'clb' && r.status === null)).toBe(true);
    expect(records.some((r) => r.attempts !== null && r.attempts.length === 2)).toBe(true);
  });

  it('makes every incident window cross 5 % and 20 occurrences of its code', () => {
    const byWindow = new Map<string, { requests: number; codes: Map<number, number> }>();
    for (const r of records) {
      const key = windowKey(r.loadBalancer, r.time);
      const w = byWindow.get(key) ?? { requests: 0, codes: new Map() };
      byWindow.set(key, w);
      w.requests++;
      if (r.status !== null) w.codes.set(r.status, (w.codes.get(r.status) ?? 0) + 1);
    }
    const incidentKeys = new Set<string>();
    for (const incident of incidents) {
      for (const start of incidentWindows(incident)) {
        const key = windowKey(incident.loadBalancer, start);
        incidentKeys.add(key);
        const w = byWindow.get(key);
        const n = w?.codes.get(incident.code) ?? 0;
        expect(n, `${incident.id} ${new Date(start).toISOString()}`).toBeGreaterThanOrEqual(20);
        expect(n / (w?.requests ?? 1), `${incident.id} ${new Date(start).toISOString()}`).toBeGreaterThanOrEqual(0.05);
      }
    }
    // Background noise stays below the same thresholds for every 5xx outside the incidents.
    for (const [key, w] of byWindow) {
      if (incidentKeys.has(key)) continue;
      for (const [code, n] of w.codes) {
        if (code >= 500) expect(n >= 20 && n / w.requests >= 0.05, `${key} ${code}: ${n}/${w.requests}`).toBe(false);
      }
    }
  });

  it('shows the evidence each expected cause relies on', () => {
    for (const incident of incidents) {
      const inWindow = recordsIn(records, incident);
      const hits = inWindow.filter((r) => r.status === incident.code);
      const members = new Map<string, number>();
      for (const r of hits) members.set(r.member ?? '-', (members.get(r.member ?? '-') ?? 0) + 1);
      const [topMember, topCount] = [...members].sort((a, b) => b[1] - a[1])[0] ?? ['-', 0];
      const answeredBy = (m: string): LogRecord[] =>
        inWindow.filter((r) => r.member === m && r.generatedBy === 'backend' && r.headerTime !== null);
      switch (incident.expectedTopCause) {
        case '502.backend-port':
          expect(
            hits.every((r) => r.generatedBy === 'lb' && r.backendConnected === false && (r.requestTime ?? 1) < 0.01),
          ).toBe(true);
          expect(topCount).toBe(hits.length);
          expect(answeredBy(topMember)).toHaveLength(0);
          break;
        case '502.backend-reset':
          expect(hits.every((r) => r.generatedBy === 'lb' && r.backendConnected === false)).toBe(true);
          expect(topCount / hits.length).toBeGreaterThanOrEqual(0.8);
          expect(answeredBy(topMember).length).toBeGreaterThan(hits.length / 2);
          break;
        case '502.bad-backend-response':
          expect(hits.every((r) => r.generatedBy === 'lb' && r.headerTime !== null && r.member !== null)).toBe(true);
          break;
        case '503.backend-unavailable':
          expect(hits.every((r) => r.generatedBy === 'lb' && r.member === null)).toBe(true);
          break;
        case '504.connect-timeout': {
          const timeout = incident.format === 'alb' ? 10 : 5;
          expect(
            hits.every((r) => r.backendConnected !== true && Math.abs((r.requestTime ?? 0) - timeout) < 0.02),
          ).toBe(true);
          expect(topCount).toBe(hits.length);
          break;
        }
        case '504.firewall':
          expect(inWindow.filter((r) => r.backendConnected === true)).toHaveLength(0);
          expect(members.size).toBe(5);
          break;
        case '504.response-timeout':
          expect(
            hits.every((r) => r.backendConnected === true && r.headerTime === null && (r.requestTime ?? 0) >= 300),
          ).toBe(true);
          break;
        case '500.backend-error':
          expect(hits.every((r) => r.generatedBy === 'backend')).toBe(true);
          expect(topCount / hits.length).toBeGreaterThanOrEqual(0.8);
          break;
        default:
          expect.fail(`no evidence check for ${incident.expectedTopCause}`);
      }
    }
  });
});
