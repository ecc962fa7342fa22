/** Alert rules as plain data, and their validation. */
import type { AlertSeverity } from './alert.js';
import { checkInteger, invalidOption } from './errors.js';

/** Flow-run states that can raise an alert. */
export type AlertingState = 'Failed' | 'Crashed' | 'Late';

/** Settings every rule may carry. */
interface RuleBase {
  /** Names of the channels this rule's alerts go to. @default every channel */
  channels?: string[];
  /** Throttle window for this rule's alerts, in ms. @default the `throttleMs` given to `attachAlerts` */
  throttleMs?: number;
}

/** Alert when a flow run enters one of `states`. */
export interface FlowStateRule extends RuleBase {
  /** Selects this rule. Required. */
  type: 'flow-state';
  /** States that raise an alert. @default ['Failed', 'Crashed', 'Late'] */
  states?: AlertingState[];
  /** Only these flows (exact names). @default every flow */
  flows?: string[];
  /** Severity per state. @default { Failed: 'error', Crashed: 'critical', Late: 'warning' } */
  severity?: Partial<Record<AlertingState, AlertSeverity>>;
}

/** Alert when a health check reported through `reportHealth` fails. */
export interface HealthRule extends RuleBase {
  /** Selects this rule. Required. */
  type: 'health';
  /** Only these checks (by name). @default every check */
  checks?: string[];
  /** Severity of its alerts. @default 'error' */
  severity?: AlertSeverity;
}

/** Alert when `flow` has had no `Completed` run for `windowMs` (a dead-man's switch). */
export interface DeadManRule extends RuleBase {
  /** Selects this rule. Required. */
  type: 'dead-man';
  /** Name of the flow to watch (exact). Required. */
  flow: string;
  /** Longest time without a successful run, in ms, e.g. 26 h for a nightly job. Required. */
  windowMs: number;
  /** Severity of its alerts. @default 'error' */
  severity?: AlertSeverity;
}

/** One rule of `attachAlerts`. */
export type AlertRule = FlowStateRule | HealthRule | DeadManRule;

/** Rules used when none are given: every Failed, Crashed and Late flow run, and every failed health check. */
export const DEFAULT_RULES: readonly AlertRule[] = Object.freeze([{ type: 'flow-state' }, { type: 'health' }]);

const SEVERITIES: readonly AlertSeverity[] = ['critical', 'error', 'warning', 'info', 'resolved'];
const STATES: readonly AlertingState[] = ['Failed', 'Crashed', 'Late'];

function checkStrings(name: string, value: unknown): void {
  if (value !== undefined && (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))) {
    invalidOption(name, 'an array of strings', value);
  }
}

function checkSeverity(name: string, value: unknown): void {
  if (value !== undefined && !SEVERITIES.includes(value as AlertSeverity)) {
    invalidOption(name, `one of ${SEVERITIES.map((s) => `'${s}'`).join(', ')}`, value);
  }
}

/** Validates rules against the channel names, echoing the bad value. */
export function validateRules(rules: unknown, channelNames: ReadonlySet<string>): AlertRule[] {
  if (!Array.isArray(rules)) invalidOption('rules', 'an array of rules', rules);
  rules.forEach((rule: unknown, i) => {
    const at = `rules[${i}]`;
    if (rule === null || typeof rule !== 'object') invalidOption(at, 'a rule object', rule);
    const r = rule as Record<string, unknown>;
    checkStrings(`${at}.channels`, r['channels']);
    for (const channel of (r['channels'] as string[] | undefined) ?? []) {
      if (!channelNames.has(channel)) invalidOption(`${at}.channels`, `names of given channels (${[...channelNames].join(', ')})`, channel);
    }
    if (r['throttleMs'] !== undefined) checkInteger(`${at}.throttleMs`, r['throttleMs'], 0, 'ms');
    switch (r['type']) {
      case 'flow-state': {
        checkStrings(`${at}.states`, r['states']);
        for (const state of (r['states'] as string[] | undefined) ?? []) {
          if (!STATES.includes(state as AlertingState)) invalidOption(`${at}.states`, "states among 'Failed', 'Crashed', 'Late'", state);
        }
        checkStrings(`${at}.flows`, r['flows']);
        const severity = r['severity'];
        if (severity !== undefined) {
          if (severity === null || typeof severity !== 'object') invalidOption(`${at}.severity`, 'an object of severities by state', severity);
          for (const [state, value] of Object.entries(severity)) checkSeverity(`${at}.severity.${state}`, value);
        }
        break;
      }
      case 'health':
        checkStrings(`${at}.checks`, r['checks']);
        checkSeverity(`${at}.severity`, r['severity']);
        break;
      case 'dead-man':
        if (typeof r['flow'] !== 'string' || r['flow'] === '') invalidOption(`${at}.flow`, 'a flow name', r['flow']);
        checkInteger(`${at}.windowMs`, r['windowMs'], 1, 'ms');
        checkSeverity(`${at}.severity`, r['severity']);
        break;
      default:
        invalidOption(`${at}.type`, "'flow-state', 'health' or 'dead-man'", r['type']);
    }
  });
  return rules as AlertRule[];
}
