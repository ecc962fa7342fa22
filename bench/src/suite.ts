/**
 * The suite: which cases run, with which parameters, how often, and which ratios are compared
 * to the SPEC §7 targets. Runs of a group are interleaved (floor, ours, floor, ours, ...) so a
 * noisy neighbour hurts both sides alike.
 */
import { ENTITY_DEPENDENCIES, ENTITY_NAMES, type EntityName } from 'vms-runner/src/sync/dag';
import { runCaseInChild, startServerProcess } from './child-process.js';
import type { Measurement } from './measurement.js';
import type { CaseFunctionName } from './registry.js';
import type { ServerInfo, ServerParams } from './server-info.js';
import { summarise, type Summary } from './stats.js';

/** Options of {@link runSuite}. */
export interface SuiteOptions {
  /** Small N and one repetition, for CI: proves every case runs, says nothing about speed. @default false */
  quick?: boolean;
  /** Sync scales (generator scales: numbers or `'prod'`). @default [1, 10, 'prod'] (quick: [0.05]) */
  scales?: (number | 'prod')[];
  /** Groups to run. @default all */
  only?: readonly GroupName[];
  /** Repetitions per case, overriding the defaults. */
  reps?: number;
  /** Directory for `--cpu-prof` profiles of the engine's ("ours") cases. @default none */
  cpuProfDir?: string;
  /** Progress lines. @default none */
  log?: (line: string) => void;
}

export type GroupName = 'engine' | 'sync' | 'critical-path';
export const GROUP_NAMES: readonly GroupName[] = ['engine', 'sync', 'critical-path'];

/** What a case is, in the report. */
export type Role = 'floor' | 'ours' | 'reference';

/** The measured runs of one case. */
export interface CaseResult {
  readonly id: string;
  readonly group: GroupName;
  readonly label: string;
  readonly role: Role;
  /** Unit of `rate`: `tasks/s`, `steps/s` or `records/s`. */
  readonly unit: string;
  readonly runs: readonly Measurement[];
  /** Units per second, over the runs. */
  readonly rate?: Summary;
  readonly ms?: Summary;
  readonly peakRssMb?: Summary;
  /** Median of each extra figure. */
  readonly extra: Readonly<Record<string, number>>;
  /** Why the case produced no figure. */
  readonly error?: string;
}

/** One target of SPEC §7: a ratio against its limit. */
export interface Comparison {
  readonly label: string;
  /** What the ratio divides, in words. */
  readonly ratioOf: string;
  readonly ratio: number | undefined;
  /** The ratio must be at most this. */
  readonly limit: number;
  readonly met: boolean;
  readonly note?: string;
}

/** Everything a suite run produced. */
export interface SuiteResult {
  readonly quick: boolean;
  readonly cases: readonly CaseResult[];
  readonly comparisons: readonly Comparison[];
  readonly settings: Readonly<Record<string, string>>;
  readonly startedAt: Date;
  readonly durationMs: number;
}

interface CaseSpec {
  readonly id: string;
  readonly group: GroupName;
  readonly label: string;
  readonly role: Role;
  readonly unit: string;
  readonly fn: CaseFunctionName;
  readonly params: unknown;
  readonly timeoutMs: number;
}

const noop = (): void => undefined;

/** Runs `specs` `reps` times each, interleaved, after `warmup` discarded rounds. */
async function runInterleaved(specs: readonly CaseSpec[], reps: number, warmup: number, options: SuiteOptions): Promise<CaseResult[]> {
  const log = options.log ?? noop;
  const runs = new Map<string, Measurement[]>(specs.map((s) => [s.id, []]));
  const errors = new Map<string, string>();
  for (let round = -warmup; round < reps; round++) {
    for (const spec of specs) {
      if (errors.has(spec.id)) continue;
      const profile = options.cpuProfDir && spec.role === 'ours' && round === reps - 1 ? options.cpuProfDir : undefined;
      try {
        const m = await runCaseInChild(spec.fn, spec.params, { timeoutMs: spec.timeoutMs, ...(profile ? { cpuProfDir: profile } : {}) });
        const tag = round < 0 ? 'warm-up' : `run ${round + 1}/${reps}`;
        log(`${spec.id} ${tag}: ${m.count} in ${m.ms.toFixed(0)} ms (${((m.count / m.ms) * 1000).toFixed(0)} ${spec.unit}), peak RSS ${m.peakRssMb.toFixed(0)} MiB`);
        if (round >= 0) runs.get(spec.id)?.push(m);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log(`${spec.id}: FAILED ${message.split('\n')[0] ?? ''}`);
        errors.set(spec.id, message);
      }
    }
  }
  return specs.map((spec) => toResult(spec, runs.get(spec.id) ?? [], errors.get(spec.id)));
}

