import { join } from 'node:path';
import { describe, it } from 'vitest';
import { describeStoreContract } from '@vms/flow-core/testing';
import { tempDir } from '@vms/test-utils';
import { SqliteStore } from './sqlite-store.js';

describeStoreContract({
  name: 'SqliteStore (file in a fresh temp dir)',
  describe,
  it,
  makeStore: async () => {
    const dir = await tempDir();
    const file = join(dir.path, 'runs.db');
    const store = new SqliteStore({ file });
    return {
      store,
      openPeer: () => new SqliteStore({ file }),
      cleanup: async () => {
        await store.close();
        await dir.cleanup();
      },
    };
  },
});
