/**
 * Private test helpers for this repository.
 *
 * @example
 * ```ts
 * const dir = await tempDir();
 * const file = join(dir.path, 'runs.db');
 * await dir.cleanup();
 * ```
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary directory and a function that removes it. */
export interface TempDir {
  readonly path: string;
  cleanup(): Promise<void>;
}

/** Creates a fresh temporary directory under the OS temp dir. */
export async function tempDir(prefix = 'vms-flow-test-'): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** Resolves once `predicate` is true, polling every `intervalMs`; rejects after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  { timeoutMs = 10_000, intervalMs = 10 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`waitFor: condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
