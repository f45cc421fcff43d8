#!/bin/sh
//usr/bin/env true; exec node --max-semi-space-size=4 "$0" "$@"
// sh runs the line above (`//usr/bin/env true` does nothing, then exec) and Node reads it as a comment, so the command
// starts Node with its options on any POSIX sh, where `#!/usr/bin/env -S` is missing (BusyBox, older coreutils).
// --max-semi-space-size=4: V8's default young generation (two 16 MB semi-spaces) lets ~35 MB more of short-lived
// records and already-parsed gunzip output wait for a collection; 4 MB semi-spaces keep peak RSS of a 1 GB analyze
// near 125 MB instead of 160 MB, for the same CPU time (measured with /usr/bin/time, medians of 3).
// The CLI is bundled by `npm run build` (run automatically by `npm ci` through `prepare`).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/lbwatch.mjs', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('lbwatch: dist/cli/lbwatch.mjs is missing; run `npm run build` first\n');
  process.exit(2);
}
await import(entry.href);
