/**
 * Bulk API 2.0 query: creates a query job, polls it until `JobComplete`, then streams its CSV
 * results page by page (following `Sforce-Locator`), one page in memory at a time. For objects
 * too large for REST paging (hundreds of thousands of records).
 */
import type { SalesforceClient, SalesforceRecord } from './client.js';
import { SalesforceError, SalesforceErrorCode, checkOptionalInteger } from './errors.js';

/** Options of {@link bulkQuery}. */
export interface BulkQueryOptions {
  /** Records per results page asked of Salesforce (`maxRecords`). @default 50000 */
  readonly pageSize?: number;
  /** Time between job status polls, in ms. @default 1000 */
  readonly pollIntervalMs?: number;
  /** Give up (and delete the job) when it is not complete after this long, in ms. @default 600000 */
  readonly timeoutMs?: number;
  /** Include deleted and archived records (`queryAll`). @default false */
  readonly includeDeleted?: boolean;
  /** Delete the job on the server once its results are read (or on failure). @default true */
  readonly deleteJob?: boolean;
  /** Stops the stream between pages when aborted. @default none */
  readonly signal?: AbortSignal;
  /** Waits `ms` (inject a fake in tests). @default setTimeout-based */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Clock for `timeoutMs`, in epoch ms. @default Date.now */
  readonly now?: () => number;
}

/** An async iterable of record chunks (one per results page) of a Bulk API 2.0 query. */
export interface BulkQueryStream extends AsyncIterable<SalesforceRecord[]> {
  /** The job's Id, once created. */
  readonly jobId: string | undefined;
  /** Records the job reported processing, once complete. */
  readonly totalSize: number | undefined;
  /** Records yielded so far. */
  readonly fetched: number;
}

/**
 * Turns a CSV row into a record shaped like REST results: empty cells are null and
 * `Account.Name` becomes `{ Account: { Name } }`. Values stay strings, as CSV has no types.
 */
export function bulkRowToRecord(row: Readonly<Record<string, string>>): SalesforceRecord {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(row)) {
    const value = raw === '' ? null : raw;
    if (!key.includes('.')) {
      out[key] = value;
      continue;
    }
    const parts = key.split('.');
    let node = out;
    for (let i = 0; i < parts.length - 1; i++) {
      const p = parts[i]!;
      const next = node[p];
      if (next === null || typeof next !== 'object') node[p] = {};
      node = node[p] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]!] = value;
  }
  // A relationship whose fields are all empty is a missing parent: null, as in REST results.
  for (const [key, v] of Object.entries(out)) {
    if (v && typeof v === 'object' && Object.values(v).every((x) => x === null)) out[key] = null;
  }
  return out;
}

/**
 * Runs `soql` as a Bulk API 2.0 query job and streams its records.
 *
 * @example
 * ```ts
 * for await (const chunk of bulkQuery(client, 'SELECT Id, Name FROM npe5__Affiliation__c')) await save(chunk);
 * ```
 */
export function bulkQuery(client: SalesforceClient, soql: string, options: BulkQueryOptions = {}): BulkQueryStream {
  checkOptionalInteger('pageSize', options.pageSize, 1);
  checkOptionalInteger('pollIntervalMs', options.pollIntervalMs, 0);
  checkOptionalInteger('timeoutMs', options.timeoutMs, 1);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const state = { jobId: undefined as string | undefined, totalSize: undefined as number | undefined, fetched: 0 };
  let started = false;

  async function* run(): AsyncGenerator<SalesforceRecord[]> {
    options.signal?.throwIfAborted();
    const created = await client.createBulkQueryJob(soql, { includeDeleted: options.includeDeleted });
    const jobId = created.id;
    state.jobId = jobId;
    let finished = false;
    try {
      const deadline = now() + (options.timeoutMs ?? 600_000);
      let job = created;
      while (job.state !== 'JobComplete') {
        if (job.state === 'Failed' || job.state === 'Aborted') {
          throw new SalesforceError(
            SalesforceErrorCode.BulkJobFailed,
            'unknown',
            `Bulk API 2.0 query job ${jobId} ended ${job.state}${job.errorMessage ? `: ${job.errorMessage}` : ''}`,
          );
        }
        if (now() >= deadline) {
          throw new SalesforceError(SalesforceErrorCode.BulkJobFailed, 'timeout', `Bulk API 2.0 query job ${jobId} was still ${job.state} after ${options.timeoutMs ?? 600_000} ms`);
        }
        await sleep(options.pollIntervalMs ?? 1000);
        options.signal?.throwIfAborted();
        job = await client.getBulkQueryJob(jobId);
      }
      state.totalSize = job.numberRecordsProcessed;
      let locator: string | undefined;
      for (;;) {
        const page = await client.getBulkQueryResults(jobId, { locator, maxRecords: options.pageSize ?? 50_000 });
        if (page.records.length > 0) {
          const chunk = page.records.map(bulkRowToRecord);
          state.fetched += chunk.length;
          yield chunk;
        }
        if (page.locator === null) break;
        options.signal?.throwIfAborted();
        locator = page.locator;
      }
      if (state.totalSize !== undefined && state.fetched !== state.totalSize) {
        throw new SalesforceError(
          SalesforceErrorCode.Incomplete,
          'network',
          `Bulk API 2.0 job ${jobId} processed ${state.totalSize} records but ${state.fetched} arrived; the result is incomplete`,
        );
      }
      finished = true;
    } finally {
      if (options.deleteJob ?? true) {
        await client.deleteBulkQueryJob(jobId).catch((err: unknown) => {
          if (finished) throw err;
        });
      }
    }
  }

  return {
    get jobId() {
      return state.jobId;
    },
    get totalSize() {
      return state.totalSize;
    },
    get fetched() {
      return state.fetched;
    },
    [Symbol.asyncIterator]() {
      if (started) throw new TypeError('A bulkQuery stream can be iterated only once; call bulkQuery() again');
      started = true;
      return run();
    },
  };
}
