import { defineConfig } from 'tsup';
import { base } from '../../tsup.base';

export default defineConfig({ ...base, entry: ['src/cli.ts', 'src/index.ts'], format: ['esm'], dts: false });
