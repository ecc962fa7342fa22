/** The alert a channel delivers, and what each severity looks like. */

/** How bad it is. `resolved` is the "recovered" message. */
export type AlertSeverity = 'critical' | 'error' | 'warning' | 'info' | 'resolved';

/** What raised it. */
export type AlertKind = 'flow-state' | 'health' | 'dead-man' | 'recovered' | 'custom';

/** One alert, as handed to every channel. */
export interface Alert {
  /** De-duplication key: alerts with the same key inside the throttle window are sent once. */
  key: string;
  kind: AlertKind;
  severity: AlertSeverity;
  /** One line, e.g. `Flow nightly-sync failed`. */
  title: string;
  /** Details in plain text. */
  text: string;
  /** When it happened, epoch ms. */
  at: number;
  flowName?: string;
  runId?: string;
  /** The run state that raised it (`Failed`, `Crashed`, `Late`, ...). */
  state?: string;
  /** A link to the run (dashboard), when known. */
  runUrl?: string;
  /** Extra labelled values shown by channels that have fields (Slack). */
  fields?: Record<string, string>;
  /** Alerts with this key held back by the throttle since the previous one was sent. */
  suppressed?: number;
}

/** Slack attachment colour per severity. */
export const SEVERITY_COLORS: Readonly<Record<AlertSeverity, string>> = Object.freeze({
  critical: '#8B0000',
  error: '#E01E5A',
  warning: '#ECB22E',
  info: '#36C5F0',
  resolved: '#2EB67D',
});

/** Plain-text rendering shared by email and logs. */
export function alertText(alert: Alert): string {
  const lines = [`[${alert.severity.toUpperCase()}] ${alert.title}`, '', alert.text];
  if (alert.flowName !== undefined) lines.push('', `Flow: ${alert.flowName}`);
  if (alert.runId !== undefined) lines.push(`Run: ${alert.runId}`);
  if (alert.state !== undefined) lines.push(`State: ${alert.state}`);
  if (alert.runUrl !== undefined) lines.push(`Link: ${alert.runUrl}`);
  for (const [name, value] of Object.entries(alert.fields ?? {})) lines.push(`${name}: ${value}`);
  if (alert.suppressed !== undefined && alert.suppressed > 0) {
    lines.push('', `${alert.suppressed} similar alert(s) were held back since the last one.`);
  }
  lines.push('', `At: ${new Date(alert.at).toISOString()}`);
  return lines.join('\n');
}
