/**
 * Issue 9 item 4: the bad-input corpus. Every file under `corpus/` holds one bad input and the
 * clear error it must produce: `{ kind, description, input, expect }`. Kinds:
 *
 * - `flow-params`: `engine.start(flow, params)` rejects before anything runs, naming the param;
 * - `http-body`: a request to the real HTTP API (real server, real tokens) gets `status` and a
 *   body naming the problem, never a stack trace;
 * - `sheet-rows`: rows under the real sheet header; `parseVirtualSessionSheet` reports exactly the
 *   listed issues (row, code, severity, message) and the rows still import;
 * - `salesforce-record`: one record through the real importer into a fresh VMS database: written
 *   or not, the row error (code, field, message), values read back intact, an earlier good copy
 *   kept when a bad one arrives;
 * - `config`: `loadConfig(env)` fails with one error listing each bad setting (secrets not echoed).
 *
 * `{ "$repeat": "x", "times": n }` anywhere in an input stands for `"x".repeat(n)` (huge strings).
 */
import { request } from 'node:http';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeSalesforceId } from '@vms/flow-salesforce/testing';
import { tempDir, type TempDir } from '@vms/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../config/errors';
import { loadConfig } from '../config/config';
import { openVmsDatabase } from '../db/database';
import { upsertVirtualSessions } from '../flows/virtual-session-upsert';
import { virtualSessionSheet } from '../generator/sheet';
import { createHttpServer, type HttpServer } from '../http/server';
import type { Runner } from '../runner';
import { parseVirtualSessionSheet } from '../sheets/virtual-sessions';
import type { EntityName } from '../sync/dag';
import { ENTITIES } from '../sync/entities';
import { importEntity } from '../sync/importer';
import { storedIds } from './harness/expectations';
import { runnerFrom } from './harness/runner';

const CORPUS = fileURLToPath(new URL('./corpus/', import.meta.url));

interface Entry {
  file: string;
  kind: string;
  description: string;
  input: Record<string, unknown>;
  expect: Record<string, unknown>;
}

function expand(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(expand);
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.$repeat === 'string' && typeof o.times === 'number') return o.$repeat.repeat(o.times);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, expand(v)]));
  }
  return value;
}

function load(dir: string): Entry[] {
  const out: Entry[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...load(path));
    else if (name.endsWith('.json')) {
      const raw = JSON.parse(readFileSync(path, 'utf8')) as Omit<Entry, 'file'>;
      out.push({ ...raw, input: expand(raw.input) as Record<string, unknown>, file: path.slice(CORPUS.length) });
    }
  }
  return out;
}

const entries = load(CORPUS);
const byKind = (kind: string): [string, Entry][] => entries.filter((e) => e.kind === kind).map((e) => [`${e.file}: ${e.description}`, e]);
const includesAll = (text: string, parts: unknown): void => {
  for (const p of (parts as string[] | undefined) ?? []) expect(text).toContain(p);
};

/** One request on its own connection (a server may close it after a 413 without reading the body). */
function send(url: string, method: string, headers: Record<string, string>, body: string | Buffer | undefined): Promise<{ status: number; text: string; contentType: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), contentType: String(res.headers['content-type'] ?? '') }));
      res.on('error', reject);
    });
    // The server may answer (413) and close before the whole body is sent.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    req.end(body);
  });
}

const ADMIN = 'corpus-admin-token-0123456789';
const READ = 'corpus-read-token-0123456789ab';
let dir: TempDir;
let runner: Runner;
let http: HttpServer;

beforeAll(async () => {
  dir = await tempDir('vms-corpus-');
  runner = await runnerFrom({ VMS_DATABASE_PATH: join(dir.path, 'vms.db'), VMS_RUNNER_STORE_PATH: join(dir.path, 'runner.db') });
  http = await createHttpServer({ store: runner.store, control: runner.control, tokens: { admin: [ADMIN], readOnly: [READ] }, port: 0 });
});
afterAll(async () => {
  await http?.close();
  await runner?.close();
  await dir?.cleanup();
});

