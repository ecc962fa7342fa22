/**
 * Engine overhead, measured against its floors in ONE process, interleaved round by round
 * (floor, ours, floor, ours, ...) so a noisy machine hurts both alike. Prints medians and the
 * ratio `ours time / floor time` (lower is better; SPEC §7 wants MemoryStore <= 2, SqliteStore <= 1),
 * of wall time and of process CPU time (steadier on a loaded machine).
 *
 *   node --conditions=@vms/source --import tsx packages/store-sqlite/scripts/engine-overhead.ts [--n 10000] [--steps 2000] [--reps 7] [--only mem,sqlite,chain (= mem-chain,sqlite-chain)]
 *
 * Add `--cpu-prof --cpu-prof-dir=/tmp/prof` before `--conditions` for a V8 profile.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { MemoryStore, createEngine, flow, task, type Store } from '@vms/flow-core';
import { SqliteStore } from '../src/index.js';

// p-queue is a dependency of flow-core, not of this package: load it from there.
const coreRequire = createRequire(join(import.meta.dirname, '../../core/package.json'));
const { default: PQueue } = (await import(pathToFileURL(coreRequire.resolve('p-queue')).href)) as typeof import('p-queue');

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    steps: { type: 'string', default: '2000' },
    reps: { type: 'string', default: '7' },
    only: { type: 'string', default: 'mem,sqlite,chain' },
    concurrency: { type: 'string', default: '16' },
  },
});
const N = Number(values.n);
const STEPS = Number(values.steps);
const REPS = Number(values.reps);
const C = Number(values.concurrency);
const only = new Set(values.only.split(','));

const noop = async (): Promise<void> => undefined;
const noopTask = task({ name: 'noop', run: async () => null });
const fanout = flow({
  name: 'overhead-fanout',
  run: async (ctx, p: { n: number; c: number }) => (await ctx.map(noopTask, Array.from({ length: p.n }, () => undefined), { concurrency: p.c })).length,
});
const chain = flow({
  name: 'overhead-chain',
  run: async (ctx, p: { n: number }) => {
    for (let i = 0; i < p.n; i++) await ctx.run(noopTask);
    return p.n;
  },
});

async function pq(n: number, shape: 'fanout' | 'chain', body: () => Promise<void>): Promise<void> {
  const queue = new PQueue({ concurrency: C });
  if (shape === 'fanout') await Promise.all(Array.from({ length: n }, () => queue.add(body)));
  else for (let i = 0; i < n; i++) await queue.add(body);
}

function sqliteFloorBody(dir: string): { body: () => Promise<void>; close: () => void } {
  const db = new Database(join(dir, `floor-${Math.random()}.db`));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE task_runs (id INTEGER PRIMARY KEY, run TEXT NOT NULL, state TEXT NOT NULL, started_at INTEGER, ended_at INTEGER)');
  const insert = db.prepare('INSERT INTO task_runs (id, run, state, started_at) VALUES (?, ?, ?, ?)');
  const update = db.prepare('UPDATE task_runs SET state = ?, ended_at = ? WHERE id = ?');
  let next = 0;
  return {
    body: async () => {
      const id = ++next;
      insert.run(id, 'run-1', 'Running', Date.now());
      await noop();
      update.run('Completed', Date.now(), id);
    },
    close: () => db.close(),
  };
}

async function engineOnce(store: Store, n: number, shape: 'fanout' | 'chain'): Promise<void> {
  const engine = createEngine({ store, concurrency: C });
  try {
    const done = shape === 'fanout' ? await engine.run(fanout, { n, c: C }) : await engine.run(chain, { n });
    if (done !== n) throw new Error(`ran ${done} of ${n}`);
  } finally {
    await engine.stop();
  }
}

/** Wall time and CPU time (user + system, all threads: GC included), ms. */
async function timed(fn: () => Promise<void>): Promise<{ wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const dir = mkdtempSync(join(tmpdir(), 'vms-overhead-'));
type Case = { name: string; n: number; run: () => Promise<void> };
const pairs: [Case, Case][] = [];
if (only.has('mem')) {
  pairs.push([
    { name: 'p-queue fanout', n: N, run: () => pq(N, 'fanout', noop) },
    { name: 'engine memory fanout', n: N, run: () => engineOnce(new MemoryStore(), N, 'fanout') },
  ]);
}
if (only.has('sqlite')) {
  pairs.push([
    {
      name: 'p-queue+sqlite fanout',
      n: N,
      run: async () => {
        const f = sqliteFloorBody(dir);
        await pq(N, 'fanout', f.body);
        f.close();
      },
    },
    {
      name: 'engine sqlite fanout',
      n: N,
      run: async () => {
        const store = new SqliteStore({ file: join(dir, `runs-${Math.random()}.db`) });
        try {
          await engineOnce(store, N, 'fanout');
        } finally {
          await store.close();
        }
      },
    },
  ]);
}
if (only.has('chain') || only.has('mem-chain')) {
  pairs.push([
    { name: 'p-queue chain', n: STEPS, run: () => pq(STEPS, 'chain', noop) },
    { name: 'engine memory chain', n: STEPS, run: () => engineOnce(new MemoryStore(), STEPS, 'chain') },
  ]);
}
if (only.has('chain') || only.has('sqlite-chain')) {
  pairs.push([
    {
      name: 'p-queue+sqlite chain',
      n: STEPS,
      run: async () => {
        const f = sqliteFloorBody(dir);
        await pq(STEPS, 'chain', f.body);
        f.close();
      },
    },
    {
      name: 'engine sqlite chain',
      n: STEPS,
      run: async () => {
        const store = new SqliteStore({ file: join(dir, `runs-${Math.random()}.db`) });
        try {
          await engineOnce(store, STEPS, 'chain');
        } finally {
          await store.close();
        }
      },
    },
  ]);
}

try {
  // Warm-up: one discarded round of everything.
  for (const [floor, ours] of pairs) {
    await floor.run();
    await ours.run();
  }
  for (const [floor, ours] of pairs) {
    const f: number[] = [];
    const o: number[] = [];
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    for (let r = 0; r < REPS; r++) {
      const tf = await timed(floor.run);
      const to = await timed(ours.run);
      f.push(tf.wall);
      o.push(to.wall);
      ratios.push(to.wall / tf.wall);
      cpuRatios.push(to.cpu / tf.cpu);
    }
    const rate = (ms: number, n: number): string => `${Math.round((n / ms) * 1000).toLocaleString('en')}/s`;
    console.log(
      `${ours.name.padEnd(22)} ${rate(median(o), ours.n).padStart(9)}  vs ${floor.name.padEnd(22)} ${rate(median(f), floor.n).padStart(9)}  wall ratio median ${median(ratios).toFixed(2)} (min ${Math.min(...ratios).toFixed(2)}, max ${Math.max(...ratios).toFixed(2)}), cpu ratio median ${median(cpuRatios).toFixed(2)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
