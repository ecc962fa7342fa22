/**
 * Turns a `values.get` grid into records keyed by the header row (pure; no I/O).
 *
 * Empty-cell policy (case C19): the API leaves out trailing empty cells of a row, and sends `""`
 * for empty cells in the middle. Both become the same `emptyValue` (default `""`), so every record
 * has exactly one key per header column. A non-empty cell beyond the last header column (or under
 * a blank header cell) is a row error, never silently dropped. Rows with no value at all are
 * skipped (the API leaves out trailing empty rows too, so blank lines carry no data either way).
 */
import type { ZodType } from 'zod';
import { columnLetter } from './a1.js';
import { SheetsError, SheetsErrorCode } from './errors.js';

/** A cell as `values.get` returns it: text when formatted, numbers/booleans when unformatted. */
export type CellValue = string | number | boolean;

/** What an empty cell becomes in a record: `""` or `null`. */
export type EmptyValue = '' | null;

/** One row that passed: its 1-based sheet row number and its record. */
export interface SheetRecord<T> {
  /** The row number people see in the sheet (1-based, counting every row above the header). */
  row: number;
  data: T;
}

/** One problem with one row. */
export interface SheetRowError {
  /** The row number people see in the sheet (1-based). */
  row: number;
  /** Header name of the column at fault, or its letter when it has no header; undefined for the whole row. */
  column: string | undefined;
  /** A1 reference of the cell at fault (`D5`), when there is one. */
  cell: string | undefined;
  /** Why the row was rejected, in words. */
  reason: string;
  /** The raw cell value at fault, when there is one. */
  value?: CellValue;
}

/** Outcome of mapping a grid. */
export interface SheetRows<T> {
  /** The header names, in column order (blank header cells left out). */
  header: string[];
  /** Rows that passed, in sheet order. */
  rows: SheetRecord<T>[];
  /** Problems, in sheet order; a row with errors is not in `rows`. */
  errors: SheetRowError[];
  /** Rows below the header with no value in any cell (skipped). */
  emptyRows: number;
}

/** Where the grid sits in the sheet and how to read it. */
export interface MapRowsOptions<T> {
  /** Sheet row number of `values[0]` (1-based). Required. */
  firstRow: number;
  /** Column index of `values[n][0]` (0-based, A = 0). Required. */
  firstColumn: number;
  /** Sheet row number of the header (1-based). Required. */
  headerRow: number;
  /** What an empty cell becomes (`''` or `null`). Required. */
  emptyValue: EmptyValue;
  /** Validates (and may transform) each record; `undefined` keeps records as read. Required. */
  schema: ZodType<T> | undefined;
  /**
   * Converts one non-empty cell before validation (e.g. a date column to `Date`); a throw becomes
   * a row error for that cell, with the error's message as the reason.
   * @default none (cells are kept as read)
   */
  convert?: (column: string, value: CellValue) => unknown;
}

function isEmpty(cell: CellValue | null | undefined): boolean {
  return cell === undefined || cell === null || cell === '';
}

/** Maps a grid of cells to records by its header row (see the module doc for the policy). */
export function mapRows<T = Record<string, CellValue | EmptyValue>>(
  values: ReadonlyArray<ReadonlyArray<CellValue | null>>,
  options: MapRowsOptions<T>,
): SheetRows<T> {
  const { firstRow, firstColumn, headerRow, emptyValue, schema, convert } = options;
  const letter = (index: number): string => columnLetter(firstColumn + index);
  const headerIndex = headerRow - firstRow;
  if (headerIndex < 0) {
    throw new SheetsError(
      SheetsErrorCode.Header,
      `Expected \`headerRow\` ${headerRow} to be inside the range, which starts at row ${firstRow}`,
      { category: 'validation' },
    );
  }
  const headerCells = values[headerIndex] ?? [];
  if (headerCells.every((cell) => isEmpty(cell))) {
    throw new SheetsError(
      SheetsErrorCode.Header,
      `Header row ${headerRow} is empty (the range returned ${values.length} row(s) starting at row ${firstRow})`,
      { category: 'validation' },
    );
  }
  const names: (string | undefined)[] = headerCells.map((cell) => (isEmpty(cell) ? undefined : String(cell).trim() || undefined));
  const seen = new Map<string, number>();
  names.forEach((name, index) => {
    if (name === undefined) return;
    const first = seen.get(name);
    if (first !== undefined) {
      throw new SheetsError(
        SheetsErrorCode.Header,
        `Header \`${name}\` appears twice on row ${headerRow} (columns ${letter(first)} and ${letter(index)})`,
        { category: 'validation' },
      );
    }
    seen.set(name, index);
  });

  const result: SheetRows<T> = { header: names.filter((n): n is string => n !== undefined), rows: [], errors: [], emptyRows: 0 };
  for (let i = headerIndex + 1; i < values.length; i++) {
    const cells = values[i] ?? [];
    const row = firstRow + i;
    if (cells.every((cell) => isEmpty(cell))) {
      result.emptyRows++;
      continue;
    }
    const before = result.errors.length;
    const record: Record<string, unknown> = {};
    const width = Math.max(cells.length, names.length);
    for (let j = 0; j < width; j++) {
      const cell = cells[j];
      const name = names[j];
      if (name === undefined) {
        if (!isEmpty(cell)) {
          const beyond = j >= names.length;
          result.errors.push({
            row,
            column: letter(j),
            cell: `${letter(j)}${row}`,
            reason: beyond
              ? `value beyond the last header column (${letter(names.length - 1)}); the row is longer than the header`
              : `value in column ${letter(j)}, which has no header`,
            value: cell as CellValue,
          });
        }
        continue;
      }
      if (isEmpty(cell)) {
        record[name] = emptyValue;
        continue;
      }
      if (convert === undefined) {
        record[name] = cell;
        continue;
      }
      try {
        record[name] = convert(name, cell as CellValue);
      } catch (error) {
        result.errors.push({
          row,
          column: name,
          cell: `${letter(j)}${row}`,
          reason: error instanceof Error ? error.message : String(error),
          value: cell as CellValue,
        });
      }
    }
    if (result.errors.length > before) continue;
    if (schema === undefined) {
      result.rows.push({ row, data: record as T });
      continue;
    }
    const parsed = schema.safeParse(record);
    if (parsed.success) {
      result.rows.push({ row, data: parsed.data });
      continue;
    }
    for (const issue of parsed.error.issues) {
      const key = issue.path[0];
      const column = typeof key === 'string' ? key : undefined;
      const index = column === undefined ? undefined : seen.get(column);
      const error: SheetRowError = {
        row,
        column,
        cell: index === undefined ? undefined : `${letter(index)}${row}`,
        reason: issue.message,
      };
      const value = index === undefined ? undefined : cells[index];
      if (!isEmpty(value)) error.value = value as CellValue;
      result.errors.push(error);
    }
  }
  return result;
}
