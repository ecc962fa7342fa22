import type { Options } from 'tsup';

/**
 * Shared tsup settings: every public package builds ESM + CJS with types from `src/index.ts`
 * (plus any extra entry points it names). Package configs spread this and add `entry` only.
 */
export const base: Options = {
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
  splitting: false,
  treeshake: true,
};
