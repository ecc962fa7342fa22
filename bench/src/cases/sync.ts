/**
 * Full sync from the Salesforce test server (in its own process) into a fresh SQLite file.
 *
 * - `syncFloor` (hand-written, no engine, no jsforce): log in with one OAuth POST, then per
 *   entity in dependency order fetch every page of the same SOQL with `fetch` (the next page is
 *   requested while the current one is written), `JSON.parse`, and upsert each record with one
 *   prepared statement, one transaction per page. With `mapped: true` it also runs the VMS
 *   entity mappers and writers (`ENTITIES[e].map` / `.prepare`) into the real VMS schema: a
 *   second reference that shows what the domain mapping costs apart from the engine.
 * - `syncOurs`: vms-runner's `full-salesforce-sync` flow on the engine with SqliteStore: one task
 *   per entity over the dependency graph, each streaming pages with `queryStream` (jsforce) into
 *   `importEntity` (chunked transactions, savepoints, row errors, pending queue, watermarks) with
 *   a checkpoint per chunk.
 * - `syncPlain`: the app's plain-function form (`syncEntities`, wave by wave, no engine).
 *
 * All of them send the flow's SOQL (`buildEntitySoql`: the entity's query plus its filter's fields).
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createEngine } from '@vms/flow-core';
import { connectSalesforce, queryStream, type QueryStream, type SalesforceClient, type SalesforceConfigInput } from '@vms/flow-salesforce';
import { SqliteStore } from '@vms/flow-store-sqlite';
import { openVmsDatabase, type VmsDatabase } from 'vms-runner/src/db/database';
import type { FlowDeps } from 'vms-runner/src/flows/deps';
import { buildEntitySoql } from 'vms-runner/src/sync/soql';
import { createSyncFlows, type SyncSummary } from 'vms-runner/src/flows/salesforce-sync';
import { ENTITY_NAMES, type EntityName } from 'vms-runner/src/sync/dag';
import { ENTITIES } from 'vms-runner/src/sync/entities';
import type { SfRecord } from 'vms-runner/src/sync/entity';
import { syncEntities } from 'vms-runner/src/sync/run-sync';
import type { CaseOutput } from '../measurement.js';
import type { ServerInfo } from '../server-info.js';
import { withTempDir } from '../temp.js';

const API_VERSION = '62.0';

/** Per-entity figures of the measured syncs, summed. */
interface EntityTotals {
  /** Records read from Salesforce (the records/s numerator, as for the floor). */
  fetched: number;
  /** Records the importer counted as processed (should equal `fetched`). */
  processed: number;
  created: number;
  failed: number;
  pages: number;
}

const ZERO: EntityTotals = { fetched: 0, processed: 0, created: 0, failed: 0, pages: 0 };

function addTotals(a: EntityTotals, b: EntityTotals): EntityTotals {
  return { fetched: a.fetched + b.fetched, processed: a.processed + b.processed, created: a.created + b.created, failed: a.failed + b.failed, pages: a.pages + b.pages };
}

function connectionConfig(server: ServerInfo): SalesforceConfigInput {
  const c = server.credentials;
  return { auth: 'password', loginUrl: server.url, username: c.username, password: c.password, securityToken: c.securityToken };
}

/** Parameters of a sync case: where the server is. */
export interface SyncParams {
  readonly server: ServerInfo;
  /** Floor only: also run the VMS mappers and writers. @default false */
  readonly mapped?: boolean;
}

interface QueryResponse {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: SfRecord[];
}

