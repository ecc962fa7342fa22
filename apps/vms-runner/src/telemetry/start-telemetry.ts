/**
 * `startTelemetry()`: the OpenTelemetry Node SDK with an OTLP/HTTP trace exporter configured from
 * the standard `OTEL_*` variables, and a shutdown that flushes spans within a timeout (SPEC §2.8,
 * §6.1). The engine records spans through `@opentelemetry/api` only; once this has started, they
 * go to the collector (Jaeger, Tempo, an OpenTelemetry Collector…).
 *
 * Variables read (all optional; tracing is off unless an endpoint is set):
 * - `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (full URL, used as is) or `OTEL_EXPORTER_OTLP_ENDPOINT`
 *   (base URL; `/v1/traces` is appended), e.g. `http://localhost:4318`.
 * - `OTEL_EXPORTER_OTLP_HEADERS` / `OTEL_EXPORTER_OTLP_TRACES_HEADERS` (`k=v,k2=v2`, e.g. an API key).
 * - `OTEL_SERVICE_NAME` (default `vms-runner`), `OTEL_RESOURCE_ATTRIBUTES`.
 * - `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none` turn tracing off.
 * - `OTEL_BSP_*` tune the batch span processor; `OTEL_TRACES_SAMPLER*` the sampler.
 *
 * The exporter speaks OTLP/HTTP with JSON bodies (`@opentelemetry/exporter-trace-otlp-http`).
 */
import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { ErrorCode, FlowError, shutdownTelemetry, type ShutdownTelemetryResult } from '@vms/flow-core';

/** Options of {@link startTelemetry}. */
export interface TelemetryOptions {
  /** Environment to read `OTEL_*` from. @default process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** `service.name` when `OTEL_SERVICE_NAME` is not set. @default 'vms-runner' */
  defaultServiceName?: string;
  /** Longest wait for the final flush on shutdown, ms (an unreachable collector must not hang the exit). @default 5000 */
  shutdownTimeoutMs?: number;
}

/** A started (or disabled) telemetry setup. */
export interface Telemetry {
  /** True when spans are exported. */
  readonly enabled: boolean;
  /** Where spans go, without credentials or query string; `undefined` when disabled. */
  readonly endpoint: string | undefined;
  readonly serviceName: string;
  /** Flushes pending spans and shuts the SDK down, within the timeout. Never throws; idempotent. */
  shutdown(): Promise<ShutdownTelemetryResult>;
}

function parseHeaders(value: string | undefined, name: string): Record<string, string> {
  const headers: Record<string, string> = {};
  if (value === undefined || value.trim() === '') return headers;
  for (const part of value.split(',')) {
    const index = part.indexOf('=');
    const key = index < 0 ? '' : decodeURIComponent(part.slice(0, index).trim());
    if (key === '') {
      // Never echo the value: it may hold an API key.
      throw new FlowError(ErrorCode.InvalidOption, `Expected \`${name}\` to be a list of key=value pairs separated by commas`, {
        category: 'validation',
      });
    }
    headers[key] = decodeURIComponent(part.slice(index + 1).trim());
  }
  return headers;
}

function tracesUrl(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const specific = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']?.trim();
  const base = env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim();
  const [name, raw] = specific ? ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', specific] : base ? ['OTEL_EXPORTER_OTLP_ENDPOINT', base] : [undefined, undefined];
  if (name === undefined || raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new FlowError(ErrorCode.InvalidOption, `Expected \`${name}\` to be an http(s) URL such as http://localhost:4318`, { category: 'validation' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FlowError(ErrorCode.InvalidOption, `Expected \`${name}\` to be an http(s) URL, got protocol \`${url.protocol}\``, { category: 'validation' });
  }
  if (specific) return url.toString();
  return `${url.toString().replace(/\/+$/, '')}/v1/traces`;
}

function redactUrl(value: string): string {
  const url = new URL(value);
  url.username = '';
  url.password = '';
  url.search = '';
  return url.toString();
}

const DISABLED: ShutdownTelemetryResult = { ok: true, timedOut: false, errors: [] };

/**
 * Starts the SDK and registers it globally (tracer provider, context manager, propagators).
 * Call it once, before the engine starts runs.
 *
 * @example
 * ```ts
 * const telemetry = startTelemetry(); // reads OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME, ...
 * // ... run the engine ...
 * await telemetry.shutdown(); // flushes spans, at most 5 s
 * ```
 */
export function startTelemetry(options: TelemetryOptions = {}): Telemetry {
  const env = options.env ?? process.env;
  const timeoutMs = options.shutdownTimeoutMs ?? 5000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
    throw new FlowError(ErrorCode.InvalidOption, `Expected \`shutdownTimeoutMs\` to be an integer >= 1, got \`${String(timeoutMs)}\` (${typeof timeoutMs})`, {
      category: 'validation',
    });
  }
  const serviceName = env['OTEL_SERVICE_NAME']?.trim() || options.defaultServiceName || 'vms-runner';
  const disabled =
    env['OTEL_SDK_DISABLED']?.trim().toLowerCase() === 'true' || env['OTEL_TRACES_EXPORTER']?.trim().toLowerCase() === 'none';
  const url = disabled ? undefined : tracesUrl(env);
  if (url === undefined) {
    return { enabled: false, endpoint: undefined, serviceName, shutdown: async () => DISABLED };
  }
  const headers = {
    ...parseHeaders(env['OTEL_EXPORTER_OTLP_HEADERS'], 'OTEL_EXPORTER_OTLP_HEADERS'),
    ...parseHeaders(env['OTEL_EXPORTER_OTLP_TRACES_HEADERS'], 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'),
  };
  const exporter = new OTLPTraceExporter({ url, headers, timeoutMillis: Math.min(timeoutMs, 10_000) });
  const sdk = new NodeSDK({
    serviceName,
    traceExporter: exporter,
    // Traces only: metrics are served on /metrics, logs go to the run store and pino.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  let result: Promise<ShutdownTelemetryResult> | undefined;
  return {
    enabled: true,
    endpoint: redactUrl(url),
    serviceName,
    shutdown() {
      result ??= shutdownTelemetry(sdk, { timeoutMs }).then((r) => {
        trace.disable();
        return r;
      });
      return result;
    },
  };
}
