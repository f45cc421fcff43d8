// Terminal output helpers: escaping of log-derived text, optional colour, aligned tables, a progress bar.

/** Control characters (C0, DEL, C1, which covers ANSI escapes) and bidirectional overrides. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Makes text from log lines, file names or rules safe for a terminal: control characters and escape
 * sequences are removed (an ESC would start an ANSI sequence), and the text is cut to `max` characters.
 */
export function terminalText(text: string, max = 200): string {
  const clean = text.replace(UNSAFE, '');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  green(text: string): string;
}

const wrap =
  (open: number, close: number) =>
  (text: string): string =>
    `\u001b[${open}m${text}\u001b[${close}m`;

export const COLOUR: Style = {
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  red: wrap(31, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39),
  green: wrap(32, 39),
};

const same = (text: string): string => text;
export const PLAIN: Style = { bold: same, dim: same, red: same, yellow: same, cyan: same, green: same };

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function styleFor(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): Style {
  return stream.isTTY === true && (env.NO_COLOR ?? '') === '' ? COLOUR : PLAIN;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: measuring text without its colour codes
const ANSI = /\u001b\[[0-9;]*m/g;
function visibleLength(text: string): number {
  return text.replace(ANSI, '').length;
}

/** Left-aligned columns separated by two spaces; cells may carry colour codes. */
export function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell));
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visibleLength(cell))))
      .join('  ')
      .trimEnd(),
  );
}

export function thousands(n: number): string {
  return n.toLocaleString('en-US');
}

export interface Progress {
  update(done: number, total: number, bytes: number): void;
  done(): void;
}

/**
 * A progress bar on a TTY stderr for long runs only: it appears after `delayMs` and redraws at most every
 * 100 ms; elsewhere it writes nothing.
 */
export function createProgress(
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
  options: { delayMs?: number; now?: () => number } = {},
): Progress {
  const now = options.now ?? Date.now;
  const started = now();
  const delay = options.delayMs ?? 1000;
  let last = 0;
  let shown = false;
  if (stream.isTTY !== true) return { update() {}, done() {} };
  return {
    update(done, total, bytes) {
      const t = now();
      if (t - started < delay || t - last < 100) return;
      last = t;
      shown = true;
      const width = 30;
      const filled = total === 0 ? width : Math.round((done / total) * width);
      const mb = (bytes / 1024 ** 2).toFixed(1);
      stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} files, ${mb} MB\u001b[K`);
    },
    done() {
      if (shown) stream.write('\r\u001b[K');
    },
  };
}
