/** What both local stacks share: the example objects they replay, when each was delivered, the report copy. */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { readObjectText } from '../test/functions/support/local-stack.js';

/** Every `*.log` and `*.log.gz` file under `dir`. */
export async function listLogs(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (/\.log(\.gz)?$/.test(entry.name)) out.push(path);
    }
  };
  await walk(dir);
  return out;
}

/** End of the logging interval from the key (`..._20260616T0830Z_...`), as the load balancers name them. */
export function intervalEnd(path: string): number {
  const match = /_(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z_/.exec(path);
  if (match === null) return 0;
  const [, y, mo, d, h, mi] = match;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi));
}

/** Copies the written report out of the state bucket (the local server's files vanish when the process exits). */
export async function copyReport(
  s3: S3Client,
  bucket: string,
  locations: Readonly<Record<string, string>>,
  outDir: string,
): Promise<void> {
  await mkdir(outDir, { recursive: true });
  for (const [format, uri] of Object.entries(locations)) {
    const copy = join(outDir, `report.${format}`);
    await writeFile(copy, await readObjectText(s3, bucket, uri.slice(`s3://${bucket}/`.length)));
    console.log(`  ${uri}\n    copied to ${copy}`);
  }
}
