/**
 * Salesforce-shaped record Ids: 15 case-sensitive characters (3-character key prefix, then a
 * body) plus the 3-character case-insensitive checksum that makes the 18-character form.
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CHECKSUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** Adds the 3-character checksum to a 15-character Id. */
export function to18(id15: string): string {
  if (id15.length !== 15) throw new TypeError(`Expected a 15-character Salesforce Id, got \`${id15}\``);
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    suffix += CHECKSUM[bits];
  }
  return id15 + suffix;
}

/** True when `value` is a well-formed 18-character Salesforce Id (checksum included). */
export function isSalesforceId18(value: unknown): value is string {
  return typeof value === 'string' && /^[a-zA-Z0-9]{18}$/.test(value) && to18(value.slice(0, 15)) === value;
}

/**
 * The Id of record `index` of a generated kind: key prefix (3), pod (2), kind letter (1), index
 * in base 62 (9) = 15 characters, then the checksum. Kind letters keep kinds sharing a key prefix
 * (schools and organizations are both `001` Accounts) apart.
 */
export function makeId(prefix: string, kind: string, index: number): string {
  if (prefix.length !== 3 || kind.length !== 1) throw new TypeError(`Bad Id prefix \`${prefix}\`/\`${kind}\``);
  let body = '';
  let n = index;
  for (let i = 0; i < 9; i++) {
    body = BASE62[n % 62] + body;
    n = Math.floor(n / 62);
  }
  return to18(`${prefix}8V${kind}${body}`);
}
