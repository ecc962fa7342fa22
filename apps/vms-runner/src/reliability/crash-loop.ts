/**
 * The crash loop (SPEC §8, issue 9 item 1): a full sync of generated data through the real
 * `vms-runner run full-salesforce-sync`, killed with SIGKILL at a random moment, restarted, again
 * and again, then run to completion. Then `vms-runner start` recovers the killed runs (marks them
 * `Crashed` once their lease lapsed and resumes them from their checkpoints). The final VMS
 * database must equal that of an uninterrupted sync of the same org (canonical dump), with no
 * duplicate row and no run left `Running`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { canonicalDump, diffDumps, duplicateRows } from './harness/canonical-dump';
import { spawnCli, type CliExit } from './harness/cli-process';
import { runnerEnv, startOrg } from './harness/org';

/** Options of {@link runCrashLoop}. */
export interface CrashLoopOptions {
  /** Seed of the data set and of the kill moments. */
  seed: number;
  /** SIGKILLs before the run that is let finish. @default 3 */
  kills?: number;
  /** Generator scale. @default 0.1 */
  scale?: number;
  /** Records per transaction (smaller: more commits to land between). @default 50 */
  chunkSize?: number;
  /** Working directory (two sub-folders: `clean`, `crashed`). */
  dir: string;
  /** Progress lines. @default none */
  log?: (line: string) => void;
}

/** What one crash loop did and found. */
export interface CrashLoopResult {
  seed: number;
  /** Kills that hit an unfinished run (the process died of SIGKILL before its run completed). */
  killsLanded: number;
  /** Kill moments, ms after the sync's first progress line. */
  killAtMs: number[];
  /** Processes started (kills + the final run + the recovering `start`). */
  processes: number;
  /** Killed runs recovery marked `Crashed` (a kill can also land after its run completed) and resumed, from the store's state history. */
  recovered: { crashed: number; resumed: number };
  /** Run states in the store at the end, counted. */
  runStates: Record<string, number>;
  /** Tables whose rows differ from the uninterrupted sync's (empty: equal). */
  diff: ReturnType<typeof diffDumps>;
  /** Duplicate rows in the final database. */
  duplicates: Record<string, string[]>;
  /** Rows compared, over all tables. */
  rowsCompared: number;
  /** What the dump leaves out. */
  excluded: string[];
  /** True when the final database equals the uninterrupted one, with no duplicate and no run left Running. */
  ok: boolean;
  wallMs: number;
}

/** mulberry32. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The first line `run` prints once the sync is under way. */
const SYNC_STARTED = /records|sync-\w+/;

function failIfNot(exit: CliExit, code: number, what: string): void {
  if (exit.code !== code) throw new Error(`${what} exited with ${exit.code ?? exit.signal}, expected ${code}:\n${exit.stdout.slice(-3000)}\n${exit.stderr.slice(-3000)}`);
}

