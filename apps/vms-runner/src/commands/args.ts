/** Parsing of command-line values. */
import { FlowError, type Json } from '@vms/flow-core';
import type { Scale } from '../generator/volumes';

function usage(message: string): FlowError {
  return new FlowError('USAGE', message, { category: 'validation' });
}

/** `--scale`: `1`, `0.5`, `10` or `prod`. */
export function parseScale(value: string): Scale {
  if (value === 'prod') return 'prod';
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 1000) throw usage(`Expected \`--scale\` to be a number > 0 (up to 1000) or \`prod\`, got \`${value}\``);
  return n;
}

/**
 * `--param k=v` pairs into flow params: a value that is valid JSON is taken as JSON (`5`,
 * `true`, `["volunteers"]`), anything else as a string (`2024-2025`). A key given twice fails.
 */
export function parseParams(pairs: readonly string[]): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw usage(`Expected \`--param key=value\`, got \`${pair}\``);
    const key = pair.slice(0, eq).trim();
    const raw = pair.slice(eq + 1);
    if (Object.hasOwn(out, key)) throw usage(`\`--param ${key}\` is given twice`);
    let value: Json;
    try {
      value = JSON.parse(raw) as Json;
    } catch {
      value = raw;
    }
    out[key] = value;
  }
  return out;
}
