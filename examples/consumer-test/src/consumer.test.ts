import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../../scripts/consumer-test.mjs', import.meta.url));

interface ModeResult {
  result: number;
  state: string;
  tasks: { name: string; state: string; attempts: number }[];
  retries: string[];
  invalid: { isFlowError: boolean; code: string };
  loaded: [string, number][];
  requirePQueue?: string;
}
interface Report {
  ok: boolean;
  failures: string[];
  results: Record<'esm' | 'cjs' | 'cjsWithoutRequireEsm', ModeResult>;
  manifests: Record<string, { version: string; peerDependencies: Record<string, string> }>;
  timings: Record<string, number>;
  totalMs: number;
}

const PUBLIC_ENTRIES = [
  '@vms/flow-core',
  '@vms/flow-core/testing',
  '@vms/flow-store-sqlite',
  '@vms/flow-salesforce',
  '@vms/flow-salesforce/testing',
  '@vms/flow-sheets',
  '@vms/flow-sheets/testing',
  '@vms/flow-alerts',
];

describe('packed packages installed with npm into a fresh project', () => {
  it('run a SqliteStore flow as ESM and as CJS (also without require(esm)), from public entry points only', async () => {
    // The script exits 1 with the same report when a check fails; keep its output either way.
    const stdout = await promisify(execFile)(process.execPath, [script], { maxBuffer: 16 * 1024 * 1024 }).then(
      (r) => r.stdout,
      (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}\n${error.stderr ?? ''}`,
    );
    const last = stdout.trim().split('\n').pop() ?? '';
    let report: Report;
    try {
      report = JSON.parse(last) as Report;
    } catch {
      throw new Error(`consumer-test.mjs did not end with its JSON report; its output was:\n${stdout.slice(-4000)}`);
    }
    console.log(`consumer test timings (ms): ${JSON.stringify(report.timings)}, total ${report.totalMs}`);

    expect(report.failures).toEqual([]);
    expect(report.ok).toBe(true);
    for (const mode of ['esm', 'cjs', 'cjsWithoutRequireEsm'] as const) {
      const r = report.results[mode];
      expect(r.result, mode).toBe(55);
      expect(r.state, mode).toBe('Completed');
      expect(r.tasks, mode).toEqual([
        { name: 'fetch-numbers', state: 'Completed', attempts: 2 },
        { name: 'sum', state: 'Completed', attempts: 1 },
      ]);
      expect(r.retries, mode).toEqual(['fetch-numbers']);
      expect(r.invalid, mode).toEqual({ isFlowError: true, code: 'INVALID_OPTION' });
      expect(r.loaded.map(([entry]) => entry), mode).toEqual(PUBLIC_ENTRIES);
    }
    // The control: without require(esm) p-queue itself cannot be required, yet core's CJS build
    // loaded, because it bundles p-queue.
    expect(report.results.cjs.requirePQueue).toBe('ok');
    expect(report.results.cjsWithoutRequireEsm.requirePQueue).toBe('ERR_REQUIRE_ESM');
    // pnpm pack replaced `workspace:^` with a real range.
    const core = report.manifests['@vms/flow-core'];
    expect(core).toBeDefined();
    for (const plugin of ['@vms/flow-store-sqlite', '@vms/flow-salesforce', '@vms/flow-sheets', '@vms/flow-alerts']) {
      expect(report.manifests[plugin]?.peerDependencies['@vms/flow-core'], plugin).toBe(`^${core?.version}`);
    }
  });
});
