/**
 * `attachAlerts`: turns engine events (and health reports) into alerts, with de-duplication, a
 * throttle window, "recovered" messages and dead-man's switches. Delivery never throws into the
 * engine: every outcome is recorded and emitted instead.
 */
import { EventEmitter } from 'node:events';
import { systemClock, type Clock, type FlowStateEvent, type TimerHandle } from '@vms/flow-core';
import type { Alert, AlertKind, AlertSeverity } from './alert.js';
import type { AlertChannel } from './channel.js';
import { checkInteger, invalidOption } from './errors.js';
import { DEFAULT_RULES, validateRules, type AlertRule, type AlertingState, type DeadManRule, type FlowStateRule, type HealthRule } from './rules.js';

/** What `attachAlerts` needs from the engine: `flow:state` events (`createEngine()` returns one). */
export interface AlertsEngine {
  on(event: 'flow:state', listener: (event: FlowStateEvent) => void): unknown;
  off(event: 'flow:state', listener: (event: FlowStateEvent) => void): unknown;
}

/** A health check's outcome, for {@link AlertsHandle.reportHealth}. */
export interface HealthCheckResult {
  /** Check name, e.g. `salesforce` or `vms-database`. */
  name: string;
  ok: boolean;
  /** What is wrong (or fine), in words. */
  message?: string;
  /** Labelled values shown with the alert. */
  details?: Record<string, string | number | boolean>;
}

/** A log sink; every line is already free of secrets. */
export interface AlertLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

/** The outcome of one alert on one channel. */
export interface AlertDelivery {
  alertKey: string;
  kind: AlertKind;
  severity: AlertSeverity;
  title: string;
  /** Channel display name. */
  channel: string;
  ok: boolean;
  /** Attempts the channel made (posts or connections). */
  attempts: number;
  /** Why it failed (redacted by the channel). */
  error?: string;
  /** The failure's `code`, when it had one. */
  code?: string;
  /** When the outcome was known, epoch ms (`clock.now()`). */
  at: number;
}

/** Payload of `alert:suppressed`. */
export interface AlertSuppressed {
  alert: Alert;
  /** Alerts with this key held back so far in the current window. */
  suppressed: number;
}

/** Events of an {@link AlertsHandle}. */
export interface AlertsEvents {
  /** A channel accepted an alert. */
  'alert:sent': [delivery: AlertDelivery];
  /** A channel could not deliver an alert (after its retries). */
  'alert:failed': [delivery: AlertDelivery];
  /** An alert was held back by the throttle window. */
  'alert:suppressed': [event: AlertSuppressed];
}

/** Options of {@link attachAlerts}. */
export interface AttachAlertsOptions {
  /** Where alerts go (names must be unique). Required. */
  channels: AlertChannel[];
  /** What raises alerts. @default DEFAULT_RULES (flow runs Failed/Crashed/Late, failed health checks) */
  rules?: AlertRule[];
  /**
   * Alerts with the same key inside this window are sent once; the next one after it says how
   * many were held back. In ms.
   * @default 1800000 (30 min)
   */
  throttleMs?: number;
  /**
   * Send a "recovered" message when a flow that failed (or tripped its dead-man's switch) next
   * completes, or a failed health check next passes.
   * @default true
   */
  recovered?: boolean;
  /** Link to a run for alerts (e.g. the dashboard's run page). @default undefined (no link) */
  runUrl?: (run: { runId: string; flowName: string }) => string | undefined;
  /** Alert on sub-flow runs too (their parent usually fails as well). @default false */
  includeSubflows?: boolean;
  /** Last successful run per flow name (epoch ms), to start dead-man windows from. @default now */
  lastSuccessAt?: Record<string, number>;
  /** Clock for throttling and dead-man timers; share the engine's. @default systemClock */
  clock?: Clock;
  /** Log sink for delivery outcomes. @default undefined (silent) */
  logger?: AlertLogger;
  /** Delivery records kept (oldest dropped first). @default 1000 */
  maxDeliveries?: number;
}

