// Types of scripts/zip.mjs (a plain Node script, so that building needs no TypeScript loader).
/** The CRC-32 (IEEE) of `data`. */
export declare function crc32(data: Uint8Array): number;
/** A zip archive of `entries` (deflated, fixed timestamps, no zip64). */
export declare function zipFiles(entries: { name: string; data: Uint8Array }[]): Buffer;
