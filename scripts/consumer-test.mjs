#!/usr/bin/env node
// Consumer test: install the packages the way a user gets them and run a flow.
//
// 1. `pnpm pack` every public package (pnpm applies `publishConfig`, so the tarball's manifest has
//    no dev-only `@vms/source` condition). The packages must be built (`pnpm build`).
// 2. Create a fresh npm project in a temp dir, outside the workspace, and `npm install` the
//    tarballs (plus the peers zod and @opentelemetry/api) with `--prefer-offline`.
// 3. Run the same small flow on `SqliteStore` once as ESM (`flow.mjs`) and once as CommonJS
//    (`flow.cjs`), importing only public entry points. The CJS run also runs with
//    `--no-experimental-require-module`, as on a Node without `require(esm)` (< 22.12).
// 4. Print one JSON report on the last line of stdout; exit 1 if any check failed.
//
// Usage: node scripts/consumer-test.mjs [--keep]   (--keep leaves the temp dir for inspection)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGES = [
  { dir: 'packages/core', name: '@vms/flow-core', subpaths: ['testing'] },
  { dir: 'packages/store-sqlite', name: '@vms/flow-store-sqlite', subpaths: [] },
  { dir: 'packages/salesforce', name: '@vms/flow-salesforce', subpaths: ['testing'] },
  { dir: 'packages/sheets', name: '@vms/flow-sheets', subpaths: ['testing'] },
  { dir: 'packages/alerts', name: '@vms/flow-alerts', subpaths: [] },
];
const keep = process.argv.includes('--keep');
const started = Date.now();
const timings = {};
const time = (label, fn) => {
  const t0 = Date.now();
  try {
    return fn();
  } finally {
    timings[label] = Date.now() - t0;
  }
};
const run = (cmd, args, cwd, extra = {}) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...extra });

for (const pkg of PACKAGES) {
  if (!existsSync(join(root, pkg.dir, 'dist', 'index.js')) || !existsSync(join(root, pkg.dir, 'dist', 'index.cjs'))) {
    console.error(`${pkg.name} is not built: run \`pnpm build\` first (missing ${pkg.dir}/dist/index.{js,cjs})`);
    process.exit(2);
  }
}

const work = mkdtempSync(join(tmpdir(), 'vms-consumer-'));
const tarballs = join(work, 'tarballs');
const app = join(work, 'app');
mkdirSync(tarballs);
mkdirSync(app);

// ---------------------------------------------------------------- 1. pack
time('pack', () => {
  for (const pkg of PACKAGES) run('pnpm', ['pack', '--pack-destination', tarballs], join(root, pkg.dir));
});
const files = readdirSync(tarballs);
const tarballOf = (name) => {
  const stem = name.replace(/^@/, '').replace('/', '-');
  const file = files.find((f) => f.startsWith(`${stem}-`) && f.endsWith('.tgz'));
  if (!file) throw new Error(`no tarball for ${name} in ${files.join(', ')}`);
  return join(tarballs, file);
};

// ---------------------------------------------------------------- 2. install
const dependencies = Object.fromEntries(PACKAGES.map((p) => [p.name, `file:${tarballOf(p.name)}`]));
dependencies.zod = '^4';
dependencies['@opentelemetry/api'] = '^1.9';
writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, dependencies }, null, 2));
time('install', () =>
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', '--ignore-scripts=false'], app),
);

