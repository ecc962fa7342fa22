/**
 * Randomness as an injectable dependency (jitter): a function returning a float in `[0, 1)`.
 */

/** A source of uniformly distributed floats in `[0, 1)`, like `Math.random`. */
export type RandomSource = () => number;

/**
 * A deterministic random source (mulberry32) for reproducible jitter in tests.
 *
 * @example
 * ```ts
 * const random = seededRandom(42);
 * random(); // always the same sequence for seed 42
 * ```
 */
export function seededRandom(seed: number): RandomSource {
  if (!Number.isInteger(seed)) {
    throw new TypeError(`Expected \`seed\` to be an integer, got \`${String(seed)}\` (${typeof seed})`);
  }
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
