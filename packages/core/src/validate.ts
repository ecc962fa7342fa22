/**
 * Option validation that echoes the bad value, p-queue style:
 * ``Expected `retries` to be an integer >= 0, got `-1` (number)``.
 */
import { InvalidOptionError } from './errors.js';

/** How {@link describeValue} and {@link invalidOptionMessage} render a value. */
export interface DescribeValueOptions {
  /**
   * Show a string in JSON quotes (`` `"3"` (string) ``) rather than as written (`` `3` (string) ``).
   * @default true
   */
  quoteStrings?: boolean;
}

/**
 * Renders a value for an error message, cut to 80 characters: `` `-1` (number) ``,
 * `` `"3"` (string) ``, `` `[1,2]` (array) ``. Never pass a secret here.
 *
 * @example
 * describeValue(-1); // '`-1` (number)'
 * describeValue('UTC', { quoteStrings: false }); // '`UTC` (string)'
 */
export function describeValue(value: unknown, options: DescribeValueOptions = {}): string {
  let text: string;
  if (typeof value === 'string') text = options.quoteStrings === false ? value : JSON.stringify(value);
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

/** Options of {@link invalidOptionMessage}. */
export interface InvalidOptionMessageOptions extends DescribeValueOptions {
  /**
   * What to show instead of the value, for a value that must not be echoed (a secret, a URL
   * with a token): e.g. `` 'a `ftp:` URL' ``.
   * @default undefined (the value, through {@link describeValue})
   */
  shown?: string;
}

/**
 * The message for a bad option, echoing the value: ``Expected `<name>` to be <expected>, got <value>``.
 * Plugins throw it with their own error class and code.
 *
 * @example
 * invalidOptionMessage('retries', 'an integer >= 0', -1);
 * // 'Expected `retries` to be an integer >= 0, got `-1` (number)'
 */
export function invalidOptionMessage(
  name: string,
  expected: string,
  value: unknown,
  options: InvalidOptionMessageOptions = {},
): string {
  return `Expected \`${name}\` to be ${expected}, got ${options.shown ?? describeValue(value, options)}`;
}

/** Throws an {@link InvalidOptionError}: ``Expected `<name>` to be <expected>, got <value>``. */
export function invalid(name: string, expected: string, value: unknown): never {
  throw new InvalidOptionError(name, invalidOptionMessage(name, expected, value));
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
