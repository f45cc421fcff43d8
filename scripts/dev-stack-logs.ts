/** The example objects both local stacks replay, and when each was delivered. */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

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
