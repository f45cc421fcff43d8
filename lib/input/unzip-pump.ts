/**
 * Streams the entries of a zip object (LTS transfers to OBS can be zip-compressed) front to back, without the
 * central directory at its end, so the object is never held whole.
 *
 * Why not a zip library: the streaming readers either search the compressed bytes for the next signature
 * to find where an entry with a data descriptor ends (fflate's `Unzip`, unzipper), which breaks when the
 * compressed bytes happen to contain one (fflate issues #208 and #243; its author advises against the streaming
 * API until it is fixed), or need the central directory first (yauzl, zip.js, adm-zip), that is random access or
 * the whole object. Deflate marks its own end, and node:zlib reports how many input bytes the inflater consumed,
 * so the entry boundary is exact here without any search; the inflating itself is zlib's.
 */
import { createGunzip, createInflateRaw } from 'node:zlib';
import { LbwatchError } from '../errors.js';
import { GUNZIP_CHUNK } from './gunzip-pump.js';

const LOCAL_HEADER = 0x04034b50;
const DATA_DESCRIPTOR = 0x08074b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const ZIP64_END_OF_CENTRAL_DIRECTORY = 0x06064b50;
const ZIP64_EXTRA = 0x0001;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_DATA_DESCRIPTOR = 0x0008;
const STORED = 0;
const DEFLATED = 8;
const NEWLINE = 0x0a;
/** Compressed bytes per inflate write: each is one trip to the thread pool. */
const INFLATE_WRITE = 64 * 1024;

/** Bytes of the object read forward, with look-ahead and push-back. */
class ByteReader {
  private readonly pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Offset in the object of the next byte handed out. */
  offset = 0;

  constructor(
    head: Buffer,
    private readonly nextChunk: () => Promise<Buffer | null>,
  ) {
    this.unshift(head);
  }

  unshift(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.pending.unshift(bytes);
    this.pendingBytes += bytes.length;
    this.offset -= bytes.length;
  }

  /** Makes at least `n` bytes pending; false when the object ends first. */
  private async fill(n: number): Promise<boolean> {
    while (this.pendingBytes < n) {
      const chunk = await this.nextChunk();
      if (chunk === null) return false;
      if (chunk.length === 0) continue;
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
    }
    return true;
  }

  /** Exactly `n` bytes, or null when the object ends first. */
  async take(n: number): Promise<Buffer | null> {
    if (!(await this.fill(n))) return null;
    const first = this.pending[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.pending.shift();
      else this.pending[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const chunk = this.pending[0]!;
        const count = Math.min(chunk.length, n - filled);
        chunk.copy(out, filled, 0, count);
        filled += count;
        if (count === chunk.length) this.pending.shift();
        else this.pending[0] = chunk.subarray(count);
      }
    }
    this.pendingBytes -= n;
    this.offset += n;
    return out;
  }

  /** The next bytes, at most `max` of them, or null at the end of the object. */
  async some(max: number): Promise<Buffer | null> {
    if (!(await this.fill(1))) return null;
    const first = this.pending[0]!;
    const count = Math.min(first.length, max);
    return this.take(count);
  }

  /** Up to `n` next bytes without taking them (fewer only at the end of the object). */
  async peek(n: number): Promise<Buffer> {
    await this.fill(n);
    const bytes = await this.take(Math.min(n, this.pendingBytes));
    if (bytes === null) return Buffer.alloc(0);
    const copy = Buffer.from(bytes);
    this.unshift(bytes);
    return copy;
  }
}

/** A zlib stream driven one write at a time: every output chunk is collected, errors and the end are noted. */
class Stepper {
  readonly outputs: Buffer[] = [];
  ended = false;
  error: Error | null = null;
  /** Input bytes written so far. */
  written = 0;

  constructor(readonly stream: ReturnType<typeof createInflateRaw> | ReturnType<typeof createGunzip>) {
    stream.on('data', (chunk: Buffer) => this.outputs.push(chunk));
    stream.on('end', () => {
      this.ended = true;
    });
    stream.on('error', (error: Error) => {
      this.error ??= error;
    });
  }

  /** Input bytes the stream has consumed (less than `written` once it reached its own end). */
  get consumed(): number {
    return this.stream.bytesWritten;
  }

