/** Spawning the bench's child processes (TypeScript source run through tsx). */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseChildOutput, type Measurement } from './measurement.js';
import type { CaseFunctionName } from './registry.js';
import { SERVER_PREFIX, type ServerInfo, type ServerParams } from './server-info.js';

const NODE_ARGS = ['--conditions=@vms/source', '--import', 'tsx'];

function script(name: string): string {
  return fileURLToPath(new URL(name, import.meta.url));
}

/** Runs one case once in a fresh child process and returns its measurement. */
export function runCaseInChild(fn: CaseFunctionName, params: unknown, options: { timeoutMs: number; cpuProfDir?: string }): Promise<Measurement> {
  const profArgs = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : [];
  const child = spawn(process.execPath, [...NODE_ARGS, ...profArgs, script('./child.ts'), fn, JSON.stringify(params)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`case \`${fn}\` did not finish within ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      try {
        resolve(parseChildOutput(stdout, stderr));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}

/** A Salesforce test server running in its own process. */
export interface ServerProcess {
  readonly info: ServerInfo;
  close(): Promise<void>;
}

/** Starts the seeded test server in a child process; resolves once it listens. */
export function startServerProcess(params: ServerParams, timeoutMs: number): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, [...NODE_ARGS, script('./server-process.ts'), JSON.stringify(params)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the test server (scale ${String(params.scale)}) did not start within ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const line = stdout.split('\n').find((l) => l.startsWith(SERVER_PREFIX));
      if (line) {
        clearTimeout(timer);
        resolve({ info: JSON.parse(line.slice(SERVER_PREFIX.length)) as ServerInfo, close });
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`the test server exited (code ${String(code)}) before listening: ${stderr.trim().slice(-2000)}`));
    });
  });
}
