// The FunctionGraph bundle of one function: functions/otc/<name>/index.ts bundled (AWS SDK included) into one
// CommonJS index.js with `exports.handler` (handler `index.handler`), which FunctionGraph's Node.js runtimes load
// with require(), zipped as FunctionGraph takes code.
import { join } from 'node:path';
import { build } from 'esbuild';
import { zipFiles } from './zip.mjs';

const root = new URL('..', import.meta.url).pathname;

/** @param {string} name a folder of functions/otc @returns {Promise<Buffer>} the zip holding index.js */
export async function otcZip(name) {
  const result = await build({
    entryPoints: [join(root, 'functions/otc', name, 'index.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    // FunctionGraph offers Node.js 20 runtimes.
    target: 'node20',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    write: false,
    outfile: 'index.js',
  });
  const [code] = result.outputFiles;
  if (code === undefined) throw new Error(`no index.js built for functions/otc/${name}`);
  return zipFiles([{ name: 'index.js', data: code.contents }]);
}
