import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from './errors.js';
import { checkInteger, describeValue, invalidOptionMessage } from './validate.js';

describe('option messages', () => {
  it('echoes the value with its type, strings quoted or as written', () => {
    expect(describeValue(-1)).toBe('`-1` (number)');
    expect(describeValue('3')).toBe('`"3"` (string)');
    expect(describeValue('3', { quoteStrings: false })).toBe('`3` (string)');
    expect(describeValue(null)).toBe('`null` (null)');
    expect(describeValue([1, 2])).toBe('`[1,2]` (array)');
    expect(describeValue(function onTick() {})).toBe('`[function onTick]` (function)');
    expect(describeValue('x'.repeat(200), { quoteStrings: false })).toBe(`\`${'x'.repeat(77)}...\` (string)`);
  });

  it('builds the message plugins throw with their own error class, hiding a secret when told', () => {
    expect(invalidOptionMessage('timezone', 'an IANA time zone', 'Mars/Olympus', { quoteStrings: false })).toBe(
      'Expected `timezone` to be an IANA time zone, got `Mars/Olympus` (string)',
    );
    expect(invalidOptionMessage('url', 'an http(s) URL', 'ftp://user:pw@host', { shown: 'a `ftp:` URL' })).toBe(
      'Expected `url` to be an http(s) URL, got a `ftp:` URL',
    );
    expect(() => checkInteger('retries', -1, 0)).toThrow(InvalidOptionError);
    expect(() => checkInteger('retries', -1, 0)).toThrow('Expected `retries` to be an integer >= 0, got `-1` (number)');
  });
});