// ---------------------------------------------------------------- 3. the flow, as ESM and as CJS
// The same program in both module systems: two tasks, the first fails once and is retried, a
// checkpoint, results stored in SQLite. It then re-opens the file with a second store to read
// the stored run back, and loads every public entry point.
const body = (db) => `
const everyEntry = ${JSON.stringify(PACKAGES.flatMap((p) => [p.name, ...p.subpaths.map((s) => `${p.name}/${s}`)]))};

const fetchNumbers = task({
  name: 'fetch-numbers',
  input: z.object({ count: z.number().int().min(1) }),
  retries: 2,
  retryDelay: 10,
  run: async (ctx, { count }) => {
    if (ctx.attempt === 1) throw new Error('flaky upstream');
    await ctx.checkpoint.set('fetched', count);
    return Array.from({ length: count }, (_, i) => i + 1);
  },
});
const sum = task({
  name: 'sum',
  input: z.array(z.number()),
  run: async (_ctx, numbers) => numbers.reduce((a, b) => a + b, 0),
});
const numbersFlow = flow({
  name: 'numbers',
  params: z.object({ count: z.number().int() }),
  run: async (ctx, { count }) => ctx.run(sum, await ctx.run(fetchNumbers, { count })),
});

async function main() {
  const loaded = [];
  for (const entry of everyEntry) loaded.push([entry, Object.keys(await load(entry)).length]);

  const store = new SqliteStore({ file: ${JSON.stringify(db)} });
  const engine = createEngine({ store });
  const retries = [];
  engine.on('task:retry', (e) => retries.push(e.taskName));
  const handle = await engine.start(numbersFlow, { count: 10 });
  const result = await handle.result();
  await engine.stop();
  await store.close();

  const reopened = new SqliteStore({ file: ${JSON.stringify(db)} });
  const stored = await reopened.getRun(handle.runId);
  const tasks = await reopened.getTaskRunsByRun(handle.runId);
  await reopened.close();

  let invalid;
  try {
    flow({ name: '', run: async () => 1 });
  } catch (error) {
    invalid = { isFlowError: error instanceof FlowError, code: error.code };
  }
  console.log(JSON.stringify({
    result,
    state: stored && stored.state,
    tasks: tasks.map((t) => ({ name: t.taskName, state: t.state, attempts: t.attempt })).sort((a, b) => a.name.localeCompare(b.name)),
    retries,
    invalid,
    loaded,
    manualClock: typeof new ManualClock().now(),
  }));
}
main().catch((error) => { console.error(error); process.exit(1); });
`;
writeFileSync(
  join(app, 'flow.mjs'),
  `import { z } from 'zod';
import { createEngine, flow, task, FlowError } from '@vms/flow-core';
import { ManualClock } from '@vms/flow-core/testing';
import { SqliteStore } from '@vms/flow-store-sqlite';
const load = (name) => import(name);
${body(join(work, 'esm.db'))}`,
);
writeFileSync(
  join(app, 'flow.cjs'),
  `'use strict';
const { z } = require('zod');
const { createEngine, flow, task, FlowError } = require('@vms/flow-core');
const { ManualClock } = require('@vms/flow-core/testing');
const { SqliteStore } = require('@vms/flow-store-sqlite');
const load = async (name) => require(name);
// Control for the run with --no-experimental-require-module: p-queue itself (ESM-only) then
// cannot be required, yet @vms/flow-core can, because its CJS build bundles p-queue.
let requirePQueue = 'ok';
try { require('p-queue'); } catch (error) { requirePQueue = error.code; }
process.on('exit', () => console.log(JSON.stringify({ requirePQueue })));
${body(join(work, 'cjs.db'))}`,
);

const runFlow = (label, args) =>
  time(label, () => {
    rmSync(join(work, label.startsWith('esm') ? 'esm.db' : 'cjs.db'), { force: true });
    const lines = run(process.execPath, args, app).split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
    return Object.assign({}, ...lines.filter((l) => l && typeof l === 'object'));
  });
const results = {
  esm: runFlow('esm', ['flow.mjs']),
  cjs: runFlow('cjs', ['flow.cjs']),
  cjsWithoutRequireEsm: runFlow('cjsWithoutRequireEsm', ['--no-experimental-require-module', 'flow.cjs']),
};

// ---------------------------------------------------------------- 4. checks
const failures = [];
const expectEqual = (what, actual, expected) => {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    failures.push(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
};
for (const [mode, r] of Object.entries(results)) {
  expectEqual(`${mode} result`, r.result, 55);
  expectEqual(`${mode} stored state`, r.state, 'Completed');
  expectEqual(`${mode} retries`, r.retries, ['fetch-numbers']);
  expectEqual(`${mode} FlowError across entry`, r.invalid && r.invalid.isFlowError, true);
  expectEqual(`${mode} manual clock`, r.manualClock, 'number');
  if (mode !== 'esm') expectEqual(`${mode} require('p-queue')`, r.requirePQueue, mode === 'cjs' ? 'ok' : 'ERR_REQUIRE_ESM');
  for (const [entry, count] of r.loaded) if (!(count > 0)) failures.push(`${mode}: ${entry} loaded with no exports`);
}
const manifests = {};
for (const pkg of PACKAGES) {
  const manifest = JSON.parse(run('tar', ['-xOzf', tarballOf(pkg.name), 'package/package.json'], work));
  manifests[pkg.name] = { version: manifest.version, peerDependencies: manifest.peerDependencies ?? {} };
  if (JSON.stringify(manifest.exports).includes('@vms/source')) failures.push(`${pkg.name}: packed exports keep @vms/source`);
  if (JSON.stringify(manifest).includes('workspace:')) failures.push(`${pkg.name}: packed manifest keeps a workspace: range`);
}

const report = { ok: failures.length === 0, failures, results, manifests, timings, totalMs: Date.now() - started, dir: keep ? work : undefined };
if (!keep) rmSync(work, { recursive: true, force: true });
console.log(JSON.stringify(report));
process.exit(report.ok ? 0 : 1);
