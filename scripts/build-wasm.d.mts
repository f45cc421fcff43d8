// Types of scripts/build-wasm.mjs (a plain Node script, so that building needs no TypeScript loader).
export declare const SOURCE: URL;
export declare const TARGET: URL;
/** Compiles wasm/tokenizer.ts and returns the module's bytes. */
export declare function compileTokenizer(): Promise<Uint8Array>;
/** The TypeScript module that carries the compiled bytes. */
export declare function moduleText(binary: Uint8Array): string;
