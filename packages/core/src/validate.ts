/**
 * Option validation that echoes the bad value, p-queue style:
 * ``Expected `retries` to be an integer >= 0, got `-1` (number)``.
 */
import { InvalidOptionError } from './errors.js';

/** Renders a value for an error message: `` `-1` (number) ``. */
export function describeValue(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (typeof value === 'function') text = `[function ${value.name || 'anonymous'}]`;
  else {
    try {
      text = typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
    } catch {
      text = String(value);
    }
  }
  if (text.length > 80) text = `${text.slice(0, 77)}...`;
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return `\`${text}\` (${type})`;
}

/** Throws an {@link InvalidOptionError}: ``Expected `<name>` to be <expected>, got <value>``. */
export function invalid(name: string, expected: string, value: unknown): never {
  throw new InvalidOptionError(name, `Expected \`${name}\` to be ${expected}, got ${describeValue(value)}`);
}

/** An integer >= `min` (`Infinity` allowed when `allowInfinity`). */
export function checkInteger(name: string, value: unknown, min: number, allowInfinity = false): number {
  if (typeof value === 'number' && ((allowInfinity && value === Infinity) || (Number.isInteger(value) && value >= min))) {
    return value;
  }
  return invalid(name, `an integer >= ${min}${allowInfinity ? ' or Infinity' : ''}`, value);
}

/** A finite number >= `min` (or > `min` when `exclusive`). */
export function checkNumber(name: string, value: unknown, min: number, exclusive = false): number {
  if (typeof value === 'number' && Number.isFinite(value) && (exclusive ? value > min : value >= min)) return value;
  return invalid(name, `a finite number ${exclusive ? '>' : '>='} ${min}`, value);
}

/** A non-empty string. */
export function checkName(name: string, value: unknown): string {
  if (typeof value === 'string' && value.trim().length > 0) return value;
  return invalid(name, 'a non-empty string', value);
}

/** A function. */
export function checkFunction(name: string, value: unknown): void {
  if (typeof value !== 'function') invalid(name, 'a function', value);
}