  /** Writes `input` and waits until zlib has processed it (or failed). */
  write(input: Buffer): Promise<void> {
    this.written += input.length;
    return new Promise((resolve) => {
      // A failing stream may never call the write back: its error or close settles the write too.
      let settled = false;
      const done = (): void => {
        if (settled) return;
        settled = true;
        this.stream.off('error', done);
        this.stream.off('close', done);
        setImmediate(resolve);
      };
      this.stream.once('error', done);
      this.stream.once('close', done);
      this.stream.write(input, done);
    });
  }

  /** Ends the input and waits for the last output (or the failure). */
  finish(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ended || this.error !== null) {
        resolve();
        return;
      }
      let settled = false;
      const done = (): void => {
        if (settled) return;
        settled = true;
        this.stream.off('end', done);
        this.stream.off('error', done);
        this.stream.off('close', done);
        setImmediate(resolve);
      };
      this.stream.once('end', done);
      this.stream.once('error', done);
      this.stream.once('close', done);
      this.stream.end();
    });
  }

  /** Hands the collected outputs over. */
  take(): Buffer[] {
    return this.outputs.splice(0);
  }
}

/** What ended a zip object early; `code` is the LbwatchError code the reader reports. */
export interface ZipDamage {
  code: 'ZIP_CORRUPT' | 'GZIP_CORRUPT' | 'UNSUPPORTED_COMPRESSION';
  message: string;
  /** Offset in the (compressed) object where the damage was found. */
  byteOffset: number;
  cause?: Error;
}

/**
 * The decompressed bytes of one entry, handed on in order. An entry that is itself gzip (a `.log.gz` zipped) is
 * gunzipped on the way; an entry that does not end with a newline gets one, so entries never share a line.
 */
class EntryOutput {
  private head: Buffer | null = null;
  private gunzip: Stepper | null = null;
  private decided = false;
  private last = NEWLINE;
  private emitted = false;

  constructor(private readonly consume: (chunk: Buffer) => void | Promise<void>) {}

  async push(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    if (!this.decided) {
      const bytes: Buffer = this.head === null ? chunk : Buffer.concat([this.head, chunk]);
      if (bytes.length < 2) {
        this.head = bytes;
        return;
      }
      this.head = null;
      this.decided = true;
      if (bytes[0] === 0x1f && bytes[1] === 0x8b) this.gunzip = new Stepper(createGunzip({ chunkSize: GUNZIP_CHUNK }));
      await this.pass(bytes);
      return;
    }
    await this.pass(chunk);
  }

  /** Drops the entry after damage: its unterminated last line stays unterminated. */
  abandon(): void {
    this.gunzip?.stream.destroy();
  }

  /** Ends the entry; returns the nested gzip's error, if any. */
  async end(): Promise<Error | null> {
    if (this.head !== null) {
      this.decided = true;
      const bytes = this.head;
      this.head = null;
      await this.pass(bytes);
    }
    if (this.gunzip !== null) {
      await this.gunzip.finish();
      await this.emit(this.gunzip.take());
      if (this.gunzip.error !== null) return this.gunzip.error;
    }
    if (this.emitted && this.last !== NEWLINE) await this.consume(Buffer.from([NEWLINE]));
    return null;
  }

  private async pass(bytes: Buffer): Promise<void> {
    if (this.gunzip === null) {
      await this.emit([bytes]);
      return;
    }
    if (this.gunzip.error !== null) return;
    await this.gunzip.write(bytes);
    await this.emit(this.gunzip.take());
  }

  private async emit(chunks: Buffer[]): Promise<void> {
    for (const chunk of chunks) {
      if (chunk.length === 0) continue;
      this.emitted = true;
      this.last = chunk[chunk.length - 1]!;
      await this.consume(chunk);
    }
  }
}

interface LocalHeader {
  flags: number;
  method: number;
  compressedSize: number;
  name: string;
}

/**
 * Reads every entry of a zip object in order and hands their decompressed bytes to `consume` as one text
 * (stored and deflated entries, zip64 sizes, data descriptors with or without their signature, entries that are
 * gzip files). Stops at the central directory.
 *
 * @returns the damage that ended the object early (everything before it was consumed), or null.
 * @throws what `consume` throws, and source errors (`READ_FAILED`), unchanged.
 */