/** What `attachAlerts` returns. */
export interface AlertsHandle {
  /** Reports health check results; failing checks alert, a check that passes again recovers. */
  reportHealth(results: HealthCheckResult | readonly HealthCheckResult[]): void;
  /** Sends a custom alert through the same throttle and channels. */
  notify(alert: Omit<Alert, 'at' | 'kind'> & { at?: number }): void;
  /** Delivery outcomes, oldest first. */
  readonly deliveries: readonly AlertDelivery[];
  on<E extends keyof AlertsEvents>(event: E, listener: (...args: AlertsEvents[E]) => void): this;
  off<E extends keyof AlertsEvents>(event: E, listener: (...args: AlertsEvents[E]) => void): this;
  /** Resolves once every alert raised so far has been delivered or has failed. */
  flush(): Promise<void>;
  /** Stops listening to the engine and clears dead-man timers (in-flight deliveries finish). */
  detach(): void;
}

const DEFAULT_SEVERITY: Record<AlertingState, AlertSeverity> = { Failed: 'error', Crashed: 'critical', Late: 'warning' };
const STATE_WORDS: Record<AlertingState, string> = { Failed: 'failed', Crashed: 'crashed', Late: 'started late' };

interface Incident {
  /** Keys of the alerts that opened it (their throttle resets on recovery). */
  keys: Set<string>;
  channels: string[] | undefined;
  since: number;
  title: string;
}

