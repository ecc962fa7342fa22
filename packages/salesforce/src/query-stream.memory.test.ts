import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const child = fileURLToPath(new URL('./query-stream.memory-child.ts', import.meta.url));

describe('queryStream memory', () => {
  it('streaming 200,000 records keeps retained heap growth under 32 MiB (holding them all would need ~10x more)', async () => {
    const { stdout } = await run(process.execPath, ['--expose-gc', '--conditions=@vms/source', '--import', 'tsx', child, '200000'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      maxBuffer: 1024 * 1024,
      timeout: 110_000,
    });
    const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as { count: number; distinct: number; peakGrowth: number; tenPages: number };
    const MiB = 1024 * 1024;
    console.log(`200,000 records: peak retained growth ${(r.peakGrowth / MiB).toFixed(1)} MiB; 10 pages held: ${(r.tenPages / MiB).toFixed(1)} MiB (all 100 pages ≈ ${((r.tenPages * 10) / MiB).toFixed(0)} MiB)`);
    expect(r.count).toBe(200_000);
    expect(r.distinct).toBe(200_000); // strictly ascending Ids, so all distinct
    // The bound: 32 MiB of retained growth, sampled after a full GC every 20 chunks (2,000 records each).
    expect(r.peakGrowth).toBeLessThan(32 * MiB);
    // And it is far below what materializing the result costs (100 pages ≈ 10 × tenPages).
    expect(r.peakGrowth).toBeLessThan(r.tenPages * 10 * 0.5);
  }, 120_000);
});
