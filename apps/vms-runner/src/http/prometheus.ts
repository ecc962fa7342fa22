/**
 * A small writer of the Prometheus text exposition format (version 0.0.4): `# HELP`, `# TYPE`
 * and samples with escaped label values.
 */

/** Metric types used here. */
export type PrometheusType = 'counter' | 'gauge' | 'summary';

/** One sample: labels and a value. */
export interface Sample {
  labels?: Record<string, string>;
  value: number;
  /** Suffix added to the metric name (`_sum`, `_count`). @default '' */
  suffix?: string;
}

/** One metric family. */
export interface MetricFamily {
  name: string;
  help: string;
  type: PrometheusType;
  samples: readonly Sample[];
}

/** The content type of the text format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** Renders metric families as Prometheus text. */
export function renderPrometheus(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels ?? {});
      const labelText =
        labels.length === 0 ? '' : `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
      lines.push(`${family.name}${sample.suffix ?? ''}${labelText} ${formatValue(sample.value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
