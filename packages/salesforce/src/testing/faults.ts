/**
 * Fault injection for the test server. Request numbers count API requests (everything but the
 * login endpoints), from 1, across the server's life (see `server.stats.apiRequests`). Fault rates
 * draw from core's `seededRandom` (mulberry32), so they are reproducible.
 */
import { seededRandom } from '@vms/flow-core/testing';

/** What the server does instead of answering one request normally. */
export type FaultAction =
  | { readonly type: 'serverError'; readonly status?: number }
  | { readonly type: 'sessionExpiry' }
  | { readonly type: 'requestLimit' }
  | { readonly type: 'dropConnection' }
  | { readonly type: 'latency'; readonly ms: number };

/** The request a custom fault rule looks at. */
export interface FaultContext {
  /** API request number, from 1. */
  readonly n: number;
  readonly method: string;
  readonly path: string;
  /** `query`, `queryMore`, `bulk`, `describe`, `limits`, `sobject`, `other`. */
  readonly kind: string;
}

/** Faults to inject. Every list holds API request numbers (1-based). */
export interface FaultOptions {
  /** Delay added before every API response (so before every query page), in ms. @default 0 */
  readonly latencyMs?: number;
  /** Requests answered with a 5xx (`serverErrorStatus`) and `SERVER_UNAVAILABLE`. @default [] */
  readonly serverErrorAt?: readonly number[];
  /** Share (0..1) of API requests answered with a 5xx, drawn from a seeded generator. @default 0 */
  readonly serverErrorRate?: number;
  /** Status of injected server errors. @default 503 */
  readonly serverErrorStatus?: number;
  /** At these requests every session is invalidated: the request gets 401 `INVALID_SESSION_ID`. @default [] */
  readonly sessionExpiryAt?: readonly number[];
  /** Requests answered 403 `REQUEST_LIMIT_EXCEEDED`. @default [] */
  readonly requestLimitAt?: readonly number[];
  /** Requests whose connection is destroyed without any answer. @default [] */
  readonly dropConnectionAt?: readonly number[];
  /** Seed of the generator behind `serverErrorRate`. @default 1 */
  readonly seed?: number;
  /** A rule of your own, asked first for every API request. */
  readonly custom?: (ctx: FaultContext) => FaultAction | undefined;
}

/** Decides the fault (if any) for one request. */
export class FaultPlan {
  private random: () => number;
  constructor(private options: FaultOptions) {
    this.random = seededRandom(options.seed ?? 1);
  }

  get current(): FaultOptions {
    return this.options;
  }

  replace(options: FaultOptions): void {
    this.options = options;
    this.random = seededRandom(options.seed ?? 1);
  }

  decide(ctx: FaultContext): FaultAction | undefined {
    const o = this.options;
    const custom = o.custom?.(ctx);
    if (custom) return custom;
    if (o.dropConnectionAt?.includes(ctx.n)) return { type: 'dropConnection' };
    if (o.sessionExpiryAt?.includes(ctx.n)) return { type: 'sessionExpiry' };
    if (o.requestLimitAt?.includes(ctx.n)) return { type: 'requestLimit' };
    if (o.serverErrorAt?.includes(ctx.n)) return { type: 'serverError', status: o.serverErrorStatus ?? 503 };
    if (o.serverErrorRate && this.random() < o.serverErrorRate) return { type: 'serverError', status: o.serverErrorStatus ?? 503 };
    return undefined;
  }
}
