/**
 * A1 notation: `Sheet1!A1:F2`, `'Virtual Sessions'!A4:N`, `'It''s'!B:B`, `A1:C1`, `Sheet1`.
 * Columns are 0-based indexes here (A = 0), rows are 1-based sheet rows as people see them.
 */

/** One parsed A1 range. A missing bound means "to the edge of the sheet". */
export interface A1Range {
  /** Sheet (tab) name, unquoted; `undefined` means the first sheet. */
  sheet: string | undefined;
  /** First column (0-based), or `undefined` for column A. */
  startColumn: number | undefined;
  /** First row (1-based), or `undefined` for row 1. */
  startRow: number | undefined;
  /** Last column (0-based, inclusive), or `undefined` for the last column with data. */
  endColumn: number | undefined;
  /** Last row (1-based, inclusive), or `undefined` for the last row with data. */
  endRow: number | undefined;
}

/** `0 → 'A'`, `25 → 'Z'`, `26 → 'AA'`. */
export function columnLetter(index: number): string {
  let n = index + 1;
  let letters = '';
  while (n > 0) {
    const rem = (n - 1) % 26;
    letters = String.fromCharCode(65 + rem) + letters;
    n = Math.floor((n - 1) / 26);
  }
  return letters;
}

/** `'A' → 0`, `'AA' → 26`. */
export function columnIndex(letters: string): number {
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

const CELL_RE = /^([A-Za-z]{1,3})?(\d+)?$/;

function parseCell(ref: string): { column: number | undefined; row: number | undefined } | undefined {
  const match = CELL_RE.exec(ref);
  if (match === null || ref === '') return undefined;
  const [, letters, digits] = match;
  const row = digits === undefined ? undefined : Number(digits);
  if (row === 0) return undefined;
  return { column: letters === undefined ? undefined : columnIndex(letters), row };
}

/** Splits `'It''s'!A1:B2` into the sheet name (unquoted) and the cell part; `undefined` if malformed. */
function splitSheet(range: string): { sheet: string | undefined; cells: string } | undefined {
  if (range.startsWith("'")) {
    let i = 1;
    let name = '';
    for (;;) {
      const quote = range.indexOf("'", i);
      if (quote < 0) return undefined;
      name += range.slice(i, quote);
      if (range[quote + 1] === "'") {
        name += "'";
        i = quote + 2;
        continue;
      }
      const rest = range.slice(quote + 1);
      if (rest === '') return { sheet: name, cells: '' };
      if (!rest.startsWith('!')) return undefined;
      return { sheet: name, cells: rest.slice(1) };
    }
  }
  const bang = range.lastIndexOf('!');
  if (bang >= 0) return { sheet: range.slice(0, bang), cells: range.slice(bang + 1) };
  // No `!`: either a bare range on the first sheet (`A1:B2`) or a bare sheet name (`Sheet1`).
  const parts = range.split(':');
  const looksLikeCells = parts.length <= 2 && parts.every((part) => parseCell(part) !== undefined);
  return looksLikeCells ? { sheet: undefined, cells: range } : { sheet: range, cells: '' };
}

/** Parses an A1 range; `undefined` when it is not valid A1 notation. */
export function parseA1Range(range: string): A1Range | undefined {
  const split = splitSheet(range.trim());
  if (split === undefined) return undefined;
  const { sheet, cells } = split;
  if (sheet === '') return undefined;
  if (cells === '') {
    return { sheet, startColumn: undefined, startRow: undefined, endColumn: undefined, endRow: undefined };
  }
  const [from, to, extra] = cells.split(':');
  if (extra !== undefined || from === undefined) return undefined;
  const start = parseCell(from);
  if (start === undefined) return undefined;
  if (to === undefined) {
    if (start.column === undefined || start.row === undefined) return undefined;
    return { sheet, startColumn: start.column, startRow: start.row, endColumn: start.column, endRow: start.row };
  }
  const end = parseCell(to);
  if (end === undefined) return undefined;
  // `A:C` (whole columns), `2:5` (whole rows), `A4:N` (open-ended), `A1:F2`.
  if ((start.column === undefined) !== (end.column === undefined) && end.row !== undefined && start.row !== undefined) {
    return undefined;
  }
  return { sheet, startColumn: start.column, startRow: start.row, endColumn: end.column, endRow: end.row };
}

/** Quotes a sheet name for A1 notation when it needs it: `Virtual Sessions` → `'Virtual Sessions'`. */
export function quoteSheetName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && parseCell(name) === undefined
    ? name
    : `'${name.replaceAll("'", "''")}'`;
}
