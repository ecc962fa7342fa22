/**
 * Streams a SOQL query's records in chunks, following every `nextRecordsUrl`, with at most one
 * page (plus the chunk being built) in memory. A result shorter than the `totalSize` Salesforce
 * announced is an error, never a silent success; a configured cap below `totalSize` either
 * throws or marks the stream truncated (case C16).
 */
import type { QueryPage, SalesforceClient, SalesforceRecord } from './client.js';
import { SalesforceError, SalesforceErrorCode, checkOptionalInteger } from './errors.js';

/** Options of {@link queryStream}. */
export interface QueryStreamOptions {
  /** Records per yielded chunk (independent of the server's page size). @default 2000 */
  readonly chunkSize?: number;
  /** Page size asked of Salesforce (200..2000). @default Salesforce's default (2000) */
  readonly batchSize?: number;
  /** Stop after this many records. Above it, see `onTruncated`. @default no cap */
  readonly maxRecords?: number;
  /** What a cap below `totalSize` does: `'throw'` (before any record) or `'mark'` (yield up to the cap and set `truncated`). @default 'throw' */
  readonly onTruncated?: 'throw' | 'mark';
  /** Include deleted and archived records (`queryAll`). @default false */
  readonly includeDeleted?: boolean;
  /** Fetch the next page while the current chunk is processed. @default true */
  readonly prefetch?: boolean;
  /** Stops the stream between chunks when aborted. @default none */
  readonly signal?: AbortSignal;
}

/** An async iterable of record chunks, with progress readable while it runs. */
export interface QueryStream<R extends SalesforceRecord = SalesforceRecord> extends AsyncIterable<R[]> {
  /** Records Salesforce reported for the query, once the first page arrived. */
  readonly totalSize: number | undefined;
  /** Records yielded so far. */
  readonly fetched: number;
  /** Pages fetched so far. */
  readonly pages: number;
  /** Whether the stream stopped at `maxRecords` below `totalSize` (`onTruncated: 'mark'`). */
  readonly truncated: boolean;
}

const COUNT_ONLY = /^\s*select\s+count\s*\(\s*\)\s+from\s/i;

/**
 * Streams the records of `soql` in chunks of `chunkSize`.
 *
 * @example
 * ```ts
 * const stream = queryStream(client, 'SELECT Id, Name FROM Account', { chunkSize: 500 });
 * for await (const chunk of stream) await upsert(chunk);
 * console.log(stream.fetched, 'of', stream.totalSize);
 * ```
 */
export function queryStream<R extends SalesforceRecord = SalesforceRecord>(
  client: SalesforceClient,
  soql: string,
  options: QueryStreamOptions = {},
): QueryStream<R> {
  const chunkSize = options.chunkSize ?? 2000;
  checkOptionalInteger('chunkSize', chunkSize, 1);
  checkOptionalInteger('maxRecords', options.maxRecords, 1);
  if (options.onTruncated !== undefined && options.onTruncated !== 'throw' && options.onTruncated !== 'mark') {
    throw new TypeError(`Expected \`onTruncated\` to be 'throw' or 'mark', got \`${String(options.onTruncated)}\``);
  }
  if (typeof soql !== 'string' || soql.trim() === '') throw new TypeError(`Expected \`soql\` to be a non-empty string, got \`${String(soql)}\``);
  const requestOptions = { batchSize: options.batchSize, includeDeleted: options.includeDeleted };
  const prefetch = options.prefetch ?? true;
  const state = { totalSize: undefined as number | undefined, fetched: 0, pages: 0, truncated: false };
  let started = false;

  async function* run(): AsyncGenerator<R[]> {
    const signal = options.signal;
    signal?.throwIfAborted();
    let page: QueryPage = await client.query(soql, requestOptions);
    state.pages = 1;
    const totalSize = page.totalSize;
    state.totalSize = totalSize;
    const cap = options.maxRecords ?? Number.POSITIVE_INFINITY;
    if (totalSize > cap) {
      if ((options.onTruncated ?? 'throw') === 'throw') {
        throw new SalesforceError(
          SalesforceErrorCode.Truncated,
          'validation',
          `Query matches ${totalSize} records, more than maxRecords (${cap}); raise maxRecords or pass onTruncated: 'mark' to accept a partial result`,
        );
      }
      state.truncated = true;
    }
    let received = 0;
    let chunk: R[] = [];
    for (;;) {
      const wantMore = !page.done && page.nextRecordsUrl !== undefined && received + page.records.length < cap;
      const next = wantMore && prefetch ? client.queryMore(page.nextRecordsUrl!, requestOptions) : undefined;
      next?.catch(() => undefined); // observed below; never an unhandled rejection if the consumer stops early
      for (const rec of page.records) {
        if (state.fetched + chunk.length >= cap) break;
        chunk.push(rec as R);
        if (chunk.length === chunkSize) {
          const out = chunk;
          chunk = [];
          state.fetched += out.length;
          yield out;
          signal?.throwIfAborted();
        }
      }
      received += page.records.length;
      if (page.done || state.fetched + chunk.length >= cap) break;
      if (!page.nextRecordsUrl) {
        throw new SalesforceError(
          SalesforceErrorCode.Incomplete,
          'unknown',
          `Salesforce returned a page with done=false but no nextRecordsUrl after ${received} of ${totalSize} records`,
        );
      }
      signal?.throwIfAborted();
      page = await (next ?? client.queryMore(page.nextRecordsUrl, requestOptions));
      state.pages++;
    }
    if (chunk.length > 0) {
      state.fetched += chunk.length;
      yield chunk;
    }
    const expected = Math.min(totalSize, cap);
    const countOnly = received === 0 && COUNT_ONLY.test(soql);
    if (!countOnly && state.fetched !== expected) {
      throw new SalesforceError(
        SalesforceErrorCode.Incomplete,
        'network',
        `Salesforce announced ${totalSize} records but ${state.fetched} arrived over ${state.pages} pages; the result is incomplete`,
      );
    }
  }

  return {
    get totalSize() {
      return state.totalSize;
    },
    get fetched() {
      return state.fetched;
    },
    get pages() {
      return state.pages;
    },
    get truncated() {
      return state.truncated;
    },
    [Symbol.asyncIterator]() {
      if (started) throw new TypeError('A queryStream can be iterated only once; call queryStream() again to re-run the query');
      started = true;
      return run();
    },
  };
}

/** All records of `soql` in one array (same completeness checks as {@link queryStream}); for small results. */
export async function queryAll<R extends SalesforceRecord = SalesforceRecord>(
  client: SalesforceClient,
  soql: string,
  options: QueryStreamOptions = {},
): Promise<R[]> {
  const out: R[] = [];
  for await (const chunk of queryStream<R>(client, soql, options)) out.push(...chunk);
  return out;
}
