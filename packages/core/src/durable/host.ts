/**
 * The narrow interface the durable layer (recovery, queue workers, rerun) drives the engine
 * through, and the per-engine flow registry those need to map stored flow names back to code.
 */
import type { Flow } from '../definitions.js';
import type { EngineEvents } from '../events.js';
import type { RunState } from '../states.js';
import type { FlowRunRecord, Store, TaskRunRecord } from '../store/types.js';
import type { Clock } from '../time/clock.js';

/** How the durable layer executes a stored run. */
export interface ExecuteStoredOptions {
  /** Attempt number to run (a resume is `run.attempt + 1`; it then loads the stored task runs). */
  attempt: number;
  /** Task runs whose completed results the run reuses (rerun copies them in). @default loaded when attempt > 1 */
  priorTasks?: Map<string, TaskRunRecord>;
  /**
   * The state the store moved the run out of to give it its stored state (`Scheduled` for a
   * claim, `Crashed` for a resume, `null` for a run just created). The engine emits that stored
   * transition as `flow:state` (`from → run.state`, with the stored reason). @default no event
   */
  from?: RunState | null;
}

/** What the engine lends the durable layer. */
export interface DurableHost {
  readonly id: string;
  readonly store: Store;
  readonly clock: Clock;
  readonly leaseMs: number;
  /** The engine's `lateAfterMs` (default of workers). */
  readonly lateAfterMs: number;
  emit<E extends keyof EngineEvents>(event: E, ...args: EngineEvents[E]): void;
  /** Writes every queued store write. */
  flush(): Promise<void>;
  /** True while this engine executes the run. */
  isActive(runId: string): boolean;
  /** Top-level runs this engine executes now. */
  activeRunIds(): string[];
  /**
   * Executes a run already stored and leased to this engine. Resolves once it is launched, with
   * a promise of its end; rejects (launching nothing) when its stored params fail the schema.
   */
  executeStored(flow: Flow<unknown, unknown>, run: FlowRunRecord, options: ExecuteStoredOptions): Promise<{ result: () => Promise<unknown> }>;
  /** Validates `params` with the flow's schema (throwing `InvalidParamsError`) and returns them redacted for storage. */
  prepareParams(flow: Flow<unknown, unknown>, params: unknown): Promise<unknown>;
  /** Cancels a run this engine executes. */
  cancel(runId: string, reason?: string): Promise<boolean>;
}

/** Anything that can lend a {@link DurableHost} (the engine). */
export interface HasDurableHost {
  durableHost(): DurableHost;
}

const registries = new WeakMap<object, Map<string, Flow<unknown, unknown>>>();

/** The flows registered on `owner` (an engine), by name. */
export function flowRegistry(owner: object): Map<string, Flow<unknown, unknown>> {
  let map = registries.get(owner);
  if (!map) {
    map = new Map();
    registries.set(owner, map);
  }
  return map;
}

/** Adds `flows` to the registry of `owner`, so recovery and workers can run their stored runs. */
export function registerFlows(owner: object, flows: readonly Flow<unknown, unknown>[]): void {
  const map = flowRegistry(owner);
  for (const f of flows) {
    if (typeof f !== 'object' || f === null || f.kind !== 'flow') {
      throw new TypeError(`Expected a flow(...) definition to register, got \`${String(f)}\``);
    }
    map.set(f.name, f);
  }
}