function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 1000)} s`;
}

class Alerts extends EventEmitter implements AlertsHandle {
  private readonly throttle = new Map<string, { lastSentAt: number; suppressed: number }>();
  private readonly incidents = new Map<string, Incident>();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly timers = new Map<DeadManRule, TimerHandle>();
  private readonly lastSuccess = new Map<string, number>();
  private readonly records: AlertDelivery[] = [];
  private readonly channelsByName: Map<string, AlertChannel>;
  private detached = false;
  private readonly listener = (event: FlowStateEvent): void => {
    try {
      this.onFlowState(event);
    } catch (error) {
      this.options.logger?.warn('alerts: could not handle a flow:state event', { error: String(error) });
    }
  };

  constructor(
    private readonly engine: AlertsEngine,
    private readonly options: AttachAlertsOptions,
    private readonly rules: AlertRule[],
    private readonly clock: Clock,
    private readonly throttleMs: number,
    private readonly maxDeliveries: number,
  ) {
    super();
    this.channelsByName = new Map(options.channels.map((c) => [c.name, c]));
    for (const [flow, at] of Object.entries(options.lastSuccessAt ?? {})) this.lastSuccess.set(flow, at);
    engine.on('flow:state', this.listener);
    for (const rule of rules) if (rule.type === 'dead-man') this.armDeadMan(rule);
  }

  get deliveries(): readonly AlertDelivery[] {
    return this.records;
  }

  // ---- sources ---------------------------------------------------------------------------

  private onFlowState(event: FlowStateEvent): void {
    if (this.detached) return;
    if (event.parentRunId !== null && this.options.includeSubflows !== true) return;
    if (event.to === 'Completed') {
      this.lastSuccess.set(event.flowName, event.at);
      for (const rule of this.rules) if (rule.type === 'dead-man' && rule.flow === event.flowName) this.armDeadMan(rule);
      this.recover(`flow:${event.flowName}`, `Flow ${event.flowName} recovered`, `Run ${event.runId} completed.`, {
        flowName: event.flowName,
        runId: event.runId,
        state: 'Completed',
      });
      return;
    }
    const state = event.to as AlertingState;
    if (!(state in DEFAULT_SEVERITY)) return;
    for (const rule of this.rules) {
      if (rule.type !== 'flow-state') continue;
      if (!(rule.states ?? ['Failed', 'Crashed', 'Late']).includes(state)) continue;
      if (rule.flows !== undefined && !rule.flows.includes(event.flowName)) continue;
      this.raiseFlowState(rule, event, state);
    }
  }

  private raiseFlowState(rule: FlowStateRule, event: FlowStateEvent, state: AlertingState): void {
    const runUrl = this.options.runUrl?.({ runId: event.runId, flowName: event.flowName });
    const fields: Record<string, string> = { Attempt: String(event.attempt) };
    if (event.error?.code !== undefined) fields['Error code'] = event.error.code;
    if (event.error?.category !== undefined) fields['Category'] = event.error.category;
    const text =
      event.error !== undefined
        ? `${event.error.name}: ${event.error.message}`
        : (event.reason ?? `Run ${event.runId} ${STATE_WORDS[state]}.`);
    const alert: Alert = {
      key: `flow:${event.flowName}:${state}`,
      kind: 'flow-state',
      severity: rule.severity?.[state] ?? DEFAULT_SEVERITY[state],
      title: `Flow ${event.flowName} ${STATE_WORDS[state]}`,
      text,
      at: event.at,
      flowName: event.flowName,
      runId: event.runId,
      state,
      fields,
      ...(runUrl === undefined ? {} : { runUrl }),
    };
    // A late start is not a failure: nothing to recover from.
    this.raise(alert, rule, state === 'Late' ? undefined : `flow:${event.flowName}`);
  }

  reportHealth(results: HealthCheckResult | readonly HealthCheckResult[]): void {
    const list = Array.isArray(results) ? results : [results as HealthCheckResult];
    for (const result of list) {
      if (result === null || typeof result !== 'object' || typeof result.name !== 'string' || typeof result.ok !== 'boolean') {
        invalidOption('reportHealth(result)', '`{ name: string, ok: boolean }`', result);
      }
    }
    if (this.detached) return;
    for (const result of list) {
      const subject = `health:${result.name}`;
      if (result.ok) {
        this.recover(subject, `Health check ${result.name} passes again`, result.message ?? 'The check passed.', {});
        continue;
      }
      for (const rule of this.rules) {
        if (rule.type !== 'health') continue;
        if (rule.checks !== undefined && !rule.checks.includes(result.name)) continue;
        const fields = Object.fromEntries(Object.entries(result.details ?? {}).map(([k, v]) => [k, String(v)]));
        this.raise(
          {
            key: subject,
            kind: 'health',
            severity: (rule as HealthRule).severity ?? 'error',
            title: `Health check ${result.name} failed`,
            text: result.message ?? 'The check failed.',
            at: this.clock.now(),
            fields,
          },
          rule,
          subject,
        );
      }
    }
  }

  notify(alert: Omit<Alert, 'at' | 'kind'> & { at?: number }): void {
    if (alert === null || typeof alert !== 'object' || typeof alert.key !== 'string' || typeof alert.title !== 'string') {
      invalidOption('notify(alert)', '`{ key, severity, title, text }`', alert);
    }
    if (this.detached) return;
    this.raise({ ...alert, kind: 'custom', at: alert.at ?? this.clock.now() }, { type: 'health' }, undefined);
  }

  private armDeadMan(rule: DeadManRule): void {
    const existing = this.timers.get(rule);
    if (existing !== undefined) this.clock.clearTimeout(existing);
    if (this.detached) return;
    const from = this.lastSuccess.get(rule.flow) ?? this.clock.now();
    if (!this.lastSuccess.has(rule.flow)) this.lastSuccess.set(rule.flow, from);
    const delay = Math.max(0, from + rule.windowMs - this.clock.now());
    this.timers.set(
      rule,
      this.clock.setTimeout(() => {
        this.timers.delete(rule);
        if (this.detached) return;
        try {
          this.fireDeadMan(rule);
        } catch (error) {
          this.options.logger?.warn('alerts: dead-man check failed', { error: String(error) });
        }
      }, delay),
    );
  }

  private fireDeadMan(rule: DeadManRule): void {
    const last = this.lastSuccess.get(rule.flow) ?? this.clock.now();
    const now = this.clock.now();
    this.raise(
      {
        key: `dead-man:${rule.flow}`,
        kind: 'dead-man',
        severity: rule.severity ?? 'error',
        title: `No successful run of ${rule.flow} in ${formatDuration(rule.windowMs)}`,
        text: `Flow ${rule.flow} has not completed since ${new Date(last).toISOString()} (${formatDuration(now - last)} ago; window ${formatDuration(rule.windowMs)}).`,
        at: now,
        flowName: rule.flow,
        fields: { 'Last success': new Date(last).toISOString() },
      },
      rule,
      `flow:${rule.flow}`,
    );
    // Remind again one window later (the throttle still applies), until a run completes.
    this.lastSuccess.set(rule.flow, last);
    const handle = this.clock.setTimeout(() => {
      this.timers.delete(rule);
      if (!this.detached) this.fireDeadMan(rule);
    }, rule.windowMs);
    this.timers.set(rule, handle);
  }

  // ---- throttle, incidents, delivery ------------------------------------------------------

  private raise(alert: Alert, rule: AlertRule, subject: string | undefined): void {
    if (subject !== undefined) {
      const incident = this.incidents.get(subject);
      if (incident === undefined) {
        this.incidents.set(subject, { keys: new Set([alert.key]), channels: rule.channels, since: alert.at, title: alert.title });
      } else {
        incident.keys.add(alert.key);
      }
    }
    const window = rule.throttleMs ?? this.throttleMs;
    const now = this.clock.now();
    const state = this.throttle.get(alert.key);
    if (state !== undefined && now - state.lastSentAt < window) {
      state.suppressed++;
      this.emit('alert:suppressed', { alert, suppressed: state.suppressed });
      return;
    }
    const suppressed = state?.suppressed ?? 0;
    this.throttle.set(alert.key, { lastSentAt: now, suppressed: 0 });
    this.dispatch(suppressed > 0 ? { ...alert, suppressed } : alert, rule.channels);
  }

  private recover(subject: string, title: string, text: string, extra: Pick<Alert, 'flowName' | 'runId' | 'state'>): void {
    const incident = this.incidents.get(subject);
    if (incident === undefined) return;
    this.incidents.delete(subject);
    for (const key of incident.keys) this.throttle.delete(key);
    if (this.options.recovered === false) return;
    const now = this.clock.now();
    const runUrl =
      extra.runId !== undefined && extra.flowName !== undefined ? this.options.runUrl?.({ runId: extra.runId, flowName: extra.flowName }) : undefined;
    this.dispatch(
      {
        key: `${subject}:recovered`,
        kind: 'recovered',
        severity: 'resolved',
        title,
        text: `${text} It had been failing since ${new Date(incident.since).toISOString()} (${incident.title}).`,
        at: now,
        ...extra,
        ...(runUrl === undefined ? {} : { runUrl }),
      },
      incident.channels,
    );
  }

  private dispatch(alert: Alert, channelNames: string[] | undefined): void {
    const channels = channelNames === undefined ? [...this.channelsByName.values()] : channelNames.map((n) => this.channelsByName.get(n) as AlertChannel);
    for (const channel of channels) {
      // One queue per channel keeps alerts in order (a "recovered" never overtakes its failure).
      const previous = this.queues.get(channel.name) ?? Promise.resolve();
      const next = previous.then(() => this.deliver(channel, alert));
      this.queues.set(channel.name, next);
    }
  }

  private async deliver(channel: AlertChannel, alert: Alert): Promise<void> {
    const base = { alertKey: alert.key, kind: alert.kind, severity: alert.severity, title: alert.title, channel: channel.name };
    let record: AlertDelivery;
    try {
      const report = await channel.send(alert);
      record = { ...base, ok: true, attempts: report.attempts, at: this.clock.now() };
      this.options.logger?.info(`alerts: sent "${alert.title}" via ${channel.name}`, { alertKey: alert.key, attempts: report.attempts });
    } catch (error) {
      const e = error as { message?: unknown; code?: unknown; attempts?: unknown };
      record = {
        ...base,
        ok: false,
        attempts: typeof e.attempts === 'number' ? e.attempts : 1,
        error: typeof e.message === 'string' ? e.message : String(error),
        ...(typeof e.code === 'string' ? { code: e.code } : {}),
        at: this.clock.now(),
      };
      this.options.logger?.warn(`alerts: could not send "${alert.title}" via ${channel.name}: ${record.error}`, {
        alertKey: alert.key,
        attempts: record.attempts,
      });
    }
    this.records.push(record);
    if (this.records.length > this.maxDeliveries) this.records.splice(0, this.records.length - this.maxDeliveries);
    try {
      this.emit(record.ok ? 'alert:sent' : 'alert:failed', record);
    } catch (error) {
      this.options.logger?.warn('alerts: an alert listener threw', { error: String(error) });
    }
  }

  async flush(): Promise<void> {
    for (;;) {
      const pending = [...this.queues.values()];
      await Promise.all(pending);
      if ([...this.queues.values()].every((q, i) => q === pending[i]) && this.queues.size === pending.length) return;
    }
  }

  detach(): void {
    if (this.detached) return;
    this.detached = true;
    this.engine.off('flow:state', this.listener);
    for (const handle of this.timers.values()) this.clock.clearTimeout(handle);
    this.timers.clear();
  }
}

/**
 * Attaches alerting to an engine: flow runs that fail, crash or start late, failed health checks
 * (`reportHealth`) and flows with no successful run within a window (dead-man's switch) raise
 * alerts. Alerts with the same key inside `throttleMs` are sent once (a flow failing 10 times in 5
 * minutes pages once); when a failing flow next completes, one "recovered" message follows.
 * Channels run one alert at a time each, in order; a failing channel is recorded in `deliveries`
 * and emitted as `alert:failed`, never thrown into the engine.
 *
 * @example
 * const alerts = attachAlerts(engine, {
 *   channels: [slackWebhook({ url: process.env.SLACK_WEBHOOK_URL! })],
 *   rules: [{ type: 'flow-state' }, { type: 'dead-man', flow: 'incremental-sync', windowMs: 26 * 3_600_000 }],
 *   runUrl: ({ runId }) => `https://vms.example.org/runs/${runId}`,
 * });
 */
