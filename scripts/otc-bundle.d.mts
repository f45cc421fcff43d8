// Types of scripts/otc-bundle.mjs (a plain Node script, so that building needs no TypeScript loader).
/** Bundles functions/otc/<name>/index.ts into a zip holding a CommonJS index.js. */
export declare function otcZip(name: string): Promise<Buffer>;
