/** Where commands write: injectable so tests read what a person would see. */
export interface Output {
  /** Normal output (stdout). */
  out(line: string): void;
  /** Diagnostics (stderr). */
  err(line: string): void;
  /** True when stdout is a terminal (live progress redraws in place). */
  readonly isTTY: boolean;
  /** Writes raw text to stdout (for redraws). */
  write(text: string): void;
}

/** The process's stdout/stderr. */
export const processOutput: Output = {
  out: (line) => void process.stdout.write(`${line}\n`),
  err: (line) => void process.stderr.write(`${line}\n`),
  write: (text) => void process.stdout.write(text),
  get isTTY() {
    return process.stdout.isTTY === true;
  },
};

/** An output that keeps every line (tests, embedding). */
export function memoryOutput(): Output & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, isTTY: false, out: (l) => void lines.push(l), err: (l) => void errors.push(l), write: (t) => void lines.push(t) };
}

/** Formats rows as an aligned text table (numbers right-aligned). */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string[] {
  const cells = [header, ...rows].map((r) => r.map((c) => (typeof c === 'number' ? c.toLocaleString('en-US') : c)));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const line = (r: readonly string[]): string =>
    r.map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(cells[0] ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)];
}
