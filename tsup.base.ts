import type { Options } from 'tsup';

/**
 * Dependencies that publish ESM only. The CommonJS build bundles them, so `require('@vms/...')`
 * works on every Node the packages support (`engines.node` >= 22), not only on Node >= 22.12
 * where `require(esm)` exists. The ESM build keeps them external (deduplicated by the consumer's
 * package manager). They stay in `dependencies`: the ESM build imports them.
 * See packages/core/ARCHITECTURE.md, "Packaging".
 */
export const ESM_ONLY_DEPENDENCIES = ['p-queue', 'p-timeout'];

/**
 * Shared tsup settings: every public package builds ESM + CJS with types from `src/index.ts`
 * (plus any extra entry points it names). Code shared by several entry points goes into shared
 * chunks (`splitting`), so `@vms/flow-core` and `@vms/flow-core/testing` share one `FlowError`
 * class and `instanceof` holds across them.
 */
export const base: Options = {
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node22',
  platform: 'node',
  splitting: true,
  treeshake: true,
};

/**
 * The build of one public package: an ESM build, a CJS build (which bundles
 * {@link ESM_ONLY_DEPENDENCIES}), and one declaration build that writes `.d.ts` and `.d.cts`.
 * The three run side by side, so each cleans only the files it writes.
 *
 * @example
 * ```ts
 * // packages/<name>/tsup.config.ts
 * import { defineConfig } from 'tsup';
 * import { packageBuild } from '../../tsup.base';
 *
 * export default defineConfig(packageBuild(['src/index.ts', 'src/testing.ts']));
 * ```
 */
export function packageBuild(entry: string[] = ['src/index.ts']): Options[] {
  return [
    { ...base, entry, format: ['esm'], dts: false, clean: ['**/*.js', '**/*.js.map'] },
    {
      ...base,
      entry,
      format: ['cjs'],
      dts: false,
      clean: ['**/*.cjs', '**/*.cjs.map'],
      noExternal: ESM_ONLY_DEPENDENCIES,
    },
    { ...base, entry, format: ['esm', 'cjs'], dts: { only: true }, clean: ['**/*.d.ts', '**/*.d.cts'] },
  ];
}