function toResult(spec: CaseSpec, runs: readonly Measurement[], error: string | undefined): CaseResult {
  const base = { id: spec.id, group: spec.group, label: spec.label, role: spec.role, unit: spec.unit, runs };
  if (runs.length === 0) return { ...base, extra: {}, error: error ?? 'no run' };
  const extraKeys = new Set(runs.flatMap((r) => Object.keys(r.extra)));
  const extra: Record<string, number> = {};
  for (const k of extraKeys) extra[k] = summarise(runs.map((r) => r.extra[k] ?? Number.NaN)).median;
  return {
    ...base,
    rate: summarise(runs.map((r) => (r.count / r.ms) * 1000)),
    ms: summarise(runs.map((r) => r.ms)),
    peakRssMb: summarise(runs.map((r) => r.peakRssMb)),
    extra,
    ...(error ? { error } : {}),
  };
}

/** Median time of `ours` over median time of `floor` (equivalently floor rate / our rate). */
function timeRatio(cases: readonly CaseResult[], ours: string, floor: string): number | undefined {
  const a = cases.find((c) => c.id === ours)?.ms?.median;
  const b = cases.find((c) => c.id === floor)?.ms?.median;
  const na = cases.find((c) => c.id === ours)?.runs[0]?.count;
  const nb = cases.find((c) => c.id === floor)?.runs[0]?.count;
  if (a === undefined || b === undefined || na === undefined || nb === undefined) return undefined;
  // Per unit of work, in case the counts differ.
  return a / na / (b / nb);
}

function compare(label: string, ratioOf: string, ratio: number | undefined, limit: number, note?: string): Comparison {
  return { label, ratioOf, ratio, limit, met: ratio !== undefined && Number.isFinite(ratio) && ratio <= limit, ...(note ? { note } : {}) };
}

// ---------------------------------------------------------------------------------------- engine

async function engineGroup(options: SuiteOptions): Promise<{ cases: CaseResult[]; comparisons: Comparison[] }> {
  const quick = options.quick ?? false;
  const fanout = quick ? 1000 : 10_000;
  const chain = quick ? 200 : 2000;
  const reps = options.reps ?? (quick ? 1 : 5);
  const specs: CaseSpec[] = [];
  for (const [shape, n, unit] of [['fanout', fanout, 'tasks/s'], ['chain', chain, 'steps/s']] as const) {
    const what = shape === 'fanout' ? `${n.toLocaleString('en-US')} no-op tasks, concurrency 16` : `${n.toLocaleString('en-US')}-step sequential chain`;
    const params = { n, shape, concurrency: 16 };
    const timeoutMs = 300_000;
    specs.push(
      { id: `engine.${shape}.pqueue`, group: 'engine', label: `${what}: p-queue (floor)`, role: 'floor', unit, fn: 'pqueue-floor', params, timeoutMs },
      { id: `engine.${shape}.memory`, group: 'engine', label: `${what}: engine + MemoryStore`, role: 'ours', unit, fn: 'engine-memory', params, timeoutMs },
      { id: `engine.${shape}.pqueue-sqlite`, group: 'engine', label: `${what}: p-queue + SQLite, 2 autocommit writes/task (floor)`, role: 'floor', unit, fn: 'pqueue-sqlite-floor', params, timeoutMs },
      { id: `engine.${shape}.sqlite`, group: 'engine', label: `${what}: engine + SqliteStore`, role: 'ours', unit, fn: 'engine-sqlite', params, timeoutMs },
    );
  }
  const cases = await runInterleaved(specs, reps, quick ? 0 : 1, options);
  const comparisons: Comparison[] = [];
  for (const shape of ['fanout', 'chain'] as const) {
    const name = shape === 'fanout' ? 'fan-out' : 'chain';
    comparisons.push(
      compare(`Engine ${name}, MemoryStore within 2x of p-queue`, 'engine time / p-queue time', timeRatio(cases, `engine.${shape}.memory`, `engine.${shape}.pqueue`), 2),
      compare(
        `Engine ${name}, SqliteStore at or above the naive SQLite floor`,
        'engine time / p-queue+SQLite time',
        timeRatio(cases, `engine.${shape}.sqlite`, `engine.${shape}.pqueue-sqlite`),
        1,
      ),
    );
  }
  return { cases, comparisons };
}

