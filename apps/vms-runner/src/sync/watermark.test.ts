import { join } from 'node:path';
import { classifyError, NonRetriableError } from '@vms/flow-core';
import { tempDir, type TempDir } from '@vms/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openVmsDatabase, type VmsDatabase } from '../db/database';
import { planEntityQuery } from './watermark';

let dir: TempDir;
let db: VmsDatabase;
beforeEach(async () => {
  dir = await tempDir('vms-watermark-');
  db = openVmsDatabase(join(dir.path, 'vms.db'));
});
afterEach(async () => {
  db.close();
  await dir.cleanup();
});

const storeWatermark = (entity: string, modstamp: string): void => {
  db.prepare('INSERT INTO sync_watermarks (sync_type, modstamp, last_id, recovery, updated_at, run_id) VALUES (?, ?, ?, 0, ?, ?)').run(
    entity, modstamp, '003000000000001AAA', '2025-06-01T00:00:00.000Z', 'run-1',
  );
};

describe('planEntityQuery: a corrupt stored watermark', () => {
  it('fails at once (not retried) with an error naming the entity and the stored value', () => {
    storeWatermark('volunteers', 'not-a-date');
    let caught: unknown;
    try {
      planEntityQuery(db, 'volunteers', { mode: 'incremental' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NonRetriableError);
    expect((caught as Error).message).toContain('`volunteers`');
    expect((caught as Error).message).toContain('`not-a-date` (string)');
    expect(classifyError(caught)).toEqual({ category: 'validation', retryable: false });
  });

  it('is rejected for every look-back, including none (no RangeError, no query built)', () => {
    storeWatermark('volunteers', '2025-13-45T99:00:00Z');
    for (const lookbackMs of [0, 300_000]) {
      expect(() => planEntityQuery(db, 'volunteers', { mode: 'incremental', lookbackMs })).toThrow(/stored watermark of `volunteers`.*2025-13-45T99:00:00Z/);
    }
  });

  it('a full run does not read the watermark, so it still plans (and its commit rewrites it)', () => {
    storeWatermark('volunteers', 'not-a-date');
    const plan = planEntityQuery(db, 'volunteers', { mode: 'full' });
    expect(plan).toMatchObject({ mode: 'full', after: null });
  });

  it('a valid watermark still plans the look-back start', () => {
    storeWatermark('volunteers', '2025-06-01T00:00:00.000Z');
    expect(planEntityQuery(db, 'volunteers', { mode: 'incremental' }).after).toEqual({ modstamp: '2025-05-31T23:55:00.000Z', id: '' });
  });
});
