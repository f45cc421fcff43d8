// Bundles the CLI and every Lambda function with esbuild. esbuild strips types without checking
// them: `npm run typecheck` (tsc --noEmit) is the type check.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { otcZip } from './otc-bundle.mjs';

const root = new URL('..', import.meta.url).pathname;
// Lambda entry points: functions/aws/<name>/index.ts -> dist/functions/<name>/index.mjs (infra refers to these).
const functionsDir = join(root, 'functions', 'aws');

// Bundled dependencies include CommonJS modules (the AWS SDK's); give them a `require` in ESM output.
const banner = {
  js: "import { createRequire as __lbwatchCreateRequire } from 'node:module'; const require = __lbwatchCreateRequire(import.meta.url);",
};

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  sourcemap: true,
  banner,
  logLevel: 'warning',
  legalComments: 'none',
};

await build({
  ...common,
  entryPoints: [join(root, 'cli/lbwatch.ts')],
  outfile: join(root, 'dist/cli/lbwatch.mjs'),
  target: 'node20',
  // Chromium drivers and other dev-only tools never reach the CLI bundle.
  external: ['playwright-core'],
});

// The parallel reader's worker, found next to the CLI bundle (lib/input/parallel.ts looks for it there).
await build({
  ...common,
  entryPoints: [join(root, 'lib/input/parse-worker.ts')],
  outfile: join(root, 'dist/cli/parse-worker.mjs'),
  target: 'node20',
});

// One bundle per functions/aws/<name>/index.ts.
const names = existsSync(functionsDir)
  ? readdirSync(functionsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(functionsDir, d.name, 'index.ts')))
      .map((d) => d.name)
  : [];
for (const name of names) {
  await build({
    ...common,
    entryPoints: [join(functionsDir, name, 'index.ts')],
    outfile: join(root, 'dist/functions', name, 'index.mjs'),
    // Lambda runs Node 22. The AWS SDK v3 is bundled (not taken from the runtime) so the deployed
    // code is exactly the version that was tested.
    target: 'node22',
    minify: true,
  });
}
// Files are overwritten in place (never `rm -rf dist` first: tests may be reading bundles while a build runs);
// only bundles of functions that no longer exist are removed.
const builtFunctions = join(root, 'dist/functions');
if (existsSync(builtFunctions)) {
  for (const stale of readdirSync(builtFunctions).filter((n) => !names.includes(n))) {
    rmSync(join(builtFunctions, stale), { recursive: true, force: true });
  }
}

// FunctionGraph entry points: functions/otc/<name>/index.ts -> dist/otc/<name>.zip holding a CommonJS index.js.
const otcDir = join(root, 'functions', 'otc');
const otcNames = existsSync(otcDir)
  ? readdirSync(otcDir, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(otcDir, d.name, 'index.ts')))
      .map((d) => d.name)
  : [];
mkdirSync(join(root, 'dist/otc'), { recursive: true });
for (const name of otcNames) writeFileSync(join(root, 'dist/otc', `${name}.zip`), await otcZip(name));
for (const stale of readdirSync(join(root, 'dist/otc')).filter((n) => !otcNames.includes(n.replace(/\.zip$/, '')))) {
  rmSync(join(root, 'dist/otc', stale), { force: true });
}

console.log(
  `built dist/cli/lbwatch.mjs dist/cli/parse-worker.mjs${names.map((n) => ` dist/functions/${n}/index.mjs`).join('')}${otcNames.map((n) => ` dist/otc/${n}.zip`).join('')}`,
);
