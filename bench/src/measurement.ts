/**
 * What one measured run reports, and how a child process hands it to the parent: one line
 * `@@bench {json}` on stdout (anything else the child prints is ignored).
 */

/** One run of one case, measured inside a fresh child process. */
export interface Measurement {
  /** Units of work done in the timed section (tasks, steps, records). */
  readonly count: number;
  /** Wall time of the timed section, in ms. */
  readonly ms: number;
  /** Peak resident set size of the child process, in MiB (`process.resourceUsage().maxRSS`). */
  readonly peakRssMb: number;
  /** Case-specific figures (pages fetched, critical path, ...). */
  readonly extra: Readonly<Record<string, number>>;
}

/** What a case function returns (the child adds the peak RSS). */
export interface CaseOutput {
  readonly count: number;
  readonly ms: number;
  readonly extra?: Readonly<Record<string, number>>;
}

export const RESULT_PREFIX = '@@bench ';
export const ERROR_PREFIX = '@@bench-error ';

/** Parses the child's stdout; throws with the child's error or output when no result line is found. */
export function parseChildOutput(stdout: string, stderr: string): Measurement {
  const lines = stdout.split('\n');
  for (const line of lines) {
    if (line.startsWith(RESULT_PREFIX)) return JSON.parse(line.slice(RESULT_PREFIX.length)) as Measurement;
  }
  for (const line of lines) {
    if (line.startsWith(ERROR_PREFIX)) throw new Error(String(JSON.parse(line.slice(ERROR_PREFIX.length))));
  }
  throw new Error(`the case printed no result line; stderr: ${stderr.trim().slice(-2000) || '(empty)'}`);
}