function storeRuns(storePath: string): { id: string; state: string; lease: number | null }[] {
  const db = new Database(storePath, { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT id, state, lease_expires_at AS lease FROM flow_runs ORDER BY created_at, id').all() as { id: string; state: string; lease: number | null }[];
  } finally {
    db.close();
  }
}

function recoveryCounts(storePath: string): { crashed: number; resumed: number } {
  const db = new Database(storePath, { readonly: true, fileMustExist: true });
  try {
    const count = (where: string): number =>
      db.prepare(`SELECT count(DISTINCT run_id) FROM flow_state_history WHERE task_run_id IS NULL AND ${where}`).pluck().get() as number;
    return { crashed: count("to_state = 'Crashed'"), resumed: count("from_state = 'Crashed' AND reason LIKE 'resumed by%'") };
  } finally {
    db.close();
  }
}

/**
 * Runs one crash loop; see the module doc.
 *
 * @example
 * ```ts
 * const result = await runCrashLoop({ seed: 7, kills: 3, dir: '/tmp/crash' });
 * console.log(result.ok, result.killsLanded);
 * ```
 */
export async function runCrashLoop(options: CrashLoopOptions): Promise<CrashLoopResult> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const kills = options.kills ?? 3;
  const random = seeded(options.seed);
  const org = await startOrg({ seed: options.seed, scale: options.scale ?? 0.1, badRowRate: 0.02, pageSize: 200, faults: { latencyMs: 20 } });
  const clean = join(options.dir, 'clean');
  const crashed = join(options.dir, 'crashed');
  mkdirSync(clean, { recursive: true });
  mkdirSync(crashed, { recursive: true });
  const settings = { SYNC_CHUNK_SIZE: String(options.chunkSize ?? 50), SCHEDULE_INCREMENTAL_SYNC: 'off', SCHEDULE_FULL_SYNC: 'off', SCHEDULE_HEALTH_CHECK: 'off' };
  try {
    // 1. The reference: one uninterrupted sync; its duration bounds the kill moments.
    const ref = spawnCli(['run', 'full-salesforce-sync'], runnerEnv(org.server, clean, settings));
    await ref.waitForLine(SYNC_STARTED);
    const syncStart = performance.now();
    const refExit = await ref.exited;
    const syncMs = performance.now() - syncStart;
    failIfNot(refExit, 0, 'the uninterrupted sync');
    log(`seed ${options.seed}: uninterrupted sync ${Math.round(syncMs)} ms`);

    // 2. Kill, restart, kill ...
    const env = runnerEnv(org.server, crashed, settings);
    const killAtMs: number[] = [];
    let killsLanded = 0;
    let processes = 0;
    // A kill that comes after the sync completed does not count: try again (at most 3x as often).
    for (let k = 0; killsLanded < kills && k < kills * 3; k++) {
      const p = spawnCli(['run', 'full-salesforce-sync'], env);
      processes++;
      const at = Math.floor(random() * syncMs * 0.9);
      killAtMs.push(at);
      try {
        await p.waitForLine(SYNC_STARTED);
        await Promise.race([sleep(at), p.exited]);
      } catch {
        // exited before the sync started: reported by the exit below
      }
      p.child.kill('SIGKILL');
      const exit = await p.exited;
      // Landed: the process died of the kill while its run was unfinished (not after it completed).
      const newest = storeRuns(env.VMS_RUNNER_STORE_PATH as string).at(-1);
      const landed = exit.signal === 'SIGKILL' && newest !== undefined && newest.state !== 'Completed';
      if (landed) killsLanded++;
      else if (exit.signal !== 'SIGKILL') failIfNot(exit, 0, `restart ${k + 1}`);
      log(`seed ${options.seed}: kill ${k + 1} at ${at} ms: ${landed ? 'killed mid-sync' : 'the sync had completed'}`);
    }
    // 3. The run that is let finish.
    const last = spawnCli(['run', 'full-salesforce-sync'], env);
    processes++;
    failIfNot(await last.exited, 0, 'the final run');

    // 4. `start` reaps and resumes the killed runs once their leases lapsed.
    const storePath = env.VMS_RUNNER_STORE_PATH as string;
    const leaseEnd = Math.max(0, ...storeRuns(storePath).filter((r) => r.state === 'Running' || r.state === 'Pending').map((r) => r.lease ?? 0));
    const wait = leaseEnd - Date.now() + 500;
    if (wait > 0) {
      log(`seed ${options.seed}: waiting ${Math.round(wait)} ms for the killed runs' leases to lapse`);
      await sleep(wait);
    }
    const starter = spawnCli(['start'], { ...env, API_TOKENS_ADMIN: 'reliability-admin-token-0123456789', HTTP_PORT: '0' });
    processes++;
    try {
      await starter.waitForLine(/Press Ctrl\+C/);
      // Resumed runs finish in this process; wait until none is active.
      const deadline = Date.now() + 120_000;
      while (storeRuns(storePath).some((r) => ['Running', 'Pending', 'Retrying', 'Scheduled'].includes(r.state)) && Date.now() < deadline) await sleep(250);
    } finally {
      starter.child.kill('SIGTERM');
      await starter.exited;
    }

    const recovered = recoveryCounts(storePath);
    const runStates: Record<string, number> = {};
    for (const r of storeRuns(storePath)) runStates[r.state] = (runStates[r.state] ?? 0) + 1;
    const a = canonicalDump(join(crashed, 'vms.db'));
    const b = canonicalDump(join(clean, 'vms.db'));
    const diff = diffDumps(a, b);
    const duplicates = duplicateRows(a);
    const rowsCompared = Object.values(b.tables).reduce((n, rows) => n + rows.length, 0);
    const ok = Object.keys(diff).length === 0 && Object.keys(duplicates).length === 0 && !runStates.Running && !runStates.Pending;
    log(`seed ${options.seed}: ${ok ? 'EQUAL' : 'DIFFERENT'} (${rowsCompared} rows compared; runs ${JSON.stringify(runStates)}; recovered ${JSON.stringify(recovered)})`);
    return {
      seed: options.seed,
      killsLanded,
      killAtMs,
      processes,
      recovered,
      runStates,
      diff,
      duplicates,
      rowsCompared,
      excluded: a.excluded,
      ok,
      wallMs: performance.now() - started,
    };
  } finally {
    await org.close();
  }
}
