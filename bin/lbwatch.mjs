#!/usr/bin/env node
// The CLI is bundled by `npm run build` (run automatically by `npm ci` through `prepare`).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/lbwatch.mjs', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('lbwatch: dist/cli/lbwatch.mjs is missing; run `npm run build` first\n');
  process.exit(2);
}
await import(entry.href);
