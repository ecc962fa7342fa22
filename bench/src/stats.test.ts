import { describe, expect, it } from 'vitest';
import { summarise } from './stats.js';

describe('summarise', () => {
  it('gives the median of an odd and an even count, and the extremes', () => {
    expect(summarise([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5 });
    expect(summarise([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4 });
  });

  it('rejects an empty list with a clear error', () => {
    expect(() => summarise([])).toThrow('Expected at least one value to summarise, got none');
  });
});
