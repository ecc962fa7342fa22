/**
 * The narrow client interface the plugin's logic works against. `connectSalesforce` returns a
 * jsforce-backed one; tests of pure logic can pass any object with these methods.
 */
import type { ApiUsage } from './api-usage.js';

/** A record as Salesforce returns it: fields plus `attributes`; relationship fields are nested records. */
export type SalesforceRecord = { readonly attributes?: { readonly type: string; readonly url?: string }; readonly Id?: string } & Record<string, unknown>;

/** One page of a REST query. */
export interface QueryPage {
  readonly totalSize: number;
  readonly done: boolean;
  readonly nextRecordsUrl?: string | undefined;
  readonly records: readonly SalesforceRecord[];
}

/** Options of one query request. */
export interface QueryRequestOptions {
  /** Records per page requested with `Sforce-Query-Options: batchSize=N` (200..2000; the server may use fewer). @default server default (2000) */
  readonly batchSize?: number | undefined;
  /** Include deleted and archived records (`queryAll`). @default false */
  readonly includeDeleted?: boolean | undefined;
}

/** State of a Bulk API 2.0 query job. */
export interface BulkQueryJobInfo {
  readonly id: string;
  readonly state: 'UploadComplete' | 'InProgress' | 'Aborted' | 'JobComplete' | 'Failed';
  readonly object?: string;
  readonly numberRecordsProcessed?: number;
  readonly errorMessage?: string;
}

/** One page of a Bulk API 2.0 query job's CSV results, parsed. `locator` is null on the last page. */
export interface BulkResultsPage {
  readonly records: ReadonlyArray<Readonly<Record<string, string>>>;
  readonly locator: string | null;
}

/** A field of an object, as `describe` reports it (the parts this plugin uses). */
export interface DescribeField {
  readonly name: string;
  readonly type: string;
  readonly referenceTo?: readonly string[];
  readonly relationshipName?: string | null;
}

/** An object's description (the parts this plugin uses). */
export interface DescribeResult {
  readonly name: string;
  readonly keyPrefix?: string | null;
  readonly fields: readonly DescribeField[];
}

/** Counters of a client, for diagnostics and tests. */
export interface SalesforceClientStats {
  /** Requests sent (retries included, logins excluded). */
  readonly requests: number;
  /** Retries after retryable failures. */
  readonly retries: number;
  /** Re-authentications after `INVALID_SESSION_ID`. */
  readonly reauthentications: number;
}

/** What the plugin needs from Salesforce. */
export interface SalesforceClient {
  /** Runs a SOQL query; returns its first page. */
  query(soql: string, options?: QueryRequestOptions): Promise<QueryPage>;
  /** Fetches the page at a previous page's `nextRecordsUrl`. */
  queryMore(nextRecordsUrl: string, options?: QueryRequestOptions): Promise<QueryPage>;
  /** Creates a Bulk API 2.0 query job. */
  createBulkQueryJob(soql: string, options?: { includeDeleted?: boolean }): Promise<BulkQueryJobInfo>;
  /** Reads a Bulk API 2.0 query job's state. */
  getBulkQueryJob(jobId: string): Promise<BulkQueryJobInfo>;
  /** Reads one page of a finished job's results. */
  getBulkQueryResults(jobId: string, options?: { locator?: string | undefined; maxRecords?: number | undefined }): Promise<BulkResultsPage>;
  /** Deletes a job (and its results) on the server. */
  deleteBulkQueryJob(jobId: string): Promise<void>;
  /** Describes an object. */
  describe(objectName: string): Promise<DescribeResult>;
  /** The org's limits (`/limits`). */
  limits(): Promise<Readonly<Record<string, { readonly Max: number; readonly Remaining: number }>>>;
  /** The latest API usage reading, from the `Sforce-Limit-Info` header. */
  readonly apiUsage: ApiUsage | undefined;
  /** Counters since connect. */
  readonly stats: SalesforceClientStats;
}
