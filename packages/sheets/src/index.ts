/**
 * `@vms/flow-sheets`: read Google Sheets ranges into validated records, for `@vms/flow-core` tasks.
 *
 * googleapis does the HTTP (used unchanged, behind the narrow {@link SheetsClient} interface);
 * this package maps rows by a header row at any position, pads empty cells by one policy, keeps
 * sheet row numbers, parses serial and text dates in an IANA time zone, validates each row with
 * zod and retries quota 429s with backoff. `@vms/flow-sheets/testing` has a Sheets v4 test server.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { createSheetsClient, readSheet } from '@vms/flow-sheets';
 *
 * const client = createSheetsClient({ auth: { serviceAccount: JSON.parse(process.env.GOOGLE_SA_JSON!) } });
 * const Session = z.object({ 'Session Title': z.string().min(1), Date: z.date() });
 * const { rows, errors } = await readSheet(client, {
 *   spreadsheetId: '1AbC...',
 *   range: "'Virtual Sessions'!A1:N",
 *   headerRow: 4,
 *   timezone: 'America/Chicago',
 *   dateColumns: ['Date'],
 *   schema: Session,
 * });
 * for (const { row, data } of rows) console.log(row, data['Session Title'], data.Date.toISOString());
 * for (const e of errors) console.warn(`row ${e.row} ${e.column ?? ''}: ${e.reason}`);
 * ```
 *
 * @packageDocumentation
 */
export { columnIndex, columnLetter, parseA1Range, quoteSheetName, type A1Range } from './a1.js';
export {
  createSheetsClient,
  GOOGLE_TOKEN_URI,
  parseRetryAfter,
  SHEETS_READONLY_SCOPE,
  type DateTimeRenderOption,
  type GetValuesRequest,
  type ServiceAccountKey,
  type SheetsAuth,
  type SheetsClient,
  type SheetsClientOptions,
  type ValueRange,
  type ValueRenderOption,
} from './client.js';
export {
  parseSheetDate,
  parseSheetTime,
  serialToDate,
  serialToWallTime,
  sheetDate,
  type SheetDateOptions,
  type TimeOfDay,
} from './dates.js';
export { SheetsError, SheetsErrorCode, type SheetsErrorOptions } from './errors.js';
export {
  readSheet,
  type ReadSheetOptions,
  type ReadSheetResult,
  type SheetRowRecord,
  type SheetsRetryInfo,
} from './read-sheet.js';
export {
  DEFAULT_SHEETS_RETRY,
  nextRetryDelay,
  type SheetsRetryPolicy,
  type Sleep,
} from './retry.js';
export {
  mapRows,
  type CellValue,
  type EmptyValue,
  type MapRowsOptions,
  type SheetRecord,
  type SheetRowError,
  type SheetRows,
} from './rows.js';
export { instantToWallTime, wallTimeToInstant, type WallTime } from './time-zone.js';
