/**
 * `@vms/flow-salesforce`: read Salesforce from `@vms/flow-core` flows through jsforce — login by
 * password, refresh token, JWT or client credentials; SOQL streamed page by page with bounded
 * memory and no silently short results; Bulk API 2.0 for very large objects; a `(timestamp, Id)`
 * watermark for incremental syncs; SOQL literal helpers; API-usage tracking. Its test server is
 * at `@vms/flow-salesforce/testing`.
 *
 * @example
 * ```ts
 * import { connectSalesforce, incrementalQuery, soql } from '@vms/flow-salesforce';
 *
 * const client = await connectSalesforce({ auth: 'password', username, password, securityToken });
 * for await (const { records, watermark } of incrementalQuery(client, {
 *   object: 'Contact',
 *   fields: ['FirstName', 'LastName', 'AccountId'],
 *   where: soql`Contact_Type__c = ${'Volunteer'}`,
 *   after: savedWatermark,
 * })) {
 *   await upsert(records);
 *   savedWatermark = watermark;
 * }
 * ```
 */
export { connectSalesforce, type ConnectOptions, type JsforceSalesforceClient } from './jsforce-client.js';
export type {
  BulkQueryJobInfo,
  BulkResultsPage,
  DescribeField,
  DescribeResult,
  QueryPage,
  QueryRequestOptions,
  SalesforceClient,
  SalesforceClientStats,
  SalesforceRecord,
} from './client.js';
export {
  ClientCredentialsAuthConfig,
  JwtAuthConfig,
  PasswordAuthConfig,
  RefreshTokenAuthConfig,
  SalesforceConfig,
  parseSalesforceConfig,
  type SalesforceConfigInput,
} from './config.js';
export {
  SalesforceError,
  SalesforceErrorCode,
  toSalesforceError,
  type SalesforceErrorCategory,
  type SalesforceErrorOptions,
} from './errors.js';
export { queryAll, queryStream, type QueryStream, type QueryStreamOptions } from './query-stream.js';
export { bulkQuery, bulkRowToRecord, type BulkQueryOptions, type BulkQueryStream } from './bulk-query.js';
export {
  incrementalQuery,
  watermarkCursor,
  type IncrementalQueryOptions,
  type Watermark,
  type WatermarkChunk,
  type WatermarkCursor,
  type WatermarkCursorOptions,
  type WatermarkField,
  type WatermarkQuerySpec,
} from './watermark.js';
export { soql, soqlDate, soqlDateTime, soqlId, soqlIdentifier, soqlLike, soqlLiteral, soqlString, SoqlFragment } from './soql.js';
export { isSalesforceId, normalizeSalesforceId } from './ids.js';
export { parseLimitInfo, SalesforceMetricName, type ApiUsage, type ApiUsageOptions } from './api-usage.js';
export { salesforceTasks, type SalesforceHealth, type SalesforceTasksOptions } from './tasks.js';
export { DEFAULT_RETRY_POLICY, nextRetryDelay, retryPolicy, type RetryEvent, type RetryPolicy } from './retry.js';