// ------------------------------------------------------------------------------------------ sync

function scaleName(scale: number | 'prod'): string {
  return scale === 'prod' ? 'prod' : `${scale}`;
}

async function withServer<T>(params: ServerParams, log: (l: string) => void, fn: (info: ServerInfo) => Promise<T>): Promise<T> {
  log(`starting the test server: ${JSON.stringify(params)}`);
  const server = await startServerProcess(params, 60 * 60_000);
  log(`test server up in ${(server.info.seedMs / 1000).toFixed(1)} s (${Object.values(server.info.counts).reduce((a, b) => a + b, 0)} records)`);
  try {
    return await fn(server.info);
  } finally {
    await server.close();
  }
}

function syncSpecs(group: GroupName, tag: string, server: ServerInfo, withReference: boolean): CaseSpec[] {
  const timeoutMs = 60 * 60_000;
  const specs: CaseSpec[] = [
    { id: `${group}.${tag}.floor`, group, label: `${tag}: fetch + JSON.parse + prepared upserts (floor)`, role: 'floor', unit: 'records/s', fn: 'sync-floor', params: { server }, timeoutMs },
    { id: `${group}.${tag}.ours`, group, label: `${tag}: full-salesforce-sync flow on the engine + SqliteStore (ours)`, role: 'ours', unit: 'records/s', fn: 'sync-ours', params: { server }, timeoutMs },
  ];
  if (withReference) {
    specs.push(
      { id: `${group}.${tag}.floor-mapped`, group, label: `${tag}: floor + VMS mappers/writers, no engine (reference)`, role: 'reference', unit: 'records/s', fn: 'sync-floor', params: { server, mapped: true }, timeoutMs },
      { id: `${group}.${tag}.plain`, group, label: `${tag}: syncEntities, no engine (reference)`, role: 'reference', unit: 'records/s', fn: 'sync-plain', params: { server }, timeoutMs },
    );
  }
  return specs;
}

async function syncGroup(options: SuiteOptions): Promise<{ cases: CaseResult[]; comparisons: Comparison[] }> {
  const quick = options.quick ?? false;
  const log = options.log ?? noop;
  const scales = options.scales ?? (quick ? [0.05] : [1, 10, 'prod']);
  const cases: CaseResult[] = [];
  const comparisons: Comparison[] = [];
  for (const scale of scales) {
    const tag = `scale ${scaleName(scale)}`;
    const big = scale === 'prod' || scale >= 10;
    const reps = options.reps ?? (quick ? 1 : big ? 1 : 3);
    const results = await withServer({ scale }, log, (server) => runInterleaved(syncSpecs('sync', tag, server, !quick && scale !== 'prod'), reps, quick || big ? 0 : 1, options));
    cases.push(...results);
    comparisons.push(compare(`Sync ${tag} within 1.5x of the floor`, 'ours time / floor time', timeRatio(results, `sync.${tag}.ours`, `sync.${tag}.floor`), 1.5));
  }
  // Peak RSS of the flow: from the smallest scale to the largest, and (with three or more
  // scales) from the second to the largest, so growth over the first scale-up (V8 sizing its
  // heap) can be told from growth that keeps going.
  const rssAt = (s: number | 'prod'): number | undefined => cases.find((c) => c.id === `sync.scale ${scaleName(s)}.ours`)?.peakRssMb?.median;
  const last = scales[scales.length - 1];
  const fromList = scales.length >= 3 ? [scales[0], scales[1]] : scales.length === 2 ? [scales[0]] : [];
  for (const from of fromList) {
    if (from === undefined || last === undefined) continue;
    const a = rssAt(from);
    const b = rssAt(last);
    comparisons.push(
      compare(
        `Sync peak RSS flat (within 20%) from scale ${scaleName(from)} to scale ${scaleName(last)}`,
        `flow's peak RSS at scale ${scaleName(last)} / at scale ${scaleName(from)}`,
        a !== undefined && b !== undefined ? b / a : undefined,
        1.2,
      ),
    );
  }
  return { cases, comparisons };
}

