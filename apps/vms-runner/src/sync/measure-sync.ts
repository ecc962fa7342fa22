/**
 * Measures the importers alone: a full sync of a generated data set (no HTTP, no engine) into a
 * fresh SQLite file, printing records/s and peak RSS. The generator is lazy, so memory is the
 * importers' own. For the sync through the Salesforce test server next to the hand-written floor,
 * run the bench (`pnpm --filter @vms/bench bench -- --only sync --scales 1,prod`).
 *
 * ```sh
 * node --conditions=@vms/source --import tsx src/sync/measure-sync.ts --scale 1 [--passes 2]
 * node --cpu-prof --cpu-prof-dir=/tmp/prof --conditions=@vms/source --import tsx src/sync/measure-sync.ts --scale 1
 * ```
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openVmsDatabase } from '../db/database';
import { createDataset } from '../generator/dataset';
import { datasetSource } from '../generator/source';
import { ENTITY_NAMES } from './dag';
import { syncEntities } from './run-sync';

const { values } = parseArgs({ options: { scale: { type: 'string', default: '1' }, passes: { type: 'string', default: '1' }, seed: { type: 'string', default: '20250630' }, verbose: { type: 'boolean', default: false } } });
const scale = values.scale === 'prod' ? 'prod' : Number(values.scale);
const passes = Number(values.passes);
const dir = mkdtempSync(join(tmpdir(), 'vms-measure-'));
try {
  const db = openVmsDatabase(join(dir, 'vms.db'));
  const data = createDataset({ seed: Number(values.seed), scale, badRowRate: 0.01 });
  const total = ENTITY_NAMES.reduce((n, e) => n + data.count(e), 0);
  for (let pass = 1; pass <= passes; pass++) {
    const t0 = performance.now();
    const results = await syncEntities(db, datasetSource(data), { mode: 'full', runId: `measure-${pass}` });
    const ms = performance.now() - t0;
    const sum = (k: 'processed' | 'created' | 'updated' | 'unchanged' | 'failed') => Object.values(results).reduce((n, r) => n + r[k], 0);
    console.log(
      `pass ${pass}: ${total} records in ${(ms / 1000).toFixed(2)} s = ${Math.round(total / (ms / 1000))} records/s; ` +
        `processed ${sum('processed')}, created ${sum('created')}, updated ${sum('updated')}, unchanged ${sum('unchanged')}, failed ${sum('failed')}; ` +
        `peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`,
    );
    if (values.verbose) {
      for (const r of Object.values(results)) {
        console.log(`  ${r.entity.padEnd(26)} ${String(r.processed).padStart(8)} records ${String(Date.parse(r.completedAt) - Date.parse(r.startedAt)).padStart(7)} ms`);
      }
    }
  }
  db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