export async function pumpUnzip(
  head: Buffer,
  nextChunk: () => Promise<Buffer | null>,
  consume: (chunk: Buffer) => void | Promise<void>,
): Promise<ZipDamage | null> {
  const reader = new ByteReader(head, nextChunk);
  for (let entry = 1; ; entry++) {
    const at = reader.offset;
    const signature = await reader.take(4);
    if (signature === null) {
      return { code: 'ZIP_CORRUPT', message: 'zip is truncated (no central directory)', byteOffset: at };
    }
    const sig = signature.readUInt32LE(0);
    if (sig === CENTRAL_HEADER || sig === END_OF_CENTRAL_DIRECTORY || sig === ZIP64_END_OF_CENTRAL_DIRECTORY) {
      return null;
    }
    if (sig !== LOCAL_HEADER) {
      return { code: 'ZIP_CORRUPT', message: `zip is corrupt (no entry header at byte ${at})`, byteOffset: at };
    }
    const header = await readLocalHeader(reader);
    if (header === null) {
      return { code: 'ZIP_CORRUPT', message: `zip is truncated (entry ${entry} header)`, byteOffset: at };
    }
    const where = `entry ${entry} (${header.name})`;
    if ((header.flags & FLAG_ENCRYPTED) !== 0) {
      return { code: 'UNSUPPORTED_COMPRESSION', message: `${where} is encrypted`, byteOffset: at };
    }
    if (header.method !== STORED && header.method !== DEFLATED) {
      return {
        code: 'UNSUPPORTED_COMPRESSION',
        message: `${where} uses zip compression method ${header.method} (only stored and deflated are read)`,
        byteOffset: at,
      };
    }
    const described = (header.flags & FLAG_DATA_DESCRIPTOR) !== 0;
    if (header.method === STORED && described) {
      return {
        code: 'UNSUPPORTED_COMPRESSION',
        message: `${where} is stored without its size, which cannot be read as a stream`,
        byteOffset: at,
      };
    }
    const output = new EntryOutput(consume);
    const damage =
      header.method === STORED
        ? await copyStored(reader, header.compressedSize, output, where)
        : await inflateEntry(reader, described ? null : header.compressedSize, output, where);
    if (damage !== null) {
      output.abandon();
      return damage;
    }
    const nested = await output.end();
    if (nested !== null) {
      return {
        code: 'GZIP_CORRUPT',
        message: `${where} is a corrupt gzip file (${nested.message})`,
        byteOffset: reader.offset,
        cause: nested,
      };
    }
    if (described && !(await skipDataDescriptor(reader))) {
      return { code: 'ZIP_CORRUPT', message: `zip is corrupt (${where} data descriptor)`, byteOffset: reader.offset };
    }
  }
}

async function readLocalHeader(reader: ByteReader): Promise<LocalHeader | null> {
  const fixed = await reader.take(26);
  if (fixed === null) return null;
  const flags = fixed.readUInt16LE(2);
  const method = fixed.readUInt16LE(4);
  let compressedSize = fixed.readUInt32LE(14);
  const uncompressedSize = fixed.readUInt32LE(18);
  const nameLength = fixed.readUInt16LE(22);
  const extraLength = fixed.readUInt16LE(24);
  const rest = await reader.take(nameLength + extraLength);
  if (rest === null) return null;
  const name = rest.toString('utf8', 0, nameLength);
  // Zip64: 0xFFFFFFFF sizes are in the extra field, uncompressed size first, each present only when needed.
  for (let i = nameLength; i + 4 <= rest.length; ) {
    const id = rest.readUInt16LE(i);
    const size = rest.readUInt16LE(i + 2);
    if (id === ZIP64_EXTRA) {
      let j = i + 4;
      if (uncompressedSize === 0xffffffff && j + 8 <= i + 4 + size) j += 8;
      if (compressedSize === 0xffffffff && j + 8 <= i + 4 + size) compressedSize = Number(rest.readBigUInt64LE(j));
    }
    i += 4 + size;
  }
  return { flags, method, compressedSize, name };
}

async function copyStored(
  reader: ByteReader,
  size: number,
  output: EntryOutput,
  where: string,
): Promise<ZipDamage | null> {
  let left = size;
  while (left > 0) {
    const bytes = await reader.some(Math.min(left, INFLATE_WRITE));
    if (bytes === null)
      return { code: 'ZIP_CORRUPT', message: `zip is truncated (in ${where})`, byteOffset: reader.offset };
    left -= bytes.length;
    await output.push(bytes);
  }
  return null;
}