// --------------------------------------------------------------------------------- critical path

/** Query pages an entity needs (an empty result is still one request). */
export function pagesFor(records: number, pageSize: number): number {
  return Math.max(1, Math.ceil(records / pageSize));
}

/**
 * The longest chain of page requests through the dependency graph, in ms: each entity costs its
 * pages × latency and starts when its slowest dependency ends. Also the sum over all entities
 * (a one-entity-at-a-time sync).
 */
export function criticalPath(
  counts: Readonly<Record<string, number>>,
  pageSize: number,
  latencyMs: number,
): { criticalMs: number; sequentialMs: number; path: EntityName[] } {
  const end = new Map<EntityName, { ms: number; path: EntityName[] }>();
  for (const entity of ENTITY_NAMES) {
    let start = { ms: 0, path: [] as EntityName[] };
    for (const dep of ENTITY_DEPENDENCIES[entity]) {
      const d = end.get(dep);
      if (d && d.ms > start.ms) start = d;
    }
    end.set(entity, { ms: start.ms + pagesFor(counts[entity] ?? 0, pageSize) * latencyMs, path: [...start.path, entity] });
  }
  let best = { ms: 0, path: [] as EntityName[] };
  for (const e of end.values()) if (e.ms > best.ms) best = e;
  const sequentialMs = ENTITY_NAMES.reduce((sum, e) => sum + pagesFor(counts[e] ?? 0, pageSize) * latencyMs, 0);
  return { criticalMs: best.ms, sequentialMs, path: best.path };
}

async function criticalPathGroup(options: SuiteOptions): Promise<{ cases: CaseResult[]; comparisons: Comparison[]; settings: Record<string, string> }> {
  const quick = options.quick ?? false;
  const log = options.log ?? noop;
  const scale = quick ? 0.05 : 1;
  const latencyMs = 50;
  const pageSize = 200;
  const reps = options.reps ?? (quick ? 1 : 3);
  const tag = `scale ${scale}, ${latencyMs} ms/page, ${pageSize}/page`;
  return withServer({ scale, latencyMs, pageSize }, log, async (server) => {
    const cases = await runInterleaved(syncSpecs('critical-path', tag, server, false), reps, 0, options);
    const cp = criticalPath(server.counts, pageSize, latencyMs);
    const ours = cases.find((c) => c.role === 'ours');
    const ratio = ours?.ms ? ours.ms.median / cp.criticalMs : undefined;
    return {
      cases,
      comparisons: [
        compare(`Wall time with ${latencyMs} ms page latency within 1.3x of the critical path`, 'ours wall time / critical path', ratio, 1.3, `critical path ${(cp.criticalMs / 1000).toFixed(2)} s (${cp.path.join(' → ')}); all pages one after another: ${(cp.sequentialMs / 1000).toFixed(2)} s`),
      ],
      settings: {
        'critical path': `${(cp.criticalMs / 1000).toFixed(2)} s: ${cp.path.join(' → ')}`,
        'pages one after another': `${(cp.sequentialMs / 1000).toFixed(2)} s`,
      },
    };
  });
}

/** Runs the suite. */
export async function runSuite(options: SuiteOptions = {}): Promise<SuiteResult> {
  const startedAt = new Date();
  const t0 = performance.now();
  const only = new Set(options.only ?? GROUP_NAMES);
  const cases: CaseResult[] = [];
  const comparisons: Comparison[] = [];
  const settings: Record<string, string> = {};
  if (only.has('engine')) {
    const r = await engineGroup(options);
    cases.push(...r.cases);
    comparisons.push(...r.comparisons);
  }
  if (only.has('sync')) {
    const r = await syncGroup(options);
    cases.push(...r.cases);
    comparisons.push(...r.comparisons);
  }
  if (only.has('critical-path')) {
    const r = await criticalPathGroup(options);
    cases.push(...r.cases);
    comparisons.push(...r.comparisons);
    Object.assign(settings, r.settings);
  }
  return { quick: options.quick ?? false, cases, comparisons, settings, startedAt, durationMs: performance.now() - t0 };
}
