/** The evidence scope of consecutive windows: "in this window", "in the 3 windows 05:40–05:55". */
export function windowsScope(windows: number, firstStartMs: number, lastEndMs: number): string {
  if (windows <= 1) return 'in this window';
  const a = new Date(firstStartMs).toISOString();
  const b = new Date(lastEndMs).toISOString();
  const sameDay = a.slice(0, 10) === b.slice(0, 10);
  const from = sameDay ? a.slice(11, 16) : `${a.slice(0, 10)} ${a.slice(11, 16)}`;
  const to = sameDay ? b.slice(11, 16) : `${b.slice(0, 10)} ${b.slice(11, 16)}`;
  return `in the ${windows} windows ${from}–${to}`;
}
