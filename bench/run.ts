/**
 * `npm run bench [-- --size-mb N --runs N --only alb|otc --workers 2[,3...] --save]`
 *
 * Generates (or reuses from `.bench/`) gzip-compressed ALB and OTC logs of at least `--size-mb` decompressed
 * megabytes, then measures, each in its own child process and `--runs` times (medians reported):
 *   floor    streaming gunzip to nowhere (256 KiB chunks)
 *   parse    lbwatch readLogStream with a counting callback, every field decoded (as `lbwatch parse`), and with the
 *            fields window aggregation reads (as `lbwatch analyze` and the ingest function read)
 *   analyze  lbwatch end to end: parse, 5-minute window aggregation, default rules, ranked causes
 *   parse and analyze with N workers: the same through the parallel reader (aggregateLogStream), for each N
 *            of `--workers` (default 2)
 *   goaccess GoAccess where installed: zcat FILE | goaccess - (AWSALB, or an equivalent custom format for OTC)
 * Prints a Markdown table. With `--save` it also writes it, with the machine and the command, to bench/results.md
 * (keeping that file's history section): quick runs such as `--size-mb 100 --runs 1` must not replace the tracked
 * figures by accident.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { type BenchFile, type BenchFormat, ensureBenchFile } from './data.js';
import type { Measurement } from './measure.js';
import { parseBenchArgs, resultsDocument } from './options.js';

const BENCH_DIR = '.bench';
const RESULTS = 'bench/results.md';

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

interface Child {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

function run(command: string, args: string[]): Promise<Child> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    });
  });
}

/** Bundles the measurement script once, so children start plain `node` without a TypeScript loader. */
async function bundleMeasure(): Promise<string> {
  const outfile = join(BENCH_DIR, 'measure.mjs');
  await build({
    entryPoints: ['bench/measure.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    // Bundled CommonJS dependencies (yaml, via the rules) need a `require` in ESM output.
    banner: {
      js: "import { createRequire as __benchCreateRequire } from 'node:module'; const require = __benchCreateRequire(import.meta.url);",
    },
  });
  // The parallel reader starts its workers from parse-worker.mjs next to the bundle.
  await build({
    entryPoints: ['lib/input/parse-worker.ts'],
    outfile: join(BENCH_DIR, 'parse-worker.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  return outfile;
}

/** The Node options the `lbwatch` command runs with (its `exec node ...` line), so the bench measures what users run. */
async function readCliNodeOptions(): Promise<string[]> {
  const second = (await readFile('bin/lbwatch.mjs', 'utf8')).split('\n', 2)[1] ?? '';
  const match = /^\/\/usr\/bin\/env true; exec node((?: --[\w-]+(?:=\S+)?)*) "\$0" "\$@"$/.exec(second);
  if (match === null) throw new Error(`bin/lbwatch.mjs: unexpected second line ${JSON.stringify(second)}`);
  return (match[1] ?? '')
    .trim()
    .split(' ')
    .filter((o) => o !== '');
}

/** Read once per bench run: every measurement starts with the same options. */
let cliOptions: Promise<string[]> | null = null;
function cliNodeOptions(): Promise<string[]> {
  cliOptions ??= readCliNodeOptions();
  return cliOptions;
}

async function measureNode(script: string, mode: string, file: BenchFile): Promise<Measurement> {
  const child = await run(process.execPath, [...(await cliNodeOptions()), script, mode, file.path]);
  if (child.code !== 0) throw new Error(`${mode} on ${file.path} failed (exit ${child.code}): ${child.stderr}`);
  return JSON.parse(child.stdout.trim()) as Measurement;
}

async function goaccessVersion(): Promise<string | null> {
  try {
    const child = await run('goaccess', ['--version']);
    const match = /GoAccess - (\d+(?:\.\d+)*)/.exec(child.stdout);
    return child.code === 0 && match !== null ? (match[1] ?? null) : null;
  } catch {
    return null;
  }
}

/** GoAccess's own ALB format; for OTC the same fields expressed as a custom format. */
function goaccessFormat(format: BenchFormat): string[] {
  if (format === 'alb') return ['--log-format=AWSALB'];
  return ['--log-format=%^ %^ [%x] %^ %h:%^ %s "%m %U %H" %^ %b %^ %T %^', '--datetime-format=%Y-%m-%dT%H:%M:%S%z'];
}

interface GoaccessRun extends Measurement {
  failed: number;
}

async function measureGoaccess(file: BenchFile): Promise<GoaccessRun> {
  const timeFile = join(BENCH_DIR, 'goaccess.time');
  const jsonFile = join(BENCH_DIR, 'goaccess.json');
  const script =
    'set -o pipefail; f="$1"; t="$2"; o="$3"; shift 3; zcat "$f" | /usr/bin/time -o "$t" -f "%M" goaccess - --no-global-config "$@" -o "$o" >/dev/null';
  const child = await run('bash', [
    '-c',
    script,
    'goaccess',
    file.path,
    timeFile,
    jsonFile,
    ...goaccessFormat(file.format),
  ]);
  if (child.code !== 0) throw new Error(`goaccess on ${file.path} failed (exit ${child.code}): ${child.stderr}`);
  const maxRssKb = Number((await readFile(timeFile, 'utf8')).trim().split('\n').pop());
  const report = JSON.parse(await readFile(jsonFile, 'utf8')) as {
    general: { valid_requests: number; failed_requests: number };
  };
  await rm(jsonFile, { force: true });
  return {
    mode: 'goaccess',
    seconds: child.seconds,
    bytesOut: file.bytes,
    records: report.general.valid_requests,
    failed: report.general.failed_requests,
    maxRssKb,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Row {
  file: BenchFile;
  label: string;
  seconds: number;
  records: number;
  maxRssKb: number;
  note: string;
}

function summarise(file: BenchFile, label: string, runs: Measurement[], note = ''): Row {
  return {
    file,
    label,
    seconds: median(runs.map((r) => r.seconds)),
    records: median(runs.map((r) => r.records)),
    maxRssKb: Math.max(...runs.map((r) => r.maxRssKb)),
    note,
  };
}

/** A Markdown table with padded columns (as the formatter writes them); `right` marks right-aligned columns. */
function markdownTable(header: string[], right: boolean[], body: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => (r[c] ?? '').length), 3));
  const cell = (text: string, c: number): string =>
    right[c] === true ? text.padStart(widths[c] ?? 0) : text.padEnd(widths[c] ?? 0);
  const line = (cells: string[]): string => `| ${cells.map(cell).join(' | ')} |`;
  const rule = `| ${widths.map((w, c) => (right[c] === true ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(header), rule, ...body.map(line)].join('\n');
}

function table(rows: Row[]): string {
  const body = rows.map((row) => {
    const mbps = row.file.bytes / 1e6 / row.seconds;
    const floor = rows.find((r) => r.file === row.file && r.label.startsWith('floor'));
    const goaccess = rows.find((r) => r.file === row.file && r.label.startsWith('GoAccess'));
    const ratio = (other: Row | undefined): string =>
      other === undefined ? '–' : `${(other.seconds / row.seconds).toFixed(2)}×`;
    const recordsPerS = row.records > 0 ? Math.round(row.records / row.seconds).toLocaleString('en-US') : '–';
    const name = `${row.file.format} ${(row.file.bytes / 1e6).toFixed(0)} MB (${(row.file.compressedBytes / 1e6).toFixed(0)} MB gz, ${row.file.lines.toLocaleString('en-US')} lines)`;
    return [
      name,
      `${row.label}${row.note}`,
      mbps.toFixed(1),
      recordsPerS,
      ratio(floor),
      ratio(goaccess),
      `${(row.maxRssKb / 1024).toFixed(0)} MB`,
    ];
  });
  return markdownTable(
    ['file', 'measurement', 'MB/s', 'records/s', 'vs floor', 'vs GoAccess', 'peak RSS'],
    [false, false, true, true, true, true, true],
    body,
  );
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opts = parseBenchArgs(argv);
  const loadBefore = loadavg()[0] ?? 0;
  const formats: BenchFormat[] = opts.only === null ? ['alb', 'otc'] : [opts.only];
  const files: BenchFile[] = [];
  for (const format of formats) files.push(await ensureBenchFile(BENCH_DIR, format, opts.sizeMb, log));
  const script = await bundleMeasure();
  const goaccess = await goaccessVersion();
  if (goaccess === null) log('GoAccess not installed: its rows are left out (apt-get install goaccess)');

  const rows: Row[] = [];
  for (const file of files) {
    const floors: Measurement[] = [];
    const parses: Measurement[] = [];
    const analysisParses: Measurement[] = [];
    const analyses: Measurement[] = [];
    const goaccessRuns: GoaccessRun[] = [];
    const parallelParses = new Map<number, Measurement[]>(opts.workers.map((n) => [n, []]));
    const parallelAnalyses = new Map<number, Measurement[]>(opts.workers.map((n) => [n, []]));
    // Interleave the measurements so a burst of load from other work on the machine hits all of them alike.
    for (let i = 0; i < opts.runs; i++) {
      log(`${file.format} run ${i + 1}/${opts.runs}: floor`);
      floors.push(await measureNode(script, 'floor', file));
      log(`${file.format} run ${i + 1}/${opts.runs}: parse`);
      const parsed = await measureNode(script, 'parse', file);
      if (parsed.records !== file.lines)
        throw new Error(`parse saw ${parsed.records} records, the file has ${file.lines} lines`);
      parses.push(parsed);
      log(`${file.format} run ${i + 1}/${opts.runs}: parse, analysis fields`);
      const scanned = await measureNode(script, 'parse-analysis', file);
      if (scanned.records !== file.lines)
        throw new Error(`parse (analysis fields) saw ${scanned.records} records, the file has ${file.lines} lines`);
      analysisParses.push(scanned);
      log(`${file.format} run ${i + 1}/${opts.runs}: analyze`);
      const analysed = await measureNode(script, 'analyze', file);
      if (analysed.records !== file.lines)
        throw new Error(`analyze saw ${analysed.records} records, the file has ${file.lines} lines`);
      analyses.push(analysed);
      for (const n of opts.workers) {
        log(`${file.format} run ${i + 1}/${opts.runs}: parse, ${n} workers`);
        const p = await measureNode(script, `parse-workers-${n}`, file);
        if (p.records !== file.lines)
          throw new Error(`parse (${n} workers) saw ${p.records} records, not ${file.lines}`);
        parallelParses.get(n)?.push(p);
        log(`${file.format} run ${i + 1}/${opts.runs}: analyze, ${n} workers`);
        const a = await measureNode(script, `analyze-workers-${n}`, file);
        if (a.records !== file.lines)
          throw new Error(`analyze (${n} workers) saw ${a.records} records, not ${file.lines}`);
        if (a.alerts !== analysed.alerts)
          throw new Error(`analyze (${n} workers) raised ${a.alerts} alerts, not ${analysed.alerts}`);
        parallelAnalyses.get(n)?.push(a);
      }
      if (goaccess !== null) {
        log(`${file.format} run ${i + 1}/${opts.runs}: goaccess`);
        goaccessRuns.push(await measureGoaccess(file));
      }
    }
    rows.push(
      summarise(
        file,
        'floor: gunzip to nowhere',
        floors.map((f) => ({ ...f, records: file.lines })),
      ),
    );
    rows.push(summarise(file, 'lbwatch parse, analysis fields', analysisParses));
    rows.push(summarise(file, 'lbwatch parse, every field', parses));
    const alerts = median(analyses.map((a) => a.alerts ?? 0));
    rows.push(summarise(file, 'lbwatch analyze (parse + windows + rules + causes)', analyses, ` (${alerts} alerts)`));
    for (const n of opts.workers) {
      rows.push(summarise(file, `lbwatch parse (${n} workers)`, parallelParses.get(n) ?? []));
      rows.push(
        summarise(file, `lbwatch analyze (${n} workers)`, parallelAnalyses.get(n) ?? [], ` (${alerts} alerts)`),
      );
    }
    if (goaccess !== null) {
      const failed = median(goaccessRuns.map((r) => r.failed));
      rows.push(
        summarise(
          file,
          `GoAccess ${goaccess}`,
          goaccessRuns,
          failed > 0 ? ` (${failed.toLocaleString('en-US')} lines rejected)` : '',
        ),
      );
    }
  }

  const markdown = table(rows);
  const nodeOptions = (await cliNodeOptions()).join(' ');
  process.stdout.write(`${markdown}\n`);
  const cpu = cpus();
  const measured = argv.filter((arg) => arg !== '--save');
  const command = `npm run bench${measured.length > 0 ? ` -- ${measured.join(' ')}` : ''}`;
  const doc = [
    '# Benchmark results',
    '',
    `Command: \`${command}\`  `,
    `Date: ${new Date().toISOString()}  `,
    `Machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB memory, Node ${process.version}, ${process.platform}/${process.arch}  `,
    `Node options of every lbwatch row: \`${nodeOptions}\` (those of the \`lbwatch\` command, from its launcher)  `,
    `Load average (1 min) before / after: ${loadBefore.toFixed(2)} / ${(loadavg()[0] ?? 0).toFixed(2)} (other work on the machine makes the figures noisy)`,
    '',
    markdown,
    '',
    `Medians of ${opts.runs} runs, each measurement in its own process. MB/s is decompressed megabytes (10^6 bytes) per wall-clock`,
    'second of the measured work (process start excluded for the Node rows; the GoAccess row is the whole `zcat | goaccess`',
    'pipeline). The floor is streaming gunzip of the same file to nowhere with 256 KiB chunks; "vs floor" and "vs GoAccess"',
    "are that row's time divided into theirs (above 1× is faster). Peak RSS is the largest over the runs of the child's",
    '`process.resourceUsage().maxRSS`, for GoAccess of `/usr/bin/time -f %M` of the goaccess process. Analyze uses the',
    'built-in rules and 5-minute windows; the alert count shows it did the whole job. GoAccess reads ALB with its `AWSALB` format and OTC with',
    'an equivalent custom format (`%^ %^ [%x] %^ %h:%^ %s "%m %U %H" %^ %b %^ %T %^`); it rejects the lines with IPv6 clients.',
    'The "(N workers)" rows use the parallel reader `lbwatch analyze` and `report` switch to for 256 MB of text or more: the',
    'main thread gunzips and cuts batches of whole lines, N worker threads parse them (with the fields window aggregation',
    'reads: client, user agent and TLS are left undecoded) and, for analyze, aggregate them; the windows are merged at the',
    'end. "lbwatch parse, analysis fields" parses records with the fields window aggregation reads, as `lbwatch analyze`',
    'and the ingest function do (client, user agent, TLS, method, raw path are left undecoded); "every field" decodes them',
    'all, as `lbwatch parse` prints them.',
    '',
  ].join('\n');
  if (!opts.save) {
    log(`not written to ${RESULTS} (add --save to record these figures)`);
    return;
  }
  const previous = existsSync(RESULTS) ? await readFile(RESULTS, 'utf8') : null;
  await writeFile(RESULTS, resultsDocument(doc, previous));
  log(`wrote ${RESULTS}`);
}

await main();
