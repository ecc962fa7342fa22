/**
 * `@vms/flow-core/testing`: what you need to test flows fast and deterministically.
 *
 * @example
 * ```ts
 * import { createEngine } from '@vms/flow-core';
 * import { ManualClock, MemoryStore, seededRandom } from '@vms/flow-core/testing';
 *
 * const clock = new ManualClock();
 * const engine = createEngine({ store: new MemoryStore(), clock, random: seededRandom(1) });
 * const handle = engine.start(myFlow, { year: 2026 });
 * await clock.advance(60_000); // a minute of retries and backoff, instantly
 * await handle.result();
 * ```
 */
export { MemoryStore } from './store/memory-store.js';
export type { MemoryStoreOptions } from './store/memory-store.js';
export { ManualClock } from './time/manual-clock.js';
export type { ManualClockOptions } from './time/manual-clock.js';
export { seededRandom } from './time/random.js';
export type { RandomSource } from './time/random.js';
export { describeStoreContract } from './store/store-contract.js';
export type { StoreContractOptions, StoreFixture } from './store/store-contract.js';
