import { mergeConfig } from 'vitest/config';
import { shared } from '../../vitest.shared';

// Packing and `npm install` of five tarballs takes a while on a cold npm cache.
export default mergeConfig(shared, { test: { testTimeout: 300_000 } });
