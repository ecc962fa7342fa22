/**
 * Turning runtime values into stored JSON: errors, results, params (with secrets redacted).
 */
import { FlowError, NonRetriableError, RetriesExhaustedError } from '../errors.js';
import type { ErrorClassification } from '../retry/classify.js';
import type { Json, JsonObject, SerializedError } from '../store/types.js';

/** Keys whose values never reach the store, logs or spans. */
export const DEFAULT_REDACT_KEYS = /pass(word)?|secret|token|api[-_]?key|authorization|credential|private[-_]?key|cookie/i;

/** Serialises an error (and its cause chain, up to 5 deep) to plain data. */
export function serializeError(error: unknown, classification?: ErrorClassification, depth = 0): SerializedError {
  if (!(error instanceof Error)) {
    return { name: 'NonError', message: typeof error === 'string' ? error : safeString(error) };
  }
  const out: SerializedError = { name: error.name, message: error.message };
  if (error instanceof FlowError) out.code = error.code;
  else if (typeof (error as { code?: unknown }).code === 'string') out.code = (error as unknown as { code: string }).code;
  const category = classification?.category ?? (error instanceof FlowError ? error.category : undefined);
  if (category) out.category = category;
  if (classification) out.retryable = classification.retryable;
  if (error.stack) out.stack = error.stack;
  if (error instanceof RetriesExhaustedError) out.attempts = error.attempts.map((e) => serializeError(e, undefined, depth + 1));
  if (error.cause !== undefined && depth < 5) out.cause = serializeError(error.cause, undefined, depth + 1);
  return out;
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  } catch {
    return String(value);
  }
}

/** Thrown when a value that must be stored is not JSON-serialisable. */
export class NotSerialisableError extends NonRetriableError {}

/**
 * Converts a value to stored JSON (`undefined` → `null`). Throws a {@link NonRetriableError}
 * naming `what` when the value cannot be serialised (BigInt, cycles).
 */
export function toJson(value: unknown, what: string): Json {
  if (value === undefined || value === null) return null;
  const t = typeof value;
  if (t === 'string' || t === 'boolean') return value as Json;
  if (t === 'number') return Number.isFinite(value) ? (value as number) : null;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? null : (JSON.parse(text) as Json);
  } catch (error) {
    throw new NonRetriableError(
      `${what} is not JSON-serialisable (${error instanceof Error ? error.message : String(error)}); return JSON or set \`persistResult: false\``,
      { cause: error, category: 'validation' },
    );
  }
}

/** Deep-copies `value` as JSON with the values of secret-looking keys replaced by `[REDACTED]`. */
export function redact(value: unknown, keys: RegExp, what: string): Json {
  const json = toJson(value, what);
  return redactJson(json, keys);
}

function redactJson(value: Json, keys: RegExp): Json {
  if (Array.isArray(value)) return value.map((v) => redactJson(v, keys));
  if (value !== null && typeof value === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = keys.test(k) ? '[REDACTED]' : redactJson(v, keys);
    return out;
  }
  return value;
}
