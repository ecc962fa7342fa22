import { describe, expect, it } from 'vitest';
import { columnIndex, columnLetter, parseA1Range, quoteSheetName } from './a1.js';

describe('A1 notation', () => {
  it('converts column letters both ways', () => {
    expect([0, 25, 26, 51, 701, 702].map(columnLetter)).toEqual(['A', 'Z', 'AA', 'AZ', 'ZZ', 'AAA']);
    expect(['A', 'z', 'AA', 'ZZ', 'AAA'].map(columnIndex)).toEqual([0, 25, 26, 701, 702]);
  });

  it('parses ranges with quoted sheet names, escaped quotes and open ends', () => {
    expect(parseA1Range('Sheet1!A1:F2')).toEqual({ sheet: 'Sheet1', startColumn: 0, startRow: 1, endColumn: 5, endRow: 2 });
    expect(parseA1Range("'Virtual Sessions'!A4:N")).toEqual({ sheet: 'Virtual Sessions', startColumn: 0, startRow: 4, endColumn: 13, endRow: undefined });
    expect(parseA1Range("'It''s 2024!'!B:C")).toEqual({ sheet: "It's 2024!", startColumn: 1, startRow: undefined, endColumn: 2, endRow: undefined });
    expect(parseA1Range('A1:C1')).toEqual({ sheet: undefined, startColumn: 0, startRow: 1, endColumn: 2, endRow: 1 });
    expect(parseA1Range('Sheet1')).toEqual({ sheet: 'Sheet1', startColumn: undefined, startRow: undefined, endColumn: undefined, endRow: undefined });
    expect(parseA1Range('Data!3:5')).toMatchObject({ sheet: 'Data', startRow: 3, endRow: 5, startColumn: undefined });
    expect(parseA1Range('Sheet1!D7')).toEqual({ sheet: 'Sheet1', startColumn: 3, startRow: 7, endColumn: 3, endRow: 7 });
  });

  it('rejects malformed ranges', () => {
    for (const bad of ["'unterminated!A1", 'Sheet1!A0:B2', 'Sheet1!A1:B2:C3', "''!A1", 'Sheet1!1A']) {
      expect(parseA1Range(bad), bad).toBeUndefined();
    }
  });

  it('quotes sheet names only when needed', () => {
    expect(quoteSheetName('Sheet1')).toBe('Sheet1');
    expect(quoteSheetName('Virtual Sessions')).toBe("'Virtual Sessions'");
    expect(quoteSheetName("It's")).toBe("'It''s'");
    expect(quoteSheetName('AB12')).toBe("'AB12'");
  });
});
