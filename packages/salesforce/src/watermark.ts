/**
 * Incremental sync cursor on `(SystemModstamp | LastModifiedDate, Id)`. Timestamps are not unique
 * (a bulk update stamps many records alike), so the cursor is the pair of the last delivered
 * record's timestamp and Id, and the next query asks for records strictly after that pair:
 * `(F > :ts OR (F = :ts AND Id > :id)) ORDER BY F, Id`. Every record is delivered once, even when
 * a run stops between records sharing a timestamp, and a run with no changes delivers nothing
 * (case C17).
 */
import type { SalesforceClient, SalesforceRecord } from './client.js';
import { SalesforceError, SalesforceErrorCode, invalidArgument } from './errors.js';
import { queryStream, type QueryStreamOptions } from './query-stream.js';
import { soqlDateTime, soqlId, soqlIdentifier } from './soql.js';

/** The timestamp field a watermark follows. */
export type WatermarkField = 'SystemModstamp' | 'LastModifiedDate';

/** A saved position: the last delivered record's timestamp (ISO UTC) and Id. JSON-safe. */
export interface Watermark {
  readonly field: WatermarkField;
  /** ISO 8601 UTC, e.g. `2023-05-28T21:10:08.000Z`. */
  readonly timestamp: string;
  /** 18-character Id. */
  readonly id: string;
}

/** Options of {@link watermarkCursor}. */
export interface WatermarkCursorOptions {
  /** Field to follow. @default 'SystemModstamp' */
  readonly field?: WatermarkField;
  /** Start after this position; `null`/absent reads from the beginning. @default null (from the beginning) */
  readonly after?: Watermark | null;
}

/** A query to build with {@link WatermarkCursor.buildQuery}. */
export interface WatermarkQuerySpec {
  /** Object API name, e.g. `Contact`. Required. */
  readonly object: string;
  /** Fields to select; `Id` and the watermark field are added when missing. Required. */
  readonly fields: readonly string[];
  /** An extra condition (build it with `soql`), ANDed with the cursor's. @default none */
  readonly where?: string;
  /** `LIMIT` of this run (records per run). @default no limit */
  readonly limit?: number;
}

/** A cursor over `(field, Id)`; see the module doc. */
export interface WatermarkCursor {
  readonly field: WatermarkField;
  /** Current position (`null` before the first record). */
  readonly value: Watermark | null;
  /** The keyset condition after the current position, or `undefined` at the start. */
  where(): string | undefined;
  /** `ORDER BY` list: `SystemModstamp ASC, Id ASC`. */
  orderBy(): string;
  /** The full SOQL for the next run. */
  buildQuery(spec: WatermarkQuerySpec): string;
  /** Moves past `records` (delivered in query order); returns the new position. */
  advance(records: readonly SalesforceRecord[]): Watermark | null;
}

function parseWatermark(w: Watermark | null | undefined, field: WatermarkField): Watermark | null {
  if (w === null || w === undefined) return null;
  if (typeof w !== 'object') throw invalidArgument('after', 'a watermark object or null', w);
  if (w.field !== field) throw new TypeError(`Expected \`after.field\` to be \`${field}\`, got \`${String(w.field)}\``);
  soqlDateTime(w.timestamp);
  soqlId(w.id);
  return w;
}

/**
 * Creates a `(timestamp, Id)` keyset cursor.
 *
 * @example
 * ```ts
 * const cursor = watermarkCursor({ after: saved });
 * const q = cursor.buildQuery({ object: 'Contact', fields: ['Id', 'LastName'], limit: 2000 });
 * ```
 */
export function watermarkCursor(options: WatermarkCursorOptions = {}): WatermarkCursor {
  const field = options.field ?? 'SystemModstamp';
  if (field !== 'SystemModstamp' && field !== 'LastModifiedDate') {
    throw new TypeError(`Expected \`field\` to be 'SystemModstamp' or 'LastModifiedDate', got \`${String(field)}\``);
  }
  let value = parseWatermark(options.after, field);

  const where = (): string | undefined => {
    if (!value) return undefined;
    const ts = soqlDateTime(value.timestamp);
    return `(${field} > ${ts} OR (${field} = ${ts} AND Id > ${soqlId(value.id)}))`;
  };
  const orderBy = (): string => `${field} ASC, Id ASC`;

  return {
    field,
    get value() {
      return value;
    },
    where,
    orderBy,
    buildQuery(spec) {
      soqlIdentifier(spec.object);
      if (spec.limit !== undefined && !(Number.isInteger(spec.limit) && spec.limit >= 1)) {
        throw invalidArgument('limit', 'an integer >= 1', spec.limit);
      }
      const fields = spec.fields.map(soqlIdentifier);
      const lower = new Set(fields.map((f) => f.toLowerCase()));
      if (!lower.has('id')) fields.unshift('Id');
      if (!lower.has(field.toLowerCase())) fields.push(field);
      const conditions = [spec.where ? `(${spec.where})` : undefined, where()].filter((c) => c !== undefined);
      return [
        `SELECT ${fields.join(', ')} FROM ${spec.object}`,
        conditions.length ? `WHERE ${conditions.join(' AND ')}` : undefined,
        `ORDER BY ${orderBy()}`,
        spec.limit !== undefined ? `LIMIT ${spec.limit}` : undefined,
      ]
        .filter((x) => x !== undefined)
        .join(' ');
    },
    advance(records) {
      for (const rec of records) {
        const raw = rec[field];
        const id = rec.Id;
        if ((typeof raw !== 'string' && !(raw instanceof Date)) || typeof id !== 'string') {
          throw new SalesforceError(
            SalesforceErrorCode.InvalidValue,
            'validation',
            `Cannot advance the watermark: a record lacks ${field} or Id (select both fields)`,
          );
        }
        const timestamp = new Date(Date.parse(soqlDateTime(raw))).toISOString();
        if (value && timestamp < value.timestamp) {
          throw new SalesforceError(
            SalesforceErrorCode.InvalidValue,
            'validation',
            `Records are not in ${field} order (${timestamp} after ${value.timestamp}); the query must ORDER BY ${orderBy()}`,
          );
        }
        value = { field, timestamp, id: id.length === 15 ? soqlId(id).slice(1, -1) : id };
      }
      return value;
    },
  };
}

/** One chunk of an incremental query and the position after it (save it when the chunk is stored). */
export interface WatermarkChunk {
  readonly records: SalesforceRecord[];
  readonly watermark: Watermark | null;
}

/** Options of {@link incrementalQuery}. */
export interface IncrementalQueryOptions extends WatermarkQuerySpec, Omit<QueryStreamOptions, 'maxRecords' | 'onTruncated'>, WatermarkCursorOptions {}

/**
 * Streams the records changed after `after`, in `(field, Id)` order, each chunk with the
 * watermark to save once the chunk is stored.
 *
 * @example
 * ```ts
 * for await (const { records, watermark } of incrementalQuery(client, { object: 'Contact', fields: ['LastName'], after: saved })) {
 *   await store(records);
 *   await saveWatermark(watermark);
 * }
 * ```
 */
export async function* incrementalQuery(client: SalesforceClient, options: IncrementalQueryOptions): AsyncGenerator<WatermarkChunk> {
  const cursor = watermarkCursor(options);
  const soqlText = cursor.buildQuery(options);
  const stream = queryStream(client, soqlText, options);
  for await (const records of stream) {
    yield { records, watermark: cursor.advance(records) };
  }
}
