/**
 * Daily API usage, read from the `Sforce-Limit-Info: api-usage=N/M` header Salesforce sends with
 * every response, and an optional brake: slow down above one share of the daily limit, pause
 * (fail with a clear error) above another.
 */
import { metrics, type Meter, type ObservableResult } from '@opentelemetry/api';
import { SalesforceError, SalesforceErrorCode, invalidArgument } from './errors.js';

/** OpenTelemetry metric names of this plugin. */
export const SalesforceMetricName = {
  /** API requests used in the last 24 hours, from `Sforce-Limit-Info` (gauge). */
  ApiUsageUsed: 'vms_flow.salesforce.api_usage.used',
  /** The org's daily API request allowance (gauge). */
  ApiUsageLimit: 'vms_flow.salesforce.api_usage.limit',
} as const;

/** API requests used today out of the org's daily allowance. */
export interface ApiUsage {
  readonly used: number;
  readonly limit: number;
  /** `used / limit`. */
  readonly fraction: number;
}

/** What to do as API usage grows. */
export interface ApiUsageOptions {
  /** Above this share (0..1) of the daily limit, wait `slowDownDelayMs` before each request. @default undefined (never) */
  readonly slowDownAt?: number;
  /** The wait added per request above `slowDownAt`, in ms. @default 1000 */
  readonly slowDownDelayMs?: number;
  /** At or above this share (0..1) of the daily limit, requests fail with `SF_API_USAGE_PAUSED` (category `rate_limit`) instead of being sent. @default undefined (never) */
  readonly pauseAt?: number;
  /** Called with every new reading. @default none */
  readonly onUsage?: (usage: ApiUsage) => void;
  /** Where the usage gauges are reported. @default the global meter `@vms/flow-salesforce` (a no-op until an OpenTelemetry SDK is registered) */
  readonly meter?: Meter;
}

/** Parses `api-usage=25/15000` out of a `Sforce-Limit-Info` header value. */
export function parseLimitInfo(header: string | undefined | null): ApiUsage | undefined {
  const m = header ? /(?:^|[\s,;])api-usage=(\d+)\/(\d+)/.exec(header) : null;
  if (!m) return undefined;
  const used = Number(m[1]);
  const limit = Number(m[2]);
  return { used, limit, fraction: limit > 0 ? used / limit : 1 };
}

function fractionOption(name: string, v: number | undefined): void {
  if (v !== undefined && !(typeof v === 'number' && v > 0 && v <= 1)) {
    throw invalidArgument(`apiUsage.${name}`, 'a number in (0, 1]', v);
  }
}

/** Tracks the latest reading and applies the slow-down / pause rules before each request. */
export class ApiUsageGovernor {
  private usage: ApiUsage | undefined;
  private readonly options: ApiUsageOptions;

  constructor(options: ApiUsageOptions = {}) {
    fractionOption('slowDownAt', options.slowDownAt);
    fractionOption('pauseAt', options.pauseAt);
    if (options.slowDownAt !== undefined && options.pauseAt !== undefined && options.slowDownAt > options.pauseAt) {
      throw new TypeError(`Expected \`apiUsage.slowDownAt\` (${options.slowDownAt}) to be <= \`apiUsage.pauseAt\` (${options.pauseAt})`);
    }
    const d = options.slowDownDelayMs;
    if (d !== undefined && !(Number.isFinite(d) && d >= 0)) {
      throw invalidArgument('apiUsage.slowDownDelayMs', 'a number >= 0', d);
    }
    this.options = options;
  }

  /** Reports the latest reading as OpenTelemetry gauges, with `attributes` (e.g. the instance). */
  observe(attributes: Record<string, string>): void {
    const meter = this.options.meter ?? metrics.getMeter('@vms/flow-salesforce');
    const used = meter.createObservableGauge(SalesforceMetricName.ApiUsageUsed, { description: 'Salesforce API requests used (rolling 24 h)' });
    const limit = meter.createObservableGauge(SalesforceMetricName.ApiUsageLimit, { description: 'Salesforce daily API request limit' });
    used.addCallback((r: ObservableResult) => {
      if (this.usage) r.observe(this.usage.used, attributes);
    });
    limit.addCallback((r: ObservableResult) => {
      if (this.usage) r.observe(this.usage.limit, attributes);
    });
  }

  /** The latest reading, or `undefined` before the first response. */
  get current(): ApiUsage | undefined {
    return this.usage;
  }

  record(usage: ApiUsage | undefined): void {
    if (!usage) return;
    this.usage = usage;
    this.options.onUsage?.(usage);
  }

  /** Waits or throws per the rules, given the latest reading. */
  async beforeRequest(sleep: (ms: number) => Promise<void>): Promise<void> {
    const u = this.usage;
    if (!u) return;
    const { pauseAt, slowDownAt } = this.options;
    if (pauseAt !== undefined && u.fraction >= pauseAt) {
      throw new SalesforceError(
        SalesforceErrorCode.ApiUsagePaused,
        'rate_limit',
        `Salesforce API usage is ${u.used}/${u.limit} (${(u.fraction * 100).toFixed(1)}%), at or above the configured pauseAt of ${(pauseAt * 100).toFixed(1)}%; no request sent. Requests resume when usage falls (the daily allowance is a rolling 24-hour window).`,
      );
    }
    if (slowDownAt !== undefined && u.fraction >= slowDownAt) await sleep(this.options.slowDownDelayMs ?? 1000);
  }
}
