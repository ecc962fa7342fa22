import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { SheetsClient, ValueRange } from './client.js';
import { readSheet } from './read-sheet.js';
import { mapRows } from './rows.js';

/** An in-memory SheetsClient that answers one fixed `values.get` response (pure-logic tests only). */
function fixedResponse(response: ValueRange): SheetsClient {
  return { getValues: async () => structuredClone(response) };
}

const C19_RESPONSE = {
  range: 'Sheet1!A1:F2',
  majorDimension: 'ROWS' as const,
  values: [
    ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'],
    ['x1', '', '', 'x4'],
  ],
};

describe('row mapping', () => {
  it('C19: a row with trailing empty cells left out yields exactly 6 keys, middle and trailing empties alike', async () => {
    const { rows, errors } = await readSheet(fixedResponse(C19_RESPONSE), { spreadsheetId: 's', range: 'Sheet1!A1:F2' });
    expect(errors).toEqual([]);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.row).toBe(2);
    expect(rows[0]?.data).toStrictEqual({ h1: 'x1', h2: '', h3: '', h4: 'x4', h5: '', h6: '' });
    expect(Object.keys(rows[0]?.data ?? {})).toHaveLength(6);
  });

  it('C19: with emptyValue null, middle and trailing empty cells are both null', async () => {
    const { rows } = await readSheet(fixedResponse(C19_RESPONSE), { spreadsheetId: 's', range: 'Sheet1!A1:F2', emptyValue: null });
    expect(rows[0]?.data).toStrictEqual({ h1: 'x1', h2: null, h3: null, h4: 'x4', h5: null, h6: null });
  });

  it('C19: a row longer than the header is reported as an error, never cut', async () => {
    const response = { ...C19_RESPONSE, range: 'Sheet1!A1:G3', values: [...C19_RESPONSE.values, ['y1', '', '', '', '', 'y6', 'extra']] };
    const { rows, errors } = await readSheet(fixedResponse(response), { spreadsheetId: 's', range: 'Sheet1!A1:G3' });
    expect(rows.map((r) => r.row)).toEqual([2]);
    expect(errors).toEqual([
      { row: 3, column: 'G', cell: 'G3', reason: expect.stringContaining('longer than the header'), value: 'extra' },
    ]);
  });

  it('numbers rows from the range start and skips rows above the header and blank rows', () => {
    const result = mapRows(
      [[], ['title'], [], ['Name', 'Age'], ['Ada', 36], [], ['Bob']],
      { firstRow: 2, firstColumn: 1, headerRow: 5, emptyValue: '', schema: z.object({ Name: z.string(), Age: z.number() }) },
    );
    expect(result.header).toEqual(['Name', 'Age']);
    expect(result.rows).toEqual([{ row: 6, data: { Name: 'Ada', Age: 36 } }]);
    expect(result.emptyRows).toBe(1);
    expect(result.errors).toEqual([{ row: 8, column: 'Age', cell: 'C8', reason: expect.stringMatching(/number/) }]);
  });

  it('rejects a duplicated header, naming both columns, and a header row outside the range', () => {
    expect(() => mapRows([['a', 'b', 'a']], { firstRow: 1, firstColumn: 0, headerRow: 1, emptyValue: '', schema: undefined })).toThrow(
      /`a` appears twice on row 1 \(columns A and C\)/,
    );
    expect(() => mapRows([['a']], { firstRow: 3, firstColumn: 0, headerRow: 1, emptyValue: '', schema: undefined })).toThrow(
      /`headerRow` 1 to be inside the range, which starts at row 3/,
    );
    expect(() => mapRows([['a'], []], { firstRow: 1, firstColumn: 0, headerRow: 2, emptyValue: '', schema: undefined })).toThrow(/Header row 2 is empty/);
  });

  it('reports a value under a blank header cell', () => {
    const result = mapRows([['a', '', 'c'], ['1', '2', '3']], { firstRow: 1, firstColumn: 0, headerRow: 1, emptyValue: '', schema: undefined });
    expect(result.rows).toEqual([]);
    expect(result.errors[0]).toMatchObject({ row: 2, column: 'B', cell: 'B2', reason: expect.stringContaining('no header') });
  });

  it('validates options, echoing the bad value', async () => {
    const client = fixedResponse(C19_RESPONSE);
    await expect(readSheet(client, { spreadsheetId: 's', range: 'Sheet1!A1:F2', headerRow: 0 })).rejects.toThrow(
      'Expected `headerRow` to be an integer >= 1, got `0` (number)',
    );
    await expect(readSheet(client, { spreadsheetId: '', range: 'A1' })).rejects.toThrow('Expected `spreadsheetId` to be a non-empty string, got `` (string)');
    await expect(readSheet(client, { spreadsheetId: 's', range: 'Sheet1!A1:B2:C3' })).rejects.toThrow(/`range`.*`Sheet1!A1:B2:C3`/);
    await expect(readSheet(client, { spreadsheetId: 's', range: 'A1:F2', dateColumns: ['h1'] })).rejects.toThrow(/`timezone`/);
    await expect(readSheet(client, { spreadsheetId: 's', range: 'A1:F2', timezone: 'UTC', dateColumns: ['When'] })).rejects.toThrow(
      /`dateColumns`.*`When`/,
    );
  });
});
