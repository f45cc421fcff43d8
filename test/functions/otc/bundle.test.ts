/**
 * The FunctionGraph bundles: the zip writer round-trips through an independent reader, and the zip
 * of each function holds exactly index.js, a CommonJS module whose `handler` FunctionGraph's
 * `index.handler` setting finds with require().
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { otcZip } from '../../../scripts/otc-bundle.mjs';
import { crc32, zipFiles } from '../../../scripts/zip.mjs';
import { readZip } from '../support/unzip.js';

const scratch = mkdtempSync(join(tmpdir(), 'lbwatch-otc-bundle-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('zipFiles', () => {
  it('round-trips deflated, stored and empty entries', () => {
    // Prepare: text deflates; random bytes do not and are stored
    const entries = [
      { name: 'index.js', data: Buffer.from('exports.handler = async () => "ok";\n'.repeat(200)) },
      { name: 'random.bin', data: randomBytes(4096) },
      { name: 'empty.txt', data: Buffer.alloc(0) },
    ];
    // Act
    const read = readZip(zipFiles(entries));
    // Assess
    expect(read.map((e) => e.name)).toEqual(['index.js', 'random.bin', 'empty.txt']);
    read.forEach((entry, i) => {
      expect(entry.data.equals(Buffer.from(entries[i]?.data ?? []))).toBe(true);
    });
  });

  it('computes the CRC-32 zlib computes', () => {
    // Prepare
    const data = randomBytes(10_000);
    // Act / Assess
    expect(crc32(data)).toBe(zlibCrc32(data));
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('gives the same bytes for the same input', () => {
    // Prepare
    const entries = [{ name: 'index.js', data: Buffer.from('exports.handler = 1;') }];
    // Act / Assess
    expect(zipFiles(entries).equals(zipFiles(entries))).toBe(true);
  });
});

describe.each(['ingest', 'report'])('the %s bundle', (name) => {
  it('is a zip holding only index.js, whose require() exports a handler function', async () => {
    // Prepare: the configuration FunctionGraph passes as environment variables
    const env: Record<string, string> = {
      STATE_BUCKET: 'example-lbwatch-state',
      ALERT_WEBHOOK_URL: 'https://hooks.example.com/lbwatch',
      AWS_ENDPOINT_URL_S3: 'https://obs.eu-de.otc.t-systems.com',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      // Act
      const archive = await otcZip(name);
      const entries = readZip(archive);
      const folder = join(scratch, name);
      mkdirSync(folder);
      for (const entry of entries) writeFileSync(join(folder, entry.name), entry.data);
      const file = join(folder, 'index.js');
      const loaded = createRequire(file)(file) as { handler?: unknown };
      // Assess
      expect(entries.map((e) => e.name)).toEqual(['index.js']);
      expect(typeof loaded.handler).toBe('function');
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }, 60_000);
});
