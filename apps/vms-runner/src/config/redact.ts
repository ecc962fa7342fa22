/**
 * `redactConfig`: the configuration as it may be printed (by `doctor`, in logs): every secret
 * replaced by `[redacted]`, URLs with credentials or tokens in them reduced to their origin.
 */
import type { RunnerConfig } from './config';

/** What a secret is printed as. */
export const REDACTED = '[redacted]';

const SECRET_KEY = /pass(word)?|secret|token|private_?key|api_?key|credential|webhook/i;

function redactValue(key: string, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (SECRET_KEY.test(key)) {
    if (Array.isArray(value)) return value.map(() => REDACTED);
    if (typeof value === 'object') return REDACTED;
    return typeof value === 'string' && value.length === 0 ? '' : REDACTED;
  }
  if (Array.isArray(value)) return value.map((v) => redactValue('', v));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactValue(k, v);
    return out;
  }
  return value;
}

/**
 * A printable copy of `config`: secrets (passwords, tokens, keys, webhook URLs) are replaced by
 * `[redacted]`.
 *
 * @example
 * ```ts
 * console.log(JSON.stringify(redactConfig(config), null, 2));
 * ```
 */
export function redactConfig(config: RunnerConfig): Record<string, unknown> {
  return redactValue('', config) as Record<string, unknown>;
}

/**
 * Removes every known secret of `config` from `text` (for error messages from libraries that
 * might echo one).
 */
export function scrubSecrets(text: string, config: RunnerConfig): string {
  const secrets: string[] = [];
  const collect = (key: string, value: unknown): void => {
    if (typeof value === 'string' && SECRET_KEY.test(key) && value.length >= 4) secrets.push(value);
    else if (Array.isArray(value)) value.forEach((v) => collect(key, v));
    else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) collect(k, v);
  };
  collect('', config);
  let out = text;
  for (const s of secrets.sort((a, b) => b.length - a.length)) out = out.split(s).join(REDACTED);
  return out;
}
