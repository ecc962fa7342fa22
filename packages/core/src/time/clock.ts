/**
 * Time as an injectable dependency: the engine reads the time and sets every timer through a
 * {@link Clock}, so `ManualClock` (in `@vms/flow-core/testing`) drives retries, backoff, timeouts
 * and leases in tests without real waiting.
 */
import { CancelledError } from '../errors.js';

/** An opaque timer handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/** Time source and timers. */
export interface Clock {
  /** Current time, epoch ms. */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer; a handle that already fired or was cleared is ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock: `Date.now()` and Node timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Waits `ms` on `clock`; rejects at once with the signal's reason (a {@link CancelledError} when
 * it has none) when `signal` aborts, and leaves no timer behind either way (SPEC §2.3, case C08).
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      reject(abortReason(signal as AbortSignal));
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The reason an aborted signal carries, or a {@link CancelledError} when it has none usable. */
export function abortReason(signal: AbortSignal): unknown {
  const reason: unknown = signal.reason;
  return reason === undefined ? new CancelledError('Aborted') : reason;
}
