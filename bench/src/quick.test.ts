/**
 * CI guard: the quick suite (small N, one run per case) runs every case end to end in fresh
 * processes and writes the table. No timing assertions: only that each case produced a finite
 * positive figure and the report holds every case.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@vms/test-utils';
import { describe, expect, it } from 'vitest';
import { machineInfo } from './machine.js';
import { BEGIN_MARKER, END_MARKER, renderResults, writeResults } from './report.js';
import { runSuite } from './suite.js';

describe('quick suite', () => {
  it('runs every case (engine, sync, critical path) and writes the table', { timeout: 600_000 }, async () => {
    const before = machineInfo();
    const result = await runSuite({ quick: true });

    const groups = new Set(result.cases.map((c) => c.group));
    expect([...groups].sort()).toEqual(['critical-path', 'engine', 'sync']);
    expect(result.cases.length).toBeGreaterThanOrEqual(12);
    for (const c of result.cases) {
      expect(c.error, `${c.id}: ${c.error ?? ''}`).toBeUndefined();
      expect(c.runs.length, c.id).toBe(1);
      for (const figure of [c.rate?.median, c.ms?.median, c.peakRssMb?.median]) {
        expect(Number.isFinite(figure), `${c.id}: ${String(figure)}`).toBe(true);
        expect(figure as number).toBeGreaterThan(0);
      }
    }
    // Every target got a ratio (met or not is not asserted: that is what the bench reports).
    expect(result.comparisons.length).toBeGreaterThanOrEqual(6);
    for (const c of result.comparisons) expect(Number.isFinite(c.ratio), c.label).toBe(true);

    const dir = await tempDir('vms-bench-quick-');
    try {
      const file = join(dir.path, 'BENCHMARKS.md');
      writeFileSync(file, '# Benchmarks\n\nHand-written text above the table.\n');
      writeResults(file, renderResults(result, { before, after: machineInfo() }, 'pnpm bench -- --quick'), '');
      const text = readFileSync(file, 'utf8');
      expect(text).toContain('Hand-written text above the table.');
      expect(text.indexOf(BEGIN_MARKER)).toBeGreaterThan(0);
      expect(text.indexOf(END_MARKER)).toBeGreaterThan(text.indexOf(BEGIN_MARKER));
      expect(text).toContain(`Node ${process.version}`);
      for (const c of result.cases) expect(text).toContain(`| ${c.label} | 1 |`);
    } finally {
      await dir.cleanup();
    }
  });
});
