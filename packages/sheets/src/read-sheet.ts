/**
 * `readSheet`: one `values.get` (retried on quota and server errors), header mapping, date columns
 * and row validation.
 */
import { sleep as sleepOnClock, type Clock } from '@vms/flow-core';
import type { ZodType } from 'zod';
import { parseA1Range } from './a1.js';
import type { DateTimeRenderOption, SheetsClient } from './client.js';
import { parseSheetDate, type SheetDateOptions } from './dates.js';
import { SheetsError, SheetsErrorCode, invalidOption } from './errors.js';
import { isRetryable, nextRetryDelay, realSleep, resolveRetryPolicy, type SheetsRetryPolicy, type Sleep } from './retry.js';
import { mapRows, type CellValue, type EmptyValue, type SheetRows } from './rows.js';
import { assertTimeZone } from './time-zone.js';

/** Information passed to `onRetry`. */
export interface SheetsRetryInfo {
  /** The attempt that failed (1-based). */
  attempt: number;
  /** The wait before the next attempt, in ms. */
  delayMs: number;
  /** Why it failed. */
  error: SheetsError;
}

/** Options of {@link readSheet}. */
export interface ReadSheetOptions<T> {
  /** The spreadsheet id (the long token in its URL). Required. */
  spreadsheetId: string;
  /** A1 range including the header row, e.g. `'Virtual Sessions'!A1:N`. Required. */
  range: string;
  /**
   * Sheet row number of the header (1-based, as shown in the sheet). Rows above it are ignored.
   * @default 1
   */
  headerRow?: number;
  /**
   * `FORMATTED_VALUE` gives every cell as the text shown; `UNFORMATTED_VALUE` gives numbers,
   * booleans and (with the default `dateTimeRenderOption`) dates as serial numbers.
   * @default 'FORMATTED_VALUE'
   */
  valueRenderOption?: 'FORMATTED_VALUE' | 'UNFORMATTED_VALUE';
  /**
   * How dates come back with `UNFORMATTED_VALUE`.
   * @default 'SERIAL_NUMBER'
   */
  dateTimeRenderOption?: DateTimeRenderOption;
  /**
   * IANA time zone that date cells are read in (a sheet's dates carry no zone). Needed with `dateColumns`.
   * @default undefined
   */
  timezone?: string;
  /**
   * Header names of columns whose non-empty cells become `Date`s (serial or text, see
   * `parseSheetDate`) before the schema runs; a cell that is not a date is a row error.
   * @default []
   */
  dateColumns?: readonly string[];
  /**
   * Year for text dates written without one (`10/15`); see `SheetDateOptions.defaultYear`.
   * @default undefined
   */
  defaultYear?: SheetDateOptions['defaultYear'];
  /**
   * What an empty cell becomes (the same for middle and trailing cells).
   * @default ''
   */
  emptyValue?: EmptyValue;
  /** zod schema each record is validated (and transformed) with. @default none (records are `SheetRowRecord`s, as read) */
  schema?: ZodType<T>;
  /**
   * Retry policy for 429, 5xx and network failures (merged over `DEFAULT_SHEETS_RETRY`); waits in ms.
   * @default { retries: 5, baseMs: 1000, factor: 2, maxMs: 32000, maxRetryAfterMs: 60000 }
   */
  retry?: Partial<SheetsRetryPolicy>;
  /**
   * Waits between attempts; inject one in tests so nothing waits for real. Takes precedence over `clock`.
   * @default real timers
   */
  sleep?: Sleep;
  /**
   * Clock the waits run on when no `sleep` is given, e.g. the engine's (`ManualClock` in tests).
   * @default real timers
   */
  clock?: Clock;
  /**
   * Random source in `[0, 1)` for backoff jitter.
   * @default Math.random
   */
  random?: () => number;
  /** Called before each retry wait. @default none */
  onRetry?: (info: SheetsRetryInfo) => void;
  /** Aborts the read, including a retry wait. @default none */
  signal?: AbortSignal;
}

/** Outcome of {@link readSheet}. */
export interface ReadSheetResult<T> extends SheetRows<T> {
  /** The range Google says it read (`'Virtual Sessions'!A1:N120`). */
  range: string;
  /** HTTP attempts made (1 when nothing was retried). */
  attempts: number;
}

/** The record type of a read without a schema. */
export type SheetRowRecord = Record<string, CellValue | EmptyValue | Date>;

