import { describe, expect, it } from 'vitest';
import { criticalPath, pagesFor } from './suite.js';

describe('criticalPath', () => {
  it('counts an empty query as one page and rounds partial pages up', () => {
    expect(pagesFor(0, 200)).toBe(1);
    expect(pagesFor(200, 200)).toBe(1);
    expect(pagesFor(201, 200)).toBe(2);
  });

  it('follows the slowest chain of dependencies, not the sum of all pages', () => {
    // Every entity one page, except students (10 pages) and affiliations (5 pages):
    // districts → schools → classes → students → affiliations is 1 + 1 + 1 + 10 + 5 pages.
    const counts: Record<string, number> = { students: 2000, affiliations: 1000 };
    const cp = criticalPath(counts, 200, 50);
    expect(cp.path).toEqual(['districts', 'schools', 'classes', 'students', 'affiliations']);
    expect(cp.criticalMs).toBe((1 + 1 + 1 + 10 + 5) * 50);
    // 15 entities: 13 of one page, plus 10 and 5.
    expect(cp.sequentialMs).toBe((13 + 10 + 5) * 50);
  });
});