/**
 * Inflates one entry. With a known compressed size exactly that many bytes are fed; without one (data
 * descriptor), bytes are fed until the deflate stream ends by itself, and what zlib did not consume is put back.
 */
async function inflateEntry(
  reader: ByteReader,
  size: number | null,
  output: EntryOutput,
  where: string,
): Promise<ZipDamage | null> {
  const inflater = new Stepper(createInflateRaw({ chunkSize: GUNZIP_CHUNK }));
  // The last write, kept until the stream ends: its unconsumed tail belongs to what follows the entry.
  let lastWrite: Buffer | null = null;
  let left = size ?? Number.POSITIVE_INFINITY;
  try {
    // A stream that consumed less than it was given has reached its own end.
    while (!inflater.ended && inflater.error === null && inflater.consumed === inflater.written && left > 0) {
      const bytes = await reader.some(Math.min(left, INFLATE_WRITE));
      if (bytes === null) break;
      left -= bytes.length;
      lastWrite = bytes;
      await inflater.write(bytes);
      for (const chunk of inflater.take()) await output.push(chunk);
      // The stream may have ended on exactly the last byte written: 'end' follows the write's callback.
      if (!inflater.ended && inflater.consumed < inflater.written) await new Promise((r) => setImmediate(r));
    }
    if (!inflater.ended && inflater.error === null) await inflater.finish();
    for (const chunk of inflater.take()) await output.push(chunk);
    if (inflater.error !== null) {
      const truncated = (inflater.error as Error & { code?: string }).code === 'Z_BUF_ERROR';
      return {
        code: 'ZIP_CORRUPT',
        message: truncated ? `zip is truncated (in ${where})` : `zip is corrupt (${where}: ${inflater.error.message})`,
        byteOffset: reader.offset,
        cause: inflater.error,
      };
    }
    const unconsumed = inflater.written - inflater.consumed;
    if (size === null && unconsumed > 0 && lastWrite !== null) {
      reader.unshift(lastWrite.subarray(lastWrite.length - Math.min(unconsumed, lastWrite.length)));
    }
    // A deflate stream shorter than its entry's recorded size: skip the rest of the entry.
    for (; size !== null && left > 0 && left !== Number.POSITIVE_INFINITY; ) {
      const bytes = await reader.some(Math.min(left, INFLATE_WRITE));
      if (bytes === null)
        return { code: 'ZIP_CORRUPT', message: `zip is truncated (in ${where})`, byteOffset: reader.offset };
      left -= bytes.length;
    }
    return null;
  } finally {
    inflater.stream.destroy();
  }
}

/**
 * Skips a data descriptor: an optional signature, the CRC, then 4- or 8-byte sizes (zip64 producers write 8 even
 * without a zip64 field in the local header). Its layout is the one a header follows, so a CRC that happens to
 * read as the signature does not misplace the next entry.
 */
async function skipDataDescriptor(reader: ByteReader): Promise<boolean> {
  const ahead = await reader.peek(4 + 20 + 4);
  const starts = ahead.length >= 4 && ahead.readUInt32LE(0) === DATA_DESCRIPTOR ? [16, 24, 12, 20] : [12, 20];
  for (const length of starts) {
    if (length + 4 <= ahead.length && isHeader(ahead.readUInt32LE(length))) {
      await reader.take(length);
      return true;
    }
  }
  return false;
}

function isHeader(sig: number | null): boolean {
  return (
    sig === LOCAL_HEADER ||
    sig === CENTRAL_HEADER ||
    sig === END_OF_CENTRAL_DIRECTORY ||
    sig === ZIP64_END_OF_CENTRAL_DIRECTORY
  );
}

/** The permanent failure for a zip object that ended in damage; what was read before it is kept. */
export function zipFailure(damage: ZipDamage, name: string, lines: number): LbwatchError {
  return new LbwatchError(damage.code, `${name}: ${damage.message} after ${lines} lines read`, {
    cause: damage.cause,
    context: { object: name, byteOffset: damage.byteOffset, lines },
  });
}