describe('bad-input corpus', () => {
  it('holds every kind of bad input the issue names', () => {
    const kinds = new Set(entries.map((e) => e.kind));
    expect([...kinds].sort()).toEqual(['config', 'flow-params', 'http-body', 'salesforce-record', 'sheet-rows']);
    expect(entries.length).toBeGreaterThanOrEqual(40);
    for (const e of entries) expect(e.description, e.file).toBeTruthy();
  });

  it.each(byKind('flow-params'))('flow params %s', async (_name, e) => {
    const { flow, params } = e.input as { flow: keyof Runner['flows']; params: unknown };
    const before = (await runner.store.listRuns({ limit: 200 })).items.length;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const error = await runner.engine.start(runner.flows[flow] as any, params as any).then(
      () => undefined,
      (err: unknown) => err as Error & { code?: string },
    );
    expect(error, 'must be rejected').toBeInstanceOf(Error);
    expect(error?.code).toBe('INVALID_PARAMS');
    includesAll(error?.message ?? '', e.expect.messageIncludes);
    expect(error?.message.length ?? 0, 'the message stays readable (no echo of a huge value)').toBeLessThan(2000);
    // Rejected before anything ran: no run stored.
    expect((await runner.store.listRuns({ limit: 200 })).items.length).toBe(before);
  });

  it.each(byKind('http-body'))('HTTP %s', async (_name, e) => {
    const input = e.input as { method: string; path: string; token: 'admin' | 'read' | 'none'; json?: unknown; raw?: string; base64?: string; contentType?: string };
    const headers: Record<string, string> = {};
    if (input.token !== 'none') headers.authorization = `Bearer ${input.token === 'admin' ? ADMIN : READ}`;
    let body: string | Buffer | undefined;
    if (input.json !== undefined) body = JSON.stringify(input.json);
    else if (input.raw !== undefined) body = input.raw;
    else if (input.base64 !== undefined) body = Buffer.from(input.base64, 'base64');
    if (body !== undefined) headers['content-type'] = input.contentType ?? 'application/json';
    const res = await send(`${http.url}${input.path}`, input.method, headers, body);
    expect(res.status, res.text.slice(0, 500)).toBe(e.expect.status);
    includesAll(res.text, e.expect.messageIncludes);
    expect(res.text).not.toMatch(/\n\s+at |node_modules|SqliteError/);
    if (res.contentType.includes('json')) expect(() => JSON.parse(res.text)).not.toThrow();
  });

  it.each(byKind('sheet-rows'))('sheet rows %s', (_name, e) => {
    const { academicYear, rows } = e.input as { academicYear: string; rows: unknown[][] };
    const header = virtualSessionSheet({ academicYear, rows: 1 }).values.slice(0, 4);
    const parsed = parseVirtualSessionSheet([...header, ...rows], { academicYear, timeZone: 'America/Chicago' });
    const want = e.expect.issues as { row: number; code: string; severity: string; messageIncludes: string[] }[];
    expect(parsed.issues.map((i) => [i.rowNumber, i.code, i.severity])).toEqual(want.map((i) => [i.row, i.code, i.severity]));
    want.forEach((w, k) => includesAll(parsed.issues[k]?.message ?? '', w.messageIncludes));
    expect(parsed.rows.length).toBe(e.expect.rowsParsed);
    // The parsed rows import into a real VMS database without throwing, and read back intact.
    const db = openVmsDatabase(join(dir.path, `sheet-${e.file.replace(/\W/g, '_')}.db`));
    try {
      upsertVirtualSessions(db, parsed.rows, parsed.issues);
      for (const r of parsed.rows) {
        expect(db.prepare("SELECT count(*) FROM event WHERE title = ? AND format = 'virtual'").pluck().get(r.title), 'row stored').toBe(1);
      }
    } finally {
      db.close();
    }
  });

  it.each(byKind('salesforce-record'))('Salesforce record %s', async (_name, e) => {
    const { entity, record, previous } = e.input as { entity: EntityName; record: Record<string, unknown>; previous?: Record<string, unknown> };
    const def = ENTITIES[entity];
    const id = makeSalesforceId(def.sobject, 7);
    const make = (fields: Record<string, unknown>, stamp: string): Record<string, unknown> => ({
      attributes: { type: def.sobject },
      Id: id,
      SystemModstamp: stamp,
      LastModifiedDate: stamp,
      ...fields,
    });
    const db = openVmsDatabase(join(dir.path, `sf-${e.file.replace(/\W/g, '_')}.db`));
    try {
      if (previous) {
        const first = await importEntity(db, entity, [make(previous, '2025-01-01T00:00:00.000+0000')], { mode: 'full', runId: 'previous' });
        expect(first.created, 'the earlier copy is written').toBe(1);
      }
      const snapshot = previous ? JSON.stringify(db.prepare('SELECT * FROM contact WHERE salesforce_individual_id = ?').get(id)) : null;
      await importEntity(db, entity, [make(record, '2025-02-01T00:00:00.000+0000')], { mode: 'full', runId: 'bad' });
      const errors = db.prepare("SELECT code, field, message, severity FROM row_errors WHERE run_id = 'bad' AND salesforce_id = ?").all(id) as {
        code: string;
        field: string | null;
        message: string;
        severity: string;
      }[];
      const written = storedIds(db, entity).has(id);
      const x = e.expect as { written: boolean; code?: string; field?: string; messageIncludes?: string[]; roundTrip?: { column: string; value?: string }; keepsPrevious?: boolean };
      if (x.keepsPrevious) {
        expect(JSON.stringify(db.prepare('SELECT * FROM contact WHERE salesforce_individual_id = ?').get(id)), 'the stored row is unchanged').toBe(snapshot);
      } else {
        expect(written, 'written').toBe(x.written);
      }
      if (x.code) {
        const match = errors.find((r) => r.code === x.code);
        expect(match, `row error ${x.code} in ${JSON.stringify(errors)}`).toBeDefined();
        expect(match?.severity).toBe(x.written ? 'warning' : 'error');
        if (x.field) expect(match?.field).toBe(x.field);
        includesAll(match?.message ?? '', x.messageIncludes);
        expect(match?.message.length ?? 0, 'the message stays readable').toBeLessThan(2000);
      } else {
        expect(errors).toEqual([]);
      }
      if (x.roundTrip) {
        const column = x.roundTrip.column;
        const stored = db.prepare(`SELECT ${column} FROM contact WHERE salesforce_individual_id = ?`).pluck().get(id);
        const field = column === 'first_name' ? 'FirstName' : 'LastName';
        expect(stored).toBe(x.roundTrip.value ?? record[field]);
      }
    } finally {
      db.close();
    }
  });

  it.each(byKind('config'))('config %s', (_name, e) => {
    const { env } = e.input as { env: Record<string, string> };
    let error: unknown;
    try {
      loadConfig(env, { envFile: false });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const ce = error as ConfigError;
    const settings = new Set(ce.problems.map((p) => p.setting));
    for (const s of e.expect.settings as string[]) expect([...settings]).toContain(s);
    includesAll(ce.message, e.expect.messageIncludes);
    for (const secret of (e.expect.messageExcludes as string[] | undefined) ?? []) expect(ce.message).not.toContain(secret);
  });
});
