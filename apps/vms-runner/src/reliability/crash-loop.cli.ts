/**
 * The full crash loop for a person: `scripts/crash-loop.sh [seeds] [kills] [scale]` runs one loop
 * per seed (default 20 seeds, 3 kills each, scale 0.1) and prints the tally. Exit code 0 only
 * when every seed ended with a database equal to the uninterrupted sync's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCrashLoop, type CrashLoopResult } from './crash-loop';

const [seedsArg = '20', killsArg = '3', scaleArg = '0.1', firstSeedArg = '1'] = process.argv.slice(2);
const seeds = Number(seedsArg);
const kills = Number(killsArg);
const scale = Number(scaleArg);
const firstSeed = Number(firstSeedArg);
for (const [name, v] of [['seeds', seeds], ['kills', kills], ['first seed', firstSeed]] as const) {
  if (!Number.isInteger(v) || v < 0) throw new Error(`Expected ${name} to be an integer >= 0, got \`${String(v)}\``);
}
if (!(scale > 0)) throw new Error(`Expected scale to be a number > 0, got \`${scaleArg}\``);

const results: CrashLoopResult[] = [];
const started = performance.now();
for (let i = 0; i < seeds; i++) {
  const seed = firstSeed + i;
  const dir = mkdtempSync(join(tmpdir(), `vms-crash-${seed}-`));
  try {
    const r = await runCrashLoop({ seed, kills, scale, dir, log: (l) => console.log(l) });
    results.push(r);
    if (!r.ok) console.log(JSON.stringify({ seed, diff: r.diff, duplicates: r.duplicates, runStates: r.runStates }, null, 2));
  } catch (error) {
    console.log(`seed ${seed}: ERROR ${(error as Error).message}`);
    results.push({ seed, killsLanded: 0, killAtMs: [], processes: 0, recovered: { crashed: 0, resumed: 0 }, runStates: {}, diff: {}, duplicates: {}, rowsCompared: 0, excluded: [], ok: false, wallMs: 0 });
  } finally {
    if (results.at(-1)?.ok || process.env.KEEP_DIRS !== '1') rmSync(dir, { recursive: true, force: true });
    else console.log(`seed ${seed}: files kept in ${dir}`);
  }
}

const passed = results.filter((r) => r.ok).length;
const landed = results.reduce((n, r) => n + r.killsLanded, 0);
const crashedRecovered = results.reduce((n, r) => n + r.recovered.crashed, 0);
const resumed = results.reduce((n, r) => n + r.recovered.resumed, 0);
console.log('');
console.log('seed  kills landed  kill moments (ms after sync start)  recovered/resumed  rows compared  result');
for (const r of results) {
  console.log(
    `${String(r.seed).padStart(4)}  ${String(r.killsLanded).padStart(12)}  ${r.killAtMs.join(', ').padEnd(34)}  ${`${r.recovered.crashed}/${r.recovered.resumed}`.padStart(17)}  ${String(r.rowsCompared).padStart(13)}  ${r.ok ? 'equal' : 'DIFFERENT'}`,
  );
}
console.log('');
console.log(
  `crash loop: ${passed}/${results.length} seeds equal to the uninterrupted sync; ${landed} kills landed mid-sync; ` +
    `${crashedRecovered} killed runs recovered as Crashed, ${resumed} resumed; ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
if (results[0]) console.log(`left out of the comparison: ${results[0].excluded.join('; ')}`);
process.exitCode = passed === results.length ? 0 : 1;