export function attachAlerts(engine: AlertsEngine, options: AttachAlertsOptions): AlertsHandle {
  if (engine === null || typeof engine !== 'object' || typeof engine.on !== 'function' || typeof engine.off !== 'function') {
    invalidOption('engine', 'an engine with `on` and `off`', engine === null ? null : typeof engine);
  }
  if (options === null || typeof options !== 'object') invalidOption('options', 'an object', options);
  if (!Array.isArray(options.channels) || options.channels.length === 0) {
    invalidOption('channels', 'a non-empty array of channels', options.channels);
  }
  const names = new Set<string>();
  options.channels.forEach((channel, i) => {
    if (channel === null || typeof channel !== 'object' || typeof channel.send !== 'function' || typeof channel.name !== 'string') {
      invalidOption(`channels[${i}]`, 'a channel with `name` and `send`', channel);
    }
    if (names.has(channel.name)) invalidOption(`channels[${i}].name`, 'unique among channels', channel.name);
    names.add(channel.name);
  });
  const rules = validateRules(options.rules ?? [...DEFAULT_RULES], names);
  const throttleMs = checkInteger('throttleMs', options.throttleMs ?? 30 * 60_000, 0, 'ms');
  const maxDeliveries = checkInteger('maxDeliveries', options.maxDeliveries ?? 1000, 1);
  return new Alerts(engine, options, rules, options.clock ?? systemClock, throttleMs, maxDeliveries);
}