function validate<T>(options: ReadSheetOptions<T>): void {
  if (options === null || typeof options !== 'object') invalidOption('options', 'an object', options);
  if (typeof options.spreadsheetId !== 'string' || options.spreadsheetId.trim() === '') {
    invalidOption('spreadsheetId', 'a non-empty string', options.spreadsheetId);
  }
  if (typeof options.range !== 'string' || parseA1Range(options.range) === undefined) {
    invalidOption('range', "an A1 range such as `'Virtual Sessions'!A1:N`", options.range);
  }
  const headerRow = options.headerRow ?? 1;
  if (!Number.isInteger(headerRow) || headerRow < 1) invalidOption('headerRow', 'an integer >= 1', headerRow);
  const render = options.valueRenderOption ?? 'FORMATTED_VALUE';
  if (render !== 'FORMATTED_VALUE' && render !== 'UNFORMATTED_VALUE') {
    invalidOption('valueRenderOption', "'FORMATTED_VALUE' or 'UNFORMATTED_VALUE'", render);
  }
  const dt = options.dateTimeRenderOption ?? 'SERIAL_NUMBER';
  if (dt !== 'SERIAL_NUMBER' && dt !== 'FORMATTED_STRING') {
    invalidOption('dateTimeRenderOption', "'SERIAL_NUMBER' or 'FORMATTED_STRING'", dt);
  }
  if (options.emptyValue !== undefined && options.emptyValue !== '' && options.emptyValue !== null) {
    invalidOption('emptyValue', "'' or null", options.emptyValue);
  }
  if (options.dateColumns !== undefined) {
    if (!Array.isArray(options.dateColumns) || options.dateColumns.some((c) => typeof c !== 'string')) {
      invalidOption('dateColumns', 'an array of header names', options.dateColumns);
    }
    if (options.dateColumns.length > 0) assertTimeZone(options.timezone, 'timezone');
  } else if (options.timezone !== undefined) {
    assertTimeZone(options.timezone, 'timezone');
  }
}

/** Calls `values.get`, retrying per policy. Returns the response and the number of attempts. */
async function getWithRetry<T>(client: SheetsClient, options: ReadSheetOptions<T>) {
  const policy = resolveRetryPolicy(options.retry);
  const clock = options.clock;
  const sleep: Sleep = options.sleep ?? (clock === undefined ? realSleep : (ms, signal) => sleepOnClock(clock, ms, signal));
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await client.getValues({
        spreadsheetId: options.spreadsheetId,
        range: options.range,
        majorDimension: 'ROWS',
        valueRenderOption: options.valueRenderOption ?? 'FORMATTED_VALUE',
        dateTimeRenderOption: options.dateTimeRenderOption ?? 'SERIAL_NUMBER',
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      return { response, attempts: attempt };
    } catch (caught) {
      const error =
        caught instanceof SheetsError
          ? caught
          : new SheetsError(SheetsErrorCode.Network, `Google Sheets request failed: ${String(caught)}`, { category: 'unknown' });
      const delayMs = isRetryable(error) && options.signal?.aborted !== true
        ? nextRetryDelay(policy, attempt, random, error.retryAfterMs)
        : undefined;
      if (delayMs === undefined) {
        const why =
          isRetryable(error) && error.retryAfterMs !== undefined && error.retryAfterMs > policy.maxRetryAfterMs
            ? ` (Retry-After of ${error.retryAfterMs} ms exceeds maxRetryAfterMs ${policy.maxRetryAfterMs})`
            : '';
        throw new SheetsError(error.code as SheetsErrorCode, `${error.message} after ${attempt} attempt(s)${why}`, {
          category: error.category ?? 'unknown',
          attempts: attempt,
          ...(error.status === undefined ? {} : { status: error.status }),
          ...(error.googleStatus === undefined ? {} : { googleStatus: error.googleStatus }),
          ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
        });
      }
      options.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs, options.signal);
    }
  }
}

/**
 * Reads a range and returns its rows as records keyed by the header row, each with its sheet row
 * number; rows that fail (longer than the header, a bad date, a zod issue) go to `errors` with
 * row, column and reason, and never stop the read. See `mapRows` for the empty-cell policy.
 *
 * @throws SheetsError for bad options, an unusable header, or a request that failed after retries.
 * @example
 * const { rows, errors } = await readSheet(client, {
 *   spreadsheetId, range: "'Virtual Sessions'!A1:N", headerRow: 4,
 *   timezone: 'America/Chicago', dateColumns: ['Date'], schema: SessionRow,
 * });
 */
export async function readSheet<T = SheetRowRecord>(
  client: SheetsClient,
  options: ReadSheetOptions<T>,
): Promise<ReadSheetResult<T>> {
  validate(options);
  const { response, attempts } = await getWithRetry(client, options);
  const parsed = parseA1Range(response.range);
  const dateColumns = new Set(options.dateColumns ?? []);
  const dateOptions: SheetDateOptions = {
    timezone: options.timezone ?? 'UTC',
    ...(options.defaultYear === undefined ? {} : { defaultYear: options.defaultYear }),
  };
  const mapped = mapRows<T>(response.values, {
    firstRow: parsed?.startRow ?? 1,
    firstColumn: parsed?.startColumn ?? 0,
    headerRow: options.headerRow ?? 1,
    emptyValue: options.emptyValue === undefined ? '' : options.emptyValue,
    schema: options.schema,
    ...(dateColumns.size === 0
      ? {}
      : {
          convert: (column: string, value: CellValue): unknown =>
            dateColumns.has(column) && typeof value !== 'boolean' ? parseSheetDate(value, dateOptions) : value,
        }),
  });
  for (const name of dateColumns) {
    if (!mapped.header.includes(name)) {
      invalidOption('dateColumns', `header names of the sheet (${mapped.header.join(', ')})`, name);
    }
  }
  const result: ReadSheetResult<T> = { ...mapped, range: response.range, attempts };
  return result;
}
