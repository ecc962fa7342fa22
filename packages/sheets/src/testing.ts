/**
 * Test helpers for `@vms/flow-sheets`: a Sheets v4 `values.get` server (plus a service-account
 * token endpoint) on 127.0.0.1 that googleapis reaches unchanged through its `rootUrl` option.
 *
 * @example
 * ```ts
 * import { createSheetsClient, readSheet } from '@vms/flow-sheets';
 * import { startSheetsTestServer } from '@vms/flow-sheets/testing';
 *
 * const server = await startSheetsTestServer({
 *   sheets: { 'sheet-id': { Sheet1: [['Name', 'Date'], ['Ada', '10/15/2024']] } },
 *   apiKey: 'test-key',
 *   faults: [{ status: 429, times: 1 }],
 * });
 * const client = createSheetsClient({ auth: { apiKey: 'test-key' }, rootUrl: server.rootUrl });
 * const { rows } = await readSheet(client, { spreadsheetId: 'sheet-id', range: 'Sheet1', sleep: async () => {} });
 * await server.close();
 * ```
 */
export {
  startSheetsTestServer,
  type SheetsFault,
  type SheetsTestRequest,
  type SheetsTestServer,
  type SheetsTestServerOptions,
  type SheetsTestStats,
  type TestCell,
  type TestServiceAccount,
  type TestSpreadsheets,
} from './test-server.js';
