import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.js';
import type { InputSummary, WindowSummary } from '../../lib/model.js';

/** LTS transfer objects as downloaded from OBS (made by test/fixtures/lts/.make.py from the OTC example lines). */
const lts = fileURLToPath(new URL('../fixtures/lts/', import.meta.url));

function memoryStream(): PassThrough & { text(): string } {
  const stream = new PassThrough();
  const parts: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => parts.push(chunk));
  return Object.assign(stream, { text: () => Buffer.concat(parts).toString('utf8') });
}

async function run(...argv: string[]) {
  const stdout = memoryStream();
  const stderr = memoryStream();
  const code = await runCli(argv, { stdout, stderr });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe('lbwatch on LTS transfers downloaded from OBS', () => {
  it('parse detects RAW and JSON, plain, gzip and zip, and prints exact counts', async () => {
    // Prepare
    const files = ['raw.log', 'raw.zip', 'json.log.gz', 'json-two-entries.zip', 'json-malformed.log'];

    // Act
    const { code, stdout } = await run('parse', ...files.map((f) => `${lts}${f}`), '--json', '--limit', '1000');

    // Assess
    const doc = JSON.parse(stdout) as { inputs: InputSummary[]; records: unknown[] };
    expect(code).toBe(0);
    expect(doc.inputs.map((i) => [i.path.slice(lts.length), i.format, i.lines, i.records, i.rejects, i.error])).toEqual(
      [
        ['raw.log', 'otc-elb', 30, 30, {}, null],
        ['raw.zip', 'otc-elb', 30, 30, {}, null],
        ['json.log.gz', 'otc-elb', 30, 30, {}, null],
        ['json-two-entries.zip', 'otc-elb', 40, 40, {}, null],
        ['json-malformed.log', 'otc-elb', 12, 10, { 'bad-lts-wrapper': 2 }, null],
      ],
    );
    expect(doc.records).toHaveLength(140);
  });

  it('analyze counts each load balancer of one object in its own windows', async () => {
    const { code, stdout } = await run('analyze', `${lts}json-two-load-balancers.log.gz`, '--json');

    const doc = JSON.parse(stdout) as { inputs: InputSummary[]; windows: WindowSummary[] };
    expect(code).toBe(0);
    expect(doc.inputs[0]).toMatchObject({ lines: 40, records: 40, rejected: 0 });
    expect(doc.windows.map((w) => [w.loadBalancer, w.requests, w.statusCodes])).toEqual([
      ['loadbalancer_7c1e4a52-3b8d-4f0e-9a61-2d5c8e9b4f13', 20, { 200: 18, 304: 1, 404: 1 }],
      ['loadbalancer_a41f5d08-7e2c-4b93-8d61-3f0e9c2b7a54', 20, { 200: 11, 201: 7, 401: 2 }],
    ]);
  });

  it('analyze reports a damaged zip by name, keeps its lines and exits 1', async () => {
    const { code, stdout } = await run('analyze', `${lts}json-truncated.zip`, `${lts}raw.log`, '--json');

    const doc = JSON.parse(stdout) as { inputs: InputSummary[] };
    expect(code).toBe(1);
    expect(doc.inputs[0]).toMatchObject({ lines: 21, records: 20, rejects: { 'truncated-line': 1 } });
    expect(doc.inputs[0]?.error).toContain('json-truncated.zip');
    expect(doc.inputs[1]).toMatchObject({ records: 30, error: null });
  });
});
