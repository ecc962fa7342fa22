/**
 * A generated Salesforce org on the Salesforce test server, and the environment that points a
 * runner at it: what every reliability test starts from.
 */
import { join } from 'node:path';
import { startSalesforceTestServer, type FaultOptions, type SalesforceTestServer } from '@vms/flow-salesforce/testing';
import { createDataset, SOBJECT_NAMES, type Dataset, type DatasetOptions } from '../../generator/dataset';
import { fieldDeclarations } from '../../generator/npsp';
import { ENTITIES } from '../../sync/entities';
import type { EntityName } from '../../sync/dag';

/** Options of {@link startOrg}. */
export interface OrgOptions extends DatasetOptions {
  /** Faults the server injects. @default none */
  faults?: FaultOptions;
  /** Records per REST query page. @default 2000 */
  pageSize?: number;
}

/** A running generated org. */
export interface Org {
  readonly data: Dataset;
  readonly server: SalesforceTestServer;
  close(): Promise<void>;
}

/** Starts a Salesforce test server holding a generated data set. */
export async function startOrg(options: OrgOptions = {}): Promise<Org> {
  const { faults, pageSize, ...datasetOptions } = options;
  const data = createDataset(datasetOptions);
  const records: Record<string, Iterable<Record<string, unknown>>> = {};
  for (const sobject of SOBJECT_NAMES) records[sobject] = data.sobjectRecords(sobject);
  const server = await startSalesforceTestServer({
    records,
    fields: fieldDeclarations(Object.values(ENTITIES)),
    ...(faults ? { faults } : {}),
    ...(pageSize ? { pageSize } : {}),
  });
  return { data, server, close: () => server.close() };
}

/** Environment settings of a runner using `dir` for its files and `server` as Salesforce. */
export function runnerEnv(server: SalesforceTestServer, dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    VMS_DATABASE_PATH: join(dir, 'vms.db'),
    VMS_RUNNER_STORE_PATH: join(dir, 'runner.db'),
    SF_AUTH: 'password',
    SF_LOGIN_URL: server.url,
    SF_USERNAME: server.credentials.username,
    SF_PASSWORD: server.credentials.password,
    SF_SECURITY_TOKEN: server.credentials.securityToken,
    LOG_LEVEL: 'info',
    ...extra,
  };
}

/** Ids of the records of `entity` the sync must write: those without an error-severity issue. */
export function goodIds(data: Dataset, entity: EntityName): Set<string> {
  const fatal = new Set([...data.expectedIssues(entity)].filter((i) => i.severity === 'error').map((i) => i.salesforceId));
  return new Set([...data.records(entity)].map((r) => r.Id).filter((id) => !fatal.has(id)));
}
