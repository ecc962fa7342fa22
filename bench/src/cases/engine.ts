/**
 * Engine overhead: N no-op tasks fanned out at concurrency 16, and an N-step sequential chain,
 * through the engine (MemoryStore, SqliteStore) and through the floors (plain p-queue; p-queue +
 * better-sqlite3 with two autocommit writes per task: an insert at start, an update at the end).
 *
 * Every case warms up in its own process first (the same work at a tenth of N, at most 1,000),
 * then times one run of N.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import PQueue from 'p-queue';
import { MemoryStore, createEngine, flow, task, type Store } from '@vms/flow-core';
import { SqliteStore } from '@vms/flow-store-sqlite';
import type { CaseOutput } from '../measurement.js';
import { withTempDir } from '../temp.js';

/** Parameters of an engine case. */
export interface EngineParams {
  /** Tasks (fan-out) or steps (chain). */
  readonly n: number;
  /** `fanout`: all at once through a limit of `concurrency`; `chain`: one after another. */
  readonly shape: 'fanout' | 'chain';
  /** @default 16 */
  readonly concurrency?: number;
}

const noop = async (): Promise<void> => undefined;

function warmupSize(n: number): number {
  return Math.max(1, Math.min(1000, Math.floor(n / 10)));
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function pqueueOnce(n: number, shape: EngineParams['shape'], concurrency: number, body: (i: number) => Promise<void>): Promise<void> {
  const queue = new PQueue({ concurrency });
  if (shape === 'fanout') {
    await Promise.all(Array.from({ length: n }, (_, i) => queue.add(() => body(i))));
  } else {
    for (let i = 0; i < n; i++) await queue.add(() => body(i));
  }
}

/** Floor: plain p-queue, no persistence. */
export async function pqueueFloor(params: EngineParams): Promise<CaseOutput> {
  const concurrency = params.concurrency ?? 16;
  await pqueueOnce(warmupSize(params.n), params.shape, concurrency, noop);
  const ms = await timed(() => pqueueOnce(params.n, params.shape, concurrency, noop));
  return { count: params.n, ms };
}

/**
 * Floor: p-queue + better-sqlite3, two autocommit writes per task (insert `running` at start,
 * update to `completed` at the end), WAL and `synchronous = NORMAL` as SqliteStore uses.
 */
export async function pqueueSqliteFloor(params: EngineParams): Promise<CaseOutput> {
  const concurrency = params.concurrency ?? 16;
  return withTempDir(async (dir) => {
    const db = new Database(join(dir, 'floor.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE task_runs (id INTEGER PRIMARY KEY, run TEXT NOT NULL, state TEXT NOT NULL, started_at INTEGER, ended_at INTEGER)');
    const insert = db.prepare('INSERT INTO task_runs (id, run, state, started_at) VALUES (?, ?, ?, ?)');
    const update = db.prepare('UPDATE task_runs SET state = ?, ended_at = ? WHERE id = ?');
    let next = 0;
    const body = async (): Promise<void> => {
      const id = ++next;
      insert.run(id, 'run-1', 'Running', Date.now());
      await noop();
      update.run('Completed', Date.now(), id);
    };
    await pqueueOnce(warmupSize(params.n), params.shape, concurrency, body);
    const ms = await timed(() => pqueueOnce(params.n, params.shape, concurrency, body));
    db.close();
    return { count: params.n, ms };
  });
}

const noopTask = task({ name: 'noop', run: async () => null });

const fanoutFlow = flow({
  name: 'bench-fanout',
  run: async (ctx, params: { n: number; concurrency: number }) => {
    const results = await ctx.map(noopTask, Array.from({ length: params.n }, () => undefined), { concurrency: params.concurrency });
    return results.length;
  },
});

const chainFlow = flow({
  name: 'bench-chain',
  run: async (ctx, params: { n: number }) => {
    for (let i = 0; i < params.n; i++) await ctx.run(noopTask);
    return params.n;
  },
});

async function engineOnce(store: Store, n: number, shape: EngineParams['shape'], concurrency: number): Promise<void> {
  const engine = createEngine({ store, concurrency });
  try {
    const done = shape === 'fanout' ? await engine.run(fanoutFlow, { n, concurrency }) : await engine.run(chainFlow, { n });
    if (done !== n) throw new Error(`the ${shape} flow ran ${done} tasks instead of ${n}`);
  } finally {
    await engine.stop();
  }
}

async function engineCase(params: EngineParams, store: Store): Promise<CaseOutput> {
  const concurrency = params.concurrency ?? 16;
  await engineOnce(store, warmupSize(params.n), params.shape, concurrency);
  const ms = await timed(() => engineOnce(store, params.n, params.shape, concurrency));
  return { count: params.n, ms };
}

/** Ours: the engine with `MemoryStore`. */
export async function engineMemory(params: EngineParams): Promise<CaseOutput> {
  return engineCase(params, new MemoryStore());
}

/** Ours: the engine with `SqliteStore` on a file in a fresh temp dir. */
export async function engineSqlite(params: EngineParams): Promise<CaseOutput> {
  return withTempDir(async (dir) => {
    const store = new SqliteStore({ file: join(dir, 'runs.db') });
    try {
      return await engineCase(params, store);
    } finally {
      await store.close();
    }
  });
}