async function login(server: ServerInfo): Promise<string> {
  const c = server.credentials;
  const body = new URLSearchParams({
    grant_type: 'password',
    client_id: c.clientId,
    client_secret: c.clientSecret,
    username: c.username,
    password: c.password + c.securityToken,
  });
  const res = await fetch(`${server.url}/services/oauth2/token`, { method: 'POST', body });
  if (!res.ok) throw new Error(`login failed: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function getPage(server: ServerInfo, token: string, path: string): Promise<QueryResponse> {
  const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as QueryResponse;
}

/** Yields every page of `soql`, requesting the next page before the current one is handed out. */
async function* pages(server: ServerInfo, token: string, soql: string): AsyncGenerator<SfRecord[]> {
  let next: Promise<QueryResponse> | undefined = getPage(server, token, `/services/data/v${API_VERSION}/query?q=${encodeURIComponent(soql)}`);
  while (next) {
    const page: QueryResponse = await next;
    next = page.done || !page.nextRecordsUrl ? undefined : getPage(server, token, page.nextRecordsUrl);
    yield page.records;
  }
}

type PageWriter = (records: readonly SfRecord[]) => void;

function rawWriter(db: Database.Database, entity: EntityName): PageWriter {
  db.exec(`CREATE TABLE IF NOT EXISTS "sf_${entity}" (salesforce_id TEXT PRIMARY KEY, modstamp TEXT, data TEXT NOT NULL)`);
  const upsert = db.prepare(
    `INSERT INTO "sf_${entity}" (salesforce_id, modstamp, data) VALUES (?, ?, ?)
     ON CONFLICT (salesforce_id) DO UPDATE SET modstamp = excluded.modstamp, data = excluded.data`,
  );
  return db.transaction((records: readonly SfRecord[]) => {
    for (const r of records) upsert.run(r.Id, (r.SystemModstamp as string | undefined) ?? null, JSON.stringify(r));
  });
}

function mappedWriter(db: VmsDatabase, entity: EntityName): PageWriter {
  const def = ENTITIES[entity];
  const write = def.prepare(db);
  return db.transaction((records: readonly SfRecord[]) => {
    for (const r of records) {
      const outcome = def.map(r);
      if (!outcome.ok) continue;
      try {
        write(outcome.value, r);
      } catch {
        // A bad row: the real importer rolls back a savepoint and records it; the floor drops it.
      }
    }
  });
}

/** Floor: hand-written fetch + JSON.parse + prepared upserts in a transaction per page. */
export async function syncFloor(params: SyncParams): Promise<CaseOutput> {
  return withTempDir(async (dir) => {
    const file = join(dir, 'vms.db');
    const db = params.mapped ? openVmsDatabase(file) : new Database(file);
    if (!params.mapped) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    const t0 = performance.now();
    const token = await login(params.server);
    let count = 0;
    let pageCount = 0;
    for (const entity of ENTITY_NAMES) {
      const write = params.mapped ? mappedWriter(db, entity) : rawWriter(db, entity);
      for await (const records of pages(params.server, token, buildEntitySoql(ENTITIES[entity], null))) {
        write(records);
        count += records.length;
        pageCount++;
      }
    }
    const ms = performance.now() - t0;
    db.close();
    return { count, ms, extra: { pages: pageCount } };
  });
}

/**
 * Ours: vms-runner's `full-salesforce-sync` flow (one task per entity over the dependency graph,
 * `queryStream` into `importEntity`, a checkpoint per chunk) on an engine with `SqliteStore` in
 * its own file, wired as `createRunner` wires it (concurrency 16).
 */
export async function syncOurs(params: SyncParams): Promise<CaseOutput> {
  return withTempDir(async (dir) => {
    const db = openVmsDatabase(join(dir, 'vms.db'));
    const store = new SqliteStore({ file: join(dir, 'runs.db') });
    const t0 = performance.now();
    let client: Promise<SalesforceClient> | undefined;
    const deps: FlowDeps = {
      db,
      salesforce: () => (client ??= connectSalesforce(connectionConfig(params.server))),
      sheets: () => {
        throw new Error('the sync bench uses no Google Sheets');
      },
      sheetFor: () => undefined,
      timeZone: 'America/Chicago',
      chunkSize: 2000,
      paths: { vmsDatabase: join(dir, 'vms.db'), store: join(dir, 'runs.db') },
      pingStore: async () => undefined,
    };
    const { full } = createSyncFlows(deps);
    const engine = createEngine({ store, concurrency: 16 });
    let summary: SyncSummary;
    try {
      summary = await engine.run(full);
    } finally {
      await engine.stop();
    }
    const ms = performance.now() - t0;
    await store.close();
    db.close();
    const fetched = Object.values(params.server.counts).reduce((a, b) => a + b, 0);
    const pages = Object.values(params.server.counts).reduce((a, n) => a + Math.max(1, Math.ceil(n / params.server.pageSize)), 0);
    const t = summary.totals;
    return { count: fetched, ms, extra: { fetched, processed: t.processed, created: t.created, failed: t.failed, pages } };
  });
}

/**
 * Ours without the engine: `syncEntities` (vms-runner's plain-function form of the flow, wave
 * by wave) over `queryStream`. Tells the engine's share of the sync's time from the app's.
 */
export async function syncPlain(params: SyncParams): Promise<CaseOutput> {
  return withTempDir(async (dir) => {
    const db = openVmsDatabase(join(dir, 'vms.db'));
    const t0 = performance.now();
    const client = await connectSalesforce(connectionConfig(params.server));
    const streams: QueryStream[] = [];
    const results = await syncEntities(
      db,
      (plan) => {
        const stream = queryStream(client, buildEntitySoql(ENTITIES[plan.entity], plan.after));
        streams.push(stream);
        return stream;
      },
      { mode: 'full' },
    );
    const ms = performance.now() - t0;
    db.close();
    let totals = ZERO;
    for (const r of Object.values(results)) totals = addTotals(totals, { fetched: 0, processed: r.processed, created: r.created, failed: r.failed, pages: 0 });
    for (const s of streams) totals = addTotals(totals, { fetched: s.fetched, processed: 0, created: 0, failed: 0, pages: s.pages });
    return { count: totals.fetched, ms, extra: { ...totals } };
  });
}
