/**
 * `createEngine` options: documented, validated where given, defaults filled.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Meter, Tracer } from '@opentelemetry/api';
import type { EngineHooks } from '../events.js';
import type { ClassifyErrorHook } from '../retry/classify.js';
import type { LogLevel, Store } from '../store/types.js';
import type { Clock } from '../time/clock.js';
import type { RandomSource } from '../time/random.js';
import { checkFunction, checkInteger, checkName, invalid } from '../validate.js';
import type { RateLimit } from './limits.js';
import { DEFAULT_REDACT_KEYS } from './serialize.js';

/** Options of `createEngine`. */
export interface EngineOptions {
  /** Where runs, task runs, history, logs and checkpoints are kept. @default new MemoryStore() */
  store?: Store;
  /** Task attempts in flight at once across the engine (integer >= 1 or `Infinity`). @default 16 */
  concurrency?: number;
  /** Flow runs in flight at once per work queue, e.g. `{ default: 4, salesforce: 2 }`. Queues not named are unlimited. @default {} */
  queues?: Record<string, number>;
  /** Task attempts in flight at once per tag, e.g. `{ salesforce: 2 }`. Tags not named are unlimited. @default {} */
  tags?: Record<string, number>;
  /** Starts per window per tag, e.g. `{ salesforce: { limit: 100, intervalMs: 60_000 } }`. @default {} */
  rateLimits?: Record<string, RateLimit>;
  /** Time source and timers (use `ManualClock` from `@vms/flow-core/testing` in tests). @default systemClock */
  clock?: Clock;
  /** Random source for jitter (use `seededRandom(seed)` in tests). @default Math.random */
  random?: RandomSource;
  /** Classifies foreign errors (category and retryability) before the built-in rules. @default built-in rules only */
  classifyError?: ClassifyErrorHook;
  /** OpenTelemetry tracer. @default trace.getTracer('@vms/flow-core') (a no-op until an SDK is registered) */
  tracer?: Tracer;
  /** OpenTelemetry meter. @default metrics.getMeter('@vms/flow-core') */
  meter?: Meter;
  /** Plugin hooks; an array attaches several. @default [] */
  hooks?: EngineHooks | readonly EngineHooks[];
  /** This engine's id: the lease owner of its runs. @default `<hostname>:<pid>:<random>` */
  id?: string;
  /** Lease length of runs this engine holds, ms; it is renewed every third of it. @default 30000 */
  leaseMs?: number;
  /** Lowest log level stored and emitted. @default 'info' */
  logLevel?: LogLevel;
  /**
   * A scheduled or queued run claimed more than this many ms after its slot (`runAt`) is `Late`,
   * and a schedule slot seen more than this late counts as missed (its `catchup` policy applies).
   * The default of `engine.work({ lateAfterMs })`. @default 60000
   */
  lateAfterMs?: number;
  /**
   * How often the engine's scheduler re-reads the stored schedules when no slot is due, ms (to see
   * schedules and run ends of other processes). @default 60000
   */
  schedulePollIntervalMs?: number;
  /** Object keys whose values are replaced by `[REDACTED]` in stored params and log fields. @default /pass(word)?|secret|token|api[-_]?key|authorization|credential|private[-_]?key|cookie/i */
  redactKeys?: RegExp;
}

/** Options with defaults filled (store and clock resolved by the engine). */
export interface ResolvedEngineOptions {
  concurrency: number;
  queues: Record<string, number>;
  tags: Record<string, number>;
  rateLimits: Record<string, RateLimit>;
  random: RandomSource;
  classifyError: ClassifyErrorHook | undefined;
  hooks: readonly EngineHooks[];
  id: string;
  leaseMs: number;
  logLevel: LogLevel;
  redactKeys: RegExp;
  lateAfterMs: number;
  schedulePollIntervalMs: number;
}

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

function checkLimits(name: string, value: unknown): Record<string, number> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(name, 'an object of name → limit', value);
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(value)) out[checkName(`${name} key`, k)] = checkInteger(`${name}.${k}`, v, 1, true);
  return out;
}

/** Validates engine options where they are given (echoing bad values) and fills defaults. */
export function resolveEngineOptions(options: EngineOptions): ResolvedEngineOptions {
  if (typeof options !== 'object' || options === null) invalid('options', 'an object', options);
  const concurrency = checkInteger('concurrency', options.concurrency ?? 16, 1, true);
  const queues = checkLimits('queues', options.queues);
  const tags = checkLimits('tags', options.tags);
  const rateLimits: Record<string, RateLimit> = {};
  if (options.rateLimits !== undefined) {
    if (typeof options.rateLimits !== 'object' || options.rateLimits === null) invalid('rateLimits', 'an object of tag → { limit, intervalMs }', options.rateLimits);
    for (const [k, v] of Object.entries(options.rateLimits)) {
      if (typeof v !== 'object' || v === null) invalid(`rateLimits.${k}`, 'an object { limit, intervalMs }', v);
      rateLimits[k] = {
        limit: checkInteger(`rateLimits.${k}.limit`, v.limit, 1),
        intervalMs: checkInteger(`rateLimits.${k}.intervalMs`, v.intervalMs, 1),
      };
    }
  }
  if (options.random !== undefined) checkFunction('random', options.random);
  if (options.classifyError !== undefined) checkFunction('classifyError', options.classifyError);
  const hooks = options.hooks === undefined ? [] : Array.isArray(options.hooks) ? options.hooks : [options.hooks as EngineHooks];
  const logLevel = options.logLevel ?? 'info';
  if (!LEVELS.includes(logLevel)) invalid('logLevel', `one of ${LEVELS.join(', ')}`, logLevel);
  if (options.redactKeys !== undefined && !(options.redactKeys instanceof RegExp)) invalid('redactKeys', 'a RegExp', options.redactKeys);
  return {
    concurrency,
    queues,
    tags,
    rateLimits,
    random: options.random ?? Math.random,
    classifyError: options.classifyError,
    hooks,
    id: options.id === undefined ? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}` : checkName('id', options.id),
    leaseMs: checkInteger('leaseMs', options.leaseMs ?? 30_000, 3),
    logLevel,
    redactKeys: options.redactKeys ?? DEFAULT_REDACT_KEYS,
    lateAfterMs: checkInteger('lateAfterMs', options.lateAfterMs ?? 60_000, 0),
    schedulePollIntervalMs: checkInteger('schedulePollIntervalMs', options.schedulePollIntervalMs ?? 60_000, 1),
  };
}

/** True when `level` is at or above `min`. */
export function levelEnabled(level: LogLevel, min: LogLevel): boolean {
  return LEVELS.indexOf(level) >= LEVELS.indexOf(min);
}
