import { describe, expect, it } from 'vitest';
import { uuidv7 } from './ids.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidv7: time-ordered task run ids', () => {
  it('has the UUID version 7 layout with the millisecond time in its first 48 bits', () => {
    const ms = Date.UTC(2030, 0, 2, 3, 4, 5, 678);
    const id = uuidv7(ms);
    expect(id).toMatch(UUID_V7);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(ms);
  });

  it('10,000 ids made in one millisecond are distinct and sort in creation order', () => {
    const ms = Date.UTC(2031, 5, 6);
    const ids = Array.from({ length: 10_000 }, () => uuidv7(ms));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(UUID_V7);
  });

  it('stays ordered when the clock goes back', () => {
    const a = uuidv7(Date.UTC(2032, 0, 1));
    const b = uuidv7(Date.UTC(2032, 0, 1) - 60_000);
    expect(b > a).toBe(true);
  });
});
