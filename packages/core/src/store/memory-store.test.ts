import { describe, expect, it } from 'vitest';
import { MemoryStore } from './memory-store.js';
import { describeStoreContract } from './store-contract.js';

describeStoreContract({ name: 'MemoryStore', describe, it, makeStore: () => ({ store: new MemoryStore() }) });

describe('MemoryStore specifics', () => {
  it('rejects every call after close', async () => {
    const store = new MemoryStore();
    await store.close();
    await expect(store.getRun('x')).rejects.toThrow(/closed/);
  });

  it('counts applyBatch calls and reports them to onBatch', async () => {
    const seen: number[] = [];
    const store = new MemoryStore({ onBatch: (ops) => seen.push(ops.length) });
    await store.applyBatch([
      { type: 'createRun', run: { id: 'r', flowName: 'f', params: null, state: 'Pending', now: 1 } },
      { type: 'appendLogs', logs: [{ runId: 'r', level: 'info', message: 'm', at: 1 }] },
    ]);
    expect(store.batchCount).toBe(1);
    expect(seen).toEqual([2]);
  });

  it('names a malformed listRuns cursor in the error', async () => {
    await expect(new MemoryStore().listRuns({ cursor: 'not-a-cursor' })).rejects.toThrow(/`not-a-cursor`/);
  });
});
