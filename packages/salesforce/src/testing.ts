/**
 * `@vms/flow-salesforce/testing`: a Salesforce test server for loopback tests. jsforce (and so
 * this plugin) runs against it unchanged: OAuth and SOAP login, REST query paging, a SOQL subset,
 * describe, limits, Bulk API 2.0 query jobs, the `Sforce-Limit-Info` header and fault injection.
 *
 * @example
 * ```ts
 * import { startSalesforceTestServer, testConnectionConfig } from '@vms/flow-salesforce/testing';
 * import { connectSalesforce, queryStream } from '@vms/flow-salesforce';
 *
 * const server = await startSalesforceTestServer({ records: { Contact: [{ LastName: 'Ng' }] } });
 * const client = await connectSalesforce(testConnectionConfig(server));
 * for await (const chunk of queryStream(client, 'SELECT Id, LastName FROM Contact')) console.log(chunk);
 * await server.close();
 * ```
 */
export {
  startSalesforceTestServer,
  type SalesforceTestServer,
  type SalesforceTestServerOptions,
  type SalesforceTestServerStats,
  type RequestLogEntry,
} from './testing/server.js';
export { testConnectionConfig } from './testing/connection-config.js';
export { DEFAULT_TEST_CREDENTIALS, type TestCredentials } from './testing/auth.js';
export type { FaultAction, FaultContext, FaultOptions } from './testing/faults.js';
export { loadCumulusDataset, type CumulusDataset } from './testing/cumulus-dataset.js';
export type { FieldType, InputRecord, StoredRecord } from './testing/record-store.js';
export { makeSalesforceId } from './ids.js';
