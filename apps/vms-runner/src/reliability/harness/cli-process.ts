/**
 * Runs the real `vms-runner` command line (its TypeScript source through tsx, as a developer
 * runs it) in a child process, with only the environment given, and lets a test kill it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The app's folder (the child's working directory: no `.env` there). */
export const APP_DIR = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../cli.ts', import.meta.url));

/** How a child ended. */
export interface CliExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A running `vms-runner` child. */
export interface CliProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Output so far. */
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves when the child has exited. */
  readonly exited: Promise<CliExit>;
  /** Resolves with the first stdout line matching `pattern` (rejects if the child exits first). */
  waitForLine(pattern: RegExp): Promise<string>;
}

/** Environment variables passed through from the parent (paths to node, temp dirs), never settings. */
const PASSTHROUGH = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];

/**
 * Spawns `vms-runner <args>` with `env` as its whole configuration.
 *
 * @example
 * ```ts
 * const p = spawnCli(['run', 'full-salesforce-sync'], env);
 * const { code } = await p.exited;
 * ```
 */
export function spawnCli(args: readonly string[], env: Record<string, string>): CliProcess {
  const base: Record<string, string> = {};
  for (const k of PASSTHROUGH) if (process.env[k] !== undefined) base[k] = process.env[k] as string;
  const child = spawn(process.execPath, ['--conditions=@vms/source', '--import', 'tsx', CLI, ...args], {
    cwd: APP_DIR,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  let pending = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      for (let i = waiters.length - 1; i >= 0; i--) {
        const w = waiters[i]!;
        if (w.pattern.test(line)) {
          waiters.splice(i, 1);
          w.resolve(line);
        }
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<CliExit>((resolve) => {
    child.on('close', (code, signal) => {
      for (const w of waiters.splice(0)) w.reject(new Error(`vms-runner exited (${code ?? signal}) before printing a line matching ${w.pattern}:\n${stdout}\n${stderr}`));
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    pid: child.pid ?? -1,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForLine: (pattern) =>
      new Promise<string>((resolve, reject) => {
        const seen = stdout.split('\n').find((l) => pattern.test(l));
        if (seen !== undefined) return resolve(seen);
        if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`vms-runner already exited before a line matching ${pattern}`));
        waiters.push({ pattern, resolve, reject });
      }),
  };
}
